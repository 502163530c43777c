"""Saving and restoring a model's variables: scopevar's ``train.Saver`` vs TF1's ``Saver``,
``torch.save``/``torch.load`` and safetensors.

Run: ``.venv/bin/python benchmarks/bench_checkpoint.py [directory] [--rounds N]`` (default: a
temporary directory on the disk holding /tmp, removed afterwards; 3 rounds write about 4 GB).

The variables are TF-Slim's ``resnet_v1_50`` (267 float32 tensors, 25.6M values, 102 MB).
* save: scopevar's ``Saver.save`` (CRC32C; temporary files fsynced and renamed; checkpoint
  state file), the same with ``Saver(sync=False)`` (no fsync, as TF), TF's ``Saver.save``
  (``write_meta_graph=False``; no fsync), ``torch.save`` and ``safetensors.torch.save_file`` of
  the ``{name: tensor}`` dict (neither fsyncs nor checksums), and the floors: the same bytes
  written to one file with the fewest system calls (one ``fallocate``, one ``pwritev``; no
  checksum), fsynced (the disk's limit for the durable default) or not (the page cache's, for
  ``sync=False``).  Each save writes a new prefix (``global_step``) and deletes the previous
  checkpoint within the timed call: both Savers (``max_to_keep=1``) do it in ``save``, the
  others' timed runs remove the previous run's file as scopevar does (``files.remove``:
  unlinked at once, its blocks freed by a background thread; inline, the freeing of a 100 MB
  file already on disk waits about 50 ms on this VM's discarding ext4);
* restore into the existing variables: ``Saver.restore`` (CRC checked) for scopevar and TF,
  ``load`` then ``copy_`` into each tensor for torch (``weights_only=True``) and safetensors;
  scopevar's again with its cache of parsed indexes emptied first (the first restore of a
  checkpoint: repeated restores of one checkpoint parse its index once);
* the per-variable cost of scopevar's ``Saver`` (its Python bookkeeping): save and restore
  of the same 267 names holding one value each, per variable.
The machine is shared, so the contenders take turns: each round times 5 runs of each (TF's
in one TensorFlow process kept between rounds), each save to a new file; the best time over
all rounds is reported.  The page cache is warm; before each contender's saves the disk is
synced (``os.sync``), so that none is slowed by the writes (or the discards of freed blocks)
that the one before left to the disk, e.g. scopevar's ``sync=False`` after its fsynced saves.
Writing into the page cache costs up to 3x more in memory the VM has not used for a few
seconds (its host takes such pages back): the first runs of a round may pay that, whichever
the contender; the removal of the previous run's file hands its pages to the next run.
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from timing import best, int_option  # noqa: E402 - the sibling module of these scripts

import scopevar as tf
from scopevar.bundle import reader
from scopevar.bundle.files import remove

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "..", "..", "shared", "fixtures", "resnet_v1_50_shapes.json")
TF_PARITY = os.path.join(HERE, "..", "tests", "tf_parity")
TF_RUNNER = os.path.join(TF_PARITY, "tf_runner.py")
sys.path.insert(0, TF_PARITY)
RUNS = 5

# One round per line read from the fifo COMMANDS; its best times as a JSON line on stdout.
TF_PROGRAM = r'''
import json, time
variables = [tf.get_variable(name, shape) for name, shape in SHAPES]
saver = tf.train.Saver(max_to_keep=1)
with tf.Session() as sess, open(COMMANDS) as commands:
    sess.run(tf.global_variables_initializer())
    for line in commands:
        save, restore = [], []
        for i in range(RUNS):
            start = time.perf_counter()
            prefix = saver.save(sess, DIRECTORY + "/tf/model.ckpt", global_step=int(line) * RUNS + i,
                                write_meta_graph=False)
            save.append(time.perf_counter() - start)
        for i in range(RUNS):
            start = time.perf_counter()
            saver.restore(sess, prefix)
            restore.append(time.perf_counter() - start)
        print(json.dumps({"save": min(save), "restore": min(restore)}), flush=True)
'''


class TensorFlow:
    """A TensorFlow process timing TF's Saver one round at a time (None without TensorFlow)."""

    def __init__(self, shapes, directory):
        self.commands = os.path.join(directory, "tf-commands")
        os.mkfifo(self.commands)
        code = "SHAPES, DIRECTORY, RUNS, COMMANDS = %r, %r, %d, %r\n%s" % (
            shapes, directory, RUNS, self.commands, TF_PROGRAM)
        self.process = subprocess.Popen([sys.executable, TF_RUNNER, "--script"], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.process.stdin.write(code)
        self.process.stdin.close()
        self.fifo = open(self.commands, "w")          # waits for TF to open it

    def round(self, i):
        self.fifo.write("%d\n" % i)
        self.fifo.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the TensorFlow process failed (exit status %s)" % self.process.wait())
        return json.loads(line)

    def close(self):
        self.fifo.close()
        self.process.wait()


def rotating(save, pattern):
    """Run ``i`` saves to ``pattern % i`` and deletes the file of run ``i - 1``, as a Saver
    with ``max_to_keep=1`` does (and as scopevar's: its blocks freed in the background)."""
    def run(i):
        save(pattern % i)
        if i > 0:
            remove(pattern % (i - 1))
    return run


def write_bytes(tensors, sync):
    """Save the bytes of ``tensors`` to ``path`` with the fewest system calls: reserve the
    file's blocks, write every tensor with one ``pwritev`` (then fsync)."""
    buffers = [tensor.reshape(-1).view(torch.uint8).numpy() for tensor in tensors.values()]
    size = sum(buffer.nbytes for buffer in buffers)

    def save(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
            if os.pwritev(fd, buffers, 0) != size:
                raise OSError("short write")
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    return save


def copy_into(targets, loaded):
    with torch.no_grad():
        for name, target in targets.items():
            target.copy_(loaded[name])


def main():
    args = sys.argv[1:]
    rounds = int_option(args, "--rounds", 3)
    if args:
        run(args[0], rounds)
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(directory, rounds)


def run(directory, rounds):
    shapes = json.load(open(SHAPES))
    variables = {name: tf.get_variable(name, shape) for name, shape in shapes}
    tensors = {name: var.detach() for name, var in variables.items()}
    size = sum(t.numel() * t.element_size() for t in tensors.values())
    print("resnet_v1_50: %d float32 variables, %.1fM values, %.1f MB, in %s; %d rounds"
          % (len(shapes), size / 4e6, size / 1e6, directory, rounds))
    for kind in ("torch", "safetensors", "floor"):
        os.makedirs(os.path.join(directory, kind))
    saver, synced = tf.train.Saver(max_to_keep=1, sync=False), tf.train.Saver(max_to_keep=1)
    ours, durable = (os.path.join(directory, kind, "model.ckpt") for kind in ("scopevar", "sync"))
    pt, st, raw = (os.path.join(directory, kind, "model-%d")
                   for kind in ("torch", "safetensors", "floor"))
    saves = {"scopevar Saver": lambda i: synced.save(None, durable, global_step=i),
             "scopevar sync=False": lambda i: saver.save(None, ours, global_step=i),
             "torch.save": rotating(lambda path: torch.save(tensors, path), pt),
             "safetensors": rotating(lambda path: save_file(tensors, path), st),
             "floor: write+fsync": rotating(write_bytes(tensors, sync=True), raw),
             "floor: write": rotating(write_bytes(tensors, sync=False), raw + "-nosync")}
    last = lambda pattern: pattern % (RUNS * round_ + RUNS - 1)      # noqa: E731
    def uncached(i):
        reader._INDEXES.clear()
        saver.restore(None, saver.last_checkpoints[-1])
    restores = {"scopevar Saver": lambda i: saver.restore(None, saver.last_checkpoints[-1]),
                "scopevar uncached": uncached,
                "torch.load": lambda i: copy_into(tensors, torch.load(last(pt), weights_only=True)),
                "safetensors": lambda i: copy_into(tensors, load_file(last(st)))}
    save, restore = {}, {}
    from oracle import tf_available
    tensorflow = TensorFlow(shapes, directory) if tf_available() else None
    try:
        for round_ in range(rounds):
            for name, f in saves.items():
                os.sync()           # none pays for the writes the one before left to the disk
                seconds = best(lambda i: f(RUNS * round_ + i), RUNS)
                save[name] = min(save.get(name, seconds), seconds)
            for name, f in restores.items():
                seconds = best(f, RUNS)
                restore[name] = min(restore.get(name, seconds), seconds)
            if tensorflow is not None:
                os.sync()
                times = tensorflow.round(round_)
                save["TF Saver"] = min(save.get("TF Saver", times["save"]), times["save"])
                restore["TF Saver"] = min(restore.get("TF Saver", times["restore"]), times["restore"])
    finally:
        if tensorflow is not None:
            tensorflow.close()
    for what, times in [("save", save), ("restore into the variables", restore)]:
        print(what)
        for name, seconds in times.items():
            print("  %-20s %7.1f ms %6.0f MB/s   %5.2fx scopevar's time"
                  % (name, seconds * 1e3, size / seconds / 1e6, seconds / times["scopevar Saver"]))
    per_variable(shapes, directory, rounds)


def per_variable(shapes, directory, rounds):
    """Print the time per variable of scopevar's save (``sync=False``) and restore of the
    ``shapes``' names holding one value each: the Saver's bookkeeping, with next to no I/O."""
    with tf.variable_scope("one_value"):
        variables = {name: tf.get_variable(name, [1] * len(shape)) for name, shape in shapes}
    saver = tf.train.Saver(variables, max_to_keep=1, sync=False)
    path = os.path.join(directory, "one_value", "model.ckpt")
    save = min(best(lambda i: saver.save(None, path, global_step=RUNS * r + i), RUNS)
               for r in range(rounds))
    restore = min(best(lambda i: saver.restore(None, saver.last_checkpoints[-1]), RUNS)
                  for r in range(rounds))
    print("per variable (%d variables of one value): save %.1f us, restore %.1f us"
          % (len(variables), save / len(variables) * 1e6, restore / len(variables) * 1e6))


if __name__ == "__main__":
    main()
