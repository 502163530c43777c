"""TF1's array ops on torch tensors, with TF's argument names, defaults and errors.

Shapes, axes, permutations and sizes may be ints, lists, ``TensorShape``s or tensors (so
``tf.reshape(x, [tf.shape(x)[0], -1])`` works).  ``shape``/``size``/``rank`` return int32 CPU
tensors, like TF's host-memory shape tensors.  Ops that TF computes without copying
(``reshape``, ``transpose``, ``squeeze``, ``slice``, ``split``...) return torch views.

>>> x = reshape(range(6), [2, -1])
>>> concat([x, x], axis=1).shape, shape(x).tolist()
(torch.Size([2, 6]), [2, 3])
"""
import builtins

import numpy as np
import torch
import torch.nn.functional as F

from . import dtypes
from ._convert import INTS, alias, binary, check_dtype, check_same_shape, ints, op_error, shape_str
from .constant_op import convert_to_tensor
from .errors import InvalidArgumentError, OpArgumentError

__all__ = [
    "concat", "stack", "unstack", "split", "squeeze", "expand_dims", "pad", "reshape", "shape",
    "size", "rank", "transpose", "tile", "slice", "strided_slice", "gather", "identity", "cast",
    "to_float", "to_double", "to_int32", "to_int64", "one_hot", "where", "boolean_mask", "range",
    "reverse", "stop_gradient",
]


def _common(values, op):
    """A list of values as tensors of the first tensor's dtype (TF's packing rule)."""
    ref = next((v for v in values if isinstance(v, torch.Tensor)), None)
    if ref is None:
        ref = convert_to_tensor(values[0])
    return [binary(ref, v, op)[1] for v in values]


def concat(values, axis, name="concat"):
    """Join tensors along ``axis``; all other dimensions must agree.

    >>> concat([[[1, 2]], [[3, 4]]], 0).tolist()
    [[1, 2], [3, 4]]
    """
    if not isinstance(values, (list, tuple)):
        return convert_to_tensor(values)
    ts = _common(values, "ConcatV2")
    if len(ts) == 1:
        return ts[0]
    r, axis = ts[0].dim(), int(axis)
    for t in ts[1:]:
        if t.dim() != r:
            raise op_error("Shape must be rank %d but is rank %d" % (r, t.dim()), "concat", *ts,
                           fix="Every value of tf.concat needs the same rank.")
    if not -r <= axis < r:
        raise op_error("Shape must be at least rank %d but is rank %d"
                       % (axis + 1 if axis >= 0 else -axis, r), "concat", *ts,
                       fix="The axis must be in [%d, %d)." % (-r, r))
    first = [d for i, d in enumerate(ts[0].shape) if i != axis % r]
    for t in ts[1:]:
        check_same_shape(first, [d for i, d in enumerate(t.shape) if i != axis % r])
    return torch.cat(ts, axis)


def stack(values, axis=0, name="stack"):
    """Stack same-shaped tensors along a new ``axis``.

    >>> stack([1, 2.5]).dtype
    torch.float32
    """
    if not any(isinstance(v, torch.Tensor) for v in values):
        t = convert_to_tensor(values)
        return t if axis == 0 else t.movedim(0, axis)
    ts = _common(values, "Pack")
    for t in ts[1:]:
        check_same_shape(ts[0].shape, t.shape)
    return torch.stack(ts, axis)


def unstack(value, num=None, axis=0, name="unstack"):
    """The list of slices of ``value`` along ``axis``."""
    x = convert_to_tensor(value)
    if num is not None and num != x.shape[axis]:
        raise OpArgumentError("Dimension %d in both shapes must be equal, but are %d and %d."
                              % (axis, x.shape[axis], num))
    return list(torch.unbind(x, axis))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """``num`` equal pieces, or pieces of the given sizes (one may be -1), along ``axis``.

    >>> [t.shape[0] for t in split(torch.zeros(10), [3, -1, 2])]
    [3, 5, 2]
    """
    x = convert_to_tensor(value)
    axis = int(axis)
    n = x.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if n % k:
            raise OpArgumentError("Dimension size must be evenly divisible by %d but is %d. Split "
                                  "into sizes instead: tf.split(value, [sizes...], axis)." % (k, n))
        return list(torch.split(x, n // k, axis))
    sizes = ints(num_or_size_splits)
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
    if sum(sizes) != n or min(sizes) < 0:
        raise OpArgumentError("can't split axis of size %d into pieces of size %s. The sizes must "
                              "add up to %d." % (n, shape_str(ints(num_or_size_splits)), n))
    return list(torch.split(x, sizes, axis))


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Remove size-1 dimensions: all of them, or those in ``axis`` (which must be 1)."""
    x = convert_to_tensor(input)
    axis = alias("axis", axis, "squeeze_dims", squeeze_dims)
    if axis is None:
        return x.squeeze()
    dims = ints(axis)
    for i, d in enumerate(dims):
        if not -x.dim() <= d < x.dim():
            raise op_error("squeeze_dims[%d] not in [%d,%d)." % (i, -x.dim(), x.dim()), "Squeeze",
                           x)
        if x.shape[d] != 1:
            raise op_error("Can not squeeze dim[%d], expected a dimension of 1, got %d"
                           % (d, x.shape[d]), "Squeeze", x)
    return x.squeeze(tuple(dims))


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """Insert a size-1 dimension at ``axis`` (-1: at the end)."""
    x = convert_to_tensor(input)
    axis = alias("axis", axis, "dim", dim)
    if axis is None:
        raise OpArgumentError("Must specify an axis argument to tf.expand_dims()")
    axis = ints(axis)[0]
    if not -x.dim() - 1 <= axis <= x.dim():
        raise op_error("dim %d not in the interval [%d, %d]." % (axis, -x.dim() - 1, x.dim()),
                       "ExpandDims", x)
    return x.unsqueeze(axis)


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pad each dimension by ``paddings[d] = [before, after]``.

    ``REFLECT`` mirrors without repeating the edge, ``SYMMETRIC`` with it.

    >>> pad([[1, 2, 3]], [[0, 0], [2, 1]], "REFLECT").tolist()
    [[3, 2, 1, 2, 3, 2]]
    """
    x = convert_to_tensor(tensor)
    if isinstance(paddings, (torch.Tensor, np.ndarray)):
        paddings = paddings.tolist()
    pads = [ints(p) for p in paddings]
    if len(pads) != x.dim():
        raise op_error("Shape must be rank %d but is rank %d" % (len(pads), x.dim()), "Pad", x,
                       [len(pads), 2], fix="paddings needs one [before, after] pair per dimension.")
    mode = mode.upper()
    if mode == "CONSTANT":
        _, value = binary(x, constant_values, "Pad")
        return F.pad(x, [p for pair in reversed(pads) for p in pair], value=value.item())
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise OpArgumentError('Value of argument `mode` expected to be one of "CONSTANT", '
                              '"REFLECT", or "SYMMETRIC". Received `mode` = %s' % mode)
    s = int(mode == "SYMMETRIC")
    for d, (lo, hi) in enumerate(pads):
        n = x.shape[d]
        if max(lo, hi) > n - 1 + s:
            raise InvalidArgumentError(
                "paddings must be %s the dimension size: %d, %d %s %d"
                % (("no greater than", lo, hi, "greater than", n) if s else
                   ("less than", lo, hi, "not less than", n)))
        if lo or hi:
            i = torch.arange(-lo, n + hi, device=x.device)
            i = torch.where(i < 0, -i - s, torch.where(i >= n, 2 * n - 2 + s - i, i))
            x = x.index_select(d, i)
    return x


def reshape(tensor, shape, name=None):
    """``tensor`` with a new shape; one dimension may be -1 (inferred)."""
    x = convert_to_tensor(tensor)
    shape = ints(shape)
    known = int(np.prod([d for d in shape if d != -1]))
    holes = [i for i, d in enumerate(shape) if d == -1]
    if len(holes) > 1:
        raise InvalidArgumentError("Only one input size may be -1, not both %d and %d"
                                   % tuple(holes[:2]))
    if (known != x.numel()) if not holes else (known == 0 or x.numel() % known):
        raise op_error("Cannot reshape a tensor with %d elements to shape %s (%s elements)"
                       % (x.numel(), shape_str(shape), known if not holes else "?"),
                       "Reshape", x, [len(shape)])
    return x.reshape(shape)


def shape(input, name=None, out_type=None):  # noqa: A002
    """The shape as a 1-D int32 tensor (on the CPU, like TF's host-memory shapes)."""
    return torch.tensor(convert_to_tensor(input).shape,
                        dtype=dtypes.int32 if out_type is None else dtypes.as_dtype(out_type))


def size(input, name=None, out_type=None):  # noqa: A002
    """The number of elements, as a 0-d int32 tensor."""
    return torch.tensor(convert_to_tensor(input).numel(),
                        dtype=dtypes.int32 if out_type is None else dtypes.as_dtype(out_type))


def rank(input, name=None):  # noqa: A002
    """The number of dimensions, as a 0-d int32 tensor."""
    return torch.tensor(convert_to_tensor(input).dim(), dtype=dtypes.int32)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permute the dimensions (``perm`` None: reverse them)."""
    x = convert_to_tensor(a)
    perm = list(builtins.range(x.dim()))[::-1] if perm is None else ints(perm)
    if len(perm) != x.dim():
        raise op_error("Dimension must be %d but is %d" % (x.dim(), len(perm)), "transpose", x,
                       [len(perm)], fix="perm needs one entry per dimension.")
    if sorted(p % max(x.dim(), 1) for p in perm) != list(builtins.range(x.dim())):
        raise InvalidArgumentError("transpose expects a permutation of [0, %d), got %s"
                                   % (x.dim(), perm))
    x = x.permute(perm)
    return x.conj() if conjugate else x


def tile(input, multiples, name=None):  # noqa: A002
    """Repeat ``input`` ``multiples[d]`` times along each dimension d."""
    x = convert_to_tensor(input)
    multiples = ints(multiples)
    if len(multiples) != x.dim():
        raise op_error("Shape must be rank %d but is rank %d" % (x.dim(), len(multiples)), "Tile",
                       x, [len(multiples)], fix="multiples needs one entry per dimension.")
    return x.repeat(multiples)


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The block of ``size`` (-1: to the end) starting at ``begin``.

    >>> slice([[1, 2, 3], [4, 5, 6]], [0, 1], [-1, 2]).tolist()
    [[2, 3], [5, 6]]
    """
    x = convert_to_tensor(input_)
    index = []
    for d, (b, s) in enumerate(zip(ints(begin), ints(size))):
        n = x.shape[d]
        if not 0 <= b <= n:
            raise InvalidArgumentError("Expected begin[%d] in [0, %d], but got %d" % (d, n, b))
        s = n - b if s == -1 else s
        if not 0 <= s <= n - b:
            raise InvalidArgumentError("Expected size[%d] in [0, %d], but got %d" % (d, n - b, s))
        index.append(builtins.slice(b, b + s))
    return x[tuple(index)]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """numpy-style ``input_[begin:end:strides]`` with TF's bit masks (what ``x[1:, ::2]`` builds).

    >>> strided_slice(range(10), [8], [2], [-3]).tolist()
    [8, 5]
    """
    x = convert_to_tensor(input_)
    begin, end = ints(begin), ints(end)
    strides = [1] * len(begin) if strides is None else ints(strides)
    index, flips, dim = [], [], 0
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        if ellipsis_mask >> i & 1:
            index.append(Ellipsis)
            dim = x.dim() - (len(begin) - i - 1 - _bits(new_axis_mask >> i + 1))
            continue
        if new_axis_mask >> i & 1:
            index.append(None)
            continue
        if shrink_axis_mask >> i & 1:
            index.append(b)
        else:
            sl = builtins.slice(None if begin_mask >> i & 1 else b,
                                None if end_mask >> i & 1 else e, s)
            if s < 0:          # torch slices forward only: flip the axis and slice forward
                n = x.shape[dim]
                start, stop, step = sl.indices(n)
                flips.append(dim)
                sl = builtins.slice(n - 1 - start, n - 1 - stop, -step)
            index.append(sl)
        dim += 1
    if flips:
        x = x.flip(flips)
    return x[tuple(index)]


def _bits(mask):
    return bin(mask).count("1")


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Slices of ``params`` along ``axis`` at ``indices``; the result has shape
    ``params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]``.

    >>> gather([[1, 2], [3, 4], [5, 6]], [2, 0]).tolist()
    [[5, 6], [1, 2]]
    """
    x = convert_to_tensor(params)
    idx = check_dtype(convert_to_tensor(indices), INTS, "int32, int64", "indices")
    axis = batch_dims if axis is None else int(axis) % x.dim()
    n = x.shape[axis]
    if idx.device.type == "cpu":
        bad = ((idx < 0) | (idx >= n)).nonzero()
        if len(bad):
            at = bad[0].tolist()
            raise InvalidArgumentError("indices[%s] = %d is not in [0, %d)"
                                       % (",".join(map(str, at)), idx[tuple(at)], n))
    idx = idx.to(x.device)

    def take(p, i, a):
        return p.index_select(a, i.reshape(-1)).reshape(p.shape[:a] + i.shape + p.shape[a + 1:])

    for _ in builtins.range(batch_dims):
        take = torch.vmap(take, in_dims=(0, 0, None))
    return take(x, idx, axis - batch_dims)


def identity(input, name=None):  # noqa: A002
    """``input`` itself; a variable's current value is copied (TF reads a snapshot)."""
    x = convert_to_tensor(input)
    return x.clone() if isinstance(x, torch.nn.Parameter) else x


def stop_gradient(input, name=None):  # noqa: A002
    """``input`` as a constant for autograd."""
    return convert_to_tensor(input).detach()


def cast(x, dtype, name=None):
    """``x`` in ``dtype``; floats to ints truncate towards 0."""
    dtype = dtypes.as_dtype(dtype)
    return convert_to_tensor(x).to(dtype)


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """``on_value`` where the index is, ``off_value`` elsewhere (out-of-range indices: all off).

    >>> one_hot([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    idx = check_dtype(convert_to_tensor(indices), (dtypes.uint8, dtypes.int8) + INTS,
                      "uint8, int8, int32, int64", "indices")
    if dtype is None:
        given = next((v for v in (on_value, off_value) if v is not None), None)
        dtype = dtypes.float32 if given is None else convert_to_tensor(given).dtype
    dtype = dtypes.as_dtype(dtype)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype)
    off = convert_to_tensor(0 if off_value is None else off_value, dtype)
    hot = idx.unsqueeze(-1) == torch.arange(int(depth), device=idx.device)
    out = torch.where(hot, on.to(idx.device), off.to(idx.device))
    return out if axis is None or axis == -1 else out.movedim(-1, axis)


def where(condition, x=None, y=None, name=None):
    """TF1's ``where``: coordinates of true elements (int64 ``[n, rank]``), or an elementwise
    choice between ``x`` and ``y``, of one shape; a vector ``condition`` picks whole rows.

    >>> where([True, False], [[1, 1], [2, 2]], [[0, 0], [0, 0]]).tolist()
    [[1, 1], [0, 0]]
    """
    cond = convert_to_tensor(condition)
    if x is None and y is None:
        return torch.nonzero(cond)
    if x is None or y is None:
        raise OpArgumentError("x and y must both be non-None or both be None.")
    x, y = binary(x, y, "Select")
    check_same_shape(x.shape, y.shape)
    if cond.dim() == 1 and x.dim() > 1:
        if len(cond) != len(x):
            check_same_shape(cond.shape, x.shape[:1])
        cond = cond.reshape([-1] + [1] * (x.dim() - 1))
    elif cond.shape != x.shape:
        check_same_shape(x.shape, cond.shape)
    return torch.where(cond.to(x.device), x, y)


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of ``tensor`` where ``mask`` (covering dims ``axis..axis+mask.ndim``) is true.

    >>> boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True]).tolist()
    [[1, 2], [5, 6]]
    """
    x, m = convert_to_tensor(tensor), convert_to_tensor(mask)
    if m.dim() == 0:
        raise OpArgumentError("mask cannot be scalar.")
    axis = 0 if axis is None else int(axis) % x.dim()
    k = m.dim()
    check_same_shape(list(x.shape[axis:axis + k]), list(m.shape))
    flat = x.reshape(x.shape[:axis] + (-1,) + x.shape[axis + k:])
    return flat.index_select(axis, m.reshape(-1).nonzero().squeeze(1).to(x.device))


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """``[start, start + delta, ...)`` up to ``limit``; ``range(n)`` counts from 0.

    >>> range(3).tolist(), range(1, 2.5).dtype
    ([0, 1, 2], torch.float32)
    """
    if limit is None:
        start, limit = 0, start
    values = [convert_to_tensor(v) for v in (start, limit, delta)]
    if dtype is None:
        dtype = max((v.dtype for v in values), key=_RANGE_ORDER.index)
    dtype = dtypes.as_dtype(dtype)
    start, limit, delta = (v.item() for v in values)
    return torch.arange(start, limit, delta, dtype=dtype)


def reverse(tensor, axis, name=None):
    """``tensor`` reversed along the dimensions in ``axis``."""
    return convert_to_tensor(tensor).flip(ints(axis))
