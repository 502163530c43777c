"""TensorFlow dtypes as torch dtypes.

``scopevar.float32 is torch.float32``; every dtype argument also accepts TF names
(``'float32'``, ``'float32_ref'``), numpy dtypes, Python types and torch dtypes.

>>> as_dtype('float32_ref') is torch.float32
True
>>> name(as_dtype(np.int64))
'int64'
"""
import builtins

import numpy as np
import torch

from .errors import DtypeError

__all__ = ["float16", "half", "bfloat16", "float32", "float64", "double", "int8", "int16", "int32",
           "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128",
           "string", "as_dtype"]

float16 = half = torch.float16
bfloat16 = torch.bfloat16
float32 = torch.float32
float64 = double = torch.float64
int8 = torch.int8
int16 = torch.int16
int32 = torch.int32
int64 = torch.int64
uint8 = torch.uint8
uint16 = torch.uint16
uint32 = torch.uint32
uint64 = torch.uint64
bool = torch.bool  # noqa: A001 - TF's name
complex64 = torch.complex64
complex128 = torch.complex128


class _StringDType:
    """TF's ``string`` dtype.  Torch tensors cannot hold strings; checkpoints use numpy arrays."""
    name = "string"
    is_floating = is_integer = is_complex = is_bool = False

    def __repr__(self):
        return "tf.string"


string = _StringDType()

_BY_NAME = {
    "float16": float16, "half": float16, "bfloat16": bfloat16, "float32": float32,
    "float": float32, "float64": float64, "double": float64, "int8": int8, "int16": int16,
    "int32": int32, "int64": int64, "uint8": uint8, "uint16": uint16, "uint32": uint32,
    "uint64": uint64, "bool": bool, "complex64": complex64, "complex128": complex128,
    "string": string,
}
_NAMES = {}
for _n, _d in _BY_NAME.items():
    _NAMES.setdefault(_d, _n)


def as_dtype(d):
    """The torch dtype (or ``string``) for a TF name, numpy dtype, Python type or torch dtype."""
    if isinstance(d, torch.dtype) or d is string:
        return d
    if isinstance(d, str):
        key = d[:-4] if d.endswith("_ref") else d
        if key in _BY_NAME:
            return _BY_NAME[key]
    elif d is float:
        return float32
    elif d is int:
        return int32
    elif d is builtins.bool:
        return bool
    elif d is bytes or d is str:
        return string
    else:
        try:
            npd = np.dtype(d)
        except TypeError:
            npd = None
        if npd is not None:
            if npd.kind in "SUO":
                return string
            if npd.name in _BY_NAME:
                return _BY_NAME[npd.name]
    raise DtypeError("Cannot convert %r to a dtype. Use a TF dtype name ('float32'), a numpy "
                     "dtype or a torch dtype." % (d,))


def name(d):
    """TF's name of a dtype: ``'float32'``, ``'int64'``, ``'string'``."""
    return _NAMES[as_dtype(d)]


def tf_repr(d):
    """TF's repr of a dtype, as it appears in TF's error messages: ``<dtype: 'float32'>``."""
    return "<dtype: '%s'>" % name(d)


def is_floating(d):
    d = as_dtype(d)
    return d is not string and d.is_floating_point


def is_complex(d):
    d = as_dtype(d)
    return d is not string and d.is_complex


def is_integer(d):
    d = as_dtype(d)
    return d is not string and not d.is_floating_point and not d.is_complex and d is not bool


def is_bool(d):
    return as_dtype(d) is bool


def as_numpy_dtype(d):
    """The numpy dtype holding values of ``d`` (bfloat16 has none: float32)."""
    d = as_dtype(d)
    if d is string:
        return np.dtype(object)
    if d is bfloat16:
        return np.dtype(np.float32)
    return torch.empty((), dtype=d).numpy().dtype


def min_max(d):
    """(min, max) representable in dtype ``d``."""
    d = as_dtype(d)
    info = torch.finfo(d) if is_floating(d) else torch.iinfo(d)
    return info.min, info.max
