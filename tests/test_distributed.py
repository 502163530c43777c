"""Data-parallel training on torch.distributed (issue 7): gloo processes on localhost, forked
from the test process (torch is already imported), each with a bounded timeout."""
import contextlib
import datetime
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import scopevar as tf
from scopevar.bundle import BundleWriter
from scopevar.errors import VariableMismatchError

TIMEOUT = datetime.timedelta(seconds=30)
STEPS, BATCH = 3, 12                   # BATCH divides by 2 and 3 ranks


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Model(torch.nn.Module):
    def __init__(self, parts=3):
        super().__init__()
        with tf.variable_scope("model"):
            self.emb = tf.get_variable("emb", [7, 3], partitioner=tf.fixed_size_partitioner(parts))
            self.w = tf.get_variable("dense/kernel", [3, 1])
            self.b = tf.get_variable("dense/bias", [1], initializer=tf.ones_initializer())
        for var in tf.trainable_variables():
            self.register_parameter(var.op.name, var)

    def forward(self, ids):
        return tf.embedding_lookup(self.emb, ids, partition_strategy="div").sum(1) @ self.w + self.b


def train(model, rank=0, world=1):
    """SGD on the same global batches; rank r takes rows r, r+world, ..."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.RandomState(0)
    for _ in range(STEPS):
        ids = torch.from_numpy(rng.randint(0, 7, [BATCH, 2]))
        y = torch.from_numpy(rng.randn(BATCH, 1).astype("float32"))
        loss = torch.nn.functional.mse_loss(model(ids[rank::world]), y[rank::world])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def values():
    return {v.op.name: v.detach().numpy().copy() for v in tf.global_variables()}


@contextlib.contextmanager
def _process_group(rank, world, port):
    """A gloo process group on localhost for the body (destroyed after it)."""
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank,
                            world_size=world, timeout=TIMEOUT)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _worker(rank, world, port, directory):
    torch.set_num_threads(1)
    with _process_group(rank, world, port), tf.Graph().as_default():
        tf.set_random_seed(rank)                 # only rank 0's initial values survive
        model = Model()
        tf.distributed.check_same_variables()
        tf.distributed.broadcast_variables()
        train(torch.nn.parallel.DistributedDataParallel(model), rank, world)
        np.savez(os.path.join(directory, "rank%d.npz" % rank), **values())
        tf.distributed.save_sharded(os.path.join(directory, "model.ckpt"), global_step=STEPS)
        extra = [tf.get_variable("model/extra", [2])] if rank == world - 1 else []
        try:
            tf.distributed.check_same_variables(tf.global_variables() + extra)
        except VariableMismatchError as e:
            with open(os.path.join(directory, "error%d.txt" % rank), "w") as f:
                f.write(str(e))


def _restoring_worker(rank, world, port, directory):
    """Restores the checkpoint of STEPS into an embedding in 2 parts, rank r holding part r."""
    with _process_group(rank, world, port), tf.Graph().as_default():
        Model(parts=world)
        mine = [v for v in tf.global_variables()
                if "/part_" not in v.op.name or v.op.name.endswith("/part_%d" % rank)]
        tf.train.Saver(mine).restore(None, os.path.join(directory, "model.ckpt-%d" % STEPS))
        np.savez(os.path.join(directory, "restored%d.npz" % rank),
                 **{v.op.name: v.detach().numpy() for v in mine})


def _retention_worker(rank, world, port, directory):
    """Saves steps 1 to 4 keeping 2 checkpoints, then step 5 keeping all (max_to_keep=None)."""
    with _process_group(rank, world, port), tf.Graph().as_default():
        w = tf.get_variable("w", [4])
        tf.get_variable("b", [2])
        prefix = os.path.join(directory, "model.ckpt")
        for step in range(1, 5):
            w.data.fill_(step)
            tf.distributed.save_sharded(prefix, global_step=step, max_to_keep=2)
        if rank == 0:
            shutil.copy(os.path.join(directory, "checkpoint"), directory + "/state-4")
        tf.distributed.save_sharded(prefix, global_step=5, max_to_keep=None)


def _dying_worker(rank, world, port, directory):
    """Saves step 1, then rank 1 dies in the middle of saving step 2 (its shard written)."""
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank,
                            world_size=world, timeout=TIMEOUT)
    with tf.Graph().as_default():
        tf.get_variable("w", [4], initializer=tf.constant_initializer(float(rank == 0)))
        tf.distributed.broadcast_variables()
        prefix = os.path.join(directory, "model.ckpt")
        tf.distributed.save_sharded(prefix, global_step=1)
        if rank == 1:
            finish = BundleWriter.finish
            BundleWriter.finish = lambda self: (finish(self), os._exit(3))
        tf.distributed.save_sharded(prefix, global_step=2)


def launch(world, directory, timeout=60, worker=_worker):
    """Run ``worker`` on ``world`` forked ranks; fail (killing them) past ``timeout``."""
    context = mp.start_processes(worker, (world, free_port(), str(directory)), nprocs=world,
                                 join=False, start_method="fork")
    deadline = time.monotonic() + timeout
    while not context.join(timeout=1):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail("distributed workers still running after %ds" % timeout)


@pytest.fixture(scope="module")
def single_process():
    """Variables after the same training in one process, from rank 0's seed."""
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        train(Model())
        return values()


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_agree_with_one_process(world, tmp_path, single_process):
    launch(world, tmp_path)
    for rank in range(world):
        got = dict(np.load(tmp_path / ("rank%d.npz" % rank)))
        assert sorted(got) == sorted(single_process)
        for name, value in single_process.items():
            np.testing.assert_allclose(got[name], value, rtol=0, atol=1e-6, err_msg=name)
    # the sharded checkpoint: one data file per rank, restored by one process
    prefix = str(tmp_path / ("model.ckpt-%d" % STEPS))
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix
    assert len(list(tmp_path.glob("model.ckpt-3.data-*-of-%05d" % world))) == world
    Model()
    tf.train.Saver().restore(None, prefix)
    for name, value in values().items():
        np.testing.assert_allclose(value, single_process[name], atol=1e-6, err_msg=name)
    # different variable sets: every rank raises, naming the first difference
    for rank in range(world):
        message = (tmp_path / ("error%d.txt" % rank)).read_text()
        assert "rank %d has model/extra:0 [2] float32" % (world - 1) in message, message
    # restored by 2 ranks, each holding one part of a 2-way partitioned embedding
    launch(2, tmp_path, worker=_restoring_worker)
    emb = np.concatenate([single_process["model/emb/part_%d" % i] for i in range(3)])
    for rank, rows in enumerate([emb[:4], emb[4:]]):
        got = dict(np.load(tmp_path / ("restored%d.npz" % rank)))
        assert sorted(got) == ["model/dense/bias", "model/dense/kernel", "model/emb/part_%d" % rank]
        np.testing.assert_allclose(got.pop("model/emb/part_%d" % rank), rows, atol=1e-6)
        for name, value in got.items():
            np.testing.assert_allclose(value, single_process[name], atol=1e-6, err_msg=name)


def test_save_sharded_keeps_the_last_max_to_keep(tmp_path):
    launch(2, tmp_path, worker=_retention_worker)
    state = tf.train.get_checkpoint_state(str(tmp_path), "state-4")
    assert list(state.all_model_checkpoint_paths) == [str(tmp_path / "model.ckpt-3"),
                                                      str(tmp_path / "model.ckpt-4")]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == str(tmp_path / "model.ckpt-5")
    assert list(state.all_model_checkpoint_paths) == [str(tmp_path / "model.ckpt-5")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"] + [
        "model.ckpt-%d.%s" % (step, suffix) for step in (3, 4, 5)
        for suffix in ("data-00000-of-00002", "data-00001-of-00002", "index")] + ["state-4"]
    assert tf.train.load_variable(str(tmp_path / "model.ckpt-4"), "w").tolist() == [4] * 4


def test_rank_dying_mid_save_leaves_the_previous_checkpoint(tmp_path):
    with pytest.raises(mp.ProcessExitedException):
        launch(2, tmp_path, worker=_dying_worker)
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model.ckpt-1")
    assert not (tmp_path / "model.ckpt-2.index").exists()
    assert tf.train.load_variable(str(tmp_path / "model.ckpt-1"), "w").tolist() == [1, 1, 1, 1]


def test_port_in_use_fails_fast():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        start = time.monotonic()
        with pytest.raises(Exception, match="(?i)address already in use|EADDRINUSE"):
            dist.init_process_group(
                "gloo", init_method="tcp://127.0.0.1:%d" % taken.getsockname()[1], rank=0,
                world_size=2, timeout=datetime.timedelta(seconds=5))
        assert time.monotonic() - start < 10
    assert not dist.is_initialized()


def test_unreachable_rendezvous_fails_within_the_timeout():
    start = time.monotonic()
    with pytest.raises(dist.DistNetworkError, match="timed out"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % free_port(), rank=1,
                                world_size=2, timeout=datetime.timedelta(seconds=1))
    assert time.monotonic() - start < 10
    assert not dist.is_initialized()


@pytest.mark.slow
def test_example_runs_under_torchrun(tmp_path):
    root = Path(__file__).resolve().parent.parent
    torchrun = Path(sys.executable).with_name("torchrun")
    proc = subprocess.run([str(torchrun), "--nproc_per_node=2", "--master_port=%d" % free_port(),
                           str(root / "examples" / "ddp_train.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model.ckpt-20")
    assert list(tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths) == [
        str(tmp_path / "model.ckpt-10"), str(tmp_path / "model.ckpt-20")]
    assert [name for name, _ in tf.train.list_variables(str(tmp_path / "model.ckpt-20"))] == [
        "model/dense/bias", "model/dense/kernel", "model/emb"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_broadcast_and_save_on_gpu(tmp_path):
    torch.cuda.set_device(0)
    dist.init_process_group("nccl", init_method="tcp://127.0.0.1:%d" % free_port(), rank=0,
                            world_size=1, timeout=TIMEOUT)
    try:
        w = tf.get_variable("w", [3, 2])
        w.data = w.data.cuda()
        before = w.detach().clone()
        tf.distributed.check_same_variables()
        tf.distributed.broadcast_variables()
        prefix = tf.distributed.save_sharded(str(tmp_path / "gpu.ckpt"))
        assert torch.equal(torch.as_tensor(tf.train.load_variable(prefix, "w")), before.cpu())
    finally:
        dist.destroy_process_group()
