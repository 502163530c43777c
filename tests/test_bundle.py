"""The tensor-bundle format: TF's own checkpoints, round trips, slices, shards, bad input."""
import contextlib
import hashlib
import io
import json
import os
import shutil
import struct
import threading
import tracemalloc
from pathlib import Path
from unittest import mock

import ml_dtypes
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scopevar import dtypes
from scopevar.bundle import (BundleReader, BundleWriter, data_path, index_path,
                             read_checkpoint_state, write_checkpoint_state, write_index)
from scopevar.bundle import codec, table
from scopevar.bundle.crc import crc32c, mask
from scopevar.bundle.data_file import DataFile
from scopevar.bundle.files import AtomicFile, remove, write_at
from scopevar.bundle.protos import (BundleEntryProto, BundleHeaderProto, DataType,
                                    TensorShapeProto, VersionDef)
from scopevar.bundle.slices import slice_key, to_proto
from scopevar.threads import pool
from scopevar.bundle.writer import _Stored
from scopevar.errors import (CheckpointArgumentError, CheckpointError, CheckpointNotFoundError,
                             CorruptCheckpointError, InvalidCheckpointStateError,
                             UnsupportedDtypeError)

FIXTURES = Path("/work/shared/fixtures/tf-checkpoints")
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text()) if FIXTURES.exists() else {}
needs_fixtures = pytest.mark.skipif(not MANIFEST, reason="shared TF fixtures not present")


def sha256(value):
    """The manifest's hash: C-order bytes; strings as 8-byte LE length + bytes per element,
    except a scalar string, which TF returns as ``bytes`` and the manifest hashes raw."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype == object:
        return hashlib.sha256(value[()]).hexdigest()
    if isinstance(value, np.ndarray) and value.dtype == object:
        return hashlib.sha256(b"".join(len(s).to_bytes(8, "little") + s
                                       for s in value.reshape(-1))).hexdigest()
    return hashlib.sha256(value.contiguous().reshape(-1).view(torch.uint8).numpy()).hexdigest()


def same(a, b):
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and list(a.flat) == list(b.flat)
    return a.dtype == b.dtype and a.shape == b.shape and sha256(a) == sha256(b)


def write(prefix, tensors):
    with BundleWriter(prefix) as writer:
        for name, value in tensors.items():
            writer.add(name, value)
    return str(prefix)


# --- TF's checkpoints ----------------------------------------------------------------------------

FIXTURE_TENSORS = [(ckpt, name) for ckpt, info in MANIFEST.items() for name in info["tensors"]]


@needs_fixtures
@pytest.mark.parametrize("ckpt,name", FIXTURE_TENSORS, ids=["/".join(c) for c in FIXTURE_TENSORS])
def test_reads_every_tensor_tf_wrote(ckpt, name):
    info = MANIFEST[ckpt]["tensors"][name]
    with BundleReader(FIXTURES / MANIFEST[ckpt]["prefix"]) as reader:
        value = reader.get(name)
        assert dtypes.name(reader.dtype(name)) == info["dtype"]
        assert list(reader.shape(name)) == info["shape"] == list(value.shape)
        assert sha256(value) == info["sha256"]


@needs_fixtures
@pytest.mark.parametrize("ckpt", sorted(MANIFEST))
def test_keys_of_tf_checkpoints(ckpt):
    with BundleReader(FIXTURES / MANIFEST[ckpt]["prefix"]) as reader:
        assert reader.keys() == sorted(MANIFEST[ckpt]["tensors"])
        assert all(reader.has(k) for k in reader.keys()) and not reader.has("nope")


@needs_fixtures
def test_tf_partitioned_tensor_read_in_another_partitioning():
    with BundleReader(FIXTURES / "v1_partitioned/model.ckpt-7") as reader:
        emb, wide = reader.get("emb"), reader.get("wide")
        for start, rows in [(0, 5), (5, 5), (3, 4), (9, 1)]:       # TF stored rows 0-3, 4-6, 7-9
            assert torch.equal(reader.get_slice("emb", [start, 0], [rows, 4]), emb[start:start + rows])
        assert torch.equal(reader.get_slice("wide", [1, 3], [1, 5]), wide[1:2, 3:8])


# --- round trips ---------------------------------------------------------------------------------

TORCH_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
                torch.int32, torch.int64, torch.uint8, torch.uint16, torch.uint32, torch.uint64,
                torch.bool, torch.complex64, torch.complex128]


def sample(dtype, shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point or dtype.is_complex:
        return torch.randn(shape, generator=g, dtype=dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=g).bool()
    info = torch.iinfo(dtype)
    low, high = max(info.min, -2 ** 62), min(info.max, 2 ** 62)
    return torch.randint(low, high, shape, generator=g, dtype=torch.int64).to(dtype)


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=str)
def test_round_trip_every_dtype(tmp_path, dtype):
    values = {"scalar": sample(dtype, ()), "empty": sample(dtype, (0, 3)), "matrix": sample(dtype, (7, 5)),
              "big": sample(dtype, (300, 100)), "odd": sample(dtype, (3,))}
    with BundleReader(write(tmp_path / "m", values)) as reader:
        for name, value in values.items():
            assert reader.dtype(name) is dtype and reader.shape(name) == tuple(value.shape)
            assert same(reader.get(name), value)


def test_round_trip_numpy_and_python_values(tmp_path):
    values = {"big_endian": np.arange(6, dtype=">i4").reshape(2, 3), "bf16": np.array([1.5, -2], ml_dtypes.bfloat16),
              "list": [[1.0, 2.0]], "bool": np.array(True), "view": torch.arange(12.0).reshape(3, 4).t(),
              "conj": torch.tensor([1 + 2j]).conj(), "grad": torch.ones(2, requires_grad=True)}
    with BundleReader(write(tmp_path / "m", values)) as reader:
        assert torch.equal(reader.get("big_endian"), torch.arange(6, dtype=torch.int32).reshape(2, 3))
        assert torch.equal(reader.get("bf16"), torch.tensor([1.5, -2], dtype=torch.bfloat16))
        assert torch.equal(reader.get("list"), torch.tensor([[1.0, 2.0]], dtype=torch.float64))
        assert reader.get("bool").item() is True and reader.shape("bool") == ()
        assert torch.equal(reader.get("view"), torch.arange(12.0).reshape(3, 4).t())
        assert torch.equal(reader.get("conj"), torch.tensor([1 - 2j]))
        assert torch.equal(reader.get("grad"), torch.ones(2))


def test_round_trip_strings(tmp_path):
    values = {"scalar": b"hello", "text": "héllo", "empty": np.array([], object),
              "matrix": np.array([[b"", b"\x00\xff" * 300], [b"x" * 70000, "ü"]], object),
              "fixed": np.array([b"ab", b"c"])}
    with BundleReader(write(tmp_path / "m", values)) as reader:
        assert reader.dtype("scalar") is dtypes.string
        assert reader.get("scalar").shape == () and reader.get("scalar")[()] == b"hello"
        assert reader.get("text")[()] == "héllo".encode()
        assert reader.get("empty").shape == (0,)
        matrix = reader.get("matrix")
        assert matrix.dtype == object and matrix.shape == (2, 2)
        assert list(matrix.flat) == [b"", b"\x00\xff" * 300, b"x" * 70000, "ü".encode()]
        assert list(reader.get("fixed")) == [b"ab", b"c"]
        assert list(reader.get_slice("matrix", [1, 0], [1, 2]).flat) == [b"x" * 70000, "ü".encode()]


def test_annotated_example_byte_for_byte(tmp_path):
    """Spec section 2.7: TF's SaveV2 of v=float32[1, 2], w=string["ab", "c"]: a 142-byte index."""
    prefix = write(tmp_path / "m", {"v": torch.tensor([1.0, 2.0]), "w": np.array([b"ab", b"c"], object)})
    index = bytes.fromhex(
        "00000608011a020801" "00010f76080112041202080228083559 3ce535" "0001117708071204120208022008"
        "280935d530d85f" "0000000001000000" "008d41821e" "0000000001000000" "00c0f2a1b0"
        "000102780039" "0000000001000000" "0053ee0f5d" "3e084b0e".replace(" ", "")) + bytes(36) + \
        bytes.fromhex("57fb808b247547db")
    assert Path(index_path(prefix)).read_bytes() == index and len(index) == 142
    assert Path(data_path(prefix, 0, 1)).read_bytes() == bytes.fromhex("0000803f00000040020103717c67616263")


def test_tensors_are_aligned_to_their_item_size(tmp_path):
    values = {"a": torch.ones(3, dtype=torch.int8), "b": torch.ones(5, dtype=torch.float64),
              "c": b"xyz", "d": torch.ones(2, dtype=torch.complex128)}
    prefix = write(tmp_path / "m", values)
    entries = dict(table.read_table(Path(index_path(prefix)).read_bytes(), "m.index"))
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            assert BundleEntryProto.FromString(entries[name.encode()]).offset % value.element_size() == 0


def test_multi_block_index(tmp_path):
    names = ["scope_%05d/%s" % (i, "w" * 80) for i in range(3500)]          # > 256 KB of keys
    prefix = write(tmp_path / "m", {name: torch.tensor(float(i)) for i, name in enumerate(names)})
    data = Path(index_path(prefix)).read_bytes()
    index_handle, _ = table._handle(data, table._handle(data, len(data) - 48, len(data), "")[1], len(data), "")
    assert len(list(table._entries(table._block(data, index_handle, len(data), "", True), ""))) >= 2
    with BundleReader(prefix) as reader:
        assert reader.keys() == sorted(names)
        assert reader.get(names[2999]).item() == 2999.0


def test_table_writer_matches_leveldb_separators():
    out = io.BytesIO()
    big = b"v" * (2 * table.BLOCK_SIZE)               # an entry too large for a block of its own
    items = [(b"a", b"1"), (b"abc", big), (b"abd", b"2"), (b"b\xff", b"3")]
    table.write_table(out, items)
    assert table.read_table(out.getvalue(), "t") == items
    assert table._shortest_separator(b"the quick", b"the who") == b"the r"
    assert table._short_successor(b"w") == b"x" and table._short_successor(b"\xff\xff") == b"\xff\xff"


# --- zero copy and lifetime ----------------------------------------------------------------------

def mapped_file(address):
    """The file backing the mapping that holds ``address`` in this process, or None."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        low, high = (int(x, 16) for x in fields[0].split("-"))
        if low <= address < high:
            return fields[5] if len(fields) == 6 else None


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc/self/maps")
def test_large_tensors_are_mapped_not_copied(tmp_path):
    prefix = write(tmp_path / "m", {"big": torch.randn(1024, 1024), "small": torch.ones(3)})
    reader = BundleReader(prefix)
    tracemalloc.start()
    big = reader.get("big")
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert mapped_file(big.data_ptr()) == os.path.realpath(data_path(prefix, 0, 1))
    assert allocated < 100_000                       # the 4 MB tensor was not copied
    assert mapped_file(reader.get("small").data_ptr()) is None


def test_tensors_outlive_the_reader_and_do_not_alias(tmp_path):
    value = torch.randn(512, 256)
    prefix = write(tmp_path / "m", {"w": value})
    reader = BundleReader(prefix)
    first, second = reader.get("w"), reader.get("w")
    reader.close()
    first.add_(1)                                    # copy-on-write: neither the file nor `second`
    assert torch.equal(second, value) and torch.equal(first, value + 1)
    with BundleReader(prefix) as again:
        assert torch.equal(again.get("w"), value)
    with pytest.raises(CheckpointError, match="closed"):
        reader.get("w")
    reader.close()


def test_writer_as_context_manager_keeps_its_entries(tmp_path):
    with BundleWriter(tmp_path / "m") as writer:
        writer.add("w", torch.ones(2))
        entries = writer.finish()                   # finishing inside the block is fine
    assert writer.entries is entries and list(entries) == [b"w"]
    with BundleReader(tmp_path / "m") as reader:
        assert torch.equal(reader.get("w"), torch.ones(2))
        with pytest.raises(CheckpointArgumentError, match="non-empty str"):
            reader.get(b"w")


def test_get_into_out_reads_the_file_straight_into_it(tmp_path):
    full, big = torch.randn(10, 6), torch.randn(256, 256)
    with BundleWriter(tmp_path / "m") as writer:
        writer.add("big", big)
        writer.add("s", np.array([b"a"], object))
        writer.add_slice("emb", [10, 6], [0, 0], full[:4])
        writer.add_slice("emb", [10, 6], [4, 0], full[4:])
    variable = torch.nn.Parameter(torch.zeros(256, 256))
    emb = torch.zeros(10, 6)
    with BundleReader(tmp_path / "m") as reader:
        with mock.patch.object(DataFile, "read", side_effect=AssertionError("mapped, not filled")):
            assert reader.get("big", out=variable) is variable and torch.equal(variable.data, big)
            assert reader.get("emb", out=emb) is emb and torch.equal(emb, full)
        as_double, transposed = torch.zeros(256, 256, dtype=torch.float64), torch.zeros(256, 256).t()
        assert torch.equal(reader.get("big", out=as_double), big.double())
        assert torch.equal(reader.get("big", out=transposed), big)
        rows = torch.zeros(3, 2)
        assert torch.equal(reader.get_slice("emb", [3, 1], [3, 2], out=rows), full[3:6, 1:3])
        with pytest.raises(CheckpointArgumentError, match="out= for tensor big must be a tensor of shape"):
            reader.get("big", out=torch.zeros(3))
        with pytest.raises(CheckpointArgumentError):
            reader.get("s", out=torch.zeros(1))
    corrupt_bytes(data_path(tmp_path / "m", 0, 1), 100)
    with BundleReader(tmp_path / "m") as reader, pytest.raises(CorruptCheckpointError, match="Checksum"):
        reader.get("big", out=variable)


def test_check_verifies_crcs_without_copying_then_reads_skip_them(tmp_path):
    full, big = torch.arange(40.0).reshape(10, 4), torch.randn(256, 256)
    with BundleWriter(tmp_path / "m") as writer:
        writer.add("big", big)
        writer.add("s", np.array([b"ab", b"c"], object))
        writer.add_slice("emb", [10, 4], [0, 0], full[:5])
        writer.add_slice("emb", [10, 4], [5, 0], full[5:])
    with BundleReader(tmp_path / "m") as reader, \
            mock.patch("scopevar.bundle.data_file.CHECK_WINDOW", 100_000):   # big in 3 windows
        reader.check(["big", "s", "emb"])
        with mock.patch("scopevar.bundle.reader.crc32c", side_effect=AssertionError("checked twice")):
            assert torch.equal(reader.get("big"), big) and torch.equal(reader.get("emb"), full)
            assert list(reader.get("s")) == [b"ab", b"c"]
    corrupt_bytes(data_path(tmp_path / "m", 0, 1), 256 * 256 * 4 + 5 * 4 * 4 + 8)      # in emb
    with BundleReader(tmp_path / "m") as reader:
        reader.check(["big"])
        with pytest.raises(CorruptCheckpointError, match="Checksum does not match.*tensor emb"):
            reader.check(["big", "emb"])
        reader.check([])
    with BundleReader(tmp_path / "m", verify=False) as reader:
        reader.check(["emb"])


def test_read_into_fills_every_target_or_none(tmp_path):
    full, values = torch.arange(40.0).reshape(10, 4), [torch.randn(64, 64) for _ in range(3)]
    with BundleWriter(tmp_path / "m") as writer:
        for i, value in enumerate(values):
            writer.add("w%d" % i, value)
        writer.add("s", np.array([b"ab"], object))
        writer.add_slice("emb", [10, 4], [0, 0], full[:5])
        writer.add_slice("emb", [10, 4], [5, 0], full[5:])
    outs = [torch.nn.Parameter(torch.zeros(64, 64)) for _ in values]
    rows, as_double = torch.zeros(4, 2), torch.zeros(64, 64, dtype=torch.float64)
    items = [("w%d" % i, out, None) for i, out in enumerate(outs)] + [
        ("emb", rows, ([3, 1], [4, 2])), ("w0", as_double, None)]
    versions = [out._version for out in outs]
    with BundleReader(tmp_path / "m") as reader, mock.patch("os.preadv", wraps=os.preadv) as preadv:
        reader.read_into(items)
    assert all(torch.equal(out.data, value) for out, value in zip(outs, values))
    assert torch.equal(rows, full[3:7, 1:3]) and torch.equal(as_double, values[0].double())
    assert all(out._version > version for out, version in zip(outs, versions))
    assert len(preadv.call_args_list[0].args[1]) == 3       # w0-w2, back to back: one call
    for out in outs:
        out.data.zero_()
    with BundleReader(tmp_path / "m") as reader:                 # bad targets: nothing changes
        for bad, error in [(("w1", torch.zeros(3), None), "must be a tensor of shape \\[64, 64\\]"),
                           (("s", torch.zeros(1), None), "must be a tensor of shape"),
                           (("emb", rows, ([8, 0], [4, 2])), "does not fit")]:
            with pytest.raises(CheckpointArgumentError, match=error):
                reader.read_into(items[:3] + [bad])
    corrupt_bytes(data_path(tmp_path / "m", 0, 1), 2 * 64 * 64 * 4 + 8)       # in w2, read last
    with BundleReader(tmp_path / "m") as reader, \
            pytest.raises(CorruptCheckpointError, match="Checksum does not match.*tensor w2"):
        reader.read_into(items)
    assert all(not out.data.any() for out in outs)


def test_an_index_is_parsed_once_for_its_readers_and_again_once_rewritten(tmp_path):
    prefix = write(tmp_path / "m", {"w": torch.ones(2, 3)})
    with mock.patch("scopevar.bundle.reader.read_table", wraps=table.read_table) as parse:
        for verify in [True, True, False]:            # verify=False does not skip checks for True
            with BundleReader(prefix, verify=verify) as reader:
                assert reader.shape("w") == (2, 3)
        assert [call.args[2] for call in parse.call_args_list] == [True, False]
        write(prefix, {"w": torch.zeros(4), "v": torch.ones(1)})     # the same path, new bytes
        with BundleReader(prefix) as reader:
            assert reader.keys() == ["v", "w"] and torch.equal(reader.get("w"), torch.zeros(4))
        assert parse.call_count == 3


def test_read_into_shares_large_checks_and_reads_between_threads_resumes_short_reads(tmp_path):
    values = {"w%d" % i: torch.randn(100, 10 * (i + 1)) for i in range(6)}
    prefix = write(tmp_path / "m", values)
    outs = {name: torch.zeros_like(value) for name, value in values.items()}

    def short(fd, buffers, offset, preadv=os.preadv):     # at most 1000 bytes per call
        return preadv(fd, [memoryview(buffers[0])[:1000]], offset)
    module = "scopevar.bundle.reader."
    with BundleReader(prefix) as reader, mock.patch(module + "PART_BYTES", 10_000), \
            mock.patch(module + "torch.get_num_threads", return_value=3), \
            mock.patch(module + "pool", wraps=pool) as threads, \
            mock.patch("os.preadv", side_effect=short):
        reader.read_into([(name, out, None) for name, out in outs.items()])
    assert threads.call_args_list == [mock.call("read", 2)] * 2    # check, read: this thread and 2 more
    assert all(torch.equal(outs[name], value) for name, value in values.items())


BATCHED = {"f16": torch.randn(3, 5).half(), "mid": torch.randn(400), "bf16": torch.randn(7).bfloat16(),
           "i8": torch.arange(-5, 6, dtype=torch.int8), "c128": torch.randn(2, 2, dtype=torch.complex128),
           "empty": torch.zeros(0, 4), "b": torch.tensor([True, False]), "scalar": torch.tensor(2.5),
           "u64": torch.tensor([1, 2, 3]).to(torch.uint64), "s": np.array([b"ab", b"\xc3\xa9", b""], object),
           "many": np.array([b"x%d" % i for i in range(50)], object), "big": torch.randn(40, 100),
           "odd": torch.arange(3, dtype=torch.uint8), "d": torch.randn(9).double()}


def write_all(prefix, batched, sync=True):
    """``BATCHED`` and pieces of a partitioned tensor, in a batch or one by one."""
    with BundleWriter(prefix, sync=sync) as writer, \
            writer.batch() if batched else contextlib.nullcontext():
        for name, value in BATCHED.items():
            writer.add(name, value)
            if name == "s":
                writer.add_slice("part", [10, 4], [3, 0], torch.ones(7, 4))
        writer.add_slice("part", [10, 4], [0, 0], torch.zeros(3, 4))
    return str(prefix)


@pytest.mark.parametrize("group_bytes,queued_jobs", [(1000, 100), (1000, 2), (1 << 30, 100)])
def test_a_batch_writes_the_files_one_by_one_adds_do(tmp_path, group_bytes, queued_jobs):
    one_by_one = write_all(tmp_path / "one", batched=False)
    writes, threads = [], set()

    def recorded(fd, buffers, offset):
        threads.add(threading.current_thread().name)
        writes.append((offset, sum(memoryview(b).nbytes for b in buffers)))
        return write_at(fd, buffers, offset)
    with mock.patch("scopevar.bundle.writer.GROUP_BYTES", group_bytes), \
            mock.patch("scopevar.bundle.writer.QUEUED_JOBS", queued_jobs), \
            mock.patch("scopevar.bundle.writer.THREADED_BYTES", 1000), \
            mock.patch("scopevar.bundle.files._IOV_MAX", 7), \
            mock.patch("scopevar.bundle.files.write_at", side_effect=recorded):
        batched = write_all(tmp_path / "batched", batched=True)
    for suffix in (".index", ".data-00000-of-00001"):
        assert Path(one_by_one + suffix).read_bytes() == Path(batched + suffix).read_bytes()
    writes.sort()      # the groups, written once each, tile the file
    assert [start for start, _ in writes] == [0] + [sum(w) for w in writes[:-1]]
    assert sum(writes[-1]) == os.path.getsize(data_path(batched, 0, 1))
    assert len(writes) == (1 if group_bytes > 1 << 20 else 3)
    assert threads <= {threading.main_thread().name, "scopevar-write_0"}
    with BundleReader(batched) as reader:
        for name, value in BATCHED.items():
            assert same(reader.get(name), value), name


def test_add_takes_the_value_at_once_outside_a_batch(tmp_path):
    small, big = torch.zeros(3), torch.zeros(300_000)      # copied; written at once
    with BundleWriter(tmp_path / "m") as writer:
        writer.add("small", small)
        writer.add("big", big)
        small += 1
        big += 1
    with BundleReader(tmp_path / "m") as reader:
        assert not reader.get("small").any() and not reader.get("big").any()


def test_write_at_goes_on_after_short_writes(tmp_path):
    data = np.random.default_rng(0).bytes(1000)
    buffers = [data[:10], np.frombuffer(data, np.uint8)[10:600], b"", data[600:]]
    with mock.patch("os.pwritev", side_effect=lambda fd, bs, at: os.pwrite(fd, bytes(bs[0])[:7] or
                                                                          bytes(bs[1])[:7], at)):
        with AtomicFile(tmp_path / "f", sync=False) as f:
            assert f.reserve(4) == 0 and f.reserve(1004) == 4
            f.write_at(buffers, 4)
            f.write_at([b"head"], 0)
    assert (tmp_path / "f").read_bytes() == b"head" + data


def test_synced_files_start_their_disk_writes_early(tmp_path):
    data = np.random.default_rng(0).bytes(12_000)
    with mock.patch("scopevar.bundle.files.WRITEBACK_BYTES", 4096), \
            mock.patch("scopevar.bundle.files._start_writeback") as writeback:
        with AtomicFile(tmp_path / "synced") as f:
            for i in range(0, len(data), 3000):
                f.write(data[i:i + 3000])
        with AtomicFile(tmp_path / "unsynced", sync=False) as f:
            f.write(data)
    assert [c.args[1:] for c in writeback.call_args_list] == [(0, 6000), (6000, 6000)]
    assert (tmp_path / "synced").read_bytes() == data == (tmp_path / "unsynced").read_bytes()


def test_large_writes_reserve_their_blocks_first_and_go_on_where_that_fails(tmp_path):
    data = np.random.default_rng(0).bytes(12_000)
    for result in (0, -1):
        with mock.patch("scopevar.bundle.files.RESERVE_BYTES", 4096), \
                mock.patch("scopevar.bundle.files._fallocate", return_value=result) as reserve:
            with AtomicFile(tmp_path / "f", sync=False) as f:
                f.write(data[:100])
                f.write(np.frombuffer(data, np.uint8)[100:].reshape(10, -1))
        assert [c.args[1:] for c in reserve.call_args_list] == [(0, 100, 11_900)]
        assert (tmp_path / "f").read_bytes() == data


def test_removed_and_replaced_files_are_gone_at_once_and_their_descriptors_closed(tmp_path):
    def held():         # the files this process holds open
        links = set()
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(FileNotFoundError):        # listdir's own, closed since
                links.add(os.readlink("/proc/self/fd/" + fd))
        return links
    (tmp_path / "old").write_bytes(bytes(1 << 20))
    (tmp_path / "kept").write_bytes(b"1")
    remove(tmp_path / "old")
    assert not (tmp_path / "old").exists()
    with AtomicFile(tmp_path / "kept", sync=False) as f:         # replaces the old "kept"
        f.write(b"2")
    assert (tmp_path / "kept").read_bytes() == b"2"
    with pytest.raises(FileNotFoundError):
        remove(tmp_path / "old")
    pool("free").submit(int).result()          # the closes queued before it are done
    assert not {str(tmp_path / name) + " (deleted)" for name in ("old", "kept")} & held()


def test_worker_threads_are_kept_per_process():
    assert pool("test") is pool("test") and pool("test") is not pool("test", 2)
    pid = os.fork()
    if pid == 0:                # the child has none of its parent's threads: new ones
        os._exit(0 if pool("test").submit(int, "7").result() == 7 else 1)
    assert os.waitpid(pid, 0)[1] == 0


@settings(max_examples=300, deadline=None)
@given(dtype=st.sampled_from(sorted(codec.TORCH_DTYPES)),
       shape=st.lists(st.integers(0, 2**40), max_size=4).map(tuple),
       shard_id=st.integers(0, 2**20), offset=st.integers(0, 2**50), size=st.integers(0, 2**50),
       crc=st.one_of(st.just(0), st.integers(0, 2**32 - 1)))
def test_entries_serialize_as_protobuf_does(dtype, shape, shard_id, offset, size, crc):
    entry = BundleEntryProto(dtype=dtype, shard_id=shard_id, offset=offset, size=size, crc32c=crc)
    entry.shape.SetInParent()
    entry.shape.dim.extend(TensorShapeProto.Dim(size=n) for n in shape)
    assert _Stored(dtype, shape, shard_id, offset, size, crc).serialized() == \
        entry.SerializeToString()

# --- partitioned tensors ---------------------------------------------------------------------------

def test_slices_round_trip_and_read_in_any_partitioning(tmp_path):
    full = torch.randn(10, 6)
    with BundleWriter(tmp_path / "m") as writer:
        for rows in [(7, 3), (0, 4), (4, 3)]:                 # any order
            writer.add_slice("emb", [10, 6], [rows[0], 0], full[rows[0]:rows[0] + rows[1]])
        writer.add_slice("whole", [2, 2], [0, 0], torch.ones(2, 2))    # a full "slice" is a tensor
    with BundleReader(tmp_path / "m") as reader:
        assert reader.keys() == ["emb", "whole"] and reader.shape("emb") == (10, 6)
        assert torch.equal(reader.get("emb"), full)
        for start, shape in [([0, 0], [10, 6]), ([2, 1], [6, 4]), ([4, 0], [3, 6]), ([9, 5], [1, 1]),
                             ([3, 2], [0, 2])]:
            region = tuple(slice(s, s + n) for s, n in zip(start, shape))
            assert torch.equal(reader.get_slice("emb", start, shape), full[region])
        assert torch.equal(reader.get("whole"), torch.ones(2, 2))


def test_slice_keys_are_tfs_ordered_code():
    from scopevar.bundle.slices import _signed
    for value, code in [(0, "80"), (3, "83"), (-1, "7f"), (64, "c040"), (100, "c064"), (8192, "e02000"),
                        (5000000000, "f92a05f200"), (-65, "3fbf"), (-8193, "1fdfff")]:
        assert _signed(value).hex() == code, value
    assert slice_key(b"part", [(4, 3), (0, 3)]) == bytes.fromhex("00706172740001010284838083")
    assert slice_key(b"a\x00\xff", [(0, -1)]) == b"\x00a\x00\xff\xff\x00\x00\x01\x01\x01\x80\x7f"


def test_get_slice_reads_only_the_pieces_it_needs(tmp_path):
    full = torch.arange(40.0).reshape(10, 4)
    with BundleWriter(tmp_path / "m") as writer:
        writer.add_slice("emb", [10, 4], [0, 0], full[:5])
        writer.add_slice("emb", [10, 4], [5, 0], full[5:])
    corrupt_bytes(data_path(tmp_path / "m", 0, 1), 5 * 4 * 4 + 8)          # inside the 2nd piece
    with BundleReader(tmp_path / "m") as reader:
        assert torch.equal(reader.get_slice("emb", [1, 1], [3, 2]), full[1:4, 1:3])
        with pytest.raises(CorruptCheckpointError, match="Checksum does not match"):
            reader.get("emb")


def test_get_slice_without_verify_reads_only_the_range(tmp_path):
    full = torch.arange(40.0).reshape(10, 4)
    prefix = write(tmp_path / "m", {"w": full})
    corrupt_bytes(data_path(prefix, 0, 1), 39 * 4)
    with BundleReader(prefix, verify=False) as reader:
        piece = reader.get_slice("w", [2, 1], [3, 2])
        assert torch.equal(piece, full[2:5, 1:3])
        assert not reader.get("w").equal(full)


def test_shards_written_apart_and_merged_into_one_index(tmp_path):
    prefix = str(tmp_path / "m")
    full = torch.randn(6, 2)
    entries = []
    for shard in range(2):
        writer = BundleWriter(prefix, shard_id=shard, num_shards=2)
        writer.add("v%d" % shard, torch.full((3,), float(shard)))
        writer.add_slice("emb", [6, 2], [3 * shard, 0], full[3 * shard:3 * shard + 3])
        entries.append(writer.finish())
        assert not os.path.exists(index_path(prefix))
    write_index(prefix, entries, num_shards=2)
    assert sorted(os.listdir(tmp_path)) == ["m.data-00000-of-00002", "m.data-00001-of-00002", "m.index"]
    with BundleReader(prefix) as reader:
        assert reader.keys() == ["emb", "v0", "v1"]
        assert torch.equal(reader.get("v1"), torch.ones(3)) and torch.equal(reader.get("emb"), full)
    with pytest.raises(CheckpointArgumentError, match="Duplicate tensor keyed by v0"):
        write_index(prefix, [entries[0], entries[0]], num_shards=2)


def test_nothing_appears_until_finish_and_an_error_leaves_nothing(tmp_path):
    writer = BundleWriter(tmp_path / "a")
    writer.add("w", torch.ones(2))
    assert not any(name.startswith("a.") and "tempstate" not in name for name in os.listdir(tmp_path))
    writer.finish()
    assert sorted(os.listdir(tmp_path)) == ["a.data-00000-of-00001", "a.index"]
    with pytest.raises(ZeroDivisionError):
        with BundleWriter(tmp_path / "b") as writer:
            writer.add("w", torch.ones(2))
            1 / 0
    assert sorted(os.listdir(tmp_path)) == ["a.data-00000-of-00001", "a.index"]


def test_writer_rejects_what_tf_rejects(tmp_path):
    writer = BundleWriter(tmp_path / "m")
    writer.add("w", torch.ones(2))
    with pytest.raises(CheckpointArgumentError, match="^Adding duplicate key: w"):
        writer.add("w", torch.ones(2))
    with pytest.raises(CheckpointArgumentError, match="already added whole"):
        writer.add_slice("w", [4], [2], torch.ones(2))
    writer.add_slice("p", [4, 2], [0, 0], torch.ones(2, 2))
    with pytest.raises(CheckpointArgumentError, match="does not fit"):
        writer.add_slice("p", [4, 2], [3, 0], torch.ones(2, 2))
    with pytest.raises(CheckpointArgumentError, match="already added as torch.float32"):
        writer.add_slice("p", [4, 2], [2, 0], torch.ones(2, 2, dtype=torch.int32))
    with pytest.raises(CheckpointArgumentError, match="duplicate key: p slice 0,2:0,2"):
        writer.add_slice("p", [4, 2], [0, 0], torch.ones(2, 2))
    with pytest.raises(UnsupportedDtypeError):
        writer.add("q", torch.ones(2, dtype=torch.float8_e4m3fn))
    with pytest.raises(CheckpointArgumentError, match="bytes or str"):
        writer.add("s", np.array([1, "a"], object))
    with pytest.raises(CheckpointArgumentError):
        writer.add("", torch.ones(1))
    with pytest.raises(CheckpointArgumentError, match="shard_id"):
        BundleWriter(tmp_path / "n", shard_id=2, num_shards=2)
    writer.abort()


# --- the checkpoint state file -------------------------------------------------------------------

@needs_fixtures
def test_reads_tf_state_files():
    state = read_checkpoint_state(FIXTURES / "v1_dtypes")
    assert state.model_checkpoint_path == str(FIXTURES / "v1_dtypes" / "model.ckpt-7")
    assert list(state.all_model_checkpoint_paths) == [state.model_checkpoint_path]


def test_state_relative_and_absolute_paths(tmp_path, monkeypatch):
    directory = str(tmp_path)
    write_checkpoint_state(directory, directory + "/ckpt-2", [directory + "/ckpt-1"],
                           all_model_checkpoint_timestamps=[1.5, 2.5], save_relative_paths=True)
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-1"\n'
        'all_model_checkpoint_paths: "ckpt-2"\nall_model_checkpoint_timestamps: 1.5\n'
        "all_model_checkpoint_timestamps: 2.5\n")
    state = read_checkpoint_state(directory)
    assert state.model_checkpoint_path == directory + "/ckpt-2"
    assert list(state.all_model_checkpoint_paths) == [directory + "/ckpt-1", directory + "/ckpt-2"]
    write_checkpoint_state(directory, directory + "/model.ckpt-5")            # TF1 Saver: absolute
    assert read_checkpoint_state(directory).model_checkpoint_path == directory + "/model.ckpt-5"
    monkeypatch.chdir(tmp_path.parent)                                        # a relative directory
    write_checkpoint_state(tmp_path.name, tmp_path.name + "/model.ckpt-6")
    assert "model_checkpoint_path: \"model.ckpt-6\"" in (tmp_path / "checkpoint").read_text()
    assert read_checkpoint_state(tmp_path.name).model_checkpoint_path == tmp_path.name + "/model.ckpt-6"


def test_state_errors(tmp_path):
    assert read_checkpoint_state(tmp_path) is None
    (tmp_path / "checkpoint").write_text("model_checkpoint_path: 3 4")
    with pytest.raises(InvalidCheckpointStateError, match="checkpoint: not a CheckpointState"):
        read_checkpoint_state(tmp_path)
    (tmp_path / "checkpoint").write_bytes(b"\xff\xfe")
    with pytest.raises(InvalidCheckpointStateError):
        read_checkpoint_state(tmp_path)
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "a"')
    with pytest.raises(InvalidCheckpointStateError, match="^Invalid checkpoint state loaded from"):
        read_checkpoint_state(tmp_path)
    with pytest.raises(CheckpointArgumentError, match="^Checkpoint timestamps, if provided"):
        write_checkpoint_state(tmp_path, "a", all_model_checkpoint_timestamps=[1.0, 2.0])
    with pytest.raises(CheckpointArgumentError, match="conflicts with path used for checkpoint state"):
        write_checkpoint_state(tmp_path, str(tmp_path / "checkpoint"))


# --- bad input -------------------------------------------------------------------------------------

def corrupt_bytes(path, position):
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.seek(position)
        byte = f.read(1)
        f.seek(position)
        f.write(bytes([byte[0] ^ 0x40]))


def entry(dtype="DT_FLOAT", shape=(2,), offset=0, size=8, crc=None, data=b"", shard_id=0, slices=()):
    proto = BundleEntryProto(dtype=DataType.Value(dtype), shard_id=shard_id, offset=offset, size=size,
                             slices=[to_proto(box) for box in slices])
    proto.shape.CopyFrom(TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in shape]))
    if not slices:
        proto.crc32c = mask(crc32c(data[offset:offset + size])) if crc is None else crc
    return proto


def write_raw(prefix, entries, data=b"", header=None):
    """A checkpoint with hand-made (possibly lying) entries: {key: BundleEntryProto or bytes}."""
    header = header or BundleHeaderProto(num_shards=1, version=VersionDef(producer=1))
    Path(data_path(prefix, 0, header.num_shards or 1)).write_bytes(data)
    items = [(b"", header.SerializeToString())] + [
        (k, v if isinstance(v, bytes) else v.SerializeToString()) for k, v in sorted(entries.items())]
    with open(index_path(prefix), "wb") as f:
        table.write_table(f, items)
    return str(prefix)


DATA = struct.pack("<2f", 1.0, 2.0)


@pytest.mark.parametrize("entries,data,error,message", [
    ({b"w": entry(dtype="DT_VARIANT", data=DATA)}, DATA, UnsupportedDtypeError, "has dtype DT_VARIANT"),
    ({b"w": entry(dtype="DT_QINT8", size=2, data=DATA)}, DATA, UnsupportedDtypeError, "DT_QINT8"),
    ({b"w": entry(size=12, data=DATA)}, DATA, CorruptCheckpointError, "^Invalid size in bundle entry: key w"),
    ({b"w": entry(shape=(10 ** 15,), size=4 * 10 ** 15, crc=0)}, DATA, CorruptCheckpointError,
     "claims bytes \\[0, 4000000000000000\\) but the file has 8 bytes"),
    ({b"w": entry(offset=4, data=DATA)}, DATA, CorruptCheckpointError, "claims bytes \\[4, 12\\)"),
    ({b"w": entry(crc=123, data=DATA)}, DATA, CorruptCheckpointError, "Checksum does not match"),
    ({b"w": entry(shard_id=3, data=DATA)}, DATA, CorruptCheckpointError, "points at shard 3"),
    ({b"w": entry(shape=(-1,), data=DATA)}, DATA, CorruptCheckpointError, "^Invalid tensor shape: w"),
    ({b"w": entry(shape=(1,) * 65, size=4, data=DATA)}, DATA, CorruptCheckpointError, "^Invalid tensor shape"),
    ({b"w": entry(shape=(1 << 32, 1 << 31), crc=0)}, DATA, CorruptCheckpointError, "^Invalid tensor shape"),
    ({b"w": b"\x12\x05\x12"}, DATA, CorruptCheckpointError, "^Entry for key w not parseable"),
    ({b"w": entry(dtype="DT_STRING", shape=(10 ** 12,), size=8, data=DATA)}, DATA, CorruptCheckpointError,
     "Invalid size in bundle entry"),
    ({b"w": entry(dtype="DT_STRING", shape=(1,), size=8, data=b"\xff" * 8)}, b"\xff" * 8,
     CorruptCheckpointError, "bad varint"),
    ({b"w": entry(shape=(4,), slices=[((0, 2),)]), slice_key(b"w", [(0, 2)]): entry(data=DATA)}, DATA,
     CorruptCheckpointError, "^Does not have sufficient slices for partitioned tensor w"),
    ({b"w": entry(shape=(3,), slices=[((0, 2),), ((1, 2),)]), slice_key(b"w", [(0, 2)]): entry(data=DATA),
      slice_key(b"w", [(1, 2)]): entry(offset=8, data=DATA * 2)}, DATA * 2, CorruptCheckpointError,
     "Overlapping slices"),
    ({b"w": entry(shape=(4,), slices=[((0, 2),), ((2, 2),)]), slice_key(b"w", [(0, 2)]): entry(data=DATA)},
     DATA, CorruptCheckpointError, "lists slice 2,2, but the checkpoint has no entry for it"),
    ({b"w": entry(shape=(4,), slices=[((0, 5),)])}, DATA, CorruptCheckpointError, "lists an invalid slice"),
    ({b"w": entry(shape=(6,), slices=[((0, 2),), ((2, 2),), ((4, 2),)]),           # pieces sharing bytes
      **{slice_key(b"w", [(s, 2)]): entry(data=DATA) for s in (0, 2, 4)}}, DATA, CorruptCheckpointError,
     "claims 24 bytes in slice 0,6 but its pieces' data files hold 8"),
])
def test_lying_entries_raise_checkpoint_errors(tmp_path, entries, data, error, message):
    with BundleReader(write_raw(tmp_path / "m", entries, data)) as reader:
        with pytest.raises(error, match=message) as info:
            reader.get("w")
        assert info.value.path and str(tmp_path) in str(info.value)


def test_header_problems(tmp_path):
    for header, message in [(BundleHeaderProto(num_shards=0), "num_shards = 0"),
                            (BundleHeaderProto(num_shards=1, endianness=1), "big-endian"),
                            (BundleHeaderProto(num_shards=1, version=VersionDef(producer=2, min_consumer=2)),
                             "^Checkpoint min consumer version 2 above current version 1")]:
        with pytest.raises(CheckpointError, match=message):
            BundleReader(write_raw(tmp_path / "m", {}, header=header))
    with open(index_path(tmp_path / "m"), "wb") as f:
        table.write_table(f, [(b"a", b"")])
    with pytest.raises(CorruptCheckpointError, match="failed to seek to header entry"):
        BundleReader(tmp_path / "m")


def test_damaged_index_files(tmp_path):
    prefix = write(tmp_path / "m", {"a": torch.ones(2), "b": torch.ones(3)})
    good = Path(index_path(prefix)).read_bytes()
    for damaged, message in [(good[:40], "too short"), (good[:-1] + b"\x00", "bad magic number"),
                             (good[:20] + good[60:], "truncated block read|bad magic|bad varint"),
                             (good[:12] + b"\x55" + good[13:], "block checksum mismatch")]:
        Path(index_path(prefix)).write_bytes(damaged)
        with pytest.raises(CorruptCheckpointError, match=message):
            BundleReader(prefix)
    unsorted = io.BytesIO()
    table.write_table(unsorted, [(b"", BundleHeaderProto(num_shards=1).SerializeToString()),
                                 (b"b", entry().SerializeToString()), (b"a", entry().SerializeToString())])
    Path(index_path(prefix)).write_bytes(unsorted.getvalue())
    with pytest.raises(CorruptCheckpointError, match="not in increasing order"):
        BundleReader(prefix)


def test_missing_files_and_keys(tmp_path):
    with pytest.raises(CheckpointNotFoundError, match="^Unsuccessful TensorSliceReader constructor: "
                                                      "Failed to find any matching files for"):
        BundleReader(tmp_path / "nope")
    with pytest.raises(CheckpointNotFoundError, match="is a directory"):
        BundleReader(tmp_path)
    prefix = write(tmp_path / "m", {"conv1/weights": torch.ones(1)})
    with BundleReader(prefix) as reader:
        with pytest.raises(CheckpointNotFoundError, match="^Key model/conv1/weights not found in "
                                                          "checkpoint .*conv1/weights"):
            reader.get("model/conv1/weights")
        with pytest.raises(CheckpointArgumentError, match="does not fit"):
            reader.get_slice("conv1/weights", [1], [1])
    os.remove(data_path(prefix, 0, 1))
    os.mkdir(data_path(prefix, 0, 1))
    with BundleReader(prefix) as reader:
        with pytest.raises(CheckpointError, match="not a regular file"):
            reader.get("conv1/weights")
    os.rmdir(data_path(prefix, 0, 1))
    with BundleReader(prefix) as reader:
        with pytest.raises(CheckpointNotFoundError, match="data-00000-of-00001; No such file"):
            reader.get("conv1/weights")


def test_verify_false_skips_checksums(tmp_path):
    prefix = write(tmp_path / "m", {"w": torch.zeros(4)})
    corrupt_bytes(data_path(prefix, 0, 1), 0)
    with BundleReader(prefix, verify=False) as reader:
        assert reader.get("w")[0] != 0
    with BundleReader(prefix) as reader, pytest.raises(CorruptCheckpointError):
        reader.get("w")


@needs_fixtures
def test_fixture_copies_are_not_needed_for_reading(tmp_path):
    """Read-only files (the shared fixtures are r--r--r--) are mapped copy-on-write."""
    shutil.copytree(FIXTURES / "v1_big", tmp_path / "big")
    for f in (tmp_path / "big").iterdir():
        f.chmod(0o444)
    with BundleReader(tmp_path / "big" / "model.ckpt-7") as reader:
        big = reader.get("big")
        big.mul_(2)
        assert sha256(reader.get("big")) == MANIFEST["v1_big"]["tensors"]["big"]["sha256"]
