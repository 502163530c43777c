"""scopevar's Saver and TF1's ``tf.train.Saver`` restore each other's checkpoints.

One TensorFlow subprocess restores the checkpoint scopevar wrote (float, int, bool, a
partitioned variable saved in 3 parts restored into 2, the global step) and writes one of its
own (a partitioned variable in 4 parts) that scopevar restores into 3; and both restore the
TF2 object-based fixture by variable name (TF's object-graph fallback).  Results and TF's
checkpoint are cached under ``.pytest_cache/tf_oracle``, keyed by the program and our bytes.
"""
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import scopevar as tf

from .oracle import CACHE, run_tf_script, tf_available

OBJECT_BASED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / \
    "tf-checkpoints" / "v2_object" / "ckpt-1"
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
if args["object_based"]:                      # a name-based Saver, an object-based checkpoint
    with tf.Graph().as_default():
        found = {"kernel": tf.get_variable("kernel", [4, 2]), "bias": tf.get_variable("bias", [2]),
                 "Variable": tf.get_variable("Variable", [], tf.int64)}
        other = tf.get_variable("other", [2])
        with tf.Session() as sess:
            tf.train.Saver(list(found.values())).restore(sess, args["object_based"])
            out["object_based"] = {k: v.tolist() for k, v in sess.run(found).items()}
            try:
                tf.train.Saver([found["kernel"], other]).restore(sess, args["object_based"])
            except tf.errors.NotFoundError as error:
                out["object_based_error"] = error.message
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
        args = json.dumps({"ours": str(ours), "theirs": str(cached),
                           "object_based": str(OBJECT_BASED) if OBJECT_BASED.parent.is_dir()
                           else None})
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


def test_both_restore_an_object_based_checkpoint_by_name(tf_results):
    _, results = tf_results
    if "object_based" not in results:
        pytest.skip("no TF checkpoint fixtures at %s" % OBJECT_BASED.parent)
    found = {"kernel": tf.Variable(torch.zeros(4, 2), name="kernel"),
             "bias": tf.Variable(torch.zeros(2), name="bias"),
             "Variable": tf.Variable(torch.tensor(0), name="Variable")}
    tf.train.Saver(list(found.values())).restore(OBJECT_BASED)
    for name, var in found.items():
        np.testing.assert_array_equal(var.detach().numpy(), results["object_based"][name], err_msg=name)
    other = tf.Variable(torch.zeros(2), name="other")
    with pytest.raises(tf.errors.NotFoundError) as error:
        tf.train.Saver([found["kernel"], other]).restore(OBJECT_BASED)
    common = "using variable names."
    theirs = results["object_based_error"]
    assert str(error.value).split(common)[0] == theirs.split(common)[0] and common in theirs
