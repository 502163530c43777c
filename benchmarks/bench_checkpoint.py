"""Saving and restoring a model's variables: scopevar's ``train.Saver`` vs TF1's ``Saver``,
``torch.save``/``torch.load`` and safetensors.

Run: ``.venv/bin/python benchmarks/bench_checkpoint.py [directory]`` (default: a temporary
directory on the disk holding /tmp, removed afterwards; the runs write about 2 GB).

The variables are TF-Slim's ``resnet_v1_50`` (267 float32 tensors, 25.6M values, 102 MB).
* save: scopevar's ``Saver.save`` (CRC32C; temporary files fsynced and renamed; checkpoint
  state file), TF's ``Saver.save`` (``write_meta_graph=False``; TF does not fsync), timed
  inside the TF program (a subprocess), ``torch.save`` and ``safetensors.torch.save_file``
  of the ``{name: tensor}`` dict (neither fsyncs nor checksums);
* restore into the existing variables: ``Saver.restore`` (CRC checked) for scopevar and TF,
  ``load`` then ``copy_`` into each tensor for torch (``weights_only=True``) and safetensors.
Best of 5 runs, each save to a new file; the page cache is warm.
"""
import json
import os
import sys
import tempfile

import torch
from timing import best  # noqa: E402 - the sibling module of these scripts
from safetensors.torch import load_file, save_file

import scopevar as tf

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "..", "..", "shared", "fixtures", "resnet_v1_50_shapes.json")
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
RUNS = 5

TF_PROGRAM = r'''
import json, time
best = lambda times: min(times)
variables = [tf.get_variable(name, shape) for name, shape in SHAPES]
saver = tf.train.Saver(max_to_keep=RUNS)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    save, restore = [], []
    for i in range(RUNS):
        start = time.perf_counter()
        prefix = saver.save(sess, DIRECTORY + "/tf/model.ckpt", global_step=i, write_meta_graph=False)
        save.append(time.perf_counter() - start)
    for i in range(RUNS):
        start = time.perf_counter()
        saver.restore(sess, prefix)
        restore.append(time.perf_counter() - start)
print(json.dumps({"save": best(save), "restore": best(restore)}))
'''


def copy_into(targets, loaded):
    with torch.no_grad():
        for name, target in targets.items():
            target.copy_(loaded[name])


def tensorflow(shapes, directory):
    """TF's ``{"save": s, "restore": s}``, or None without TensorFlow."""
    from oracle import run_tf_script, tf_available
    if not tf_available():
        return None
    code = "SHAPES, DIRECTORY, RUNS = %r, %r, %d\n%s" % (shapes, directory, RUNS, TF_PROGRAM)
    return json.loads(run_tf_script(code).strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1:
        run(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(directory)


def run(directory):
    shapes = json.load(open(SHAPES))
    variables = {name: tf.get_variable(name, shape) for name, shape in shapes}
    tensors = {name: var.detach() for name, var in variables.items()}
    size = sum(t.numel() * t.element_size() for t in tensors.values())
    print("resnet_v1_50: %d float32 variables, %.1fM values, %.1f MB, in %s"
          % (len(shapes), size / 4e6, size / 1e6, directory))

    saver = tf.train.Saver(max_to_keep=RUNS)
    path = os.path.join(directory, "%s", "model.%s-%d")
    for kind in ("torch", "safetensors"):
        os.makedirs(os.path.join(directory, kind))
    save = {"scopevar Saver": best(lambda i: saver.save(None, os.path.join(
                directory, "scopevar", "model.ckpt"), global_step=i)),
            "torch.save": best(lambda i: torch.save(tensors, path % ("torch", "pt", i))),
            "safetensors": best(lambda i: save_file(tensors, path % ("safetensors", "st", i)))}
    prefix = tf.train.latest_checkpoint(os.path.join(directory, "scopevar"))
    restore = {"scopevar Saver": best(lambda i: saver.restore(None, prefix)),
               "torch.load": best(lambda i: copy_into(tensors, torch.load(
                   path % ("torch", "pt", 0), weights_only=True))),
               "safetensors": best(lambda i: copy_into(tensors, load_file(
                   path % ("safetensors", "st", 0))))}
    tf_times = tensorflow(shapes, directory)
    if tf_times is not None:
        save["TF Saver"], restore["TF Saver"] = tf_times["save"], tf_times["restore"]
    for what, times in [("save", save), ("restore into the variables", restore)]:
        print(what)
        for name, seconds in times.items():
            print("  %-15s %7.1f ms %6.0f MB/s   %5.2fx scopevar's time"
                  % (name, seconds * 1e3, size / seconds / 1e6, seconds / times["scopevar Saver"]))


if __name__ == "__main__":
    main()
