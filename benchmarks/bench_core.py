"""Core benchmark: variable creation and reuse, scopevar vs TF compat.v1 graph mode vs torch.

Run: ``.venv/bin/python benchmarks/bench_core.py``.  TensorFlow runs in a subprocess (the
test oracle's runner); ratios are printed from timings taken in this one run.

Measures
* creating 2,000 small variables (``[4, 4]``, default glorot initializer) in two nested scopes,
  with Python's garbage collector on (what a user sees) and, for scopevar, off;
* fetching them again with ``reuse=True`` (scopes re-entered per block of 10), and the cost of a
  single reused ``get_variable`` inside two nested scopes (the hot path);
* building the slim ``resnet_v1_50`` variable set from its 267 names and shapes;
* creation cost per variable at 1,000 / 10,000 / 100,000 variables in one graph, and Python
  memory per variable beyond its data (tracemalloc);
* where the creation of one small variable goes, part by part, in CPU time.
"""
import gc
import json
import os
import sys
import time
import tracemalloc

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
SHAPES = os.path.join(HERE, "..", "..", "shared", "fixtures", "resnet_v1_50_shapes.json")

COMMON = r'''
import time, json
def build(n, get):
    for i in range(n // 10):
        with tf.variable_scope("block%d" % i):
            with tf.variable_scope("inner"):
                for j in range(10):
                    get("w%d" % j, [4, 4])
def reuse(n, get):
    for i in range(n // 10):
        with tf.variable_scope("block%d" % i, reuse=True):
            with tf.variable_scope("inner"):
                for j in range(10):
                    get("w%d" % j, [4, 4])
def hot(k, get):
    with tf.variable_scope("block0", reuse=True):
        with tf.variable_scope("inner"):
            t = time.perf_counter()
            for _ in range(k):
                get("w3", [4, 4])
            return (time.perf_counter() - t) / k
def resnet(shapes):
    for name, shape in shapes:
        scope, _, base = name.rpartition("/")
        with tf.variable_scope(scope):
            tf.get_variable(base, shape)
def timed(f, *a):
    import gc; gc.collect()
    t = time.perf_counter(); f(*a); return time.perf_counter() - t
'''

TF_PROGRAM = COMMON + r'''
res = {}
with tf.Graph().as_default():
    res["create"] = timed(build, 2000, tf.get_variable) / 2000
    res["reuse"] = timed(reuse, 2000, tf.get_variable) / 2000
    res["hot"] = hot(2000, tf.get_variable)
with tf.Graph().as_default():
    res["resnet"] = timed(resnet, SHAPES)
print(json.dumps(res))
'''


def run_scopevar(shapes):
    import scopevar as tf
    env = {"tf": tf}
    exec(COMMON, env)
    res = {}
    with tf.Graph().as_default():
        res["create"] = env["timed"](env["build"], 2000, tf.get_variable) / 2000
        res["reuse"] = env["timed"](env["reuse"], 2000, tf.get_variable) / 2000
        res["hot"] = env["hot"](200000, tf.get_variable)
    with tf.Graph().as_default():               # the same without the garbage collector
        gc.disable()
        try:
            res["create_nogc"] = env["timed"](env["build"], 2000, tf.get_variable) / 2000
        finally:
            gc.enable()
    with tf.Graph().as_default():
        res["resnet"] = env["timed"](env["resnet"], shapes)
    for n in (1000, 10000, 100000):
        with tf.Graph().as_default():
            gc.collect()
            t, c = time.perf_counter(), time.thread_time()
            env["build"](n, tf.get_variable)
            res["create_%d" % n] = (time.perf_counter() - t) / n
            res["create_cpu_%d" % n] = (time.thread_time() - c) / n
        with tf.Graph().as_default():             # memory measured apart: tracemalloc is slow
            gc.collect()
            tracemalloc.start()
            env["build"](n, tf.get_variable)
            mem = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            data = sum(v.numel() * v.element_size() for v in tf.global_variables())
            res["bytes_%d" % n] = (mem - data) / n   # tensor storage is not traced; data as a bound
    return res


def run_torch(shapes):
    res = {}
    gc.collect()
    t = time.perf_counter()
    params = {}
    for i in range(2000):
        p = torch.nn.Parameter(torch.empty(4, 4))
        torch.nn.init.xavier_uniform_(p)
        params["block%d/inner/w%d" % (i // 10, i % 10)] = p
    res["create"] = (time.perf_counter() - t) / 2000
    t = time.perf_counter()
    for i in range(2000):
        params["block%d/inner/w%d" % (i // 10, i % 10)]
    res["reuse"] = (time.perf_counter() - t) / 2000
    gc.collect()
    t = time.perf_counter()
    resnet = {}
    for name, shape in shapes:
        p = torch.nn.Parameter(torch.empty(shape))
        if len(shape) > 1:
            torch.nn.init.xavier_uniform_(p)
        else:
            torch.nn.init.zeros_(p)
        resnet[name] = p
    res["resnet"] = time.perf_counter() - t
    return res


def breakdown(n=500, runs=25):
    """Where creating one small variable goes, in CPU time of this thread (robust to other
    processes on the machine), by subtraction of nested measurements: best of ``runs``.
    The default case (no option, float32, unseeded) takes ``get_variable``'s short path:
    checks, then ``_VariableStore._create_default`` (name, store, one torch draw, collections)."""
    import scopevar as tf
    from scopevar.variable_scope import _store
    from scopevar.variables import Variable
    env = {"tf": tf}
    exec(COMMON, env)
    names = ["block%d/inner/w%d" % (i // 10, i % 10) for i in range(n)]

    def cpu(f, gc_on=False):
        best = float("inf")
        for _ in range(runs):
            with tf.Graph().as_default() as g:
                gc.collect()
                if not gc_on:
                    gc.disable()
                start = time.thread_time()
                f(g)
                best = min(best, time.thread_time() - start)
                gc.enable()
        return best / n * 1e6

    def create_default(g):
        store = _store(g)
        for name in names:
            store._create_default(name, [4, 4], g)

    draw = lambda: torch.empty([4, 4], dtype=torch.float32).uniform_(-0.6, 0.6)  # noqa: E731
    t = {
        "gc_on": cpu(lambda g: env["build"](n, tf.get_variable), gc_on=True),
        "total": cpu(lambda g: env["build"](n, tf.get_variable)),
        "scopes": cpu(lambda g: env["build"](n, lambda name, shape: None)),
        "create": cpu(create_default),
        "torch": cpu(lambda g: [torch.Tensor._make_subclass(Variable, draw(), True)
                                for _ in range(n)]),
        "draw": cpu(lambda g: [draw() for _ in range(n)]),
        "plain_torch": cpu(lambda g: [torch.nn.init.xavier_uniform_(
            torch.nn.Parameter(torch.empty(4, 4))) for _ in range(n)]),
    }
    parts = [
        ("torch: random draw (empty + uniform_)", t["draw"]),
        ("torch: the Parameter object (_make_subclass)", t["torch"] - t["draw"]),
        ("create: name, store, collections (Python)", t["create"] - t["torch"]),
        ("get_variable: scope lookup, option checks", t["total"] - t["create"] - t["scopes"]),
        ("variable_scope enter/exit (2 per 10 vars)", t["scopes"]),
        ("Python's garbage collector", t["gc_on"] - t["total"]),
    ]
    print("\nwhere creating a small variable goes (CPU time of this thread, us per variable):")
    for label, us in parts:
        print("  %-46s %6.2f" % (label, us))
    print("  %-46s %6.2f" % ("total (GC on)", t["gc_on"]))
    print("  %-46s %6.2f" % ("plain torch: Parameter + xavier_uniform_", t["plain_torch"]))


def main():
    with open(SHAPES) as f:
        shapes = json.load(f)
    sv = run_scopevar(shapes)
    pt = run_torch(shapes)
    try:
        from oracle import run_tf_script
        tfr = json.loads(run_tf_script("SHAPES = %r\n" % (shapes,) + TF_PROGRAM).strip().splitlines()[-1])
    except Exception as e:  # noqa: BLE001 - TF is optional for this script
        print("TensorFlow not measured:", e)
        tfr = None
    us = 1e6
    print("%-44s %12s %12s %12s %10s %10s" % ("", "scopevar", "TF v1 graph", "torch", "TF/sv", "sv/torch"))
    for key, label, scale, unit in [("create", "create small variable", us, "us"),
                                    ("create_nogc", "  the same with gc.disable()", us, "us"),
                                    ("reuse", "reuse (scopes entered per 10 vars)", us, "us"),
                                    ("hot", "reused get_variable in 2 nested scopes", us, "us"),
                                    ("resnet", "build resnet_v1_50 variable set", 1e3, "ms")]:
        t_sv = sv[key] * scale
        t_tf = tfr[key] * scale if tfr and key in tfr else float("nan")
        t_pt = pt[key] * scale if key in pt else float("nan")
        print("%-44s %9.2f %s %9.2f %s %9.2f %s %9.1fx %9.2fx" % (
            label, t_sv, unit, t_tf, unit, t_pt, unit, t_tf / t_sv, t_sv / t_pt))
    for n in (1000, 10000, 100000):
        print("create at %6d variables: %7.2f us/variable (%5.2f us CPU), %6.0f bytes/variable "
              "of Python memory" % (n, sv["create_%d" % n] * us, sv["create_cpu_%d" % n] * us,
                                    sv["bytes_%d" % n]))
    breakdown()


if __name__ == "__main__":
    main()
