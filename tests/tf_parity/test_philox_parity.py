"""scopevar.philox against real TensorFlow 2.21: the same bits as the random ops in graph mode.

One TensorFlow subprocess runs every case: a graph with ``set_random_seed(s)`` and an op with
``seed=o`` (so its kernel gets ``(seed, seed2) = (s, o)``), ``session.run`` three times; each
run's value is saved as ``.npy`` (bfloat16 as its uint16 bits).
"""
import numpy as np
import pytest
import torch

from scopevar import philox

from .oracle import run_tf_script, tf_available

pytestmark = pytest.mark.tf

SEEDS = [(87654321, 1), (42, 0), (2 ** 31 - 2, 77), (123456789, 987654321)]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = [("int32", -7, 1000), ("int32", -2 ** 31, 2 ** 31 - 1),
        ("int64", -5, 3), ("int64", -2 ** 63, 2 ** 63 - 1)]
# (case id, op, dtype, shape, (graph seed, op seed), (minval, maxval) for ints, runs)
CASES = ([("%s-%s-%d" % (op, dtype, i), op, dtype, [5, 7], seeds, None, 3)
          for op in ("uniform", "normal", "truncated_normal") for dtype in FLOATS
          for i, seeds in enumerate(SEEDS)]
         + [("uniform_int-%s-%d-%d" % (dtype, i, j), "uniform", dtype, [5, 7], seeds, (lo, hi), 3)
            for j, (dtype, lo, hi) in enumerate(INTS) for i, seeds in enumerate(SEEDS)]
         + [("%s-float32-big" % op, op, "float32", [3, 3, 64, 128], (1, 5), None, 3)
            for op in ("uniform", "normal", "truncated_normal")]
         + [("%s-float32-4M" % op, op, "float32", [4 * 1024 * 1024], (3, 4), None, 1)
            for op in ("normal", "truncated_normal")])

TF_PROGRAM = """
import os
for case_id, op, dtype, shape, (graph_seed, op_seed), bounds, runs in CASES:
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(graph_seed)
        if bounds is not None:
            x = tf.random.uniform(shape, *bounds, dtype=getattr(tf, dtype), seed=op_seed)
        else:
            x = getattr(tf.random, op)(shape, dtype=getattr(tf, dtype), seed=op_seed)
        with tf.Session(graph=graph) as sess:
            for run in range(runs):
                value = sess.run(x)
                if dtype == "bfloat16":
                    value = value.view(np.uint16)
                np.save(os.path.join(OUT, "%s-%d.npy" % (case_id, run)), value)
"""


@pytest.fixture(scope="module")
def tf_values(tmp_path_factory):
    if not tf_available():
        pytest.skip("TensorFlow (tensorflow-cpu, tf-keras, tf-slim) is not installed")
    out = tmp_path_factory.mktemp("philox_tf")
    run_tf_script("CASES = %r\nOUT = %r\n%s" % (CASES, str(out), TF_PROGRAM))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_bits_as_tensorflow(case, tf_values):
    case_id, op, dtype_name, shape, (seed, seed2), bounds, runs = case
    dtype = getattr(torch, dtype_name)
    for run in range(runs):
        if bounds is not None:
            ours = philox.uniform_int(shape, *bounds, seed, seed2, dtype, run)
        else:
            ours = getattr(philox, op)(shape, seed, seed2, dtype, run)
            if op != "uniform":       # tf.random.normal / truncated_normal: x * 1.0 + 0.0
                ours = ours * 1.0 + 0.0
        if dtype == torch.bfloat16:
            ours = ours.view(torch.int16)
        ours = ours.numpy()
        theirs = np.load(tf_values / ("%s-%d.npy" % (case_id, run)))
        assert ours.shape == theirs.shape and ours.itemsize == theirs.itemsize
        assert ours.tobytes() == theirs.tobytes(), "%s run %d: %d of %d values differ" % (
            case_id, run, (ours.view(theirs.dtype) != theirs).sum(), ours.size)
