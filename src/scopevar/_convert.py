"""Argument conversion shared by ``array_ops``, ``math_ops`` and ``nn``: TF's rules, once.

Binary ops follow TF: a Python value or array takes the dtype of the tensor it meets; two
tensors of different dtypes are an error.  Shape errors read like TF's shape-inference errors
(``"... for 'Conv2D' with input shapes: [2,5,3], [3,3,3,4]."``) followed by the fix.

>>> x, y = binary(torch.ones(2), 3, "AddV2")
>>> y.dtype
torch.float32
"""
import numpy as np
import torch

from . import dtypes
from .constant_op import convert_to_tensor
from .errors import OpArgumentError, OpTypeError

FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
FLOAT_NAMES = "float16, bfloat16, float32, float64"
INTS = (dtypes.int32, dtypes.int64)


def binary(x, y, op, names=("x", "y")):
    """``(x, y)`` as TF's binary op ``op`` (inputs named ``names``) sees them: both tensors of
    one dtype."""
    if not isinstance(x, torch.Tensor):
        if not isinstance(y, torch.Tensor):
            x = convert_to_tensor(x)
        else:
            return _like(x, y, op, *names), y
    return x, _like(y, x, op, *reversed(names))


def _like(value, ref, op, arg, ref_arg):
    if isinstance(value, torch.Tensor):
        t = value
    else:
        try:
            t = convert_to_tensor(value, ref.dtype)
        except TypeError:                      # 1.5 for an int32 tensor: TF reports the dtypes
            t = convert_to_tensor(value)
        if t.dim() and t.device != ref.device:
            t = t.to(ref.device)
    if t.dtype != ref.dtype:
        raise OpTypeError("Input '%s' of '%s' Op has type %s that does not match type %s of "
                          "argument '%s'. Cast one of them first: tf.cast(%s, tf.%s)."
                          % (arg, op, dtypes.name(t.dtype), dtypes.name(ref.dtype), ref_arg, arg,
                           dtypes.name(ref.dtype)))
    return t


def check_dtype(x, allowed, names, param):
    """TF's error for a tensor whose dtype the op does not take."""
    if x.dtype not in allowed:
        raise OpTypeError("Value passed to parameter '%s' has DataType %s not in list of allowed "
                          "values: %s" % (param, dtypes.name(x.dtype), names))
    return x


def floats(x, param="x", names=FLOAT_NAMES):
    """``x`` as a floating-point tensor; ints are an error, as in TF."""
    return check_dtype(convert_to_tensor(x), FLOATS, names, param)


def alias(new_name, new, old_name, old):
    """TF's ``deprecated_argument_lookup``: the value of a renamed argument."""
    if new is not None and old is not None:
        raise OpArgumentError("Cannot specify both '%s' and '%s'." % (old_name, new_name))
    return old if new is None else new


def ints(value):
    """Python ints from an int, a list of ints / Dimensions / scalar tensors, or an array."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return [int(v) for v in value.reshape(-1).tolist()]
    if isinstance(value, (list, tuple, torch.Size)) or hasattr(value, "as_list"):
        return [int(getattr(v, "value", v)) for v in value]
    return [int(getattr(value, "value", value))]


def axes(axis, rank):
    """Reduction axes as non-negative ints (``None``: all of them), with TF's error."""
    if axis is None:
        return list(range(rank))
    out = []
    for a in ints(axis):
        if not -rank <= a < rank:
            raise OpArgumentError("Invalid reduction dimension %d for input with %d dimensions. "
                                  "Use an axis in [%d, %d)." % (a, rank, -rank, rank))
        out.append(a % rank)
    return out


def shape_str(shape):
    return "[%s]" % ",".join(str(d) for d in shape)


def op_error(message, op, *tensors, fix=None):
    """A ValueError worded like TF's shape-inference errors, then the fix."""
    shapes = ", ".join(shape_str(getattr(t, "shape", t)) for t in tensors)
    return ValueError("%s for '%s' with input shapes: %s.%s"
                      % (message, op, shapes, " " + fix if fix else ""))


def check_same_shape(a, b):
    """TF's error when two shapes that must be equal differ."""
    if len(a) != len(b):
        raise OpArgumentError("Shapes must be equal rank, but are %d and %d" % (len(a), len(b)))
    for i, (m, n) in enumerate(zip(a, b)):
        if m != n:
            raise OpArgumentError("Dimension %d in both shapes must be equal, but are %d and %d. "
                                  "Shapes are %s and %s." % (i, m, n, shape_str(a), shape_str(b)))
