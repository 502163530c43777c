"""The ``.index`` file: a LevelDB-style SSTable (``tsl::table``) of sorted ``key -> value``.

Layout: data blocks, an empty metaindex block and an index block, each followed by a 5-byte
trailer (compression type 0 + masked CRC32C), then a 48-byte footer.  ``write_table`` produces
TF's ``TableBuilder`` output byte for byte; ``read_table`` checks every size, offset, CRC and
the key order, and raises ``CorruptCheckpointError`` naming the file.

>>> import io
>>> f = io.BytesIO(); write_table(f, [(b"a", b"1"), (b"b", b"2")])
>>> read_table(f.getvalue(), "x.index")
[(b'a', b'1'), (b'b', b'2')]
"""
import struct

from ..errors import CorruptCheckpointError
from .coding import get_varint, put_varint
from .crc import crc32c, mask, unmask

BLOCK_SIZE = 262144
RESTART_INTERVAL = 16
FOOTER_SIZE = 48
TRAILER_SIZE = 5
MAGIC = 0xDB4775248B80FB57


class _BlockBuilder:
    """Prefix-compressed entries with a full key every ``restart_interval`` entries."""

    def __init__(self, restart_interval):
        self.restart_interval = restart_interval
        self.buffer, self.restarts, self.count, self.last_key = bytearray(), [0], 0, b""

    def add(self, key, value):
        shared = 0
        if self.count < self.restart_interval:
            shared = _shared_prefix(key, self.last_key)
        else:
            self.restarts.append(len(self.buffer))
            self.count = 0
        self.buffer += put_varint(shared) + put_varint(len(key) - shared) + put_varint(len(value))
        self.buffer += key[shared:]
        self.buffer += value
        self.last_key = key
        self.count += 1

    def size_estimate(self):
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def finish(self):
        return bytes(self.buffer) + struct.pack("<%dI" % (len(self.restarts) + 1),
                                                *self.restarts, len(self.restarts))


def _shared_prefix(a, b):
    """The length of the common prefix of ``a`` and ``b``: the bytes before the highest bit of
    their XOR (a C-speed comparison of big integers)."""
    n = min(len(a), len(b))
    return n - ((int.from_bytes(a[:n], "big") ^ int.from_bytes(b[:n], "big")).bit_length() + 7) // 8


def _shortest_separator(start, limit):
    """A short key ``k`` with ``start <= k < limit`` (LevelDB's ``FindShortestSeparator``)."""
    i = 0
    while i < min(len(start), len(limit)) and start[i] == limit[i]:
        i += 1
    if i < min(len(start), len(limit)) and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def _short_successor(key):
    """A short key ``>= key`` (LevelDB's ``FindShortSuccessor``)."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


def write_table(file, items):
    """Write ``(key, value)`` byte pairs, keys strictly increasing, as an SSTable to ``file``."""
    offset = 0
    data, index = _BlockBuilder(RESTART_INTERVAL), _BlockBuilder(1)
    pending, last_key = None, b""

    def write_block(block):
        nonlocal offset
        raw = block.finish() + b"\x00"
        file.write(raw)
        file.write(struct.pack("<I", mask(crc32c(raw))))
        handle = put_varint(offset) + put_varint(len(raw) - 1)
        offset += len(raw) + 4
        return handle

    def flush():
        nonlocal data, pending
        if data.buffer:
            pending = write_block(data)
            data = _BlockBuilder(RESTART_INTERVAL)

    for key, value in items:
        if len(key) + len(value) >= 2 * BLOCK_SIZE:
            flush()
        if pending:
            index.add(_shortest_separator(last_key, key), pending)
            pending = None
        data.add(key, value)
        last_key = key
        if data.size_estimate() >= BLOCK_SIZE:
            flush()
    flush()
    metaindex = write_block(_BlockBuilder(RESTART_INTERVAL))
    if pending:
        index.add(_short_successor(last_key), pending)
    handles = metaindex + write_block(index)
    file.write(handles.ljust(FOOTER_SIZE - 8, b"\x00") + struct.pack("<Q", MAGIC))


def read_table(data, path, verify=True):
    """All ``(key, value)`` pairs of the SSTable ``data`` (bytes), in file order."""
    if len(data) < FOOTER_SIZE:
        raise _corrupt(path, "file is too short to be an sstable (%d bytes)" % len(data))
    footer = len(data) - FOOTER_SIZE
    if struct.unpack_from("<Q", data, len(data) - 8)[0] != MAGIC:
        raise _corrupt(path, "not an sstable (bad magic number)")
    _, pos = _handle(data, footer, len(data) - 8, path)            # the unused metaindex
    index, _ = _handle(data, pos, len(data) - 8, path)
    rows = []
    for _, value in _entries(_block(data, index, footer, path, verify), path):
        block, _ = _handle(value, 0, len(value), path)
        for key, value in _entries(_block(data, block, footer, path, verify), path):
            if rows and key <= rows[-1][0]:
                raise _corrupt(path, "keys are not in increasing order (%r after %r); TensorFlow "
                                     "would not find some of them" % (key, rows[-1][0]))
            rows.append((key, value))
    return rows


def _corrupt(path, what):
    return CorruptCheckpointError("Unable to read file (%s). Perhaps the file is corrupt or was "
                                  "produced by a newer version of TensorFlow with format changes "
                                  "(%s)" % (path, what), path)


def _handle(data, pos, end, path):
    """``((offset, size), next_pos)`` of the block handle at ``data[pos:end]``."""
    offset, pos = get_varint(data, pos, end, path)
    size, pos = get_varint(data, pos, end, path)
    return (offset, size), pos


def _block(data, handle, limit, path, verify):
    """The contents of the block at ``handle``, its trailer checked."""
    offset, size = handle
    if offset + size + TRAILER_SIZE > limit:
        raise _corrupt(path, "truncated block read: block [%d, %d) runs past the table's end %d"
                             % (offset, offset + size + TRAILER_SIZE, limit))
    kind = data[offset + size]
    if kind != 0:
        raise _corrupt(path, "block compression type %d; TF writes checkpoints uncompressed (0)"
                             % kind)
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if verify and unmask(stored) != crc32c(memoryview(data)[offset:offset + size + 1]):
        raise _corrupt(path, "block checksum mismatch in block at offset %d" % offset)
    return data[offset:offset + size]


def _entries(block, path):
    """``(key, value)`` pairs of a block, keys un-prefix-compressed."""
    if len(block) < 4:
        raise _corrupt(path, "bad block contents: %d bytes" % len(block))
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 * (num_restarts + 1)
    if end < 0:
        raise _corrupt(path, "bad block contents: %d restart points in a block of %d bytes"
                             % (num_restarts, len(block)))
    pos, key = 0, b""
    while pos < end:
        shared, pos = get_varint(block, pos, end, path)
        unshared, pos = get_varint(block, pos, end, path)
        value_len, pos = get_varint(block, pos, end, path)
        if shared > len(key) or pos + unshared + value_len > end:
            raise _corrupt(path, "bad entry in block at byte %d" % pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + value_len]
        pos += value_len
