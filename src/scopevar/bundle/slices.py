"""Index keys, and partitioned tensors: a stored piece is a *box*, one ``(start, length)``
per dimension.

A tensor is keyed by its UTF-8 name; a piece of a partitioned one by an OrderedCode key (TF's
``EncodeTensorNameSlice``), and listed, as a ``TensorSliceProto``, in the ``slices`` of the
full tensor's entry.

>>> slice_key(b"part", [(4, 3), (0, 3)]).hex()
'00706172740001010284838083'
>>> spec(((4, 3), (0, 3))), intersect(((0, 4), (0, 3)), ((2, 5), (1, 1)))
('4,3:0,3', ((2, 2), (1, 1)))
"""
import bisect
import re

import numpy as np

from ..errors import CheckpointArgumentError, CorruptCheckpointError
from .protos import TensorSliceProto

_ESCAPES = {b"\x00": b"\x00\xff", b"\xff": b"\xff\x00"}   # OrderedCode's string escapes
# first-byte / second-byte markers of OrderedCode's signed numbers, by encoded length
_SIGNED_HEADERS = {2: (0xC0, 0), 3: (0xE0, 0), 4: (0xF0, 0), 5: (0xF8, 0), 6: (0xFC, 0),
                   7: (0xFE, 0), 8: (0xFF, 0), 9: (0xFF, 0x80), 10: (0xFF, 0xC0)}


def _unsigned(value):
    digits = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(digits)]) + digits


def _signed(value):
    magnitude = ~value if value < 0 else value
    if magnitude < 64:
        return bytes([(0x80 ^ value) & 0xFF])
    length = magnitude.bit_length() // 7 + 1
    encoded = bytearray((value & (1 << 80) - 1).to_bytes(10, "big")[10 - length:])
    encoded[0] ^= _SIGNED_HEADERS[length][0]
    encoded[1] ^= _SIGNED_HEADERS[length][1]
    return bytes(encoded)


def tensor_key(name):
    """The index key of tensor ``name``: its UTF-8 bytes."""
    if not isinstance(name, str) or not name or name[0] == "\x00":
        raise CheckpointArgumentError("A tensor name is a non-empty str not starting with '\\0', "
                                      "not %r" % (name,))
    return name.encode("utf-8", "surrogateescape")


def slice_key(name, extents):
    """The index key of a stored piece of the tensor keyed ``name``; ``extents`` has one
    ``(start, length)`` per dimension, ``length`` -1 meaning the whole dimension."""
    escaped = re.sub(rb"[\x00\xff]", lambda m: _ESCAPES[m.group()], name) + b"\x00\x01"
    key = _unsigned(0) + escaped + _unsigned(len(extents))
    for start, length in extents:
        key += _signed(0 if length < 0 else start) + _signed(length)
    return key


def key_extents(proto):
    """The ``(start, length)`` pairs a ``TensorSliceProto``'s key is made of."""
    return [(e.start, e.length) if e.HasField("length") else (0, -1) for e in proto.extent]


def to_proto(box):
    """A ``TensorSliceProto`` with explicit extents, as TF's Python partitioners write them."""
    return TensorSliceProto(extent=[TensorSliceProto.Extent(start=s, length=n) for s, n in box])


def box_from_proto(proto, shape, name, path):
    """The box of a stored piece of the tensor ``name`` of ``shape``; checks it lies inside."""
    box = tuple((e.start, e.length) if e.HasField("length") else (0, dim)
                for e, dim in zip(proto.extent, shape))
    if len(proto.extent) != len(shape) or any(
            start < 0 or length < 0 or start + length > dim for (start, length), dim in zip(box, shape)):
        raise CorruptCheckpointError(
            "%s: partitioned tensor %s of shape %s lists an invalid slice %s"
            % (path, name, list(shape), spec(key_extents(proto))), path)
    return box


def spec(box):
    """TF's text form of a slice: ``"0,4:-"`` (start,length per dimension; ``-`` = whole)."""
    return ":".join("-" if length < 0 else "%d,%d" % (start, length) for start, length in box)


def intersect(a, b):
    """The box common to ``a`` and ``b``, or None when it is empty."""
    box = tuple((max(sa, sb), min(sa + na, sb + nb) - max(sa, sb)) for (sa, na), (sb, nb) in zip(a, b))
    return box if all(length > 0 for _, length in box) else None


def check_cover(region, pieces, name, path):
    """Check that the boxes ``pieces`` (each inside ``region``) cover it exactly once.

    Works on the grid the pieces' edges cut the region into, so it costs O(pieces + cells)
    numpy work with cells <= elements of the region.
    """
    cuts = [sorted({start, start + length, *(s for p in pieces for s in (p[d][0], sum(p[d])))})
            for d, (start, length) in enumerate(region)]
    covered = np.zeros([len(c) - 1 for c in cuts], np.bool_)
    for piece in pieces:
        cells = tuple(slice(bisect.bisect_left(c, s), bisect.bisect_left(c, s + n))
                      for c, (s, n) in zip(cuts, piece))
        if covered[cells].any():
            raise CorruptCheckpointError(
                "%s: Overlapping slices: partitioned tensor %s has a slice overlapping %s"
                % (path, name, spec(piece)), path)
        covered[cells] = True
    if not covered.all():
        raise insufficient_slices(name, region, path)


def insufficient_slices(name, region, path):
    """TF's error for a box that the stored pieces do not cover."""
    return CorruptCheckpointError(
        "Does not have sufficient slices for partitioned tensor %s to restore in slice_spec: %s "
        "(checkpoint %s); the checkpoint lacks some of its pieces" % (name, spec(region), path), path)
