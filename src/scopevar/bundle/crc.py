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


def crc32c(data, crc=0):
    """``crc`` extended by the bytes of ``data`` (bytes, bytearray, memoryview, mmap, array)."""
    if not isinstance(data, bytes):
        # google-crc32c accepts only buffers without a release hook: small ones are copied to
        # bytes, large ones wrapped in a ctypes array over the same memory (no copy).
        view = np.frombuffer(data, np.uint8)
        data = view.tobytes() if view.size < 1 << 16 else \
            (ctypes.c_char * view.size).from_address(view.ctypes.data)
    return google_crc32c.extend(crc, data)


def mask(crc):
    """TF's masked CRC (``crc32c::Mask``): what checkpoints store."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked):
    """The CRC a masked value stands for (``crc32c::Unmask``)."""
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
