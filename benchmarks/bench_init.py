"""Seeded initialization benchmark: the slim ``resnet_v1_50`` variable set (267 variables,
25.6M values), scopevar with TF's exact seeded values vs TF compat.v1 vs plain torch.

Run: ``.venv/bin/python benchmarks/bench_init.py``.  TensorFlow runs in a subprocess (the test
oracle's runner); ratios are printed from timings taken in this one run.

Initializers as slim builds the net: ``weights`` ``xavier_initializer()`` (slim's default,
uniform) or, second set, ``variance_scaling_initializer()`` (``resnet_arg_scope``'s: truncated
normal); ``biases``, BatchNorm ``beta`` and ``moving_mean`` zeros; ``gamma`` and
``moving_variance`` ones.  The graph seed is set, so every value is determined.

Measures (best of a few runs each), wall-clock and process CPU seconds (the machine is shared:
CPU time, the work done, varies less with the load; TF's includes its thread pools' spinning):
* scopevar: building the variable set in a fresh graph (creation initializes: what TF's graph
  building plus its first ``sess.run(init)`` do), the same on one thread and the same with the
  numpy kernels (the fallback without a C compiler) (both interleaved with it: does the
  kernels' second thread pay on this machine? what do the compiled kernels gain?), and
  re-running
  ``global_variables_initializer()`` on it; and the part of that spent in the Philox kernels
  (``scopevar.philox`` called alone on the weight shapes);
* TF: ``sess.run(tf.global_variables_initializer())``, the issue's reference (the first run
  includes creating the kernels, later ones do not);
* torch: ``torch.empty`` plus ``nn.init.xavier_uniform_`` / ``trunc_normal_`` / ``zeros_`` /
  ``ones_`` per variable (torch's generator, not TF's values).
It also checks that scopevar's values are TF's, bit for bit (a sha256 over all values).
"""
import functools
import gc
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
from bench_random import numpy_kernels  # noqa: E402
SHAPES = os.path.join(HERE, "..", "..", "shared", "fixtures", "resnet_v1_50_shapes.json")
REPEATS = 3

COMMON = r'''
import time, hashlib
import numpy as np
def build(shapes, weights):
    ones = ("gamma", "moving_variance")
    for name, shape in shapes:
        scope, _, base = name.rpartition("/")
        init = weights if base == "weights" else (
            tf.ones_initializer() if base in ones else tf.zeros_initializer())
        with tf.variable_scope(scope):
            tf.get_variable(base, shape, initializer=init)
def digest(values):
    h = hashlib.sha256()
    for v in values:
        h.update(np.ascontiguousarray(v).tobytes())
    return h.hexdigest()[:16]
'''

TF_PROGRAM = COMMON + r'''
import json
res = {}
for kind, make in (("xavier", lambda: slim.xavier_initializer()),
                   ("vs", lambda: slim.variance_scaling_initializer())):
    with tf.Graph().as_default() as g:
        tf.set_random_seed(1)
        t = time.perf_counter()
        build(SHAPES, make())
        res[kind + "_graph"] = [time.perf_counter() - t, float("nan")]
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            runs = []
            for _ in range(REPEATS + 1):
                t, c = time.perf_counter(), time.process_time()
                sess.run(init)
                runs.append((time.perf_counter() - t, time.process_time() - c))
        res[kind + "_first"] = runs[0]
        res[kind + "_later"] = [min(r[i] for r in runs[1:]) for i in (0, 1)]
        with tf.Session() as sess:     # a fresh session: run 0 again
            sess.run(init)
            res[kind + "_digest"] = digest(sess.run(tf.global_variables()))
print(json.dumps(res))
'''


def timed(f):
    """(wall, process CPU) seconds of ``f()``, after a garbage collection."""
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - t, time.process_time() - c


def fastest(times):
    """The best wall and the best CPU time of (wall, cpu) pairs."""
    return [min(t[i] for t in times) for i in (0, 1)]


def run_scopevar(shapes):
    import scopevar as tf
    from scopevar import philox
    env = {"tf": tf}
    exec(COMMON, env)
    res = {}
    threads = torch.get_num_threads()
    for kind, make in (("xavier", lambda: tf.contrib.layers.xavier_initializer()),
                       ("vs", lambda: tf.contrib.layers.variance_scaling_initializer())):
        builds, reruns, one_thread, numpy_builds = [], [], [], []
        for _ in range(REPEATS):
            with tf.Graph().as_default():
                tf.set_random_seed(1)
                builds.append(timed(lambda: env["build"](shapes, make())))
                digest = env["digest"](v.detach().numpy() for v in tf.global_variables())
                reruns.append(timed(tf.global_variables_initializer()))
            torch.set_num_threads(1)     # interleaved: the same load for both
            with tf.Graph().as_default():
                tf.set_random_seed(1)
                one_thread.append(timed(lambda: env["build"](shapes, make())))
            torch.set_num_threads(threads)
            with tf.Graph().as_default(), numpy_kernels():
                tf.set_random_seed(1)
                numpy_builds.append(timed(lambda: env["build"](shapes, make())))
        res[kind + "_build"], res[kind + "_rerun"] = fastest(builds), fastest(reruns)
        res[kind + "_build1"], res[kind + "_build_numpy"] = fastest(one_thread), \
            fastest(numpy_builds)
        res[kind + "_digest"] = digest
        # scaled and shifted in the kernels, as the initializers have them
        kernel = functools.partial(philox.uniform, scale=0.1, shift=-0.05) if kind == "xavier" \
            else functools.partial(philox.truncated_normal, scale=0.01, shift=0.0)
        weights = [s for n, s in shapes if n.endswith("/weights")]
        res[kind + "_kernels"] = fastest([timed(lambda: [kernel(shape, 1, i) for i, shape in
                                                          enumerate(weights)])
                                          for _ in range(REPEATS)])
    return res


def run_torch(shapes):
    res = {}
    for kind in ("xavier", "vs"):
        runs = []
        for _ in range(REPEATS):
            gc.collect()
            t = time.perf_counter()
            params = {}
            for name, shape in shapes:
                p = torch.nn.Parameter(torch.empty(shape))
                base = name.rpartition("/")[2]
                if base != "weights":
                    (torch.nn.init.ones_ if base in ("gamma", "moving_variance")
                     else torch.nn.init.zeros_)(p)
                elif kind == "xavier":
                    torch.nn.init.xavier_uniform_(p)
                else:
                    std = math.sqrt(1.3 * 2.0 / (math.prod(shape[:-1])))
                    torch.nn.init.trunc_normal_(p, 0.0, std, -2 * std, 2 * std)
                params[name] = p
            runs.append(time.perf_counter() - t)
        res[kind] = min(runs)
    return res


def main():
    with open(SHAPES) as f:
        shapes = json.load(f)
    values = sum(math.prod(s) for _, s in shapes)
    sv = run_scopevar(shapes)
    pt = run_torch(shapes)
    try:
        from oracle import run_tf_script
        prelude = "SHAPES = %r\nREPEATS = %d\n" % (shapes, REPEATS)
        tfr = json.loads(run_tf_script(prelude + TF_PROGRAM).strip().splitlines()[-1])
    except Exception as e:  # noqa: BLE001 - TF is optional for this script
        print("TensorFlow not measured:", e)
        tfr = None
    print("resnet_v1_50: %d variables, %.1fM values, graph seed set; torch %s, %d threads; "
          "load average %.2f" % (len(shapes), values / 1e6, torch.__version__,
                                 torch.get_num_threads(), os.getloadavg()[0]))
    nan = [float("nan")] * 2
    print("%-56s %8s %8s %8s %8s %10s" % ("", "seconds", "CPU s", "TF/this", "TF/this",
                                          "this/torch"))
    print("%-56s %8s %8s %8s %8s %10s" % ("", "(wall)", "", "(wall)", "(CPU)", "(wall)"))
    for kind, label in (("xavier", "weights xavier_initializer() (uniform)"),
                        ("vs", "weights variance_scaling_initializer() (truncated)")):
        t_tf = tfr[kind + "_first"] if tfr else nan
        rows = [("scopevar: build the variables (= initialize)", sv[kind + "_build"]),
                ("scopevar: build, on 1 thread", sv[kind + "_build1"]),
                ("scopevar: build, numpy kernels (no C compiler)", sv[kind + "_build_numpy"]),
                ("scopevar: re-run global_variables_initializer()", sv[kind + "_rerun"]),
                ("  of which TF's random kernels (scopevar.philox)", sv[kind + "_kernels"]),
                ("TF: sess.run(global_variables_initializer()), 1st", t_tf),
                ("TF: sess.run(global_variables_initializer()), later",
                 tfr[kind + "_later"] if tfr else nan),
                ("TF: building the graph (not included above)",
                 tfr[kind + "_graph"] if tfr else nan),
                ("torch: empty + nn.init per variable (unseeded)", [pt[kind], float("nan")])]
        print(label)
        for name, (wall, cpu) in rows:
            print("  %-54s %8.3f %8.3f %7.2fx %7.2fx %9.2fx" % (
                name, wall, cpu, t_tf[0] / wall, t_tf[1] / cpu, wall / pt[kind]))
        if tfr:
            same = sv[kind + "_digest"] == tfr[kind + "_digest"]
            print("  values bit-identical to TF's: %s (sha256 %s)" % (same, sv[kind + "_digest"]))


if __name__ == "__main__":
    main()
