"""TF1's math ops on torch tensors, with TF's argument names, defaults and dtype rules.

Inputs may be tensors, Python numbers, lists or numpy arrays; a Python value meeting a tensor
takes its dtype (``tf.add(x, 1)``), two tensors must share one (TF's ``TypeError`` otherwise).
Integer ``reduce_mean`` truncates, ``argmax`` defaults to axis 0, ``truediv`` of int32 gives
float64: all as in TF.

>>> reduce_mean([[1., 2.], [3., 4.]], axis=1, keep_dims=True).tolist()
[[1.5], [3.5]]
>>> argmax([[1, 5], [3, 2]]).tolist()
[1, 0]
"""
import builtins

import numpy as np
import torch

from . import dtypes
from ._convert import (FLOATS, alias, axes, binary, check_dtype, check_same_shape, floats,
                       op_error)
from .constant_op import convert_to_tensor
from .errors import OpArgumentError, OpTypeError

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "div", "floordiv", "mod", "pow",
    "minimum", "maximum", "squared_difference", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_not",
    "abs", "negative", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos",
    "tanh", "sigmoid", "round", "floor", "ceil",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
    "reduce_all", "reduce_logsumexp", "count_nonzero", "argmax", "argmin", "cumsum",
    "matmul", "tensordot", "einsum", "add_n", "clip_by_value", "clip_by_norm", "norm",
]

_FLOAT_OR_COMPLEX = FLOATS + (dtypes.complex64, dtypes.complex128)
_FLOAT_OR_COMPLEX_NAMES = "bfloat16, float16, float32, float64, complex64, complex128"


def _named(fn, name, doc):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


# --- elementwise ---------------------------------------------------------------------------------

def _binary_op(name, tf_op, fn, doc):
    def op(x, y, name=None):
        x, y = binary(x, y, tf_op)
        try:
            return fn(x, y)
        except RuntimeError:
            _check_broadcast(x, y, tf_op)
            raise
    return _named(op, name, doc)


def _check_broadcast(x, y, tf_op):
    for m, n in zip(reversed(x.shape), reversed(y.shape)):
        if m != n and 1 not in (m, n):
            raise op_error("Dimensions must be equal, but are %d and %d" % (m, n), tf_op, x, y,
                           fix="The shapes must broadcast (numpy rules).")


def _logical(x, y, tf_op):
    x, y = binary(x, y, tf_op)
    for arg, t in (("x", x), ("y", y)):
        if t.dtype is not dtypes.bool:
            raise OpTypeError("Input '%s' of '%s' Op has type %s that does not match expected type "
                              "of bool." % (arg, tf_op, dtypes.name(t.dtype)))
    return x, y


add = _binary_op("add", "AddV2", torch.add, "``x + y``, broadcasting.")
subtract = _binary_op("subtract", "Sub", torch.sub, "``x - y``, broadcasting.")
multiply = _binary_op("multiply", "Mul", torch.mul, "``x * y``, broadcasting.")
floordiv = _binary_op("floordiv", "FloorDiv", lambda x, y: torch.div(x, y, rounding_mode="floor"),
                      "``floor(x / y)``; integer division rounds towards -inf.")
mod = _binary_op("mod", "FloorMod", torch.remainder,
                 "Remainder of ``floordiv``: its sign is that of ``y``.")
pow = _binary_op("pow", "Pow", torch.pow, "``x ** y``.")  # noqa: A001 - TF's name
minimum = _binary_op("minimum", "Minimum", torch.minimum, "Elementwise min, broadcasting.")
maximum = _binary_op("maximum", "Maximum", torch.maximum, "Elementwise max, broadcasting.")
squared_difference = _binary_op("squared_difference", "SquaredDifference",
                                lambda x, y: torch.square(x - y), "``(x - y) ** 2``.")
equal = _binary_op("equal", "Equal", torch.eq, "``x == y`` (bool).")
not_equal = _binary_op("not_equal", "NotEqual", torch.ne, "``x != y`` (bool).")
less = _binary_op("less", "Less", torch.lt, "``x < y`` (bool).")
less_equal = _binary_op("less_equal", "LessEqual", torch.le, "``x <= y`` (bool).")
greater = _binary_op("greater", "Greater", torch.gt, "``x > y`` (bool).")
greater_equal = _binary_op("greater_equal", "GreaterEqual", torch.ge, "``x >= y`` (bool).")


def logical_and(x, y, name=None):
    """``x & y`` of two bool tensors."""
    return torch.logical_and(*_logical(x, y, "LogicalAnd"))


def logical_or(x, y, name=None):
    """``x | y`` of two bool tensors."""
    return torch.logical_or(*_logical(x, y, "LogicalOr"))


def logical_not(x, name=None):
    """``~x`` of a bool tensor."""
    x = convert_to_tensor(x)
    return torch.logical_not(check_dtype(x, (dtypes.bool,), "bool", "x"))


# int8/16 divide in float32, int32/64 in float64 (TF's _TRUEDIV_TABLE)
_TRUEDIV = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
            dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
            dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64}


def truediv(x, y, name=None):
    """``x / y`` in floating point: integers are cast first (int32 to float64, as TF does).

    >>> truediv(7, 2).item(), truediv(7, 2).dtype
    (3.5, torch.float64)
    """
    x, y = binary(x, y, "RealDiv")
    to = _TRUEDIV.get(x.dtype)
    if to is not None:
        x, y = x.to(to), y.to(to)
    return torch.true_divide(x, y)


def divide(x, y, name=None):
    """``x / y``: Python 3 division (``truediv``)."""
    return truediv(x, y)


def div(x, y, name=None):
    """TF1's ``tf.div``: Python 2 division, ``floordiv`` for integers, ``x / y`` for floats."""
    x, y = binary(x, y, "RealDiv")
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return torch.true_divide(x, y)
    return torch.div(x, y, rounding_mode="floor")


def _unary_op(name, fn, doc, float_only=False):
    def op(x, name=None):
        x = convert_to_tensor(x)
        if float_only:
            check_dtype(x, _FLOAT_OR_COMPLEX, _FLOAT_OR_COMPLEX_NAMES, "x")
        return fn(x)
    return _named(op, name, doc)


abs = _unary_op("abs", torch.abs, "``|x|``.")  # noqa: A001 - TF's name
negative = _unary_op("negative", torch.neg, "``-x``.")
sign = _unary_op("sign", torch.sign, "-1, 0 or 1 (NaN stays NaN).")
square = _unary_op("square", torch.square, "``x * x``.")
round = _unary_op("round", torch.round, "Round half to even, as TF (and numpy) do.")  # noqa: A001
floor = _unary_op("floor", torch.floor, "Largest integer not greater than ``x``.")
ceil = _unary_op("ceil", torch.ceil, "Smallest integer not less than ``x``.")
sqrt = _unary_op("sqrt", torch.sqrt, "``x ** 0.5`` (floating point only).", True)
rsqrt = _unary_op("rsqrt", torch.rsqrt, "``1 / sqrt(x)`` (floating point only).", True)
exp = _unary_op("exp", torch.exp, "``e ** x`` (floating point only).", True)
log = _unary_op("log", torch.log, "Natural logarithm (floating point only).", True)
log1p = _unary_op("log1p", torch.log1p, "``log(1 + x)``, accurate near 0.", True)
sin = _unary_op("sin", torch.sin, "Sine (floating point only).", True)
cos = _unary_op("cos", torch.cos, "Cosine (floating point only).", True)
tanh = _unary_op("tanh", torch.tanh, "Hyperbolic tangent (floating point only).", True)
sigmoid = _unary_op("sigmoid", torch.sigmoid, "``1 / (1 + exp(-x))``.", True)


# --- reductions ----------------------------------------------------------------------------------

def _reducer(name, fn, doc):
    def op(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
           keep_dims=None):
        x = convert_to_tensor(input_tensor)
        dims = axes(alias("axis", axis, "reduction_indices", reduction_indices), x.dim())
        keep = builtins.bool(alias("keepdims", keepdims, "keep_dims", keep_dims))
        return fn(x, dims, keep) if dims else x
    return _named(op, name, doc)


def _mean(x, dims, keep):
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return torch.mean(x, dims, keep)
    count = int(np.prod([x.shape[d] for d in dims]))
    return torch.div(torch.sum(x, dims, keep, dtype=x.dtype), count, rounding_mode="trunc")


def _prod(x, dims, keep):
    for d in sorted(dims, reverse=True):
        x = torch.prod(x, d, keep, dtype=x.dtype)
    return x


reduce_sum = _reducer("reduce_sum", lambda x, d, k: torch.sum(x, d, k, dtype=x.dtype),
                      "Sum over ``axis`` (all axes when None).\n\n"
                      ">>> reduce_sum([[1, 2], [3, 4]], 0).tolist()\n[4, 6]")
reduce_mean = _reducer("reduce_mean", _mean,
                       "Mean over ``axis``; integer inputs give the truncated integer mean.")
reduce_max = _reducer("reduce_max", torch.amax, "Max over ``axis``.")
reduce_min = _reducer("reduce_min", torch.amin, "Min over ``axis``.")
reduce_prod = _reducer("reduce_prod", _prod, "Product over ``axis``.")
reduce_any = _reducer("reduce_any", lambda x, d, k: torch.any(x, tuple(d), k),
                      "Logical or over ``axis``.")
reduce_all = _reducer("reduce_all", lambda x, d, k: torch.all(x, tuple(d), k),
                      "Logical and over ``axis``.")
reduce_logsumexp = _reducer("reduce_logsumexp", torch.logsumexp,
                            "``log(sum(exp(x)))`` over ``axis``, computed stably.")


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002
    """Number of non-zero elements over ``axis`` (int64 unless ``dtype`` says otherwise)."""
    x = convert_to_tensor(alias("input", input, "input_tensor", input_tensor))
    dims = axes(alias("axis", axis, "reduction_indices", reduction_indices), x.dim())
    keep = builtins.bool(alias("keepdims", keepdims, "keep_dims", keep_dims))
    nonzero = x != 0
    dtype = dtypes.as_dtype(dtype)
    return torch.sum(nonzero, dims, keep, dtype=dtype) if dims else nonzero.to(dtype)


def _arg_reduce(fn, x, axis, dimension, output_type):
    x = convert_to_tensor(x)
    axis = alias("axis", axis, "dimension", dimension)
    axis = 0 if axis is None else int(axis)
    if not -x.dim() <= axis < x.dim():
        raise OpArgumentError("Dimension (%d) must be in the range [%d, %d), where %d is the "
                              "number of " 
                         "dimensions in the input." % (axis, -x.dim(), x.dim(), x.dim()))
    return fn(x, axis).to(dtypes.as_dtype(output_type))


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the largest value along ``axis`` (TF1: axis 0 by default); first one on ties."""
    return _arg_reduce(torch.argmax, input, axis, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the smallest value along ``axis`` (TF1: axis 0 by default); first one on ties."""
    return _arg_reduce(torch.argmin, input, axis, dimension, output_type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along ``axis``; ``exclusive`` leaves each element out of its own sum.

    >>> cumsum([1, 2, 3], exclusive=True, reverse=True).tolist()
    [5, 3, 0]
    """
    x = convert_to_tensor(x)
    axis = int(axis)
    if reverse:
        x = x.flip(axis)
    y = torch.cumsum(x, axis, dtype=x.dtype)
    if exclusive:
        y = torch.cat([torch.zeros_like(x.narrow(axis, 0, 1)),
                       y.narrow(axis, 0, x.shape[axis] - 1)], axis)
    return y.flip(axis) if reverse else y


# --- linear algebra ------------------------------------------------------------------------------

def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """Matrix product of the last two axes, broadcasting the leading (batch) axes.

    >>> matmul([[1, 2]], [[3, 4]], transpose_b=True).tolist()
    [[11]]
    """
    a0, b0 = binary(a, b, "MatMul")
    a, b = a0, b0
    for t in (a, b):
        if t.dim() < 2:
            rank = "rank 2" if max(a.dim(), b.dim()) <= 2 else "at least rank 2"
            raise op_error("Shape must be %s but is rank %d" % (rank, t.dim()), "MatMul", a, b,
                           fix="Use tf.expand_dims or tf.reshape to make a matrix.")
    for side, t, tr, adj in (("a", a, transpose_a, adjoint_a), ("b", b, transpose_b, adjoint_b)):
        if tr and adj:
            raise OpArgumentError("Only one of transpose_%s and adjoint_%s can be True."
                                  % (side, side))
    a = a.mH if adjoint_a else a.mT if transpose_a else a
    b = b.mH if adjoint_b else b.mT if transpose_b else b
    if a.shape[-1] != b.shape[-2]:
        raise op_error("Dimensions must be equal, but are %d and %d" % (a.shape[-1], b.shape[-2]),
                       "MatMul", a0, b0, fix="Check transpose_a / transpose_b.")
    y = torch.matmul(a, b)
    return y if output_type is None else y.to(dtypes.as_dtype(output_type))


def tensordot(a, b, axes, name=None):
    """Sum of products over ``axes``: an int N (last N of ``a`` with first N of ``b``) or
    ``[a_axes, b_axes]``."""
    a, b = binary(a, b, "MatMul")
    if not isinstance(axes, (int, np.integer)):
        axes = [[int(i) for i in np.atleast_1d(np.asarray(ax))] for ax in axes]
    return torch.tensordot(a, b, dims=axes)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``."""
    return torch.einsum(equation, *[convert_to_tensor(t) for t in inputs])


def add_n(inputs, name=None):
    """Sum of a list of tensors of one shape and dtype."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise OpArgumentError("Inputs must be an iterable of at least one Tensor/IndexedSlices "
                              "with the same dtype and shape.")
    first = convert_to_tensor(inputs[0])
    out = first
    for t in inputs[1:]:
        _, t = binary(first, t, "AddN")
        check_same_shape(first.shape, t.shape)
        out = out + t
    return out


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """``t`` clipped to ``[clip_value_min, clip_value_max]``."""
    t, lo = binary(t, clip_value_min, "Maximum")
    _, hi = binary(t, clip_value_max, "Minimum")
    return torch.clamp(t, lo, hi)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(l2norm(t), clip_norm)``, the norm taken over ``axes``."""
    t = floats(t, names=_FLOAT_OR_COMPLEX_NAMES)
    _, clip_norm = binary(t, clip_norm, "Mul")
    l2sum = reduce_sum(t * t, axes, keepdims=True)
    positive = l2sum > 0
    l2norm = torch.where(positive, torch.sqrt(torch.where(positive, l2sum, 1)), l2sum)
    return t * clip_norm / torch.maximum(l2norm, clip_norm)


_MATRIX_ORDS = ["euclidean", "fro", 1, 2, np.inf]


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None):
    """Vector norm (``axis`` None or an int) or matrix norm (``axis`` a pair of ints).

    >>> norm([[1., -5.], [3., 2.]], ord=1, axis=[0, 1]).item()
    7.0
    """
    keep = builtins.bool(alias("keepdims", keepdims, "keep_dims", keep_dims))
    x = convert_to_tensor(tensor)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        if axis[0] == axis[1]:
            raise OpArgumentError("'axis' must be None, an integer, or a tuple of 2 unique "
                                  "integers, got %s" % (tuple(axis),))
        if ord not in _MATRIX_ORDS:
            raise OpArgumentError("'ord' must be a supported matrix norm in %s, got %s"
                                  % (_MATRIX_ORDS, ord))
        if ord in ("euclidean", "fro"):
            return torch.linalg.vector_norm(x, 2, tuple(axis), keep)
        return torch.linalg.matrix_norm(x, ord, tuple(axis), keep)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise OpArgumentError("'axis' must be None, an integer, or a tuple of 2 unique integers, "
                              "got %s" % (axis,))
    if ord == "euclidean":
        ord = 2
    if isinstance(ord, str) or ord <= 0:
        raise OpArgumentError("'ord' must be a supported vector norm, got %s" % (ord,))
    return torch.linalg.vector_norm(x, ord, axis, keep)
