"""Tensor values <-> the bytes of a data file: TF's dtype enum, numeric tensors, DT_STRING.

Numeric tensors are their raw little-endian C-order bytes.  A ``DT_STRING`` tensor is the
varint lengths of its elements, a masked CRC32C of those lengths (each as a 4-byte LE uint32,
8 bytes when longer than 2**32-1), then the elements' bytes back to back.

>>> encode(torch.tensor([1.0, 2.0])).chunks[0].tobytes().hex()
'0000803f00000040'
>>> b"".join(encode(np.array([b"ab", b"c"], object)).chunks).hex()
'020103717c67616263'
"""
import ctypes
import struct
from typing import NamedTuple

import numpy as np
import torch

from .. import dtypes
from ..errors import CheckpointArgumentError, CorruptCheckpointError, UnsupportedDtypeError
from .coding import get_varint, put_varint
from .crc import crc32c, mask, unmask
from .protos import DataType

DT_STRING = DataType.Value("DT_STRING")
TORCH_DTYPES = {DataType.Value(name): dtype for name, dtype in [
    ("DT_HALF", torch.float16), ("DT_BFLOAT16", torch.bfloat16), ("DT_FLOAT", torch.float32),
    ("DT_DOUBLE", torch.float64), ("DT_INT8", torch.int8), ("DT_INT16", torch.int16),
    ("DT_INT32", torch.int32), ("DT_INT64", torch.int64), ("DT_UINT8", torch.uint8),
    ("DT_UINT16", torch.uint16), ("DT_UINT32", torch.uint32), ("DT_UINT64", torch.uint64),
    ("DT_BOOL", torch.bool), ("DT_COMPLEX64", torch.complex64), ("DT_COMPLEX128", torch.complex128),
    ("DT_STRING", dtypes.string)]}
DATA_TYPES = {dtype: dt for dt, dtype in TORCH_DTYPES.items()}


class Encoded(NamedTuple):
    """A value ready to append to a data file: ``chunks`` written in order, unmasked ``crc``
    (None for a numeric value, one chunk whose CRC32C the writer computes)."""
    dtype: int
    shape: tuple
    chunks: list
    crc: int


_PYBUF_WRITE = 0x200
_memory = ctypes.pythonapi.PyMemoryView_FromMemory
_memory.restype, _memory.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]


def tensor_bytes(tensor):
    """The memory of a contiguous CPU tensor, as a writable memoryview of bytes, valid only
    while the tensor lives (one C call, where ``.view(torch.uint8).numpy()`` takes four)."""
    return _memory(tensor.data_ptr(), tensor.nbytes, _PYBUF_WRITE)


def torch_dtype(dtype, name, path):
    """The torch dtype (or ``scopevar.string``) of TF ``DataType`` value ``dtype``."""
    if dtype not in TORCH_DTYPES:
        label = DataType.Name(dtype) if dtype in DataType.values() else "unknown DataType %d" % dtype
        raise UnsupportedDtypeError(
            "%s: tensor %s has dtype %s, which scopevar does not read (it reads %s)"
            % (path, name, label, ", ".join(DataType.Name(d) for d in TORCH_DTYPES)), path)
    return TORCH_DTYPES[dtype]


def encode(value):
    """The bytes of a torch tensor, numpy array, bytes/str or nested list of them."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach()         # a plain tensor: its methods cost less than a subclass's
        dtype = DATA_TYPES.get(tensor.dtype)
        if dtype is None:
            raise UnsupportedDtypeError("Cannot save a tensor of dtype %s in a checkpoint"
                                        % tensor.dtype)
        if not tensor.is_cpu or tensor.is_conj() or tensor.is_neg() or not tensor.is_contiguous():
            tensor = tensor.cpu().resolve_conj().resolve_neg().contiguous()
        data = tensor.view(-1).view(torch.uint8).numpy()
        return Encoded(dtype, tuple(tensor.shape), [data], None)
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        return _encode_strings(array)
    dtype = getattr(torch, array.dtype.name, None)          # bfloat16 via ml_dtypes too
    if dtype not in DATA_TYPES:
        raise UnsupportedDtypeError("Cannot save an array of dtype %s in a checkpoint" % array.dtype)
    data = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).reshape(-1).view(np.uint8)
    return Encoded(DATA_TYPES[dtype], array.shape, [data], None)


def _encode_strings(array):
    items = [_as_bytes(item) for item in array.reshape(-1)]
    lengths = [len(item) for item in items]
    crc = crc32c(_length_bytes(lengths))
    length_crc = struct.pack("<I", mask(crc))
    crc = crc32c(length_crc, crc)
    for item in items:
        crc = crc32c(item, crc)
    return Encoded(DT_STRING, array.shape, [b"".join(map(put_varint, lengths)), length_crc, *items], crc)


def _as_bytes(item):
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    raise CheckpointArgumentError("A string tensor holds bytes or str, not %s (%r)"
                                  % (type(item).__name__, item))


def _length_bytes(lengths):
    return b"".join(n.to_bytes(4 if n <= 0xFFFFFFFF else 8, "little") for n in lengths)


def decode_strings(data, count, verify, name, path):
    """``(flat object array of bytes, unmasked crc)`` of the ``count`` strings in ``data``."""
    end = len(data)
    if count > end - 4:
        raise invalid_size(name, path, end, "at least %d" % (count + 4))
    lengths, pos = [], 0
    for _ in range(count):
        length, pos = get_varint(data, pos, end, path)
        lengths.append(length)
    if pos + 4 + sum(lengths) != end:
        raise invalid_size(name, path, end, "%d" % (pos + 4 + sum(lengths)))
    crc = 0
    if verify:
        crc = crc32c(_length_bytes(lengths))
        stored = unmask(struct.unpack_from("<I", data, pos)[0])
        if stored != crc:
            raise CorruptCheckpointError(
                "The length checksum does not match: expected %08d but actual is %08d (tensor %s "
                "in %s is corrupt)" % (stored, crc, name, path), path)
        crc = crc32c(data[pos:], crc)
    values, pos = np.empty(count, object), pos + 4
    for i, length in enumerate(lengths):
        values[i] = bytes(data[pos:pos + length])
        pos += length
    return values, crc


def invalid_size(name, path, stored, expected):
    """TF's error for an entry whose ``size`` does not fit its dtype and shape."""
    return CorruptCheckpointError("Invalid size in bundle entry: key %s; stored size %d; expected "
                                  "size %s (%s is corrupt)" % (name, stored, expected, path), path)
