"""Random-stream benchmark: scopevar.philox (TF's exact streams) vs torch, numpy and TF.

Run: ``.venv/bin/python benchmarks/bench_random.py``.  Prints samples per second of float32
uniform, normal and truncated normal at 1M, 4M and 16M samples for

* ``scopevar.philox`` (bit-identical to TF's ``RandomUniform`` / ``RandomStandardNormal`` /
  ``TruncatedNormal`` kernels) with its compiled C kernels, and with its numpy kernels (the
  fallback where no C compiler is found, or ``SCOPEVAR_NATIVE=0``), interleaved,
* torch's own generator: ``torch.rand``, ``torch.randn``, ``torch.nn.init.trunc_normal_``
  (different streams; the speed a torch user gets),
* TensorFlow 2.21 (``tf.compat.v1`` graph mode, ``session.run`` of the op; in a subprocess, the
  test oracle's runner),
* the numpy reference of ``tests/reference_tf_random.py`` (1M only: it is slow),

and the ratios of scopevar to each, all measured in this one run (best of a few repeats); and,
per core, scopevar and TF on one thread timed by process CPU time (less sensitive to other
processes' load than wall-clock time).  Also the time to compile the C kernels on first use
(then cached) and to load them from the cache.
"""
import contextlib
import json
import os
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

SIZES = [1 << 20, 1 << 22, 1 << 24]
OPS = ["uniform", "normal", "truncated_normal"]

TF_PROGRAM = r'''
import json, time
def timed(sess, x, clock):
    t = clock(); sess.run(x.op); return clock() - t
res = {}
one_thread = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
for op in OPS:
    for n in SIZES:
        for key, config, clock in (("", None, time.perf_counter),
                                   (" cpu1", one_thread, time.process_time)):
            graph = tf.Graph()
            with graph.as_default():
                x = getattr(tf.random, op)([n], seed=1)
                with tf.Session(graph=graph, config=config) as sess:
                    sess.run(x.op)
                    best = min(timed(sess, x, clock) for _ in range(REPEATS))
            res["%s %d%s" % (op, n, key)] = best
print(json.dumps(res))
'''


@contextlib.contextmanager
def numpy_kernels():
    """scopevar.philox on its numpy kernels (as without a C compiler) inside the block."""
    from scopevar import philox
    compiled = philox._compiled
    philox._compiled = lambda: None
    try:
        yield
    finally:
        philox._compiled = compiled


def compile_times():
    """Seconds to compile philox_kernels.c into an empty cache, and to load it from there."""
    from scopevar import native
    times = []
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SCOPEVAR_CACHE_DIR"] = cache
        try:
            for _ in range(2):
                native.load.cache_clear()
                start = time.perf_counter()
                assert native.load("philox_kernels.c") is not None, "no C compiler"
                times.append(time.perf_counter() - start)
        finally:
            del os.environ["SCOPEVAR_CACHE_DIR"]
            native.load.cache_clear()
    return times


def best_time(f, repeats, clock=time.perf_counter):
    f()
    times = []
    for _ in range(repeats):
        t = clock()
        f()
        times.append(clock() - t)
    return min(times)


def main(repeats=5):
    from scopevar import philox
    import reference_tf_random as ref
    torch_ops = {"uniform": torch.rand, "normal": torch.randn,
                 "truncated_normal": lambda n: torch.nn.init.trunc_normal_(torch.empty(n),
                                                                           a=-2.0, b=2.0)}
    threads = torch.get_num_threads()
    ours, ours_1, theirs, reference = {}, {}, {}, {}
    for op in OPS:
        for n in SIZES:
            draw = lambda: getattr(philox, op)([n], 87654321, 1)  # noqa: E731
            for kernels in ("C", "numpy"):   # interleaved: the same load for both
                with numpy_kernels() if kernels == "numpy" else contextlib.nullcontext():
                    ours[op, n, kernels] = best_time(draw, repeats)
                    torch.set_num_threads(1)
                    ours_1[op, n, kernels] = best_time(draw, repeats, time.process_time)
                    torch.set_num_threads(threads)
            theirs[op, n] = best_time(lambda: torch_ops[op](n), repeats)
    numpy_ops = {"uniform": ref.random_uniform, "normal": ref.random_standard_normal,
                 "truncated_normal": ref.truncated_normal}
    for op in OPS:
        reference[op, SIZES[0]] = best_time(lambda: numpy_ops[op]([SIZES[0]], 87654321, 1), 1)
    try:
        from oracle import run_tf_script
        program = "OPS = %r\nSIZES = %r\nREPEATS = %d\n" % (OPS, SIZES, repeats)
        tf_times = json.loads(run_tf_script(program + TF_PROGRAM).strip().splitlines()[-1])
    except Exception as e:  # noqa: BLE001 - TF is optional for this script
        print("TensorFlow not measured:", e)
        tf_times = {}

    compiling, loading = compile_times()

    print("float32 samples per second (M/s); torch threads: %d; load average %.2f.  scopevar "
          "'C': compiled kernels, 'np': numpy kernels (the fallback).  'per core': 1 thread, "
          "process CPU time (steadier on a loaded machine)" % (threads, os.getloadavg()[0]))
    print("%-17s %7s %8s %8s %8s %8s %9s %8s %8s %8s %8s %8s %8s %8s" % (
        "op", "samples", "sv C", "sv np", "torch", "TF graph", "numpy ref", "C/core",
        "np/core", "TF/core", "C/np", "C/torch", "C/TF", "core C/TF"))
    for op in OPS:
        for n in SIZES:
            rate = lambda seconds: n / seconds / 1e6 if seconds else float("nan")  # noqa: E731
            sv, sv_np = rate(ours[op, n, "C"]), rate(ours[op, n, "numpy"])
            sv_1, sv_np_1 = rate(ours_1[op, n, "C"]), rate(ours_1[op, n, "numpy"])
            pt = rate(theirs[op, n])
            tf_rate, np_rate = rate(tf_times.get("%s %d" % (op, n))), rate(reference.get((op, n)))
            tf_1 = rate(tf_times.get("%s %d cpu1" % (op, n)))
            print("%-17s %6dMi %8.1f %8.1f %8.1f %8.1f %9.2f %8.1f %8.1f %8.1f %7.2fx %7.2fx "
                  "%7.2fx %8.2fx" % (op, n >> 20, sv, sv_np, pt, tf_rate, np_rate, sv_1, sv_np_1,
                                     tf_1, sv / sv_np, sv / pt, sv / tf_rate, sv_1 / tf_1))
    print("compiling philox_kernels.c on first use: %.2f s; loading it from the cache later: "
          "%.1f ms" % (compiling, loading * 1e3))


if __name__ == "__main__":
    main()
