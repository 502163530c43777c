"""One ``.data-SSSSS-of-NNNNN`` shard, read by byte range into buffers the caller owns.

A large range at an aligned offset is memory-mapped copy-on-write: a tensor made from the
buffer with ``torch.frombuffer`` *is* the mapped file (no copy), and writing into it never
changes the file.  A small or misaligned range is read into a ``bytearray``.  Every range gets
its own buffer, which the tensor keeps alive: tensors never alias one another and stay valid
after the reader is closed.  (Do not truncate a data file in place while its tensors live:
TF and scopevar replace checkpoint files by renaming, which is safe.)

>>> f = DataFile("ckpt/model.ckpt-7.data-00000-of-00001")     # w's 6 floats come first
>>> buffer, start = f.read(offset=0, size=24, alignment=4, name="w")
>>> torch.frombuffer(buffer, dtype=torch.float32, offset=start, count=6)
tensor([0., 1., 2., 3., 4., 5.])
>>> tensor = torch.empty(6)
>>> f.read_into([(0, tensor.numpy(), "w")])              # straight into existing memory
>>> f.checksums([(0, 24)], name="w") == [crc32c_at(tensor.data_ptr(), 24)]   # no copies
True
"""
import mmap
import os
import stat

import numpy as np

from ..errors import CheckpointError, CheckpointNotFoundError, CorruptCheckpointError
from .crc import crc32c_at

MAP_MIN_BYTES = 1 << 16
CHECK_WINDOW = 2 << 20      # checksums() maps no more of the file at once (per thread)
IOV_MAX = os.sysconf("SC_IOV_MAX")


class DataFile:
    def __init__(self, path):
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise CheckpointNotFoundError(
                "%s; No such file or directory: a data shard of the checkpoint is missing"
                % path, path) from None
        except OSError as e:
            raise CheckpointError("%s: cannot open data shard: %s" % (path, e.strerror), path) from None
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            os.close(self._fd)
            raise CheckpointError("%s: a data shard is not a regular file" % path, path)

    def size(self):
        return os.fstat(self._fd).st_size

    def read(self, offset, size, alignment, name):
        """``(buffer, start)``: the bytes ``[offset, offset + size)`` are
        ``buffer[start:start + size]``, and ``buffer`` is writable and private."""
        if size < MAP_MIN_BYTES or offset % alignment:
            buffer = bytearray(size)
            self.read_into([(offset, buffer, name)])
            return buffer, 0
        self._check_range(offset, size, name)
        start = offset % mmap.ALLOCATIONGRANULARITY
        try:
            return mmap.mmap(self._fd, start + size, access=mmap.ACCESS_COPY, offset=offset - start), start
        except OSError as e:
            raise CheckpointError("%s: cannot map tensor %s: %s" % (self.path, name, e), self.path) from None

    def read_into(self, items):
        """Fill each writable buffer (a bytearray, a tensor's memory) of ``items``, a list of
        ``(offset, buffer, name)`` sorted by offset, from ``offset`` on; buffers lying back to
        back in the file are filled by one system call."""
        file_size = self.size()
        runs = []                      # [offset, size, views, name] of back-to-back buffers
        for offset, buffer, name in items:
            view = memoryview(buffer).cast("B")
            self._check_range(offset, view.nbytes, name, file_size)
            if not view.nbytes:
                continue
            if runs and runs[-1][0] + runs[-1][1] == offset and len(runs[-1][2]) < IOV_MAX:
                runs[-1][1] += view.nbytes
                runs[-1][2].append(view)
            else:
                runs.append([offset, view.nbytes, [view], name])
        for offset, _, views, name in runs:
            self._fill(offset, views, name)

    def _fill(self, offset, views, name):
        """Fill ``views`` from the consecutive bytes at ``offset`` on, short reads resumed."""
        first = 0
        while first < len(views):
            try:
                count = os.preadv(self._fd, views[first:] if first else views, offset)
            except OSError as e:
                raise CheckpointError("%s: cannot read tensor %s: %s" % (self.path, name, e),
                                      self.path) from None
            if count == 0:
                raise CorruptCheckpointError("%s: short read of tensor %s (the file shrank?)"
                                             % (self.path, name), self.path)
            offset += count
            while first < len(views) and count >= views[first].nbytes:
                count -= views[first].nbytes
                first += 1
            if count:
                views[first] = views[first][count:]

    def checksums(self, ranges, name):
        """The CRC32C of each byte range ``(offset, size)`` of ``ranges`` (sorted by offset),
        read through read-only mappings of ``CHECK_WINDOW`` bytes of the file in turn."""
        crcs, low, high, window = [], 0, 0, None
        file_size = self.size()
        for offset, size in ranges:
            self._check_range(offset, size, name, file_size)
            crc, position, end = 0, offset, offset + size
            while position < end:
                if not low <= position < high:
                    low = position - position % mmap.ALLOCATIONGRANULARITY
                    high = min(low + CHECK_WINDOW, file_size)
                    try:        # the mapping stays alive (in window) while its address is used
                        window = np.frombuffer(mmap.mmap(self._fd, high - low,
                                                         access=mmap.ACCESS_READ, offset=low), np.uint8)
                    except OSError as e:
                        raise CheckpointError("%s: cannot map %s: %s" % (self.path, name, e),
                                              self.path) from None
                    base = window.ctypes.data - low
                stop = min(end, high)
                crc = crc32c_at(base + position, stop - position, crc)
                position = stop
            crcs.append(crc)
        return crcs

    def _check_range(self, offset, size, name, file_size=None):
        file_size = self.size() if file_size is None else file_size
        if offset + size > file_size:
            raise CorruptCheckpointError(
                "%s: tensor %s claims bytes [%d, %d) but the file has %d bytes; the data file is "
                "truncated or the index is corrupt" % (self.path, name, offset, offset + size,
                                                       file_size), self.path)

    def close(self):
        os.close(self._fd)
