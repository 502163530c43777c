"""scopevar.native (the C kernels compiled at first use) and its numpy fallback."""
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from scopevar import native, philox

SOURCE = "philox_kernels.c"
FIRST_VALUES = [0.2390, 0.9204, 0.0505, 0.4957]   # tf.random.uniform([4], seed=1)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty cache directory, and nothing loaded yet (again after the test)."""
    monkeypatch.setenv("SCOPEVAR_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SCOPEVAR_NATIVE", raising=False)
    for cached in (native.load, philox._compiled):
        cached.cache_clear()
    yield tmp_path
    for cached in (native.load, philox._compiled):
        cached.cache_clear()


needs_compiler = pytest.mark.skipif(philox._compiled() is None, reason="no C compiler")


@needs_compiler
def test_compiled_once_then_loaded_from_the_cache(fresh, monkeypatch):
    assert native.load(SOURCE) is not None
    built = os.listdir(fresh)
    assert len(built) == 1 and built[0].startswith("philox_kernels-") and built[0].endswith(".so")
    native.load.cache_clear()

    def no_compiler(*args, **kwargs):
        raise AssertionError("compiled again")
    monkeypatch.setattr(native.subprocess, "run", no_compiler)
    assert native.load(SOURCE) is not None
    assert os.listdir(fresh) == built


@needs_compiler
@pytest.mark.slow
def test_processes_compiling_at_once_share_the_cache(fresh):
    # each compiles to a temporary file and renames it into place: no torn library
    program = "from scopevar import native; assert native.load(%r) is not None" % SOURCE
    processes = [subprocess.Popen([sys.executable, "-c", program]) for _ in range(3)]
    assert [p.wait(120) for p in processes] == [0, 0, 0]
    assert len(os.listdir(fresh)) == 1


def test_without_a_compiler_the_numpy_code_is_used(fresh, monkeypatch):
    monkeypatch.setenv("CC", os.path.join(str(fresh), "no-such-compiler"))
    assert native.load(SOURCE) is None and philox._compiled() is None
    assert os.listdir(fresh) == []
    assert philox.uniform([4], 87654321, 1).tolist() == pytest.approx(FIRST_VALUES, abs=1e-4)


def test_a_failing_compiler_leaves_nothing_behind(fresh, monkeypatch):
    monkeypatch.setenv("CC", "false")
    assert native.load(SOURCE) is None
    assert os.listdir(fresh) == []


def test_scopevar_native_0_forces_the_numpy_code(fresh, monkeypatch):
    monkeypatch.setenv("SCOPEVAR_NATIVE", "0")
    assert native.load(SOURCE) is None and philox._compiled() is None
    assert os.listdir(fresh) == []
    assert philox.uniform([4], 87654321, 1).tolist() == pytest.approx(FIRST_VALUES, abs=1e-4)


def _both(draw):
    """``draw()`` with the compiled kernels and with the numpy code."""
    compiled = draw()
    saved = philox._compiled
    philox._compiled = lambda: None
    try:
        return compiled, draw()
    finally:
        philox._compiled = saved


@needs_compiler
def test_compiled_and_numpy_kernels_give_the_same_bytes():
    # odd sizes (partial groups), far runs, both counter words, truncated redraw chains,
    # scale and shift, every dtype
    rng = random.Random(0)
    floats = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
    for case in range(150):
        n = rng.choice([1, 2, 3, 5, 7, 1001, rng.randrange(1, 40_000)])
        seed, seed2 = rng.randrange(2 ** 63), rng.choice([0, 1, rng.randrange(2 ** 64)])
        run = rng.choice([0, 1, rng.randrange(2 ** 20)])
        scale, shift = rng.choice([(None, None), (0.37, None), (None, -1.5), (1e-3, 2.5)])
        op = rng.choice(["uniform", "normal", "truncated_normal", "int32", "int64"])
        if op.startswith("int"):
            low = rng.choice([0, -7, -2 ** 31])
            high = low + rng.choice([1, 10, 2 ** 31 - 1])
            dtype = torch.int32 if op == "int32" else torch.int64
            args = ([n], low, high, seed, seed2, dtype, run)
            compiled, numpy = _both(lambda: philox.uniform_int(*args))
        else:
            args = ([n], seed, seed2, rng.choice(floats), run, scale, shift)
            compiled, numpy = _both(lambda: getattr(philox, op)(*args))
        assert compiled.dtype == numpy.dtype and compiled.shape == numpy.shape
        assert compiled.view(-1).view(torch.uint8).numpy().tobytes() == \
            numpy.view(-1).view(torch.uint8).numpy().tobytes(), (case, op, args)


@needs_compiler
def test_compiled_kernels_split_across_threads_give_the_same_bytes():
    threads = torch.get_num_threads()
    values = [philox.truncated_normal([1_000_001], 5, 6, run=3, scale=0.1, shift=1.0)]
    torch.set_num_threads(1)
    try:
        values.append(philox.truncated_normal([1_000_001], 5, 6, run=3, scale=0.1, shift=1.0))
    finally:
        torch.set_num_threads(threads)
    assert np.array_equal(values[0].numpy(), values[1].numpy())
