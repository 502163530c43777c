"""A checkpoint's files on disk: their names, writing them atomically, removing them.

>>> data_path("ckpt/model.ckpt-7", 1, 2)
'ckpt/model.ckpt-7.data-00001-of-00002'
>>> with AtomicFile("ckpt/notes") as f:       # appears complete, or not at all
...     _ = f.write(b"...")
"""
import contextlib
import ctypes
import errno
import os
import secrets

from ..threads import pool


def index_path(prefix):
    """``prefix.index``: the SSTable of entries."""
    return "%s.index" % prefix


def data_path(prefix, shard_id, num_shards):
    """``prefix.data-SSSSS-of-NNNNN``: the tensor bytes of one shard."""
    return "%s.data-%05d-of-%05d" % (prefix, shard_id, num_shards)


WRITEBACK_BYTES = 8 << 20       # with sync, AtomicFile starts the disk writes this often
RESERVE_BYTES = 1 << 20         # AtomicFile reserves the blocks of larger writes first
_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "pwritev") else 1   # buffers per pwritev


def _libc(name, *argtypes):
    """The Linux system call wrapper ``name`` of the C library (None elsewhere)."""
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = list(argtypes)
    return function


_sync_file_range = _libc("sync_file_range", ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                         ctypes.c_uint)
# fallocate(fd, 0, offset, size): allocate a byte range's blocks at once (ext4, xfs: a write
# into them costs about a quarter less than one allocating page by page); unlike
# os.posix_fallocate, never emulated by writing zeros where unsupported (it just fails)
_fallocate = _libc("fallocate", ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)


def _start_writeback(fd, offset, size):
    """Start writing a byte range of a file to disk, without waiting (Linux's
    ``sync_file_range(fd, offset, size, SYNC_FILE_RANGE_WRITE)``)."""
    _sync_file_range(fd, offset, size, 2)


def write_at(fd, buffers, offset):
    """Write ``buffers`` (bytes or byte arrays) back to back at ``offset`` of file ``fd``, with
    the GIL released: one ``pwritev`` per ``IOV_MAX`` buffers, resumed after a short write.
    Returns the number of bytes written."""
    buffers = [memoryview(buffer).cast("B") for buffer in buffers]
    size = sum(buffer.nbytes for buffer in buffers)
    while buffers:
        batch = buffers[:_IOV_MAX]
        written = os.pwritev(fd, batch, offset) if len(batch) > 1 else \
            os.pwrite(fd, batch[0], offset)
        if written == 0 and any(batch):
            raise OSError(errno.EIO, "pwrite wrote nothing")
        offset += written
        while buffers and written >= buffers[0].nbytes:
            written -= buffers.pop(0).nbytes
        if written:
            buffers[0] = buffers[0][written:]
    return size


def remove(path):
    """Remove the file ``path`` at once; its blocks are freed meanwhile (see ``_freed_later``)."""
    with _freed_later(path):
        os.remove(path)


@contextlib.contextmanager
def _freed_later(path):
    """Around the removal or replacement of the file ``path``: keep its inode referenced (an
    ``O_PATH`` descriptor) until a background thread closes it after the block, so that the
    caller does not wait for the kernel to free the blocks (milliseconds for 100 MB).  The
    name is gone when the block ends, as without this."""
    try:
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW) if hasattr(os, "O_PATH") else None
    except OSError:             # no such file (or not reachable): nothing to free
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            pool("free").submit(os.close, fd)


class AtomicFile:
    """A binary file written under a temporary name, then fsynced and renamed into place.

    ``commit()`` (or leaving a ``with`` block normally) makes ``path`` appear with the whole
    content; ``discard()`` (or an exception in the block) removes the temporary file.  With
    ``sync=False`` the fsyncs are skipped (TF does not fsync checkpoints either): the rename
    still hides partial files from readers, but an OS crash may lose the content.
    """

    def __init__(self, path, sync=True):
        self.path = os.fspath(path)
        self.sync = sync
        self.temp_path = "%s.tempstate%d" % (self.path, secrets.randbits(63))
        try:
            self._file = open(self.temp_path, "wb")
        except FileNotFoundError:               # a missing directory: made, then tried again
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._file = open(self.temp_path, "wb")
        self._written = self._flushed = 0

    def write(self, data):
        """Append ``data`` (bytes or any buffer); the blocks of a large one are reserved
        first.  With ``sync``, every ``WRITEBACK_BYTES`` the kernel is told to start writing
        the file to disk, so that the fsync of ``commit`` has less left to wait for."""
        self._reserve_blocks(self._written, memoryview(data).nbytes)
        count = self._file.write(data)
        self._written += count
        if self.sync and self._written - self._flushed >= WRITEBACK_BYTES and _sync_file_range:
            self._file.flush()
            _start_writeback(self._file.fileno(), self._flushed, self._written - self._flushed)
            self._flushed = self._written
        return count

    def reserve(self, end):
        """Extend the file to ``end`` bytes, to fill with ``write_at`` (from any threads) before
        ``commit`` (not mixed with ``write``); returns the offset where the range starts."""
        start, self._written = self._written, end
        self._reserve_blocks(start, end - start)
        return start

    def write_at(self, buffers, offset):
        """Write ``buffers`` back to back at ``offset``, in a ``reserve``d range (from any thread:
        the GIL is released); with ``sync``, the kernel starts writing them to disk."""
        size = write_at(self._file.fileno(), buffers, offset)
        if self.sync and _sync_file_range:
            _start_writeback(self._file.fileno(), offset, size)

    def _reserve_blocks(self, offset, size):
        if size >= RESERVE_BYTES and _fallocate:
            _fallocate(self._file.fileno(), 0, offset, size)   # on failure: plain writes

    def commit(self):
        self._file.flush()
        if self.sync:
            os.fsync(self._file.fileno())
        self._file.close()
        with _freed_later(self.path):          # a checkpoint saved again at the same prefix
            os.replace(self.temp_path, self.path)
        if self.sync:
            directory = os.open(os.path.dirname(self.path) or ".", os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def discard(self):
        self._file.close()
        if os.path.exists(self.temp_path):
            os.remove(self.temp_path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.commit()
        else:
            self.discard()
