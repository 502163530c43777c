"""Varints as LevelDB and protobuf write them, decoded with bounds checks.

>>> put_varint(300)
b'\\xac\\x02'
>>> get_varint(b"\\xac\\x02", 0, 2, "f.index")
(300, 2)
"""
from ..errors import CorruptCheckpointError


_ONE_BYTE = [bytes([n]) for n in range(0x80)]


def put_varint(value):
    """The base-128 little-endian encoding of a non-negative int below 2**64."""
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def get_varint(data, pos, end, path):
    """``(value, next_pos)`` of the varint at ``data[pos:end]``; a varint that runs past ``end``
    or is longer than 10 bytes raises ``CorruptCheckpointError`` naming ``path``."""
    if pos < end and data[pos] < 0x80:        # the common one-byte case
        return data[pos], pos + 1
    value = shift = 0
    for i in range(pos, min(end, pos + 10)):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if value >> 64:
                break
            return value, i + 1
        shift += 7
    raise CorruptCheckpointError("%s: bad varint at byte %d (truncated or longer than 10 bytes); "
                                 "the file is corrupt" % (path, pos), path)
