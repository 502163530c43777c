"""TensorFlow's stateful random streams, bit for bit: Philox4x32-10 and its CPU distributions.

TF's ``RandomUniform``, ``RandomStandardNormal``, ``TruncatedNormal`` and ``RandomUniformInt``
kernels (the ops behind ``tf.random.*`` and every TF1 initializer) draw from a Philox4x32-10
counter-based generator keyed by the op's ``(seed, seed2)`` attributes.  The functions here
produce the same bits as TF 2.x on Linux for the ``run``-th execution (0-based) of such an op,
in vectorised torch on the CPU.  Where TF calls glibc's ``logf`` / ``sincosf`` (float normals)
this module evaluates ports of glibc's algorithms, so no result depends on the platform libm;
the float64 normals call the C library's ``log`` / ``sin`` / ``cos`` through :mod:`math`,
exactly as TF does.  Seeds come from :func:`scopevar.get_seed`: a graph seed ``s`` and an op
seed ``o`` give ``(s, o)``, an op seed alone ``(87654321, o)``.

>>> from scopevar import philox
>>> philox.uniform([4], seed=87654321, seed2=1)    # tf.random.uniform([4], seed=1), 1st run
tensor([0.2390, 0.9204, 0.0505, 0.4957])
>>> philox.normal([2, 2], 87654321, 1, run=1)      # 2nd sess.run of tf.random.normal([2, 2], seed=1)
tensor([[-0.2089,  0.0054],
        [ 0.3127,  0.5999]])

Reference: ``shared/reference/tf_random.md`` (sections 3-6).
"""
import functools
import math

import numpy as np
import torch

__all__ = ["uniform", "normal", "truncated_normal", "uniform_int"]

_M32 = 0xFFFFFFFF
_ROUND_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_KEY_INCREMENTS = (0x9E3779B9, 0xBB67AE85)
_SAMPLES_PER_OP_OUTPUT = 256     # each execution reserves N * 256 Philox calls
_TRUNCATED_CALLS_PER_VALUE = 64  # a truncated-normal group of G values owns G * 64 calls
_BLOCK = 1 << 16                 # Philox calls per vectorised block


def uniform(shape, seed, seed2, dtype=torch.float32, run=0):
    """TF's ``RandomUniform``: values in ``[0, 1)`` (float16, bfloat16, float32 or float64)."""
    if dtype == torch.float64:
        return _generate(shape, seed, seed2, run, 2, _uniform_float64, dtype)
    if dtype in (torch.float32, torch.float16, torch.bfloat16):
        mantissa_bits = {torch.float32: 23, torch.float16: 10, torch.bfloat16: 7}[dtype]
        kernel = functools.partial(_uniform_float, mantissa_bits=mantissa_bits)
        return _generate(shape, seed, seed2, run, 4, kernel, torch.float32).to(dtype)
    raise TypeError("uniform: dtype must be float16, bfloat16, float32 or float64, not %s" % dtype)


def normal(shape, seed, seed2, dtype=torch.float32, run=0):
    """TF's ``RandomStandardNormal`` (Box-Muller; half precisions round TF's float32 values)."""
    return _generate(shape, seed, seed2, run, *_normal_kernel(dtype, "normal")).to(dtype)


def truncated_normal(shape, seed, seed2, dtype=torch.float32, run=0):
    """TF's ``TruncatedNormal``: standard normal values with ``|x| < 2``, found by rejection."""
    per_call, kernel, compute_dtype = _normal_kernel(dtype, "truncated_normal")
    return _generate(shape, seed, seed2, run, per_call, kernel, compute_dtype,
                     truncated=True).to(dtype)


def uniform_int(shape, minval, maxval, seed, seed2, dtype=torch.int32, run=0):
    """TF's ``RandomUniformInt``: ``minval + bits % (maxval - minval)`` (int32 or int64)."""
    if dtype not in (torch.int32, torch.int64):
        raise TypeError("uniform_int: dtype must be int32 or int64, not %s" % dtype)
    info = torch.iinfo(dtype)
    if not info.min <= minval < maxval <= info.max:
        raise ValueError("Need minval < maxval: %d >= %d" % (minval, maxval) if minval >= maxval
                         else "minval and maxval must fit in %s: %d, %d" % (dtype, minval, maxval))
    per_call, kernel = (4, _uniform_int32) if dtype == torch.int32 else (2, _uniform_int64)
    kernel = functools.partial(kernel, low=minval, span=maxval - minval)
    return _generate(shape, seed, seed2, run, per_call, kernel, dtype)


# ---------------------------------------------------------------------------------------------
# Philox4x32-10 and the vectorised driver

def _arguments(shape, seed, seed2):
    shape = torch.Size([shape] if isinstance(shape, int) else [int(d) for d in shape])
    if seed == 0 and seed2 == 0:  # TF then seeds the kernel nondeterministically
        seed, seed2 = (int(s) for s in torch.randint(1, 2 ** 63 - 1, (2,)))
    return shape, seed & (2 ** 64 - 1), seed2 & (2 ** 64 - 1)


def _generate(shape, seed, seed2, run, per_call, kernel, dtype, truncated=False):
    """The op's output: ``kernel`` turns the words of Philox calls into ``per_call`` values of
    ``dtype`` each, group by group; ``truncated``: each group keeps its first ``per_call`` values
    within (-2, 2) from its own run of calls (TF's TruncatedNormal)."""
    shape, seed, seed2 = _arguments(shape, seed, seed2)
    n = shape.numel()
    start = run * n * _SAMPLES_PER_OP_OUTPUT
    # a truncated-normal group's stream starts at the call of its group index * stride
    stride = per_call * _TRUNCATED_CALLS_PER_VALUE if truncated else 1
    groups = -(-n // per_call)
    out, scratch = torch.empty(groups, per_call, dtype=dtype), _Scratch()
    for first in range(0, groups, _BLOCK):
        last = min(first + _BLOCK, groups)
        calls = torch.arange(start + stride * first, start + stride * last, stride,
                             out=scratch("calls", last - first, torch.int64))
        kernel(_philox(calls, seed, seed2, scratch), out[first:last], scratch)
        if truncated:
            _truncate(out[first:last], calls, seed, seed2, kernel, scratch)
    return out.view(-1)[:n].view(shape)


def _truncate(groups, calls, seed, seed2, kernel, scratch):
    """Give each row of ``groups`` (the values of the Philox calls ``calls``) the first values
    within (-2, 2) of the calls ``calls + 0, 1, 2, ...``; the first call suffices mostly."""
    per_call = groups.shape[1]
    bits = groups.view(torch.int64)   # |x| >= 2 sets bit 30 of a float32 and 62 of a float64
    exponent_top = 0x4000000040000000 if groups.dtype == torch.float32 else 1 << 62
    rows = torch.bitwise_or(bits[:, 0], bits[:, 1]).bitwise_and_(exponent_top).nonzero()[:, 0]
    candidates, later = groups[rows], 1
    while len(rows):
        more = scratch("more", (len(rows), per_call), groups.dtype)
        kernel(_philox(calls[rows] + later, seed, seed2, scratch), more, scratch)
        candidates = torch.cat((candidates, more), 1)
        accepted = candidates.abs() < 2.0
        rank = accepted.cumsum(1)   # of accepted values in their row, from 1
        # the first per_call accepted values go to their columns, all others to a spare one
        column = torch.where(accepted & (rank <= per_call), rank - 1, per_call)
        picked = torch.empty(len(rows), per_call + 1, dtype=groups.dtype)
        groups[rows] = picked.scatter_(1, column, candidates)[:, :per_call]
        missing = rank[:, -1] < per_call   # rows that need more calls: rewritten next round
        rows, candidates, later = rows[missing], candidates[missing], later + 1


class _Scratch:
    """Tensors reused from block to block: fresh memory for every temporary would cost more
    than some of the arithmetic."""

    def __init__(self):
        self._tensors = {}

    def __call__(self, name, size, dtype):
        """A tensor of ``size`` elements (an int or a shape) for the role ``name``."""
        shape = torch.Size([size] if isinstance(size, int) else size)
        tensor = self._tensors.get((name, dtype))
        if tensor is None or tensor.numel() < shape.numel():
            tensor = self._tensors[name, dtype] = torch.empty(shape.numel(), dtype=dtype)
        return tensor[:shape.numel()].view(shape)


def _philox(calls, seed, seed2, scratch):
    """Philox4x32-10 calls number ``calls`` (int64) of the generator ``PhiloxRandom(seed,
    seed2)``: key ``(lo32(seed), hi32(seed))``, counter ``(lo32(call), hi32(call), lo32(seed2),
    hi32(seed2))``.  Returns the output words as the rows ``(w0, w2, w1, w3)`` of an int64
    tensor, as uint32 values, except that ``w1`` and ``w3`` have garbage above bit 31."""
    m = len(calls)
    words, spare = scratch("words", (4, m), torch.int64), scratch("spare", (2, m), torch.int64)
    w0, w2, w1, w3 = words
    product0, product1 = spare
    k0, k1 = seed & _M32, seed >> 32
    # round 1: counter words 2 and 3, and mostly 1, are the same for every call
    high1, low1 = divmod((seed2 & _M32) * _ROUND_MULTIPLIERS[1], 1 << 32)
    high = calls[0].item() >> 32
    if calls[-1].item() >> 32 == high:
        torch.sub(calls, high << 32, out=w2)
        w0.fill_(high1 ^ high ^ k0)
    else:
        torch.bitwise_and(calls, _M32, out=w2)
        torch.bitwise_right_shift(calls, 32, out=w0).bitwise_xor_(high1 ^ k0)
    torch.mul(w2, _ROUND_MULTIPLIERS[0], out=product0)
    _mix(product0, seed2 >> 32, k1, out=w2)
    product1.fill_(low1)
    w1, w3, product1, product0 = product1, product0, w1, w3
    for _ in range(9):
        k0, k1 = (k0 + _KEY_INCREMENTS[0]) & _M32, (k1 + _KEY_INCREMENTS[1]) & _M32
        torch.mul(w0, _ROUND_MULTIPLIERS[0], out=product0)
        torch.mul(w2, _ROUND_MULTIPLIERS[1], out=product1)
        _mix(product1, w1, k0, out=w0)
        _mix(product0, w3, k1, out=w2)
        w1, w3, product1, product0 = product1, product0, w1, w3   # back in `words` at the end
    return words


def _mix(product, word, key, out):
    """``hi32(product) ^ word ^ key`` as a uint32 (the int64 product wraps, the shift
    sign-extends, ``word`` may have garbage above bit 31)."""
    torch.bitwise_right_shift(product, 32, out=out).bitwise_xor_(word).bitwise_xor_(key)
    out.bitwise_and_(_M32)


def _zip_into(out, columns, scratch):
    """Write 2 (8-byte) or 4 (4-byte) 1-D ``columns`` into the rows of ``out``:
    ``torch.complex`` interleaves raw bits much faster than a strided copy does."""
    if len(columns) == 4:
        columns = [torch.complex(a.view(torch.float32), b.view(torch.float32),
                                 out=scratch(name, len(a), torch.complex64)).view(torch.float64)
                   for name, a, b in (("zip0", *columns[:2]), ("zip1", *columns[2:]))]
    real, pair = ((torch.float64, torch.complex128) if columns[0].element_size() == 8
                  else (torch.float32, torch.complex64))
    torch.complex(*(c.view(real) for c in columns), out=out.view(real).view(pair).view(-1))


# ---------------------------------------------------------------------------------------------
# Distributions (tsl/lib/random/random_distributions.h); `words` rows are (w0, w2, w1, w3)

def _uniform_float(words, out, scratch, mantissa_bits):
    """4 values per call: ``word``'s low mantissa bits as a fraction of 1 (exact in float32)."""
    words.bitwise_and_((1 << mantissa_bits) - 1)
    values = torch.mul(words, 2.0 ** -mantissa_bits, out=scratch("float32", words.shape, torch.float32))
    _zip_into(out, (values[0], values[2], values[1], values[3]), scratch)


def _uint64_to_double(words, scratch):
    """TF's Uint64ToDouble of (w0, w1) and (w2, w3): 20 bits of the first word above the 32 of
    the second, as a fraction of 1; rows of a float64 tensor."""
    bits = words[:2].bitwise_and_(0xFFFFF).bitwise_left_shift_(32)
    bits.bitwise_or_(words[2:].bitwise_and_(_M32))
    return torch.mul(bits, _TWO_TO_MINUS_52, out=scratch("float64", bits.shape, torch.float64))


def _uniform_float64(words, out, scratch):
    _zip_into(out, _uint64_to_double(words, scratch).unbind(), scratch)


def _uniform_int32(words, out, scratch, low, span):
    values = words.bitwise_and_(_M32).remainder_(span).add_(low)
    values = scratch("int32", words.shape, torch.int32).copy_(values)
    _zip_into(out, (values[0], values[2], values[1], values[3]), scratch)


def _uniform_int64(words, out, scratch, low, span):
    # uint64 arithmetic, which torch lacks: bits % span, then low + that with wrap-around
    bits = words[:2].bitwise_or_(words[2:].bitwise_left_shift_(32)).numpy().view(np.uint64)
    values = torch.from_numpy((bits % np.uint64(span) + np.uint64(low % 2 ** 64)).view(np.int64))
    _zip_into(out, values.unbind(), scratch)


def _normal_kernel(dtype, op):
    """(values per call, block kernel, dtype it computes in) of a normal distribution."""
    if dtype == torch.float64:
        return 2, _normal_float64, torch.float64
    if dtype in (torch.float32, torch.float16, torch.bfloat16):
        return 4, _normal_float32, torch.float32
    raise TypeError("%s: dtype must be float16, bfloat16, float32 or float64, not %s" % (op, dtype))


def _normal_float32(words, out, scratch):
    """TF's BoxMullerFloat on word pairs (w0, w1), (w2, w3) -> (sin·r, cos·r) of each."""
    m = words.shape[1]
    mantissas = words.bitwise_and_(0x7FFFFF).view(2, 2 * m)   # rows: (w0, w2), (w1, w3)
    u1 = torch.mul(mantissas[0], 2.0 ** -23, out=scratch("u1", 2 * m, torch.float32))
    # v1 = 2.0f * M_PI * u: M_PI is a double, so the product is rounded from double
    v1 = torch.mul(mantissas[1], _TWO_PI_TO_MINUS_23, out=scratch("v1", 2 * m, torch.float32))
    radius = _logf(u1.clamp_min_(1e-7), scratch).mul_(-2.0)
    np.sqrt(radius.numpy(), out=radius.numpy())  # torch.sqrt is not correctly rounded on CPU
    pairs = _sincosf(v1, scratch).mul_(radius).view(torch.float64)
    _zip_into(out, (pairs[:m], pairs[m:]), scratch)


def _normal_float64(words, out, scratch):
    """TF's BoxMullerDouble on each call's words: libm log and sin / cos, like TF."""
    u1, v1 = _uint64_to_double(words, scratch)
    u1 = u1.clamp_min_(1e-7).tolist()
    v1 = v1.mul_(2 * math.pi).tolist()
    radius = np.sqrt(-2.0 * np.fromiter(map(math.log, u1), np.float64, len(u1)))
    sin = torch.from_numpy(np.fromiter(map(math.sin, v1), np.float64, len(v1)) * radius)
    cos = torch.from_numpy(np.fromiter(map(math.cos, v1), np.float64, len(v1)) * radius)
    _zip_into(out, (sin, cos), scratch)


_TWO_TO_MINUS_52 = torch.tensor(2.0 ** -52, dtype=torch.float64)   # int64 * this: float64 math
_TWO_PI_TO_MINUS_23 = torch.tensor(2 * math.pi * 2.0 ** -23, dtype=torch.float64)


# ---------------------------------------------------------------------------------------------
# glibc >= 2.28 logf and sincosf (ARM optimized-routines algorithms), in float64 without FMA,
# exact on the Box-Muller inputs (every one is checked in tests/test_philox.py)

_h = float.fromhex
_LOGF_INVC = [_h(s) for s in (
    '0x1.661ec79f8f3bep+0', '0x1.571ed4aaf883dp+0', '0x1.49539f0f010bp+0', '0x1.3c995b0b80385p+0',
    '0x1.30d190c8864a5p+0', '0x1.25e227b0b8eap+0', '0x1.1bb4a4a1a343fp+0', '0x1.12358f08ae5bap+0',
    '0x1.0953f419900a7p+0', '0x1p+0', '0x1.e608cfd9a47acp-1', '0x1.ca4b31f026aap-1',
    '0x1.b2036576afce6p-1', '0x1.9c2d163a1aa2dp-1', '0x1.886e6037841edp-1', '0x1.767dcf5534862p-1')]
_LOGF_LOGC = [_h(s) for s in (
    '-0x1.57bf7808caadep-2', '-0x1.2bef0a7c06ddbp-2', '-0x1.01eae7f513a67p-2', '-0x1.b31d8a68224e9p-3',
    '-0x1.6574f0ac07758p-3', '-0x1.1aa2bc79c81p-3', '-0x1.a4e76ce8c0e5ep-4', '-0x1.1973c5a611cccp-4',
    '-0x1.252f438e10c1ep-5', '0x0p+0', '0x1.aa5aa5df25984p-5', '0x1.c5e53aa362eb4p-4',
    '0x1.526e57720db08p-3', '0x1.bc2860d22477p-3', '0x1.1058bc8a07ee1p-2', '0x1.4043057b6ee09p-2')]
_LOGF_LN2 = _h('0x1.62e42fefa39efp-1')
_LOGF_A = (_h('-0x1.00ea348b88334p-2'), _h('0x1.5575b0be00b6ap-2'), _h('-0x1.ffffef20a4123p-2'))
# glibc splits x = 2^k * z with k = (ix - OFF) >> 23 and picks its table row i from the next 4
# bits; index j = (ix - OFF) >> 19 = 16 k + i (shifted to start at 0 for the smallest input,
# 1e-7f) selects the precomputed invc[i] * 2^-k (so r = x * that - 1 = z * invc[i] - 1, exactly)
# and logc[i] + k * ln2.
_LOGF_MIN_EXPONENT = -23
_LOGF_OFFSET = 0x3F330000 + (_LOGF_MIN_EXPONENT << 23)
_LOGF_ROWS = [divmod(j, 16) for j in range(16 * (1 - _LOGF_MIN_EXPONENT))]
_LOGF_SCALED_INVC = torch.tensor([_LOGF_INVC[i] * 2.0 ** -(e + _LOGF_MIN_EXPONENT)
                                  for e, i in _LOGF_ROWS], dtype=torch.float64)
_LOGF_Y0 = torch.tensor([_LOGF_LOGC[i] + (e + _LOGF_MIN_EXPONENT) * _LOGF_LN2
                         for e, i in _LOGF_ROWS], dtype=torch.float64)


def _logf(x, scratch):
    """glibc ``logf`` of float32 ``x`` in ``[1e-7, 1)`` (a 1-D tensor), as float32."""
    n = len(x)
    j = torch.sub(x.view(torch.int32), _LOGF_OFFSET, out=scratch("index", n, torch.int32))
    j.bitwise_right_shift_(19)
    r = scratch("r", n, torch.float64).copy_(x)
    r.mul_(torch.index_select(_LOGF_SCALED_INVC, 0, j, out=scratch("t0", n, torch.float64)))
    r.sub_(1.0)
    r2 = torch.mul(r, r, out=scratch("t0", n, torch.float64))
    a0, a1, a2 = _LOGF_A
    y = torch.mul(r, a1, out=scratch("t1", n, torch.float64)).add_(a2)
    y.add_(torch.mul(r2, a0, out=scratch("t2", n, torch.float64))).mul_(r2)
    y.add_(torch.index_select(_LOGF_Y0, 0, j, out=scratch("t2", n, torch.float64)).add_(r))
    return scratch("logf", n, torch.float32).copy_(y)


# reduce_fast: n = nearest integer to x * 2/pi, computed as glibc does it ((int32)(x * 2^24 * 2/pi)
# + 2^23) >> 24, here floor(x * 2/pi + 0.5) in float64 (the same on all inputs)
_SINCOSF_HPI_INV = _h('0x1.45F306DC9C883p+23') * 2.0 ** -24
_SINCOSF_HPI = _h('0x1.921FB54442D18p0')
_SINCOSF_C = (_h('-0x1.ffffffd0c621cp-2'), _h('0x1.55553e1068f19p-5'),
              _h('-0x1.6c087e89a359dp-10'), _h('0x1.99343027bf8c3p-16'))
_SINCOSF_S = (_h('-0x1.555545995a603p-3'), _h('0x1.1107605230bc4p-7'), _h('-0x1.994eb3774cf24p-13'))
# (sin + i cos)(x) = (-i)^n (sin + i cos)(x - n pi/2): glibc's per-quadrant sign and coefficient
# tables flip signs exactly, and multiplying by 0 and +-1 is exact too
_SINCOSF_ROTATIONS = torch.tensor([1, -1j, -1, 1j, 1], dtype=torch.complex64)


def _sincosf(x, scratch):
    """glibc ``sincosf`` of float32 ``x`` in ``[0, 2 pi]`` (a 1-D tensor), as complex64
    ``sin + i cos``."""
    n = len(x)
    x = scratch("x", n, torch.float64).copy_(x)
    quadrant = torch.mul(x, _SINCOSF_HPI_INV, out=scratch("t0", n, torch.float64)).add_(0.5)
    quadrant.floor_()
    rotation = torch.index_select(_SINCOSF_ROTATIONS, 0,
                                  scratch("index", n, torch.int32).copy_(quadrant),
                                  out=scratch("rotation", n, torch.complex64))
    r = x.sub_(quadrant.mul_(_SINCOSF_HPI))
    r2 = torch.mul(r, r, out=scratch("t0", n, torch.float64))
    r3 = torch.mul(r2, r, out=scratch("t1", n, torch.float64))
    r4 = torch.mul(r2, r2, out=scratch("t2", n, torch.float64))
    c1, c2, c3, c4 = _SINCOSF_C
    s1, s2, s3 = _SINCOSF_S
    term = scratch("t3", n, torch.float64)
    sin = torch.mul(r3, s1, out=scratch("t4", n, torch.float64)).add_(r)
    sin.add_(r3.mul_(r2).mul_(torch.mul(r2, s3, out=term).add_(s2)))
    cos = torch.mul(r4, c2, out=x).add_(torch.mul(r2, c1, out=term).add_(1.0))
    cos.add_(r4.mul_(r2).mul_(torch.mul(r2, c4, out=term).add_(c3)))
    sincos = torch.complex(scratch("sin", n, torch.float32).copy_(sin),
                           scratch("cos", n, torch.float32).copy_(cos),
                           out=scratch("sincos", n, torch.complex64))
    return sincos.mul_(rotation)
