"""CRC32C (Castagnoli) and TF's masked form of it, over any buffer without copying.

>>> hex(crc32c(b"123456789"))
'0xe3069283'
>>> unmask(mask(0x12345678)) == 0x12345678
True
"""
import ctypes

import google_crc32c
import numpy as np

_MASK_DELTA = 0xA282EAD8
COPY_BYTES = 4096       # smaller buffers are copied to bytes: cheaper than finding their address

try:    # the C function google-crc32c wraps, called by address: any buffer, the GIL released
    from google_crc32c import _crc32c
    _extend = ctypes.CDLL(_crc32c.__file__).crc32c_extend
    _extend.restype, _extend.argtypes = ctypes.c_uint32, [ctypes.c_uint32, ctypes.c_void_p,
                                                          ctypes.c_size_t]
except (ImportError, OSError, AttributeError):      # no C extension: copy to bytes
    _extend = None


def crc32c(data, crc=0):
    """``crc`` extended by the bytes of ``data`` (bytes, bytearray, memoryview, mmap, array).
    Other threads run meanwhile, so CRCs of several buffers can be computed in parallel."""
    if isinstance(data, bytes):
        return google_crc32c.extend(crc, data)
    view = np.frombuffer(data, np.uint8)
    if view.size < COPY_BYTES:
        return google_crc32c.extend(crc, view.tobytes())
    return crc32c_at(view.ctypes.data, view.size, crc)


def crc32c_at(address, size, crc=0):
    """``crc`` extended by the ``size`` bytes at memory ``address`` (which must stay valid),
    as ``crc32c`` does: the cheap form for many small ranges of one buffer."""
    if _extend is None:
        return google_crc32c.extend(crc, ctypes.string_at(address, size))
    return _extend(crc, address, size)


def mask(crc):
    """TF's masked CRC (``crc32c::Mask``): what checkpoints store."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked):
    """The CRC a masked value stands for (``crc32c::Unmask``)."""
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
