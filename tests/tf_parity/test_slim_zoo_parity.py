"""TF-Slim's own model zoo (``tf_slim/nets``, unmodified) on scopevar through the import alias:
each net has TensorFlow's variables and collections, and with a checkpoint TF wrote for it,
TF's logits and end points.

TensorFlow builds each net in a fresh graph (``is_training=False``, 10 classes), gives every
batch-norm statistic, scale, offset and bias a random value, saves a checkpoint and records
what it built; all under ``.pytest_cache/tf_oracle/zoo-<key>/``, keyed by the program text, so
reruns do not start TensorFlow.  scopevar builds the same net in a subprocess after
``alias_tensorflow()``, restores the checkpoint with its ``Saver``, runs the net again (reusing
the variables) and records the same.
"""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from scopevar.compat._alias_finder import TfSlimNetsFinder

from .oracle import CACHE, HERE, run_tf_script, tf_available

# net -> (module in tf_slim.nets, function, arg-scope function, input size): the smallest input
# each net takes (inception_v2/v3 then shrink their last pooling kernels, as TF-Slim does)
NETS = {
    "resnet_v1_50": ("resnet_v1", "resnet_v1_50", "resnet_arg_scope", 64),
    "resnet_v2_50": ("resnet_v2", "resnet_v2_50", "resnet_arg_scope", 64),
    "inception_v1": ("inception_v1", "inception_v1", "inception_v1_arg_scope", 224),
    "inception_v2": ("inception_v2", "inception_v2", "inception_v2_arg_scope", 96),
    "inception_v3": ("inception_v3", "inception_v3", "inception_v3_arg_scope", 107),
    "alexnet_v2": ("alexnet", "alexnet_v2", "alexnet_v2_arg_scope", 224),
    "vgg_16": ("vgg", "vgg_16", "vgg_arg_scope", 224),
    "overfeat": ("overfeat", "overfeat", "overfeat_arg_scope", 231),
}

# run on both sides, with ``tf`` and ``slim`` (TensorFlow's or scopevar's through the alias)
_COMMON = r'''
import importlib, json, os, sys
import numpy as np
sys.path.insert(0, %(here)r)
from record import capture

NETS = %(nets)r


def build(net):
    module, fn, arg_scope, size = NETS[net]
    m = importlib.import_module("tf_slim.nets." + module)
    x = np.random.RandomState(0).uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
    with slim.arg_scope(getattr(m, arg_scope)()):
        return getattr(m, fn)(tf.constant(x), num_classes=10, is_training=False)


def record(graph):
    """Variables, the standard collections and every other collection of variables."""
    collection = lambda key: list(graph.get_collection_ref(key))   # noqa: E731 - named losses
    rec = capture(collection)
    for key in graph.get_all_collection_keys():
        items = collection(key)
        if key not in rec["collections"] and any(isinstance(v, tf.Variable) for v in items):
            rec["collections"][key] = [v.name for v in items]
    return rec


def outputs(logits, end_points):
    """Logits and a few end points: the middle one and the last two."""
    keys = list(end_points)
    picked = [keys[len(keys) // 2]] + keys[-2:]
    return keys, picked, [logits] + [end_points[k] for k in picked]
'''

_TF_MAIN = r'''
def main(jobs):
    for net, out in jobs:
        graph = tf.Graph()
        with graph.as_default():
            logits, end_points = build(net)
            rec = record(graph)
            rec["end_points"], rec["picked"], fetch = outputs(logits, end_points)
            rng = np.random.RandomState(1)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for v in tf.global_variables():
                    shape = v.get_shape().as_list()
                    if v.op.name.endswith(("moving_variance", "gamma")):
                        v.load(rng.uniform(0.5, 1.5, shape).astype(np.float32), sess)
                    elif v.op.name.endswith(("moving_mean", "beta", "biases")):
                        v.load(rng.normal(0.0, 0.1, shape).astype(np.float32), sess)
                tf.train.Saver().save(sess, os.path.join(out, "model.ckpt"))
                np.savez(os.path.join(out, "tf.npz"), *sess.run(fetch))
        with open(os.path.join(out, "tf.json"), "w") as f:     # written last: marks it done
            json.dump(rec, f)
'''

_SV_MAIN = r'''
net, ckpt, out = sys.argv[1:]
graph = tf.get_default_graph()
build(net)
rec = record(graph)
tf.train.Saver().restore(None, ckpt)
with tf.variable_scope(tf.get_variable_scope(), reuse=True):   # the net again, restored weights
    logits, end_points = build(net)
assert len(tf.global_variables()) == len(rec["vars"]), "the second build created variables"
rec["end_points"], rec["picked"], fetch = outputs(logits, end_points)
np.savez(os.path.join(out, "sv.npz"), *[t.detach().numpy() for t in fetch])
with open(os.path.join(out, "sv.json"), "w") as f:
    json.dump(rec, f)
'''

_SV_PRELUDE = r'''
import scopevar
scopevar.compat.alias_tensorflow()
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
tf.disable_eager_execution()
import tf_slim as slim
assert tf is scopevar and slim is scopevar.slim
'''


def _common():
    return _COMMON % {"here": str(HERE), "nets": NETS}


def _tf_dir(net):
    code = _common() + _TF_MAIN + repr(NETS[net])
    return CACHE / ("zoo-" + hashlib.sha256(code.encode()).hexdigest()[:24])


def _tf_done(net):
    return (_tf_dir(net) / "tf.json").exists()


@pytest.fixture(scope="module")
def tf_zoo(request):
    """Makes TensorFlow's checkpoint and record for every net this session tests (one TF
    process for all of them); the nets' cache directories."""
    if not tf_available():
        pytest.skip("TensorFlow (tensorflow-cpu, tf-keras, tf-slim) is not installed")
    wanted = {item.callspec.params["net"] for item in request.session.items
              if item.module.__name__ == __name__ and hasattr(item, "callspec")}
    todo = sorted(n for n in wanted if not _tf_done(n))
    if todo:
        for n in todo:
            _tf_dir(n).mkdir(parents=True, exist_ok=True)
        run_tf_script(_common() + _TF_MAIN + "main(%r)\n" % [(n, str(_tf_dir(n))) for n in todo])
    return _tf_dir


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("net", list(NETS))
def test_zoo_net_matches_tensorflow(net, tf_zoo, tmp_path):
    tf_dir = tf_zoo(net)
    proc = subprocess.run(
        [sys.executable, "-c", _SV_PRELUDE + _common() + _SV_MAIN, net,
         str(tf_dir / "model.ckpt"), str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert proc.returncode == 0, proc.stderr[-6000:]
    tf_rec = json.loads((tf_dir / "tf.json").read_text())
    sv_rec = json.loads((tmp_path / "sv.json").read_text())

    assert sv_rec["vars"] == tf_rec["vars"]
    assert sv_rec["collections"].keys() == tf_rec["collections"].keys()
    for key, names in tf_rec["collections"].items():
        assert sv_rec["collections"][key] == names, key
    assert sv_rec["end_points"] == tf_rec["end_points"]
    assert sv_rec["picked"] == tf_rec["picked"]

    with np.load(tf_dir / "tf.npz") as t, np.load(tmp_path / "sv.npz") as s:
        for i, where in enumerate(["logits"] + tf_rec["picked"]):
            want, got = t["arr_%d" % i], s["arr_%d" % i]
            assert got.shape == want.shape, where
            scale = max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * scale, err_msg=where)


def test_alias_maps_tf_internal_paths_and_loads_tf_slim_nets_from_source():
    if importlib.util.find_spec("tf_slim") is None:
        pytest.skip("tf-slim is not installed")
    proc = subprocess.run([sys.executable, "-c", _SV_PRELUDE + r'''
import os, sys
from tensorflow.python.framework import ops, dtypes
from tensorflow.python.ops import array_ops, init_ops, math_ops, nn_ops, variable_scope
from tf_slim.layers import layers as layers_lib, regularizers, utils
import tf_slim.layers
assert tf_slim.layers.conv2d is slim.conv2d and regularizers.l2_regularizer is slim.l2_regularizer
from tf_slim.ops.arg_scope import arg_scope
import tf_slim.nets
from tf_slim.nets import resnet_v1, inception
assert nn_ops.relu is tf.nn.relu and array_ops.squeeze is tf.squeeze
assert variable_scope.variable_scope is tf.variable_scope and ops.name_scope is tf.name_scope
assert ops.convert_to_tensor is tf.convert_to_tensor and dtypes.float32 is tf.float32
assert layers_lib.conv2d is slim.conv2d and arg_scope is slim.arg_scope
assert utils.last_dimension(tf.ones([1, 2, 3]).get_shape(), min_rank=3) == 3
assert resnet_v1.__file__.endswith(os.path.join("tf_slim", "nets", "resnet_v1.py"))
assert sorted(tf_slim.nets.__all__) == ["inception_v1", "inception_v2", "inception_v3", "overfeat"]
from tensorflow.contrib.slim.nets import resnet_v1 as contrib_resnet_v1   # TF1's path
from tf_slim import nets
import tensorflow.contrib.slim.nets.vgg
assert contrib_resnet_v1 is resnet_v1 and nets is tf_slim.nets and nets.vgg is sys.modules[
    "tensorflow.contrib.slim.nets.vgg"] and resnet_v1.__spec__.name == "tf_slim.nets.resnet_v1"
assert sys.modules["tensorflow"] is scopevar and sys.modules["tf_slim"] is scopevar.slim
print("ok")
'''],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-4000:]


def test_tf_slim_nets_not_found_where_tf_slim_is_not_installed(tmp_path, monkeypatch):
    finder = TfSlimNetsFinder()
    assert finder.find_spec("tf_slim.layers") is None
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert finder.find_spec("tf_slim.nets") is None


def test_last_dimension_checks_rank_as_tf_slim():
    import scopevar as tf
    shape = tf.ones([2, 3, 5]).get_shape()
    assert tf.slim.utils.last_dimension(shape) == 5
    assert tf.slim.utils.channel_dimension(shape, "channels_first") == 3
    with pytest.raises(ValueError, match="^rank of shape must be at least 4 not: 3$"):
        tf.slim.utils.last_dimension(shape, min_rank=4)
