"""scopevar.philox against the verified numpy reference (reference_tf_random.py), bit for bit,
with the compiled kernels and with the numpy code (their fallback)."""
import ctypes
import multiprocessing
import os

import numpy as np
import pytest
import torch

import reference_tf_random as ref
from scopevar import philox

SHAPES = [[], [1], [3], [4], [5, 7], [1001], [3, 3, 64, 128]]
SEEDS = [(87654321, 1), (42, 0), (0, 2 ** 31 - 1), (2 ** 31 - 2, 77), (123456789, 987654321)]
OPS = {"uniform": (philox.uniform, ref.random_uniform),
       "normal": (philox.normal, ref.random_standard_normal),
       "truncated_normal": (philox.truncated_normal, ref.truncated_normal)}
FLOATS = {torch.float32: np.float32, torch.float64: np.float64}


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def backend(request, monkeypatch):
    """Every test on both implementations of the kernels."""
    if request.param == "numpy":
        monkeypatch.setattr(philox, "_compiled", lambda: None)
    elif philox._compiled() is None:
        pytest.skip("no C compiler: the kernels are not compiled")
    return request.param


def assert_same_bits(ours, expected, what):
    ours = ours.numpy()
    assert ours.shape == expected.shape and ours.dtype == expected.dtype, what
    assert ours.tobytes() == expected.tobytes(), "%s: %d of %d values differ" % (
        what, (ours != expected).sum(), ours.size)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_bit_identical_to_reference(op, dtype, shape):
    ours, reference = OPS[op]
    for seed, seed2 in SEEDS:
        for run in range(3):
            assert_same_bits(ours(shape, seed, seed2, dtype, run),
                             reference(shape, seed, seed2, FLOATS[dtype], run),
                             "%s%s seeds %s run %d" % (op, shape, (seed, seed2), run))


def test_truncated_group_needing_a_third_philox_call():
    # group 35037 of (87654321, 1) has 5 of its first 8 candidates outside (-2, 2)
    assert_same_bits(philox.truncated_normal([140153], 87654321, 1),
                     ref.truncated_normal([140153], 87654321, 1), "truncated_normal")


def test_large_and_far_streams():
    # more than one block, and call indices above 2**32 (the counter's second word)
    n = 300_001
    for op in OPS:
        ours, reference = OPS[op]
        assert_same_bits(ours([n], 5, 6, run=200), reference([n], 5, 6, run=200), op)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_calls_across_a_counter_word_boundary(dtype):
    # run 3355443 of a 5-value truncated normal draws its groups at calls 2**32 - 256, 2**32, ...
    assert_same_bits(philox.truncated_normal([5], 7, 8, dtype, run=3355443),
                     ref.truncated_normal([5], 7, 8, FLOATS[dtype], run=3355443), "truncated")


def test_same_values_on_any_number_of_threads():
    threads = torch.get_num_threads()
    values = [philox.truncated_normal([300_001], 3, 4)]
    torch.set_num_threads(1)
    try:
        values.append(philox.truncated_normal([300_001], 3, 4))
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(*values)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16], ids=str)
@pytest.mark.parametrize("op", OPS)
def test_scale_and_shift_are_the_ops_after_the_draw(op, dtype):
    # fused into the blocks for float32/float64; the same bits as scaling the output after
    ours = OPS[op][0]
    shape = [70_001]
    raw = ours(shape, 9, 10, dtype, 1)
    scale, shift = (float(torch.tensor(x, dtype=dtype)) for x in (0.0371, -1.3))
    assert torch.equal(ours(shape, 9, 10, dtype, 1, scale, shift), raw * scale + shift)
    assert torch.equal(ours(shape, 9, 10, dtype, 1, scale=scale), raw * scale)
    assert not torch.equal(raw * scale + shift, raw)


def _draw_in_child(expected):
    # (numpy compares: torch's OpenMP threads, like the pool, are gone in a forked child)
    os._exit(0 if np.array_equal(philox.uniform([300_001], 1, 2).numpy(), expected) else 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_draws_on_its_own_threads():
    # the parent's kept thread pool does not exist in a forked child (it would wait forever)
    expected = philox.uniform([300_001], 1, 2).numpy()
    child = multiprocessing.get_context("fork").Process(target=_draw_in_child, args=(expected,))
    child.start()
    child.join(60)
    assert child.exitcode == 0


def reference_words(n, seed, seed2, per_call, run=0):
    """Philox output words of the reference, one row per output value group."""
    start = run * n * 256
    calls = np.arange(-(-n // per_call), dtype=np.uint64) + np.uint64(start)
    return ref.philox_blocks(seed, seed2, calls).T.astype(np.int64)   # (calls, 4)


@pytest.mark.parametrize("dtype, bits", [(torch.float16, 10), (torch.bfloat16, 7)], ids=str)
def test_half_uniform(dtype, bits):
    for seed, seed2 in SEEDS:
        for run in range(3):
            words = reference_words(35, seed, seed2, 4, run).reshape(-1)[:35]
            expected = torch.from_numpy((words & (2 ** bits - 1)) * 2.0 ** -bits).to(dtype)
            assert torch.equal(philox.uniform([5, 7], seed, seed2, dtype, run).view(-1), expected)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("op", ["normal", "truncated_normal"])
def test_half_normals_round_the_float32_values(op, dtype):
    ours, reference = OPS[op]
    for seed, seed2 in SEEDS:
        expected = torch.from_numpy(reference([5, 7], seed, seed2, np.float32, 2)).to(dtype)
        assert torch.equal(ours([5, 7], seed, seed2, dtype, run=2), expected)


@pytest.mark.parametrize("low, high", [(0, 10), (-7, 1000), (-2 ** 31, 2 ** 31 - 1), (5, 6)])
def test_uniform_int32(low, high):
    for seed, seed2 in SEEDS:
        words = reference_words(35, seed, seed2, 4, run=1).reshape(-1)[:35]
        expected = torch.from_numpy(low + words % (high - low)).int()
        got = philox.uniform_int([5, 7], low, high, seed, seed2, torch.int32, run=1)
        assert got.dtype == torch.int32 and torch.equal(got.view(-1), expected)


@pytest.mark.parametrize("low, high", [(0, 10), (-5, 3), (-2 ** 63, 2 ** 63 - 1), (0, 10 ** 12)])
def test_uniform_int64(low, high):
    for seed, seed2 in SEEDS:
        words = reference_words(35, seed, seed2, 2).reshape(-1, 2)[:35]
        bits = [int(lo) | int(hi) << 32 for lo, hi in words.tolist()]
        expected = [(low + b % (high - low) + 2 ** 63) % 2 ** 64 - 2 ** 63 for b in bits]
        got = philox.uniform_int([5, 7], low, high, seed, seed2, torch.int64)
        assert got.dtype == torch.int64 and got.view(-1).tolist() == expected


def test_uniform_int_needs_minval_below_maxval():
    with pytest.raises(ValueError, match="Need minval < maxval: 3 >= 3"):
        philox.uniform_int([2], 3, 3, 1, 1)
    with pytest.raises(ValueError, match="fit in torch.int32"):
        philox.uniform_int([2], 0, 2 ** 31, 1, 1)


def test_unsupported_dtypes():
    with pytest.raises(TypeError, match="uniform: dtype must be"):
        philox.uniform([2], 1, 1, torch.int32)
    with pytest.raises(TypeError, match="truncated_normal: dtype must be"):
        philox.truncated_normal([2], 1, 1, torch.int64)
    with pytest.raises(TypeError, match="uniform_int: dtype must be"):
        philox.uniform_int([2], 0, 5, 1, 1, torch.float32)


def test_zero_seeds_draw_fresh_seeds_from_torch():
    torch.manual_seed(3)
    a = philox.normal([8], 0, 0)
    torch.manual_seed(3)
    assert torch.equal(philox.normal([8], 0, 0), a)
    assert not torch.equal(philox.normal([8], 0, 0), a)


def _ports(backend):
    """The backend's logf(u1) and sincosf(v1) -> (sin, cos), on float32 arrays."""
    if backend == "numpy":
        # the numpy kernel's input is scaled by 2^23, and -2 logf its output
        return (lambda u1: philox._minus_2_logf(u1.astype(np.float64) * 2.0 ** 23,
                                                philox._Scratch()) / np.float32(-2),
                lambda v1: (lambda sc: (sc.real, sc.imag))(philox._sincosf(v1,
                                                                          philox._Scratch())))
    library = philox._compiled()

    def logf(u1):
        out = np.empty_like(u1)
        library.sv_logf(ctypes.c_void_p(u1.ctypes.data), ctypes.c_void_p(out.ctypes.data),
                        ctypes.c_int64(len(u1)))
        return out

    def sincosf(v1):
        sin, cos = np.empty_like(v1), np.empty_like(v1)
        library.sv_sincosf(*(ctypes.c_void_p(a.ctypes.data) for a in (v1, sin, cos)),
                           ctypes.c_int64(len(v1)))
        return sin, cos
    return logf, sincosf


@pytest.mark.slow
def test_logf_and_sincosf_ports_on_every_box_muller_input(backend):
    logf, sincosf = _ports(backend)
    mantissas = np.arange(2 ** 23)
    u1 = np.maximum((mantissas * 2.0 ** -23).astype(np.float32), np.float32(1e-7))
    assert logf(u1).tobytes() == ref.glibc_logf(u1).tobytes()
    v1 = (mantissas * (2 * np.pi * 2.0 ** -23)).astype(np.float32)
    sin, cos = sincosf(v1)
    expected_sin, expected_cos = ref.glibc_sincosf(v1)
    assert sin.tobytes() == expected_sin.tobytes() and cos.tobytes() == expected_cos.tobytes()


def test_statistics():
    n = 1 << 20
    u = philox.uniform([n], 1, 2)
    assert 0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 2e-3
    x = philox.normal([n], 1, 2, torch.float64)
    assert abs(x.mean()) < 5e-3 and abs(x.std() - 1.0) < 5e-3
    t = philox.truncated_normal([n], 1, 2)
    assert t.abs().max() < 2.0 and abs(t.mean()) < 5e-3 and abs(t.std() - 0.8796) < 5e-3
    i = philox.uniform_int([n], -3, 4, 1, 2)
    assert i.min() == -3 and i.max() == 3 and abs(i.float().mean()) < 1e-2
