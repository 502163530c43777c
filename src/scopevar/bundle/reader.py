"""Reading a TensorFlow checkpoint (V2 tensor bundle): ``BundleReader(prefix)``.

>>> with BundleReader("ckpt/model.ckpt-7") as reader:
...     reader.keys()
...     w = reader.get("w")                        # a torch tensor, mapped from the data file
...     rows = reader.get_slice("emb", [4, 0], [3, 4])   # any box, whatever the partitioning
['emb', 'global_step', 'w']
>>> rows[:, 0]                                     # rows 4-6: across both partitions
tensor([16., 20., 24.])
"""
import functools
import itertools
import math
import os
from concurrent.futures import wait
from typing import NamedTuple

import numpy as np
import torch
from google.protobuf.message import DecodeError

from .. import dtypes
from ..errors import (CheckpointArgumentError, CheckpointError, CheckpointNotFoundError,
                      CorruptCheckpointError)
from . import codec
from .crc import crc32c, unmask
from .data_file import DataFile
from .files import data_path, index_path
from .protos import FORMAT_VERSION, BundleEntryProto, BundleHeaderProto
from .slices import (box_from_proto, check_cover, insufficient_slices, intersect, key_extents,
                     slice_key, spec, tensor_key)
from .table import read_table
from ..threads import pool

MAX_RANK = 64              # numpy's limit (TF's is 254; checkpoints never come close)
PART_BYTES = 8 << 20       # check and read_into give each thread no less
INDEX_CACHE = 4            # the parsed indexes of this many checkpoints are kept
# {(index file bytes, verify): what _index() returned}: readers of identical index bytes share
# the parsed table and the entries decoded from it (restoring a checkpoint again parses nothing)
_INDEXES = {}


class _Entry(NamedTuple):
    """A decoded, checked ``BundleEntryProto``; ``pieces`` = ``(box, key)`` of each stored
    piece of a partitioned tensor, else None."""
    name: str
    key: bytes
    dtype: int
    shape: tuple
    shard_id: int
    offset: int
    size: int
    crc: int
    pieces: tuple


class BundleReader:
    """The tensors of the checkpoint ``prefix`` (``prefix.index`` + ``prefix.data-*``).

    ``get`` returns a torch tensor (a numpy object array of ``bytes`` for strings).  Large
    tensors are copy-on-write mappings of the data file, so reading one tensor costs that
    tensor, and a returned tensor stays valid after ``close()``.  With ``verify`` (default)
    every CRC32C is checked.  Anything wrong with the files raises ``CheckpointError``.
    (Replace checkpoint files by renaming, as every TF and scopevar writer does; truncating a
    data file in place under live mapped tensors would crash the process.)
    """

    def __init__(self, prefix, *, verify=True):
        self.prefix = os.fspath(prefix)
        self.verify = verify
        self.path = index_path(self.prefix)
        data = _read_index(self.prefix, self.path)
        index = _INDEXES.pop((data, verify), None) or self._index(data)
        _INDEXES[data, verify] = index           # the most recently used last
        if len(_INDEXES) > INDEX_CACHE:
            del _INDEXES[next(iter(_INDEXES))]
        self.num_shards, self._raw, self._entries, self._named = index
        self._files = {}
        self._checked = set()        # keys whose CRC check() verified

    def keys(self):
        """The tensor names, sorted (the pieces of partitioned tensors are not listed)."""
        return [key.decode("utf-8", "surrogateescape") for key in self._raw if key[:1] != b"\x00"]

    def has(self, name):
        return tensor_key(name) in self._raw

    def dtype(self, name):
        """The torch dtype of tensor ``name`` (``scopevar.string`` for strings)."""
        return codec.torch_dtype(self._lookup(name).dtype, name, self.path)

    def shape(self, name):
        """The shape of tensor ``name``, a tuple of ints."""
        return self._lookup(name).shape

    def get(self, name, out=None):
        """The value of tensor ``name``; a partitioned tensor comes back whole.

        With ``out`` (a tensor of that shape, e.g. the variable being restored) the value is
        copied into ``out``, which is returned; a contiguous CPU ``out`` of the same dtype is
        filled straight from the file, with no memory besides it."""
        entry = self._lookup(name)
        return self._read(entry, tuple((0, n) for n in entry.shape), out)

    def get_slice(self, name, offset, shape, out=None):
        """The box ``[offset, offset + shape)`` of tensor ``name``, read from the pieces it
        overlaps only (a possibly strided view when one stored piece holds it); ``out`` as
        for ``get``."""
        entry = self._lookup(name)
        return self._read(entry, self._region(entry, offset, shape), out)

    def check(self, names):
        """Verify now the CRC32C of the tensors ``names`` (every piece of partitioned ones),
        reading the data files through a mapping, without copying; later reads of them skip
        the check.  Reading them into variables after this cannot stop halfway on corrupt
        bytes (what ``Saver.restore`` relies on).  Does nothing without ``verify``.  Large
        checks are shared by ``torch.get_num_threads()`` threads (4 at most)."""
        self._check([self._lookup(name) for name in names])

    def _check(self, entries):
        if not self.verify:
            return
        shards = {}
        for entry in entries:
            for piece in [entry] if entry.pieces is None else \
                    [self._piece(entry, box, key) for box, key in entry.pieces]:
                if piece.key in self._checked:
                    continue
                dtype = codec.torch_dtype(piece.dtype, piece.name, self.path)
                if dtype is dtypes.string:
                    self._strings(piece, self._file(piece.shard_id))
                else:
                    self._numel(piece, dtype, self._file(piece.shard_id))
                    shards.setdefault(piece.shard_id, {})[piece.key] = piece
        for shard_id, pieces in shards.items():
            stored = sorted(pieces.values(), key=lambda piece: piece.offset)
            crcs = _in_threads(functools.partial(_checksums, self._file(shard_id)),
                               _parts(stored, lambda piece: piece.size))
            for piece, crc in zip(stored, itertools.chain(*crcs)):
                self._check_crc(piece, crc)
        self._checked.update(key for pieces in shards.values() for key in pieces)

    def read_into(self, items):
        """``get(name, out=out)``, or with a ``box`` ``(offset, shape)`` ``get_slice(name,
        *box, out=out)``, for each ``(name, out, box)`` of ``items``, all or nothing: every
        shape and CRC32C is checked before any ``out`` changes.  Whole tensors going to
        contiguous CPU ``out``s of their dtype are read straight into them (by several threads
        as ``check`` does), those lying back to back in a data file by one system call."""
        entries, direct, rest = [], [], []
        for name, out, box in items:
            entry = self._lookup(name)
            entries.append(entry)
            dtype = codec.torch_dtype(entry.dtype, entry.name, self.path)
            region = None if box is None else self._region(entry, *box)
            target = self._target(entry, dtype, region, out)
            if region is None and entry.pieces is None and _fills(entry, dtype, target):
                self._numel(entry, dtype, self._file(entry.shard_id))
                direct.append((entry, target))
            else:
                rest.append((entry, region or tuple((0, n) for n in entry.shape), target))
        self._check(entries)
        direct.sort(key=lambda read: (read[0].shard_id, read[0].offset))
        _in_threads(self._fill, _parts(direct, lambda read: read[0].size))
        torch.autograd.graph.increment_version([target for _, target in direct])  # as in-place ops
        for entry, region, target in rest:
            self._read(entry, region, target)

    def close(self):
        for file in (self._files or {}).values():
            file.close()
        self._files = None

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def _region(self, entry, offset, shape):
        region = tuple((int(s), int(n)) for s, n in zip(offset, shape))
        if len(offset) != len(entry.shape) or len(shape) != len(entry.shape) or any(
                s < 0 or n < 0 or s + n > dim for (s, n), dim in zip(region, entry.shape)):
            raise CheckpointArgumentError(
                "get_slice(%r, offset=%s, shape=%s): the slice does not fit in the tensor's shape "
                "%s" % (entry.name, list(offset), list(shape), list(entry.shape)), self.path)
        return region

    def _fill(self, reads):
        """Read each ``(entry, target)`` of ``reads`` (sorted by shard and offset)."""
        for shard_id, group in itertools.groupby(reads, key=lambda read: read[0].shard_id):
            self._files[shard_id].read_into([(entry.offset, codec.tensor_bytes(target), entry.name)
                                             for entry, target in group])

    def _index(self, data):
        """``(num_shards, {key: serialized entry}, {}, {})`` of the index file's bytes ``data``;
        the dicts left empty cache the entries (by key, and by tensor name) once decoded."""
        rows = read_table(data, self.path, self.verify)
        if not rows or rows[0][0] != b"":
            raise CorruptCheckpointError("%s: failed to seek to header entry (the first key must "
                                         "be the empty key)" % self.path, self.path)
        header = self._parse(BundleHeaderProto, rows[0][1], "<header>")
        self._check_header(header)
        return header.num_shards, dict(rows[1:]), {}, {}

    def _check_header(self, header):
        if header.endianness != BundleHeaderProto.LITTLE:
            raise CheckpointError("%s: the header says endianness %d (1 = big-endian); scopevar "
                                  "reads little-endian (0) checkpoints" % (self.path, header.endianness),
                                  self.path)
        version = header.version
        if version.min_consumer > FORMAT_VERSION or FORMAT_VERSION in version.bad_consumers:
            raise CheckpointError(
                "Checkpoint min consumer version %d above current version %d (or version %d is "
                "listed as bad: %s) in %s; the checkpoint was written by a newer format"
                % (version.min_consumer, FORMAT_VERSION, FORMAT_VERSION,
                   list(version.bad_consumers), self.path), self.path)
        if header.num_shards < 1:
            raise CorruptCheckpointError("%s: the header says num_shards = %d; a checkpoint has at "
                                         "least one data file" % (self.path, header.num_shards),
                                         self.path)

    def _parse(self, message, raw, name):
        try:
            return message.FromString(raw)
        except DecodeError:
            raise CorruptCheckpointError("Entry for key %s not parseable. (%s is corrupt)"
                                         % (name, self.path), self.path) from None

    def _lookup(self, name):
        entry = self._named.get(name)
        if entry is None:
            entry = self._entry(tensor_key(name), name)
            if entry is None:
                raise CheckpointNotFoundError(self._not_found(name), self.path)
            self._named[name] = entry
        return entry

    def _entry(self, key, name):
        """The checked entry of ``key`` (cached), or None when there is none."""
        if key not in self._entries and key in self._raw:
            self._entries[key] = self._decode(key, name)
        return self._entries.get(key)

    def _decode(self, key, name):
        proto = self._parse(BundleEntryProto, self._raw[key], name)
        shape = tuple(dim.size for dim in proto.shape.dim)
        if proto.shape.unknown_rank or any(n < 0 for n in shape) or len(shape) > MAX_RANK \
                or math.prod(shape) >= 1 << 63:
            raise CorruptCheckpointError("Invalid tensor shape: %s %s (%s is corrupt, or holds a "
                                         "tensor of more than %d dimensions)"
                                         % (name, _brief(proto.shape), self.path, MAX_RANK), self.path)
        if not 0 <= proto.shard_id < self.num_shards or proto.offset < 0 or proto.size < 0:
            raise CorruptCheckpointError(
                "%s: the entry of %s points at shard %d, offset %d, size %d; the checkpoint has %d "
                "shard(s)" % (self.path, name, proto.shard_id, proto.offset, proto.size,
                              self.num_shards), self.path)
        pieces = tuple((box_from_proto(s, shape, name, self.path), slice_key(key, key_extents(s)))
                       for s in proto.slices)
        return _Entry(name, key, proto.dtype, shape, proto.shard_id, proto.offset, proto.size,
                      proto.crc32c, pieces or None)

    def _not_found(self, name):
        base = name.rsplit("/", 1)[-1]
        similar = [k for k in self.keys() if k.rsplit("/", 1)[-1] == base][:5]
        return "Key %s not found in checkpoint %s.%s" % (
            name, self.prefix, " Keys with the same base name: %s." % ", ".join(similar)
            if similar else " It has %d keys; BundleReader.keys() lists them." % len(self.keys()))

    def _file(self, shard_id):
        if self._files is None:
            raise CheckpointError("BundleReader(%r) is closed" % self.prefix, self.path)
        if shard_id not in self._files:
            self._files[shard_id] = DataFile(data_path(self.prefix, shard_id, self.num_shards))
        return self._files[shard_id]

    def _read(self, entry, region, out):
        dtype = codec.torch_dtype(entry.dtype, entry.name, self.path)
        target = self._target(entry, dtype, region, out)
        if entry.pieces is None:
            value = self._read_stored(entry, dtype, region, target)
        else:
            value = self._assemble(entry, dtype, region, target)
        return value if out is None else out

    def _target(self, entry, dtype, region, out):
        """``out`` detached (None stays None), once checked to hold the box ``region`` (None:
        the whole tensor)."""
        if out is None:
            return None
        shape = entry.shape if region is None else tuple(n for _, n in region)
        if not isinstance(out, torch.Tensor) or dtype is dtypes.string or tuple(out.shape) != shape:
            raise CheckpointArgumentError(
                "out= for tensor %s must be a tensor of shape %s, not %r"
                % (entry.name, list(shape), getattr(out, "shape", out)), self.path)
        return out.detach()

    def _read_stored(self, entry, dtype, region, out=None):
        """The box ``region`` of a tensor stored in one piece (copied into ``out`` if given)."""
        file = self._file(entry.shard_id)
        if dtype is dtypes.string:
            value = self._strings(entry, file)[(..., *(slice(s, s + n) for s, n in region))]
            return value if out is None else _copy(out, value)
        numel = self._numel(entry, dtype, file)
        verify = self._verifies(entry)
        shape = tuple(n for _, n in region)
        if _fills(entry, dtype, out):
            data = codec.tensor_bytes(out)
            file.read_into([(entry.offset, data, entry.name)])
            torch.autograd.graph.increment_version(out)      # as an in-place op would
            if verify:
                self._check_crc(entry, crc32c(data))
            return out
        if 0 in shape:
            if numel == 0 and verify:
                self._check_crc(entry, 0)
            return torch.empty(shape, dtype=dtype) if out is None else out
        strides = [math.prod(entry.shape[d + 1:]) for d in range(len(shape))]
        first = sum(s * stride for (s, _), stride in zip(region, strides))
        last = sum((s + n - 1) * stride for (s, n), stride in zip(region, strides))
        low, high = (0, numel) if verify else (first, last + 1)
        buffer, start = file.read(entry.offset + low * dtype.itemsize, (high - low) * dtype.itemsize,
                                  dtype.itemsize, entry.name)
        if verify:
            self._check_crc(entry, crc32c(memoryview(buffer)[start:start + entry.size]))
        flat = torch.frombuffer(buffer, dtype=dtype, count=high - low, offset=start)
        value = flat.view(shape) if shape == entry.shape else flat.as_strided(shape, strides, first - low)
        return value if out is None else _copy(out, value)

    def _strings(self, entry, file):
        buffer, start = file.read(entry.offset, entry.size, 1, entry.name)
        verify = self._verifies(entry)
        values, crc = codec.decode_strings(memoryview(buffer)[start:start + entry.size],
                                           math.prod(entry.shape), verify, entry.name, file.path)
        if verify:
            self._check_crc(entry, crc)
        return values.reshape(entry.shape)

    def _numel(self, entry, dtype, file):
        """The element count of a numeric ``entry``, checked against its stored size."""
        numel = math.prod(entry.shape)
        if entry.size != numel * dtype.itemsize:
            raise codec.invalid_size(entry.name, file.path, entry.size, numel * dtype.itemsize)
        return numel

    def _verifies(self, entry):
        return self.verify and entry.key not in self._checked

    def _check_crc(self, entry, actual):
        if unmask(entry.crc) != actual:
            raise CorruptCheckpointError(
                "TensorBundle at %s shard %d (%d bytes): Checksum does not match: stored %08d vs. "
                "calculated on the restored bytes %d (tensor %s is corrupt; verify=False reads it "
                "anyway)" % (self.prefix, entry.shard_id, entry.size, unmask(entry.crc), actual,
                             entry.name), self.path)

    def _assemble(self, entry, dtype, region, out=None):
        """The box ``region`` of a partitioned tensor, from the pieces that overlap it."""
        shape = tuple(n for _, n in region)
        if 0 in shape:
            return _empty(shape, dtype) if out is None else out
        parts = [(box, key, part) for box, key in entry.pieces if (part := intersect(box, region))]
        stored = [self._piece(entry, box, key) for box, key, _ in parts]
        itemsize = 1 if dtype is dtypes.string else dtype.itemsize
        needed = math.prod(shape) * itemsize
        if needed > sum(piece.size for piece in stored):
            raise insufficient_slices(entry.name, region, self.path)
        available = sum(self._file(shard).size() for shard in {piece.shard_id for piece in stored})
        if needed > available:
            raise CorruptCheckpointError(
                "%s: partitioned tensor %s claims %d bytes in slice %s but its pieces' data files "
                "hold %d" % (self.path, entry.name, needed, spec(region), available), self.path)
        check_cover(region, [part for _, _, part in parts], entry.name, self.path)
        if out is None and len(parts) == 1 and parts[0][0] == region:
            return self._read_stored(stored[0], dtype, tuple((0, n) for n in shape))
        out = _empty(shape, dtype) if out is None else out
        for (box, _, part), piece in zip(parts, stored):
            source = tuple((s - b, n) for (s, n), (b, _) in zip(part, box))
            target = tuple(slice(s - r, s - r + n) for (s, n), (r, _) in zip(part, region))
            self._read_stored(piece, dtype, source, out[target])
        return out

    def _piece(self, entry, box, key):
        name = "%s[%s]" % (entry.name, spec(box))
        piece = self._entry(key, name)
        if piece is None or piece.pieces is not None or piece.dtype != entry.dtype or \
                piece.shape != tuple(n for _, n in box):
            raise CorruptCheckpointError(
                "%s: partitioned tensor %s lists slice %s, but the checkpoint has %s" % (
                    self.path, entry.name, spec(box), "no entry for it" if piece is None else
                    "an entry of another dtype or shape (%s %s) for it"
                    % (piece.dtype, list(piece.shape))), self.path)
        return piece


def _brief(message):
    text = str(message).replace("\n", " ")
    return text if len(text) < 200 else text[:200] + "..."


def _read_index(prefix, path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        hint = ("%s is a directory: pass a checkpoint prefix such as '%s/model.ckpt-7' (the "
                "'checkpoint' file in it names the latest)" % (prefix, prefix.rstrip("/"))
                if os.path.isdir(prefix) else "there is no %s" % path)
        raise CheckpointNotFoundError("Unsuccessful TensorSliceReader constructor: Failed to find "
                                      "any matching files for %s: %s" % (prefix, hint), path) from None
    except OSError as e:
        raise CheckpointError("%s: cannot read the checkpoint index: %s" % (path, e.strerror),
                              path) from None


def _empty(shape, dtype):
    return np.empty(shape, object) if dtype is dtypes.string else torch.empty(shape, dtype=dtype)


def _parts(items, size):
    """``items`` cut into runs of about equal total ``size(item)``, one run per thread of
    ``torch.get_num_threads()`` (4 at most) but ``PART_BYTES`` at least in each."""
    total = sum(map(size, items))
    n = min(4, torch.get_num_threads(), total // PART_BYTES)
    if n < 2:
        return [items]
    parts, done = [[] for _ in range(n)], 0
    for item in items:
        parts[done * n // total].append(item)
        done += size(item)
    return [part for part in parts if part]


def _checksums(file, pieces):
    return file.checksums([(piece.offset, piece.size) for piece in pieces], "the tensors to check")


def _in_threads(function, parts):
    """``[function(part) for part in parts]``: the first part in this thread, the others in
    as many more threads, meanwhile."""
    if len(parts) == 1:
        return [function(parts[0])]
    workers = pool("read", len(parts) - 1)
    others = [workers.submit(function, part) for part in parts[1:]]
    try:
        first = function(parts[0])
    finally:
        wait(others)            # none left running, whatever happened
    return [first] + [other.result() for other in others]


def _fills(entry, dtype, out):
    """Whether the stored tensor ``entry`` can be read straight into the memory of ``out``."""
    return out is not None and out.dtype == dtype and out.shape == entry.shape and out.is_cpu \
        and out.is_contiguous()


def _copy(out, value):
    out[...] = value
    return out
