"""TF-Slim's layer utilities: named outputs ("end points") in collections.

>>> import scopevar as tf
>>> from scopevar import slim
>>> y = slim.utils.collect_named_outputs("end_points", "net/conv1", tf.ones([2]))
>>> list(slim.utils.convert_collection_to_dict("end_points"))
['net/conv1']
"""
import collections as _collections
import weakref

from ..errors import LayerArgumentError
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
    """Tag ``outputs`` with ``alias`` and add it to ``collections`` (None: do nothing).

    Eagerly a network runs at every step, and TF-Slim's nets file each call's end points
    under a new collection (``resnet_v1_50_1/_end_points``, ...): kept for good, they would
    hold every step's activations and autograd graph.  So once ``convert_collection_to_dict``
    has put them in a dict (the nets return it), the collection holds them weakly, and an
    entry leaves its collection with its tensor.
    """
    if collections:
        append_tensor_alias(outputs, alias)
        add_to_collections(collections, _NamedOutput(outputs, get_default_graph(), collections))
    return outputs


class _NamedOutput:
    """A collection entry standing for a layer output, read as the output itself
    (``get_collection`` evaluates it); held strongly until ``release``, then weakly."""
    _lazy_collection_item = True
    __slots__ = ("_ref", "_tensor")

    def __init__(self, tensor, graph, collections):
        names = (collections,) if isinstance(collections, str) else set(collections)

        def leave(_):   # no lock: this may run inside any graph call, during a GC
            for name in names:
                items = graph._collections.get(name, ())
                for i, item in enumerate(items):
                    if item is self:
                        del items[i]
                        if not items:
                            graph._collections.pop(name, None)
                        break
        self._tensor, self._ref = tensor, weakref.ref(tensor, leave)

    def __call__(self):
        return self._ref()

    def release(self):
        self._tensor = None

    @property
    def name(self):
        return getattr(self._ref(), "name", None)


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
    for entry in get_default_graph()._collections.get(collection, ()):
        if isinstance(entry, _NamedOutput):
            entry.release()     # the dict holds the tensors now (see collect_named_outputs)
    if clear_collection:
        get_default_graph().clear_collection(collection)
    return out


def _get_dimension(shape, dim, min_rank):
    dims = shape.dims
    if dims is None:
        raise LayerArgumentError("dims of shape must be known but is None")
    if len(dims) < min_rank:
        raise LayerArgumentError("rank of shape must be at least %d not: %d"
                                 % (min_rank, len(dims)))
    value = dims[dim].value
    if value is None:
        raise LayerArgumentError("dimension %d of shape must be known but is None: %s"
                                 % (dim, shape))
    return value


def channel_dimension(shape, data_format, min_rank=1):
    """The channel size of a ``TensorShape`` (``data_format`` ``'channels_first'`` or
    ``'channels_last'``), checking its rank is at least ``min_rank``."""
    return _get_dimension(shape, 1 if data_format == "channels_first" else -1, min_rank)


def last_dimension(shape, min_rank=1):
    """The last dimension of a ``TensorShape``, checking its rank is at least ``min_rank``."""
    return _get_dimension(shape, -1, min_rank)
