"""Many processes on ``torch.distributed`` (gloo, localhost): sharded saves and DDP steps.

Run: ``.venv/bin/python benchmarks/bench_distributed.py [directory]`` (default: a temporary
directory under ``tempfile.gettempdir()``, removed afterwards; its file system is printed).

* save: a 1 GB variable set (250 float32 variables of 1000x1000) written by
  ``distributed.save_sharded`` from 1, 2 and 4 processes (each writes the shard of the
  variables it owns; rank 0 then writes the merged index and the state file), against one
  process writing it all with ``train.Saver`` and, for reference, ``torch.save`` of the
  ``{name: tensor}`` dict (no fsync, no checksum; the bundle writer fsyncs and CRCs).  Best
  of 3 saves, each to a new prefix; the files are deleted after each configuration.
* DDP: SGD steps of a small CNN (2 conv + 2 dense layers, 0.6M parameters, variables from
  ``get_variable``) on a global batch of 64 32x32x3 images, 1 process x 1 and x 2 torch
  threads against 2 processes x 1 thread (the batch split in halves): time per step and
  samples/s, mean over 20 steps after 3 warm-up steps.

Workers are started with ``torch.multiprocessing`` (spawn); start-up is not timed.
"""
import datetime
import os
import shutil
import socket
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import scopevar as tf
from timing import best  # noqa: E402 - the sibling module of these scripts

VARIABLES, SHAPE = 250, [1000, 1000]              # 1.0e9 bytes of float32
RUNS = 3
BATCH, WARMUP, STEPS = 64, 3, 20
TIMEOUT = datetime.timedelta(seconds=300)


def big_variables():
    """The 1 GB variable set, in the default graph."""
    variables = [tf.get_variable("layer%03d/kernel" % i, SHAPE, initializer=tf.zeros_initializer())
                 for i in range(VARIABLES)]
    for var in variables:
        var.data.uniform_()                   # touch every page, fast
    return variables


class CNN(torch.nn.Module):
    """conv 5x5x32 - pool - conv 5x5x64 - pool - dense 128 - dense 10, NHWC, TF1 variables."""

    def __init__(self):
        super().__init__()
        with tf.variable_scope("cnn"):
            self.conv1 = tf.get_variable("conv1/kernel", [5, 5, 3, 32])
            self.conv2 = tf.get_variable("conv2/kernel", [5, 5, 32, 64])
            self.fc1 = tf.get_variable("fc1/kernel", [8 * 8 * 64, 128])
            self.fc2 = tf.get_variable("fc2/kernel", [128, 10])
            self.biases = [tf.get_variable(name + "/bias", [n], initializer=tf.zeros_initializer())
                           for name, n in [("conv1", 32), ("conv2", 64), ("fc1", 128), ("fc2", 10)]]
        for var in tf.trainable_variables():
            self.register_parameter(var.op.name, var)

    def forward(self, x):
        b1, b2, b3, b4 = self.biases
        for kernel, bias in [(self.conv1, b1), (self.conv2, b2)]:
            x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, kernel, [1, 1, 1, 1], "SAME"), bias))
            x = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        x = tf.nn.relu(tf.reshape(x, [-1, 8 * 8 * 64]) @ self.fc1 + b3)
        return x @ self.fc2 + b4


def _init(rank, world, port, threads):
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank,
                            world_size=world, timeout=TIMEOUT)


def _save_worker(rank, world, port, directory, results):
    _init(rank, world, port, 1)
    big_variables()
    times = []
    for i in range(RUNS):
        dist.barrier()
        start = time.perf_counter()
        tf.distributed.save_sharded(os.path.join(directory, "sharded.ckpt"), global_step=i,
                                    max_to_keep=None)
        times.append(time.perf_counter() - start)
    if rank == 0:
        results.put(min(times))
    dist.destroy_process_group()


def _ddp_worker(rank, world, port, threads, results):
    _init(rank, world, port, threads)
    tf.set_random_seed(rank)
    model = CNN()
    tf.distributed.check_same_variables()
    tf.distributed.broadcast_variables()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.01)
    rng = np.random.RandomState(0)
    images = torch.from_numpy(rng.rand(BATCH, 32, 32, 3).astype("float32"))[rank::world]
    labels = torch.from_numpy(rng.randint(0, 10, BATCH))[rank::world]
    for step in range(WARMUP + STEPS):
        if step == WARMUP:
            dist.barrier()
            start = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(ddp(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    dist.barrier()
    if rank == 0:
        results.put((time.perf_counter() - start) / STEPS)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(worker, world, *args):
    """Run ``worker(rank, world, port, *args, results)`` on ``world`` processes; rank 0's
    result."""
    results = mp.get_context("spawn").SimpleQueue()
    mp.start_processes(worker, (world, free_port(), *args, results), nprocs=world,
                       start_method="spawn")
    return results.get()


def file_system(directory):
    """The type of the file system holding ``directory`` (from /proc/mounts)."""
    directory, best_match = os.path.realpath(directory), ("", "?")
    with open("/proc/mounts") as mounts:
        for line in mounts:
            _, mount, kind = line.split()[:3]
            if (directory + "/").startswith(mount.rstrip("/") + "/") and \
                    len(mount) > len(best_match[0]):
                best_match = (mount, kind)
    return best_match[1]


def fresh(directory, name):
    path = os.path.join(directory, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def single_process_saves(directory):
    """Best times of ``train.Saver.save`` and ``torch.save`` of the 1 GB set, one process."""
    with tf.Graph().as_default():
        variables = big_variables()
        tensors = {var.op.name: var.detach() for var in variables}
        saver = tf.train.Saver(max_to_keep=None)
        times = {}
        for name, save in [("train.Saver", lambda path, i: saver.save(
                                None, path + "/model.ckpt", global_step=i)),
                           ("torch.save", lambda path, i: torch.save(
                               tensors, path + "/model.pt-%d" % i))]:
            path = fresh(directory, "single")
            times[name] = best(lambda i: save(path, i), RUNS)
            shutil.rmtree(path)
    return times


def run(directory):
    size = VARIABLES * SHAPE[0] * SHAPE[1] * 4
    print("save %d float32 variables %s (%.2f GB) in %s (%s), best of %d; load %s"
          % (VARIABLES, SHAPE, size / 1e9, directory, file_system(directory), RUNS,
             os.getloadavg()))
    times = single_process_saves(directory)
    for world in (1, 2, 4):
        path = fresh(directory, "sharded")
        times["save_sharded, %d proc" % world] = spawn(_save_worker, world, path)
        shutil.rmtree(path)
    for name, seconds in times.items():
        print("  %-22s %7.0f ms %6.0f MB/s   %5.2fx train.Saver's time"
              % (name, seconds * 1e3, size / seconds / 1e6, seconds / times["train.Saver"]))

    print("DDP SGD step, small CNN, global batch %d, mean of %d steps; load %s"
          % (BATCH, STEPS, os.getloadavg()))
    steps = {"1 proc x 1 thread": spawn(_ddp_worker, 1, 1),
             "1 proc x 2 threads": spawn(_ddp_worker, 1, 2),
             "2 procs x 1 thread": spawn(_ddp_worker, 2, 1)}
    reference = steps["1 proc x 2 threads"]
    for name, seconds in steps.items():
        print("  %-20s %7.1f ms/step %7.0f samples/s   %5.2fx the throughput of 1 proc x 2 "
              "threads" % (name, seconds * 1e3, BATCH / seconds, reference / seconds))


def main():
    if len(sys.argv) > 1:
        run(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(directory)


if __name__ == "__main__":
    main()
