"""Constants and tensor conversion with TF's dtype inference and TF1's ``constant`` rules.

Python floats become float32, Python ints int32 (int64 when too large), bools bool; numpy
arrays keep their dtype.  ``constant(value, shape=...)`` pads with the last value like TF1.

>>> constant([1, 2], shape=[2, 3]).tolist()
[[1, 2, 2], [2, 2, 2]]
>>> convert_to_tensor(1.5).dtype, convert_to_tensor([1, 2]).dtype
(torch.float32, torch.int32)
"""
import numbers

import numpy as np
import torch

from . import dtypes
from .errors import ConstantShapeError, ConstantTypeError, ConstantValueError, DtypeError

_INT32_MAX = 2 ** 31 - 1


def _python_dtype(value):
    """TF's dtype for a (nested) Python value, or None when it is not plain Python."""
    kinds = set()

    def walk(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, numbers.Integral) and not isinstance(v, np.generic):
            kinds.add("big" if not -_INT32_MAX - 1 <= v <= _INT32_MAX else "int")
        elif isinstance(v, float):
            kinds.add("float")
        elif isinstance(v, complex):
            kinds.add("complex")
        elif isinstance(v, (str, bytes)):
            kinds.add("string")
        else:
            kinds.add("other")

    walk(value)
    if not kinds:
        return dtypes.float32          # empty (nested) lists, as in TF
    if "other" in kinds:
        return None
    if "string" in kinds:
        return dtypes.string
    if "complex" in kinds:
        return dtypes.complex128
    if "float" in kinds:
        return dtypes.float32
    if "bool" in kinds:
        if kinds != {"bool"}:
            raise ConstantTypeError("Can't convert mixed bool and numeric values %r to a tensor."
                                    % (value,))
        return dtypes.bool
    return dtypes.int64 if "big" in kinds else dtypes.int32


def _check_compatible(value, dtype):
    """TF refuses to turn Python floats into ints, numbers into bools, strings into numbers."""
    flat = np.asarray(value, dtype=object).reshape(-1) if isinstance(value, (list, tuple)) else [value]
    for v in flat:
        bad = ((dtypes.is_integer(dtype) and isinstance(v, float))
               or (dtype is dtypes.bool and not isinstance(v, bool))
               or (not dtypes.is_complex(dtype) and isinstance(v, complex))
               or (dtype is not dtypes.string and isinstance(v, (str, bytes))))
        if bad:
            raise ConstantTypeError("Expected %s, but got %s of type '%s'."
                                    % (dtypes.name(dtype), v, type(v).__name__))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """A torch tensor for ``value`` (tensor, variable, array, Python number or list).

    A tensor of another dtype than ``dtype`` is an error, as in TF; arrays and Python values
    are converted.
    """
    del name
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, torch.Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ConstantValueError("Tensor conversion requested dtype %s for Tensor with dtype "
                                     "%s: %r"
                                     % (dtypes.name(dtype), dtypes.name(value.dtype), value))
        return value
    as_tensor = getattr(value, "as_tensor", None)       # PartitionedVariable
    if as_tensor is not None:
        return convert_to_tensor(as_tensor(), dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "SUO":
            raise DtypeError("String tensors cannot be held in torch tensors: %r" % (value,))
        t = torch.from_numpy(np.array(value))       # a copy: the caller may change its array
        return t if dtype is None else t.to(dtype)
    inferred = _python_dtype(value)
    if inferred is None:
        if hasattr(value, "__array__"):
            return convert_to_tensor(np.asarray(value), dtype)
        raise ConstantTypeError("Failed to convert elements of %r to Tensor. Consider casting "
                                "elements to a supported type." % (value,))
    if dtype is None:
        dtype = inferred
        hint = dtype_hint if dtype_hint is not None else preferred_dtype
        if hint is not None:
            hint = dtypes.as_dtype(hint)
            try:
                _check_compatible(value, hint)
                dtype = hint
            except TypeError:
                pass
    else:
        _check_compatible(value, dtype)
    if dtype is dtypes.string:
        raise DtypeError("String tensors cannot be held in torch tensors: %r" % (value,))
    return torch.tensor(value, dtype=dtype)


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """TF1's ``tf.constant``: a scalar fills ``shape``; fewer values pad with the last one.

    >>> constant(7, shape=[2]).tolist(), constant([1, 2, 3, 4], shape=[2, 2]).tolist()
    ([7, 7], [[1, 2], [3, 4]])
    """
    t = convert_to_tensor(value, dtype)
    if isinstance(value, torch.Tensor):
        t = t.clone()
    if shape is None:
        return t
    shape = _shape_list(shape)
    if verify_shape and list(t.shape) != shape:
        raise ConstantShapeError("Expected Tensor's shape: %s, but got %s."
                                 % (tuple(shape), tuple(t.shape)))
    size = int(np.prod(shape, dtype=np.int64))
    if t.numel() == size:
        return t.reshape(shape)
    if t.numel() > size:
        raise ConstantValueError("Too many elements provided. Takes at most %d, but got %d."
                                 % (size, t.numel()))
    flat = t.reshape(-1)
    if flat.numel() == 0:
        return torch.zeros(shape, dtype=t.dtype)
    return torch.cat([flat, flat[-1:].expand(size - flat.numel())]).reshape(shape)


def _shape_list(shape):
    """A shape argument (list, tuple, TensorShape, tensor or int) as a list of ints."""
    if isinstance(shape, (torch.Tensor, np.ndarray)):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    elif hasattr(shape, "as_list"):
        shape = shape.as_list()
    dims = [int(getattr(d, "value", d)) for d in shape]
    if any(d < 0 for d in dims):
        raise ConstantValueError("Fill dimensions must be >= 0")
    return dims


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros (``False`` for bool).

    >>> zeros([2, 3], dtype="int64").shape
    torch.Size([2, 3])
    """
    return torch.zeros(_shape_list(shape), dtype=dtypes.as_dtype(dtype))


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones (``True`` for bool)."""
    return torch.ones(_shape_list(shape), dtype=dtypes.as_dtype(dtype))


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with the scalar ``value`` (its dtype is TF's for it).

    >>> fill([2], 1.5).tolist(), fill([2], 3).dtype
    ([1.5, 1.5], torch.int32)
    """
    v = convert_to_tensor(value)
    if v.dim() != 0:
        raise ConstantValueError("Shape must be rank 0 but is rank %d: fill takes a scalar value."
                                 % v.dim())
    return v.expand(_shape_list(dims)).clone()


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape (and, without ``dtype``, the dtype) of ``tensor``."""
    t = convert_to_tensor(tensor)
    return torch.zeros_like(t, dtype=None if dtype is None else dtypes.as_dtype(dtype))


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape (and, without ``dtype``, the dtype) of ``tensor``."""
    t = convert_to_tensor(tensor)
    return torch.ones_like(t, dtype=None if dtype is None else dtypes.as_dtype(dtype))
