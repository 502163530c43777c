"""Checkpoint I/O: scopevar's tensor bundle vs ``torch.save``/``torch.load`` and safetensors.

Run: ``.venv/bin/python benchmarks/bench_bundle_io.py [directory] [--copies N]`` (default: a
temporary directory on the disk holding /tmp, removed afterwards).  ``--copies 10`` makes the
checkpoint 1 GB (the variable set N times, under ``copy<i>/``), timed over 2 runs instead of 5;
it writes about 8 GB.

Measures, on the 267 float32 variables of TF-Slim's ``resnet_v1_50`` (102 MB):
* write: ``BundleWriter`` in a ``batch`` (temp file, fsync, rename; CRC32C) vs ``torch.save`` and
  ``safetensors.torch.save_file`` (neither fsyncs nor checksums);
* read: every tensor (``BundleReader.get`` maps large ones without copying) vs
  ``torch.load(weights_only=True)`` and ``safetensors.torch.load_file``;
* restore: read into existing tensors (``read_into``: every CRC checked, then each tensor
  read straight into its target, what ``Saver.restore`` does) vs loading then copying;
* the peak resident memory of ``Saver.restore`` above the variables themselves (a fresh
  subprocess: its peak RSS, ``VmHWM``, reset before the restore);
* reading one small tensor from the big checkpoint vs from a checkpoint holding only it.
Best of 5 runs; the page cache is warm (files just written).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

from scopevar.bundle import BundleReader, BundleWriter
from timing import best, int_option

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "..", "..", "shared", "fixtures", "resnet_v1_50_shapes.json")


def bundle_save(prefix, tensors, sync=True):
    with BundleWriter(prefix, sync=sync) as writer, writer.batch():
        for name, value in tensors.items():
            writer.add(name, value)


def bundle_load(prefix, verify=True):
    with BundleReader(prefix, verify=verify) as reader:
        return {name: reader.get(name) for name in reader.keys()}


def bundle_restore(prefix, targets):
    with BundleReader(prefix) as reader:
        reader.read_into([(name, target, None) for name, target in targets.items()])


PEAK = r'''
import json, re, sys, torch
import scopevar as tf
def memory(key):
    return int(re.search(r"%s:\s+(\d+) kB" % key, open("/proc/self/status").read()).group(1)) * 1024
variables = [tf.Variable(torch.zeros(shape), name=name) for name, shape in json.load(sys.stdin)]
saver = tf.train.Saver()
before = memory("VmRSS")
with open("/proc/self/clear_refs", "w") as f:        # resets VmHWM to the current RSS
    f.write("5")
saver.restore(None, sys.argv[1])
print(memory("VmHWM") - before)
'''


def main():
    args = sys.argv[1:]
    copies = int_option(args, "--copies", 1)
    directory = args[0] if args else tempfile.mkdtemp()
    try:
        run(directory, copies)
    finally:
        if not args:
            shutil.rmtree(directory)


def run(directory, copies):
    shapes = [(name if copies == 1 else "copy%d/%s" % (i, name), shape)
              for i in range(copies) for name, shape in json.load(open(SHAPES))]
    tensors = {name: torch.randn(shape) for name, shape in shapes}
    size = sum(t.numel() * t.element_size() for t in tensors.values())
    prefix, pt, st = (os.path.join(directory, f) for f in ("model.ckpt-1", "model.pt", "model.safetensors"))
    print("resnet_v1_50%s: %d float32 tensors, %.1f MB, in %s"
          % (" x%d" % copies if copies > 1 else "", len(tensors), size / 1e6, directory))

    runs = 5 if copies == 1 else 2
    write = {"bundle": best(lambda i: bundle_save("%s-%d" % (prefix, i), tensors), runs),
             "bundle sync=False": best(lambda i: bundle_save("%s-ns%d" % (prefix, i), tensors,
                                                             sync=False), runs),
             "torch.save": best(lambda i: torch.save(tensors, "%s-%d" % (pt, i)), runs),
             "safetensors": best(lambda i: save_file(tensors, "%s-%d" % (st, i)), runs)}
    pt, st = pt + "-0", st + "-0"
    prefix_written = prefix + "-0"
    read = {"bundle": best(lambda i: bundle_load(prefix_written), runs),
            "bundle verify=False": best(lambda i: bundle_load(prefix_written, verify=False), runs),
            "torch.load": best(lambda i: torch.load(pt, weights_only=True), runs),
            "safetensors": best(lambda i: load_file(st), runs)}
    targets = {name: torch.empty_like(t) for name, t in tensors.items()}

    def copy_into(loaded):
        for name, target in targets.items():
            target.copy_(loaded[name])
    restore = {"bundle": best(lambda i: bundle_restore(prefix_written, targets), runs),
               "torch.load": best(lambda i: copy_into(torch.load(pt, weights_only=True)), runs),
               "safetensors": best(lambda i: copy_into(load_file(st)), runs)}
    for what, times in [("write", write), ("read all", read), ("restore", restore)]:
        print(what)
        for k, v in times.items():
            print("  %-18s %7.1f ms %6.0f MB/s   %5.2fx bundle's time" % (k, v * 1e3, size / v / 1e6,
                                                                            v / times["bundle"]))
    peak = int(subprocess.run([sys.executable, "-c", PEAK, prefix_written], input=json.dumps(shapes),
                              capture_output=True, text=True, check=True).stdout)
    print("Saver.restore peak memory above the variables: %.1f MB (%.1f%% of %.1f MB)"
          % (peak / 1e6, 100 * peak / size, size / 1e6))

    name = shapes[-1][0]                          # the last copy of resnet_v1_50/logits/biases
    alone = os.path.join(directory, "alone")
    bundle_save(alone, {name: tensors[name]})
    with BundleReader(prefix_written) as big, BundleReader(alone) as small:
        in_big = best(lambda i: big.get(name), runs=200)
        in_small = best(lambda i: small.get(name), runs=200)
    print("get(%s) [1000 floats]: %.1f us from the %.0f MB checkpoint, %.1f us from a 4 KB one"
          % (name, in_big * 1e6, size / 1e6, in_small * 1e6))


if __name__ == "__main__":
    main()
