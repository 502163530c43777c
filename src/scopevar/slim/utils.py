"""TF-Slim's layer utilities: named outputs ("end points") in collections.

>>> import scopevar as tf
>>> from scopevar import slim
>>> y = slim.utils.collect_named_outputs("end_points", "net/conv1", tf.ones([2]))
>>> list(slim.utils.convert_collection_to_dict("end_points"))
['net/conv1']
"""
import collections as _collections

from ..graph import add_to_collections, get_collection, get_default_graph

__all__ = ["append_tensor_alias", "collect_named_outputs", "convert_collection_to_dict",
           "get_tensor_aliases", "gather_tensors_aliases"]


def append_tensor_alias(tensor, alias):
    """Append ``alias`` (a trailing ``/`` dropped) to ``tensor.aliases``."""
    if alias[-1] == "/":
        alias = alias[:-1]
    if hasattr(tensor, "aliases"):
        tensor.aliases.append(alias)
    else:
        tensor.aliases = [alias]
    return tensor


def collect_named_outputs(collections, alias, outputs):
    """Tag ``outputs`` with ``alias`` and add it to ``collections`` (None: do nothing)."""
    if collections:
        append_tensor_alias(outputs, alias)
        add_to_collections(collections, outputs)
    return outputs


def get_tensor_aliases(tensor):
    """The aliases of ``tensor`` (its name when it has none)."""
    if hasattr(tensor, "aliases"):
        return list(tensor.aliases)
    name = getattr(tensor, "name", None)
    return [name.split(":")[0]] if name else []


def gather_tensors_aliases(tensors):
    return [a for t in tensors for a in get_tensor_aliases(t)]


def convert_collection_to_dict(collection, clear_collection=False):
    """``OrderedDict`` ``{alias: tensor}`` of a collection of named outputs."""
    out = _collections.OrderedDict((alias, t) for t in get_collection(collection)
                                   for alias in get_tensor_aliases(t))
    if clear_collection:
        get_default_graph().clear_collection(collection)
    return out
