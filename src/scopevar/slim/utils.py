"""TF-Slim's layer utilities: named outputs ("end points") in collections.

>>> import scopevar as tf
>>> from scopevar import slim
>>> y = slim.utils.collect_named_outputs("end_points", "net/conv1", tf.ones([2]))
>>> list(slim.utils.convert_collection_to_dict("end_points"))
['net/conv1']
"""
import collections as _collections

from ..graph import add_to_collections, get_collection, get_default_graph

__all__ = ["append_tensor_alias", "channel_dimension", "collect_named_outputs",
           "convert_collection_to_dict", "get_tensor_aliases", "gather_tensors_aliases",
           "last_dimension"]


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


def _get_dimension(shape, dim, min_rank):
    dims = shape.dims
    if dims is None:
        raise ValueError("dims of shape must be known but is None")
    if len(dims) < min_rank:
        raise ValueError("rank of shape must be at least %d not: %d" % (min_rank, len(dims)))
    value = dims[dim].value
    if value is None:
        raise ValueError("dimension %d of shape must be known but is None: %s" % (dim, shape))
    return value


def channel_dimension(shape, data_format, min_rank=1):
    """The channel size of a ``TensorShape`` (``data_format`` ``'channels_first'`` or
    ``'channels_last'``), checking its rank is at least ``min_rank``."""
    return _get_dimension(shape, 1 if data_format == "channels_first" else -1, min_rank)


def last_dimension(shape, min_rank=1):
    """The last dimension of a ``TensorShape``, checking its rank is at least ``min_rank``."""
    return _get_dimension(shape, -1, min_rank)
