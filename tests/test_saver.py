"""tf.train.Saver and the checkpoint utilities: round trips, partitioning, the state file,
max_to_keep, TF's errors (which change nothing), and every fixture TensorFlow wrote."""
import errno
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors, slim
from scopevar.bundle import BundleReader
from scopevar.bundle.crc import crc32c
from scopevar.bundle.files import write_at

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "tf-checkpoints"
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
          torch.int32, torch.int64, torch.uint8, torch.uint16, torch.uint32, torch.uint64,
          torch.bool, torch.complex64, torch.complex128]


def values(dtype, shape):
    x = torch.arange(int(np.prod(shape)), dtype=torch.float64).reshape(shape) * 3.25 - 2
    if dtype == torch.bool:
        return x.long() % 2 == 1
    if not (dtype.is_floating_point or dtype.is_complex):
        return x.abs().long().to(dtype)
    return (x + 1j if dtype.is_complex else x).to(dtype)


def scramble(variables):
    """Overwrite every variable; returns their old values."""
    old = [v.detach().clone() for v in variables]
    with torch.no_grad():
        for v in variables:
            v.copy_(torch.ones_like(v))
    return old


def test_every_dtype_round_trips(tmp_path):
    variables = [tf.Variable(values(d, [2, 3]), name="v_%s" % str(d)[6:]) for d in DTYPES]
    saver = tf.train.Saver()
    assert saver.save(tf.Session(), str(tmp_path / "model.ckpt")) == str(tmp_path / "model.ckpt")
    old = scramble(variables)
    saver.restore(tf.Session(), str(tmp_path / "model.ckpt"))
    for v, value in zip(variables, old):
        assert v.dtype == value.dtype and torch.equal(v, value), v.name
    reader = tf.train.load_checkpoint(tmp_path / "model.ckpt")
    assert reader.get_variable_to_dtype_map()["v_int8"] is torch.int8
    np.testing.assert_array_equal(reader.get_tensor("v_float64"), old[3].numpy())
    assert str(reader.get_tensor("v_bfloat16").dtype) == "bfloat16"


def test_partitioned_restores_into_another_partitioning(tmp_path):
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
    wide = tf.get_variable("wide", [2, 9], partitioner=tf.fixed_size_partitioner(2, axis=1))
    full = emb.as_tensor().detach().clone(), wide.as_tensor().detach().clone()
    path = tf.train.Saver().save(None, tmp_path / "m")
    with BundleReader(path) as reader:
        assert reader.keys() == ["emb", "wide"]
    with tf.Graph().as_default():
        emb2 = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(4))
        wide2 = tf.get_variable("wide", [2, 9])
        tf.train.Saver().restore(path)
        assert torch.equal(emb2.as_tensor(), full[0]) and torch.equal(wide2, full[1])
    with tf.Graph().as_default():
        parts = tf.get_variable("e", [10, 4], partitioner=tf.fixed_size_partitioner(2))
        tf.train.Saver({"emb": parts}).restore(path)
        assert torch.equal(parts.as_tensor(), full[0])
        np.testing.assert_array_equal(tf.train.load_variable(path, "emb:0"), full[0].numpy())


def test_global_step_naming_state_file_and_max_to_keep(tmp_path):
    tf.get_variable("w", [2])
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    for i in range(4):
        step.assign(i * 10)
        assert saver.save(None, prefix, global_step=step) == "%s-%d" % (prefix, i * 10)
    assert saver.last_checkpoints == [prefix + "-20", prefix + "-30"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-20.data-00000-of-00001",
                                            "model.ckpt-20.index", "model.ckpt-30.data-00000-of-00001",
                                            "model.ckpt-30.index"]
    state = tf.train.get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == prefix + "-30"
    assert list(state.all_model_checkpoint_paths) == saver.last_checkpoints
    assert tf.train.latest_checkpoint(tmp_path) == prefix + "-30"
    assert tf.train.checkpoint_exists(prefix + "-20") and not tf.train.checkpoint_exists(prefix + "-0")
    assert tf.train.Saver(pad_step_number=True).save(None, prefix, global_step=3,
                                                     write_state=False) == prefix + "-00000003"
    assert tf.train.latest_checkpoint(tmp_path) == prefix + "-30"

    other = tf.train.Saver(max_to_keep=2)
    other.recover_last_checkpoints(list(state.all_model_checkpoint_paths) + [prefix + "-0"])
    assert other.last_checkpoints == [prefix + "-20", prefix + "-30"]
    other.save(prefix, global_step=40)
    assert not tf.train.checkpoint_exists(prefix + "-20")


def test_keep_checkpoint_every_n_hours_keeps_old_ones(tmp_path):
    tf.Variable(1.0, name="w")
    saver = tf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=0.0)
    for step in range(3):
        saver.save(tmp_path / "m", global_step=step)
    assert all(tf.train.checkpoint_exists(tmp_path / ("m-%d" % s)) for s in range(3))
    assert saver.last_checkpoints == [str(tmp_path / "m-2")]


def test_relative_paths(tmp_path, monkeypatch):
    tf.Variable(1.0, name="w")
    tf.train.Saver(save_relative_paths=True).save(None, tmp_path / "run" / "m", global_step=1)
    assert 'model_checkpoint_path: "m-1"' in (tmp_path / "run" / "checkpoint").read_text()
    monkeypatch.chdir(tmp_path)
    tf.train.Saver().save(None, "rel/m", global_step=2)
    assert 'model_checkpoint_path: "m-2"' in (tmp_path / "rel" / "checkpoint").read_text()
    assert tf.train.latest_checkpoint("rel") == os.path.join("rel", "m-2")


def test_var_list_forms_and_deferred_build(tmp_path):
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable(3, name="b")
    tf.train.Saver({"renamed": a}).save(tmp_path / "m")
    assert tf.train.list_variables(tmp_path / "m") == [("renamed", [2])]
    saver = tf.train.Saver(defer_build=True)
    with pytest.raises(errors.SaverBuildError, match="build"):
        saver.save(tmp_path / "d")
    c = tf.Variable(4.0, name="c")
    saver.build()
    saver.save(tmp_path / "d")
    assert [n for n, _ in tf.train.list_variables(tmp_path / "d")] == ["a", "b", "c"]
    assert tf.train.Saver([], allow_empty=True).save(tmp_path / "e") is None
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver([])
    with pytest.raises(ValueError, match="At least two variables have the same name: a"):
        tf.train.Saver([a, _same_name(a)])
    with pytest.raises(ValueError, match="The same saveable will be restored with two names"):
        tf.train.Saver({"x": a, "y": a})
    with pytest.raises(TypeError, match="Variables to save should be passed in a dict or a list"):
        tf.train.Saver(b"a")


def _same_name(var):
    with tf.Graph().as_default():
        return tf.Variable(var.detach(), name=var.op.name)


def test_errors_change_nothing(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    z = tf.Variable([0.0, 0.0], name="z")
    tf.train.Saver([w]).save(tmp_path / "m")
    with pytest.raises(errors.NotFoundError, match="Key z not found in checkpoint"):
        tf.train.Saver([w, z]).restore(None, tmp_path / "m")
    with tf.Graph().as_default():
        short = tf.Variable([5.0, 6.0, 7.0], name="w")
        with pytest.raises(errors.InvalidArgumentError, match="(?s)Restoring from checkpoint failed.*"
                           "Assign requires shapes of both tensors to match. lhs shape= \\[3\\] "
                           "rhs shape= \\[2\\]"):
            tf.train.Saver().restore(None, tmp_path / "m")
        assert torch.equal(short, torch.tensor([5.0, 6.0, 7.0]))
        integer = tf.Variable([5, 6], name="w")
        with pytest.raises(errors.InvalidArgumentError, match="expected dtype int32 does not equal"):
            tf.train.Saver({"w": integer}).restore(None, tmp_path / "m")
    with tf.Graph().as_default():
        matrix = tf.Variable([[5.0], [6.0]], name="w")
        tf.train.Saver(reshape=True).restore(None, tmp_path / "m")
        assert torch.equal(matrix, torch.tensor([[1.0], [2.0]]))
    with pytest.raises(ValueError, match="The passed save_path is not a valid checkpoint: "):
        tf.train.Saver().restore(None, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.load_checkpoint(tmp_path / "empty")
    assert torch.equal(z, torch.zeros(2)) and torch.equal(w, torch.tensor([1.0, 2.0]))


def test_corrupt_bytes_change_no_variable(tmp_path):
    """The restore reads straight into the variables, but only once every CRC has passed."""
    a = tf.Variable(torch.arange(20000.0), name="a")             # large: mapped to be checked
    b = tf.Variable(torch.arange(7.0), name="b")
    path = tf.train.Saver().save(tmp_path / "m")
    with BundleReader(path) as reader:
        offset = reader._lookup("b").offset
    data = tmp_path / "m.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[offset] ^= 1
    data.write_bytes(bytes(raw))
    old = scramble([a, b])
    with pytest.raises(errors.DataLossError, match="Checksum does not match.*tensor b is corrupt"):
        tf.train.Saver().restore(path)
    assert torch.equal(a, torch.ones(20000)) and torch.equal(b, torch.ones(7))
    tf.train.Saver([a]).restore(path)
    assert torch.equal(a, old[0])


def test_restore_bumps_the_version_as_an_assignment(tmp_path):
    w = tf.Variable(torch.ones(3), name="w")
    path = tf.train.Saver().save(tmp_path / "m")
    loss = (w * w).sum()                      # saves w for the backward pass
    tf.train.Saver().restore(path)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_name_based_restore_of_an_object_based_checkpoint():
    """TF's fallback: variables named as the object graph's ``full_name`` find their keys."""
    fixture = fixtures()["v2_object"]
    prefix = str(FIXTURES / fixture["prefix"])
    kernel = tf.Variable(torch.zeros(4, 2), name="kernel")
    bias = tf.Variable(torch.zeros(2), name="bias")
    step = tf.Variable(torch.tensor(0), name="Variable")
    tf.train.Saver([kernel, bias, step]).restore(prefix)
    for var, key in [(kernel, "net/dense"), (bias, "net/bias"), (step, "net/step")]:
        raw = var.detach().numpy().tobytes()
        assert hashlib.sha256(raw).hexdigest() == \
            fixture["tensors"][key + "/.ATTRIBUTES/VARIABLE_VALUE"]["sha256"]
    with tf.Graph().as_default():
        kernel = tf.Variable(torch.zeros(4, 2), name="kernel")
        other = tf.Variable(torch.zeros(2), name="other")
        with pytest.raises(errors.NotFoundError, match="(?s)Existing variables not in the checkpoint:"
                           " other\n\nVariables names when this checkpoint was written which don't "
                           "exist now: Variable, bias, save_counter\n\n\\(1 variable name"):
            tf.train.Saver().restore(prefix)
        assert not kernel.any() and not other.any()
        with pytest.raises(errors.InvalidArgumentError, match="(?s)Restoring from checkpoint failed"
                           ".*Assign requires shapes"):
            tf.train.Saver([tf.Variable(torch.zeros(3), name="bias")]).restore(prefix)


def test_slim_assign_from_checkpoint(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    emb = tf.get_variable("emb", [6, 2], partitioner=tf.fixed_size_partitioner(2))
    path = tf.train.Saver().save(tmp_path / "m")
    old = scramble([w, *emb])
    op, feed = slim.assign_from_checkpoint(path, [w, *emb])
    tf.Session().run(op, feed)
    assert torch.equal(w, old[0]) and torch.equal(emb.as_tensor(), torch.cat(old[1:]))
    missing = tf.Variable(0.0, name="missing")
    with pytest.raises(ValueError, match=r"Checkpoint is missing variable \[missing\]"):
        slim.assign_from_checkpoint(path, [w, missing])
    scramble([w])
    slim.assign_from_checkpoint_fn(path, [w, missing], ignore_missing_vars=True)(tf.Session())
    assert torch.equal(w, old[0])
    assert slim.assign_from_checkpoint_fn(path, [missing], ignore_missing_vars=True) is None
    with pytest.raises(ValueError, match="var_list cannot be empty"):
        slim.assign_from_checkpoint_fn(path, [])


def test_init_from_checkpoint_report(tmp_path):
    with tf.variable_scope("net"):
        tf.get_variable("w", [2], initializer=tf.ones_initializer())
        tf.get_variable("b", [3], initializer=tf.ones_initializer())
        tf.get_variable("extra", [1])
    path = tf.train.Saver().save(tmp_path / "m")
    with tf.Graph().as_default():
        with tf.variable_scope("ft"):
            w = tf.get_variable("w", [2], initializer=tf.zeros_initializer())
            b = tf.get_variable("b", [4], initializer=tf.zeros_initializer())
            tf.get_variable("head", [1])
        with pytest.raises(errors.InvalidArgumentError, match="lhs shape= \\[4\\] rhs shape= \\[3\\]"):
            tf.train.init_from_checkpoint(path, {"net/": "ft/"})
        assert torch.equal(w, torch.zeros(2))
        report = tf.train.init_from_checkpoint(path, {"net/": "ft/"}, skip_mismatched_shapes=True)
        assert report == {"restored": ["ft/w"], "missing": ["ft/head"], "unexpected": ["net/extra"],
                          "mismatched": ["net/b"]}
        assert torch.equal(w, torch.ones(2)) and torch.equal(b, torch.zeros(4))
        w.assign([0.0, 0.0])
        tf.train.init_from_checkpoint(path, {"net/w": w})
        assert torch.equal(w, torch.ones(2))
        with pytest.raises(ValueError, match="Assignment map with scope only name net/ should map"):
            tf.train.init_from_checkpoint(path, {"net/": "ft/w"})


# --- checkpoints written by TensorFlow ------------------------------------------------------------

def fixtures():
    if not FIXTURES.is_dir():
        pytest.skip("no TF checkpoint fixtures at %s" % FIXTURES)
    return json.loads((FIXTURES / "manifest.json").read_text())


@pytest.mark.parametrize("name", ["v1_big", "v1_cnn_adam", "v1_dtypes", "v1_partitioned",
                                  "v1_sharded", "v2_object"])
def test_every_tf_fixture_restores(name):
    fixture = fixtures()[name]
    prefix = FIXTURES / fixture["prefix"]
    assert tf.train.latest_checkpoint(prefix.parent) == str(prefix)
    variables = {}
    for key, tensor in fixture["tensors"].items():
        if tensor["dtype"] == "string":          # scopevar variables are torch tensors
            assert np.shape(tf.train.load_variable(prefix, key)) == tuple(tensor["shape"])
            continue
        dtype = tf.as_dtype(tensor["dtype"])
        if name == "v1_partitioned" and tensor["shape"] == [10, 4]:
            variables[key] = tf.get_variable(key, tensor["shape"], dtype,
                                             partitioner=tf.fixed_size_partitioner(3))
        else:
            variables[key] = tf.Variable(torch.zeros(tensor["shape"], dtype=dtype),
                                         name=None if name == "v2_object" else key)
    var_list = variables if name == "v2_object" else list(variables.values())
    tf.train.Saver(var_list).restore(tf.Session(), tf.train.latest_checkpoint(prefix.parent))
    for key, var in variables.items():
        value = var.as_tensor() if isinstance(var, tf.PartitionedVariable) else var
        raw = value.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        assert hashlib.sha256(raw).hexdigest() == fixture["tensors"][key]["sha256"], key


def test_sharded_writes_one_data_file_per_device(tmp_path):
    with tf.device("/job:ps/task:0"):
        a = tf.Variable([1.0, 2.0], name="a")
    with tf.device("/job:ps/task:1"):
        b = tf.get_variable("b", [6, 2], partitioner=tf.fixed_size_partitioner(2))
    saver = tf.train.Saver(sharded=True)
    path = saver.save(None, tmp_path / "m", global_step=1, latest_filename="latest")
    assert sorted(p.name for p in tmp_path.glob("m-1.data-*")) == [
        "m-1.data-00000-of-00002", "m-1.data-00001-of-00002"]
    assert tf.train.latest_checkpoint(tmp_path, "latest") == path
    old = scramble([a, *b])
    saver.restore(path)
    assert torch.equal(a, old[0]) and torch.equal(b.as_tensor(), torch.cat(old[1:]))
    with pytest.raises(ValueError, match="'latest_filename' must not contain path components"):
        saver.save(tmp_path / "m", latest_filename="sub/latest")


def test_fsync_unless_sync_false(tmp_path):
    tf.Variable([1.0], name="w")
    with mock.patch("os.fsync") as fsync:
        tf.train.Saver(sync=False).save(tmp_path / "a")
        assert not fsync.called                      # as TF's Saver
        tf.train.Saver().save(tmp_path / "b")
        assert fsync.call_count == 6                 # data, index, state file, each + directory
    assert tf.train.latest_checkpoint(tmp_path) == str(tmp_path / "b")


def test_failed_save_leaves_no_files(tmp_path):
    tf.Variable([1.0], name="a")
    saver = tf.train.Saver()
    saver.save(tmp_path / "m", global_step=1)
    before = sorted(os.listdir(tmp_path)), (tmp_path / "checkpoint").read_text()
    tf.Variable(torch.zeros(2, dtype=torch.float8_e4m3fn), name="f8")
    with pytest.raises(errors.UnimplementedError, match="Cannot save a tensor of dtype"):
        tf.train.Saver().save(tmp_path / "m", global_step=2)
    assert (sorted(os.listdir(tmp_path)), (tmp_path / "checkpoint").read_text()) == before


def test_a_failed_batch_waits_for_its_jobs_and_leaves_no_files(tmp_path):
    [tf.get_variable("v%d" % i, [300, 100]) for i in range(8)]
    tf.Variable(torch.zeros(2, dtype=torch.float8_e4m3fn), name="z")      # saved last: fails
    jobs = []

    def slow(job):
        def run(*args):
            time.sleep(0.02)
            jobs.append(time.perf_counter())
            return job(*args)
        return run
    with mock.patch("scopevar.bundle.writer.GROUP_BYTES", 100_000), \
            mock.patch("scopevar.bundle.writer.THREADED_BYTES", 100_000), \
            mock.patch("scopevar.bundle.files.write_at", side_effect=slow(write_at)), \
            mock.patch("scopevar.bundle.writer.crc32c", side_effect=slow(crc32c)):
        with pytest.raises(errors.UnimplementedError, match="Cannot save a tensor of dtype"):
            tf.train.Saver().save(tmp_path / "m")
        failed, count = time.perf_counter(), len(jobs)
        time.sleep(0.05)
    assert len(jobs) == count and all(end < failed for end in jobs)   # none left running
    assert os.listdir(tmp_path) == []


def test_a_failing_write_leaves_nothing_at_the_prefix(tmp_path):
    variables = [tf.get_variable("v%d" % i, [300, 100]) for i in range(8)]     # 120 kB each
    saver = tf.train.Saver()
    saver.save(tmp_path / "m", global_step=1)
    before = sorted(os.listdir(tmp_path)), (tmp_path / "checkpoint").read_text()
    old = scramble(variables)
    calls = []

    def failing(fd, buffers, offset):       # the third group written, by either thread
        calls.append(offset)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_at(fd, buffers, offset)
    with mock.patch("scopevar.bundle.writer.GROUP_BYTES", 100_000), \
            mock.patch("scopevar.bundle.writer.THREADED_BYTES", 100_000), \
            mock.patch("scopevar.bundle.files.write_at", side_effect=failing):
        with pytest.raises(OSError, match="No space left"):
            saver.save(tmp_path / "m", global_step=2)
    assert len(calls) >= 3
    assert (sorted(os.listdir(tmp_path)), (tmp_path / "checkpoint").read_text()) == before
    saver.restore(tf.train.latest_checkpoint(tmp_path))
    assert all(torch.equal(var, value) for var, value in zip(variables, old))


PEAK_MEMORY = r'''
import re, sys, torch
import scopevar as tf
def memory(key):
    return int(re.search(r"%s:\s+(\d+) kB" % key, open("/proc/self/status").read()).group(1)) * 1024
variables = [tf.Variable(torch.randn(1000, 1000), name="w%d" % i) for i in range(25)]   # 100 MB
saver = tf.train.Saver(sync=False)
saver.save(sys.argv[1])
values = [v.detach().clone() for v in variables[:2]]
for v in variables:
    v.data.zero_()
before = memory("VmRSS")
with open("/proc/self/clear_refs", "w") as f:        # resets the peak, VmHWM, to the RSS
    f.write("5")
saver.restore(sys.argv[1])
print(memory("VmHWM") - before, all(torch.equal(v, x) for v, x in zip(variables, values)))
'''


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc")
def test_restore_raises_peak_memory_by_a_tenth_of_the_variables_at_most(tmp_path):
    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY, str(tmp_path / "m")], check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[1] == "True" and int(out[0]) < 10_000_000, out       # 10% of the 100 MB
