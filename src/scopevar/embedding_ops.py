"""``tf.nn.embedding_lookup`` and ``embedding_lookup_sparse``: rows of a (partitioned) table.

The table is one tensor / variable, a list of them (the partitions) or a ``PartitionedVariable``;
ids map to partitions exactly as in TF (``mod``: id ``i`` is row ``i // n`` of partition
``i % n``; ``div``: contiguous ranges, the first ``total % n`` partitions one row longer).

>>> emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
>>> tf.nn.embedding_lookup(emb, [[1, 7], [9, 0]], partition_strategy="div").shape
torch.Size([2, 2, 4])
"""
from collections import namedtuple

import torch

from .constant_op import convert_to_tensor
from .errors import EmbeddingArgumentError, EmbeddingIndexError, EmbeddingTypeError
from .variables import PartitionedVariable

__all__ = ["SparseTensor", "embedding_lookup", "embedding_lookup_sparse"]

SparseTensor = namedtuple("SparseTensor", ["indices", "values", "dense_shape"])
SparseTensor.__doc__ = """A sparse tensor as TF's: ``indices`` [N, rank] int64, ``values`` [N],
``dense_shape`` [rank].

>>> sp_ids = SparseTensor(indices=[[0, 0], [0, 1], [2, 0]], values=[3, 1, 4], dense_shape=[3, 2])
"""


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """The rows ``ids`` of ``params``: a tensor of shape ``ids.shape + params.shape[1:]``.

    With ``max_norm`` each embedding whose l2-norm exceeds it is scaled down to it (TF's
    ``clip_by_norm``).  ``name`` and ``validate_indices`` are accepted for TF's sake; ids out
    of range always raise ``EmbeddingIndexError`` (TF's ``InvalidArgumentError``).

    >>> table = torch.arange(12.).reshape(6, 2)
    >>> embedding_lookup([table[0::2], table[1::2]], [5, 0])       # "mod" over 2 partitions
    tensor([[10., 11.],
            [ 0.,  1.]])
    """
    parts = _partitions(params)
    ids = _ids(ids, parts[0].device)
    if len(parts) == 1:
        return _clip(_gather(parts[0], ids), ids.dim(), max_norm)
    element_shape = parts[0].shape[1:]
    for part in parts[1:]:
        if part.shape[1:] != element_shape:
            raise EmbeddingArgumentError("Shapes %s and %s are not compatible (every partition "
                                         "of an embedding needs the same row shape)"
                                         % (tuple(element_shape), tuple(part.shape[1:])))
    flat = ids.reshape(-1)
    assignment, rows = _assign(flat, [part.shape[0] for part in parts], partition_strategy)
    positions, pieces = [], []
    for p, part in enumerate(parts):
        where = torch.nonzero(assignment == p).squeeze(1)
        positions.append(where)
        pieces.append(_gather(part, rows[where], flat[where]))
    gathered = torch.cat(pieces)
    result = torch.empty_like(gathered).index_copy(0, torch.cat(positions), gathered)
    return _clip(result.reshape(ids.shape + element_shape), ids.dim(), max_norm)


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None,
                            combiner=None, max_norm=None, allow_fast_lookup=False):
    """Combine, per row of ``sp_ids``, the embeddings of its ids: ``combiner`` is ``"mean"``
    (default), ``"sqrtn"`` or ``"sum"``, weighted by ``sp_weights`` (a ``SparseTensor`` like
    ``sp_ids``, or None for weights 1).  The result has ``max(row) + 1`` rows, as TF's.
``name`` and ``allow_fast_lookup`` are accepted for TF's sake.

    >>> sp = SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 2, 0], [2, 2])
    >>> embedding_lookup_sparse(torch.eye(3), sp, None, combiner="sum")
    tensor([[0., 1., 1.],
            [1., 0., 0.]])
    """
    combiner = combiner or "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise EmbeddingArgumentError("combiner must be one of 'mean', 'sqrtn' or 'sum', got %s"
                                     % combiner)
    if not isinstance(sp_ids, SparseTensor):
        raise EmbeddingTypeError("sp_ids must be SparseTensor, got %s" % type(sp_ids))
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise EmbeddingTypeError("sp_weights must be either None or SparseTensor,got %s"
                                 % type(sp_weights))
    device = _partitions(params)[0].device
    segments = convert_to_tensor(sp_ids.indices).to(device).reshape(-1, 2)[:, 0].long()
    unique, index = torch.unique(_ids(sp_ids.values, device), return_inverse=True)
    embeddings = embedding_lookup(params, unique, partition_strategy, max_norm=max_norm)[index]
    dtype = embeddings.dtype
    if dtype in (torch.float16, torch.bfloat16):
        embeddings = embeddings.float()
    num = int(segments.max()) + 1 if len(segments) else 0
    if sp_weights is None:              # TF's sparse_segment_{sum,mean,sqrt_n}
        total = _segment_sum(embeddings, segments, num)
        if combiner == "sum":
            return total.to(dtype)
        count = _segment_sum(torch.ones_like(segments, dtype=total.dtype), segments, num)
        count = count.reshape(count.shape + (1,) * (total.dim() - 1))
        scale = torch.where(count > 0, count if combiner == "mean" else _sqrt(count), 1)
        total = torch.where(count < 10, total * (1 / scale), total / scale)
        return total.to(dtype)
    weights = convert_to_tensor(sp_weights.values).to(device, embeddings.dtype)
    weights = weights.reshape(weights.shape + (1,) * (embeddings.dim() - 1))
    total = _segment_sum(embeddings * weights, segments, num)
    if combiner != "sum":               # div_no_nan by the sum of weights (of squares, rooted)
        norm = _segment_sum(weights if combiner == "mean" else weights * weights, segments, num)
        norm = norm if combiner == "mean" else _sqrt(norm)
        total = torch.where(norm != 0, total / torch.where(norm != 0, norm, 1), 0)
    return total.to(dtype)


def _partitions(params):
    if params is None:
        raise EmbeddingArgumentError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise EmbeddingArgumentError("Length of params is currently 0. Need at least one param.")
    if isinstance(params, PartitionedVariable):
        return list(params)
    return list(params) if isinstance(params, (list, tuple)) else [params]


def _ids(ids, device):
    ids = convert_to_tensor(ids).to(device)
    if ids.dtype not in (torch.int32, torch.int64):
        raise EmbeddingTypeError("ids must be int32 or int64, got %s" % ids.dtype)
    return ids.long()


def _assign(ids, sizes, strategy):
    """(partition, row in it) of each id (TF's maps; ``//`` and ``%`` floor as TF's)."""
    n = len(sizes)
    if strategy == "mod":
        return ids % n, ids // n
    if strategy == "div":
        per, extras = divmod(sum(sizes), n)
        assignment = torch.maximum(ids // (per + 1), (ids - extras) // per)
        rows = torch.where(assignment < extras, ids % (per + 1), (ids - extras) % per)
        return assignment, rows
    raise EmbeddingArgumentError("Unrecognized partition strategy: %s.Must be one of either "
                                 "`mod` or `div`." % strategy)


def _gather(part, rows, ids=None):
    """``part[rows]``; an out-of-range row raises, naming the id it came from (if given)."""
    bad = torch.nonzero((rows < 0) | (rows >= part.shape[0]))
    if len(bad):
        at = tuple(bad[0].tolist())
        message = "indices[%s] = %d is not in [0, %d)" % (",".join(map(str, at)), rows[at],
                                                          part.shape[0])
        if ids is not None:
            message += " (id %d of the embedding, in a partition of %d rows)" % (
                ids[at], part.shape[0])
        raise EmbeddingIndexError(message)
    return part[rows]


def _clip(values, ids_rank, max_norm):
    """TF's ``clip_by_norm`` of each embedding (the axes after the ids' ones)."""
    if max_norm is None:
        return values
    squares = (values * values).sum(dim=tuple(range(ids_rank, values.dim())), keepdim=True)
    norm = torch.where(squares > 0, _sqrt(torch.where(squares > 0, squares, 1)), squares)
    return values * max_norm / torch.clamp(norm, min=max_norm)


def _sqrt(x):
    """Correctly rounded, as TF's (torch's float32 CPU sqrt is sometimes one ulp off)."""
    return x.double().sqrt().to(x.dtype)


def _segment_sum(values, segments, num):
    return values.new_zeros((num,) + values.shape[1:]).index_add(0, segments, values)
