"""Writing a TensorFlow checkpoint: ``BundleWriter`` streams tensors into one data shard;
``write_index`` writes the ``.index`` for the entries of all shards.

One process, one shard (``finish`` writes the index too):

>>> with BundleWriter("ckpt/model.ckpt-1") as writer:
...     writer.add("w", torch.ones(2, 3))
...     writer.add_slice("emb", full_shape=[10, 4], offset=[0, 0], value=torch.zeros(5, 4))
...     writer.add_slice("emb", full_shape=[10, 4], offset=[5, 0], value=torch.ones(5, 4))

Many tensors at once, written by two threads while more are added (``batch``):

>>> with BundleWriter("ckpt/model.ckpt-3") as writer, writer.batch():
...     for name in ["a", "b"]:
...         writer.add(name, torch.zeros(1000, 1000))

Several processes, one shard each; one of them writes the index once all shards are written:

>>> prefix, rank, world = "ckpt/model.ckpt-2", 0, 1      # torch.distributed's, really
>>> writer = BundleWriter(prefix, shard_id=rank, num_shards=world)
>>> writer.add("w", torch.ones(2, 3)); entries = writer.finish()
>>> gathered = [entries]    # torch.distributed.gather_object(entries, gathered, dst=0): bytes
>>> if rank == 0: write_index(prefix, gathered, num_shards=world)
"""
import contextlib
import functools
import os
from concurrent.futures import wait
from typing import NamedTuple

from ..errors import CheckpointArgumentError
from . import codec
from .crc import crc32c, mask
from .files import WRITEBACK_BYTES, AtomicFile, data_path, index_path
from .protos import FORMAT_VERSION, BundleEntryProto, BundleHeaderProto, VersionDef
from .slices import slice_key, spec, tensor_key, to_proto
from .table import write_table
from ..threads import pool

GROUP_BYTES = WRITEBACK_BYTES   # a batch queues the jobs of groups of this many bytes
QUEUED_JOBS = 32                # then waits for them once this many are queued (16 groups)
THREADED_BYTES = 1 << 20        # the kept thread takes the jobs of larger groups


class BundleWriter:
    """Appends tensors to ``prefix.data-<shard_id>-of-<num_shards>`` as they are added.

    Nothing is visible at ``prefix`` until ``finish()``: the data file is written under a
    temporary name, fsynced and renamed, and the index (for one shard) the same way after it.
    Each tensor starts at a multiple of its item size, so readers can map it without copying.
    ``add`` takes the value at once (a small one copied, written with the next ones); within
    ``batch()`` two threads write the values while more are added, faster.
    ``sync=False`` skips the fsyncs (see ``files.AtomicFile``).
    """

    def __init__(self, prefix, shard_id=0, num_shards=1, *, sync=True):
        if not 0 <= shard_id < num_shards:
            raise CheckpointArgumentError("BundleWriter(%r): shard_id %r is not in [0, num_shards=%r)"
                                          % (prefix, shard_id, num_shards))
        self.prefix = os.fspath(prefix)
        self.shard_id, self.num_shards = shard_id, num_shards
        self.sync = sync
        self._file = AtomicFile(data_path(self.prefix, shard_id, num_shards), sync)
        self._entries = {}
        self._position = 0
        self._group = []             # (key, encoded value, offset, end): planned, not queued
        self._queued = []            # (job, its future or None): writing or checksumming a group
        self._batching = False
        self.entries = None          # what finish() returned, once it ran

    def add(self, name, value):
        """Append tensor ``name``: a torch tensor, a numpy array, bytes/str, or a (nested)
        list; string tensors are numpy arrays of bytes/str."""
        key = tensor_key(name)
        if key in self._entries:
            raise CheckpointArgumentError("Adding duplicate key: %s" % name)
        self._plan(key, codec.encode(value))

    def add_slice(self, name, full_shape, offset, value):
        """Append the piece ``value`` of the partitioned tensor ``name`` of ``full_shape``, at
        ``offset`` in it.  Pieces may come in any order, from any shard."""
        encoded = codec.encode(value)
        full_shape = tuple(int(n) for n in full_shape)
        box = tuple((int(s), n) for s, n in zip(offset, encoded.shape))
        if len(offset) != len(full_shape) or len(encoded.shape) != len(full_shape) or any(
                s < 0 or s + n > dim for (s, n), dim in zip(box, full_shape)):
            raise CheckpointArgumentError(
                "add_slice(%r): a piece of shape %s at offset %s does not fit in the full shape %s"
                % (name, list(encoded.shape), list(offset), list(full_shape)))
        if box == tuple((0, n) for n in full_shape):
            self.add(name, value)
            return
        key = tensor_key(name)
        full = self._entries.get(key)
        if full is None:
            full = self._entries[key] = _entry(encoded.dtype, full_shape)
        elif isinstance(full, _Stored) or full.dtype != encoded.dtype or _dims(full) != full_shape:
            raise CheckpointArgumentError("add_slice(%r): the tensor was already added %s" % (
                name, "whole" if isinstance(full, _Stored) else
                "as %s %s" % (codec.TORCH_DTYPES[full.dtype], list(_dims(full)))))
        piece_key = slice_key(key, box)
        if piece_key in self._entries:
            raise CheckpointArgumentError("Adding duplicate key: %s slice %s" % (name, spec(box)))
        full.slices.append(to_proto(box))
        self._plan(piece_key, encoded)

    @contextlib.contextmanager
    def batch(self):
        """Within the block, ``add`` and ``add_slice`` plan where each tensor goes and queue,
        for a kept thread, the jobs of writing groups of them and computing their CRC32Cs; when
        the block ends, this thread takes the jobs not started yet and waits for the others.
        The values must not change before the block ends."""
        self._batching = True
        try:
            yield self
        finally:
            self._batching = False
        self._write_pending()

    def finish(self):
        """Commit the data file; for a one-shard checkpoint write the index too.

        Returns this shard's entries (also kept as ``self.entries``): ``{key: serialized
        BundleEntryProto}``, plain bytes to pass to ``write_index`` from any process."""
        self._write_pending()
        self._file.commit()
        self.entries = {key: entry.serialized() if isinstance(entry, _Stored) else
                        entry.SerializeToString() for key, entry in self._entries.items()}
        if self.num_shards == 1:
            write_index(self.prefix, [self.entries], num_shards=1, sync=self.sync)
        return self.entries

    def abort(self):
        """Drop the temporary data file; nothing is written at the prefix."""
        _settle(self._queued)
        self._file.discard()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is not None:
            self.abort()
        elif self.entries is None:
            self.finish()

    def _plan(self, key, encoded):
        """Give the value ``encoded`` of ``key`` its place in the file (its entry, less the
        CRC); queue its group's jobs once the group is large (at once for a large value
        outside a batch, then run them)."""
        offset = self._position + -self._position % _alignment(encoded)
        self._position = offset + sum(map(len, encoded.chunks))
        self._entries[key] = _Stored(encoded.dtype, encoded.shape, self.shard_id, offset,
                                     self._position - offset, None)
        small = self._position - offset < THREADED_BYTES
        if small and not self._batching:    # copied, written with the next ones (as if buffered)
            encoded = encoded._replace(chunks=list(map(bytes, encoded.chunks)))
        self._group.append((key, encoded, offset, self._position))
        if self._position - self._group[0][2] >= GROUP_BYTES or not (small or self._batching):
            self._queue()
            if not self._batching or len(self._queued) >= QUEUED_JOBS:
                self._write_pending()

    def _queue(self):
        """Reserve the planned group's bytes and queue its two jobs, writing and checksumming:
        for the kept thread if the group is large, else for this one."""
        group, self._group = self._group, []
        start = self._file.reserve(self._position)
        submit = pool("write").submit if self._position - start >= THREADED_BYTES else None
        for job in (functools.partial(self._write, start, group),
                    functools.partial(self._checksum, group)):
            self._queued.append((job, submit and submit(job)))

    def _write_pending(self):
        """Run every queued job: this thread takes, in order (the file is written from start
        to end), those the kept thread has not started yet, then waits for the others."""
        if self._group:
            self._queue()
        queued, self._queued = self._queued, []
        try:
            for job, future in queued:
                if future is None or future.cancel():
                    job()
            for _, future in queued:
                if future is not None and not future.cancelled():
                    future.result()
        finally:        # after a failure too: no thread is left writing to the file
            _settle(queued)

    def _write(self, position, group):
        """Write ``group`` from ``position`` (zeros pad each value to its offset)."""
        start, buffers = position, []
        for _, encoded, offset, end in group:
            if offset > position:
                buffers.append(bytes(offset - position))
            buffers += encoded.chunks
            position = end
        self._file.write_at(buffers, start)

    def _checksum(self, group):
        """Complete the entries of ``group`` with their values' CRC32Cs."""
        for key, encoded, *_ in group:
            crc = crc32c(encoded.chunks[0]) if encoded.crc is None else encoded.crc
            self._entries[key] = self._entries[key]._replace(crc32c=mask(crc))


def _settle(queued):
    """Cancel the ``queued`` jobs not started yet; wait for the others to end."""
    wait([future for _, future in queued if future is not None and not future.cancel()])


def write_index(prefix, shard_entries, num_shards, *, sync=True):
    """Write ``prefix.index`` (atomically) from the entries ``finish()`` returned on each shard.

    The pieces of a partitioned tensor may come from different shards: their full-tensor
    entries are merged.  Any other key found twice is an error.
    """
    merged = {}
    for entries in shard_entries:
        for key, value in entries.items():
            merged[key] = _merge(prefix, key, merged[key], value) if key in merged else value
    header = BundleHeaderProto(num_shards=num_shards, version=VersionDef(producer=FORMAT_VERSION))
    with AtomicFile(index_path(os.fspath(prefix)), sync) as file:
        write_table(file, [(b"", header.SerializeToString()), *sorted(merged.items())])


def _merge(prefix, key, first, second):
    a, b = BundleEntryProto.FromString(first), BundleEntryProto.FromString(second)
    if not a.slices or not b.slices or a.dtype != b.dtype or a.shape != b.shape:
        raise CheckpointArgumentError("Duplicate tensor keyed by %s encountered, when merging "
                                      "prefix: %s" % (key.decode("utf-8", "replace"), prefix))
    a.slices.extend(b.slices)
    return a.SerializeToString()


class _Stored(NamedTuple):
    """A tensor's entry, whole in one shard (a light ``BundleEntryProto`` without slices)."""
    dtype: int
    shape: tuple
    shard_id: int
    offset: int
    size: int
    crc32c: int     # masked

    def serialized(self):
        """The ``BundleEntryProto`` bytes, as protobuf writes them: the fields in order, those
        zero left out; only ``crc32c`` varies from one save of a variable to the next."""
        return _serialized(*self[:5]) + (_CRC32C_TAG + self.crc32c.to_bytes(4, "little")
                                         if self.crc32c else b"")


@functools.lru_cache(maxsize=1 << 14)
def _serialized(dtype, shape, shard_id, offset, size):
    """The ``BundleEntryProto`` bytes of the fields before ``crc32c`` (cached across saves)."""
    entry = _entry(dtype, shape)
    entry.shard_id, entry.offset, entry.size = shard_id, offset, size
    return entry.SerializeToString()


_CRC32C_TAG = BundleEntryProto(crc32c=1).SerializeToString()[:1]     # field 6, fixed32


def _entry(dtype, shape):
    entry = BundleEntryProto(dtype=dtype)
    entry.shape.SetInParent()                      # TF writes "shape {}" for a scalar too
    for n in shape:
        entry.shape.dim.add(size=n)
    return entry


def _dims(entry):
    return tuple(dim.size for dim in entry.shape.dim)


def _alignment(encoded):
    return 1 if encoded.dtype == codec.DT_STRING else codec.TORCH_DTYPES[encoded.dtype].itemsize

