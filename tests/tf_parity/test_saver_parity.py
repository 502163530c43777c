"""scopevar's Saver and TF1's ``tf.train.Saver`` restore each other's checkpoints.

One TensorFlow subprocess restores the checkpoint scopevar wrote (float, int, bool, a
partitioned variable saved in 3 parts restored into 2, the global step) and writes one of its
own (a partitioned variable in 4 parts) that scopevar restores into 3.  Results and TF's
checkpoint are cached under ``.pytest_cache/tf_oracle``, keyed by the program and our bytes.
"""
import hashlib
import json
import shutil

import numpy as np
import pytest
import torch

import scopevar as tf

from .oracle import CACHE, run_tf_script, tf_available

pytestmark = [pytest.mark.tf, pytest.mark.skipif(not tf_available(), reason="TensorFlow not installed")]

TF_PROGRAM = r'''
import json
args = json.loads(ARGS)
out = {}
with tf.Graph().as_default():                 # restore what scopevar wrote, other partitioning
    w = tf.get_variable("w", [2, 3])
    i = tf.get_variable("i", [4], tf.int32)
    flags = tf.get_variable("flags", [3], tf.bool)
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(2))
    step = tf.train.get_or_create_global_step()
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(args["ours"]))
        out["restored"] = {k: v.tolist() for k, v in sess.run(
            {"w": w, "i": i, "flags": flags, "emb": emb.as_tensor(), "global_step": step}).items()}
with tf.Graph().as_default():                 # write a checkpoint for scopevar to restore
    tf.set_random_seed(1)
    w2 = tf.get_variable("w2", [3, 2])
    counts = tf.get_variable("counts", initializer=tf.constant([1, -2, 3 << 40], tf.int64))
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(4))
    step = tf.train.get_or_create_global_step()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step.assign(7))
        out["prefix"] = tf.train.Saver().save(sess, args["theirs"] + "/model.ckpt", global_step=step)
        out["written"] = {k: v.tolist() for k, v in sess.run(
            {"w2": w2, "counts": counts, "emb": emb.as_tensor(), "global_step": step}).items()}
print(json.dumps(out))
'''


def write_ours(directory):
    """Save float, int, bool, a 3-part partitioned variable and the global step at step 42."""
    with tf.Graph().as_default():
        values = {"w": torch.arange(6.0).reshape(2, 3) / 7,
                  "i": torch.tensor([1, -2, 3, 2**30], dtype=torch.int32),
                  "flags": torch.tensor([True, False, True])}
        for name, value in values.items():
            tf.get_variable(name, initializer=value)
        emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
        values["emb"] = emb.as_tensor().detach().clone()
        step = tf.train.get_or_create_global_step()
        step.assign(42)
        values["global_step"] = torch.tensor(42)
        assert tf.train.Saver().save(None, directory / "model.ckpt", global_step=step) == \
            str(directory / "model.ckpt-42")
    return values


@pytest.fixture(scope="module")
def tf_results(tmp_path_factory):
    ours = tmp_path_factory.mktemp("saver_parity")
    values = write_ours(ours)
    data = b"".join(f.read_bytes() for f in sorted(ours.glob("model.ckpt-42*")))
    cached = CACHE / ("saver_" + hashlib.sha256(TF_PROGRAM.encode() + data).hexdigest()[:24])
    if not (cached / "results.json").exists():
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)
        args = json.dumps({"ours": str(ours), "theirs": str(cached)})
        stdout = run_tf_script("ARGS = %r\n%s" % (args, TF_PROGRAM))
        (cached / "results.json").write_text(stdout.strip().splitlines()[-1])
    return values, json.loads((cached / "results.json").read_text())


def test_tf_saver_restores_ours_into_another_partitioning(tf_results):
    values, results = tf_results
    for name, value in values.items():
        np.testing.assert_array_equal(np.array(results["restored"][name]), value.numpy(), err_msg=name)


def test_our_saver_restores_tfs(tf_results):
    _, results = tf_results
    w2 = tf.get_variable("w2", [3, 2])
    counts = tf.get_variable("counts", [3], tf.int64)
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
    step = tf.train.get_or_create_global_step()
    prefix = results["prefix"]
    assert tf.train.latest_checkpoint(prefix.rsplit("/", 1)[0]) == prefix
    tf.train.Saver().restore(tf.Session(), prefix)
    written = results["written"]
    np.testing.assert_array_equal(w2.detach().numpy(), np.float32(written["w2"]))
    np.testing.assert_array_equal(counts.detach().numpy(), written["counts"])
    np.testing.assert_array_equal(emb.as_tensor().detach().numpy(), np.float32(written["emb"]))
    assert int(step) == written["global_step"] == 7
