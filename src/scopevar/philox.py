"""TensorFlow's stateful random streams, bit for bit: Philox4x32-10 and its CPU distributions.

TF's ``RandomUniform``, ``RandomStandardNormal``, ``TruncatedNormal`` and ``RandomUniformInt``
kernels (the ops behind ``tf.random.*`` and every TF1 initializer) draw from a Philox4x32-10
counter-based generator keyed by the op's ``(seed, seed2)`` attributes.  The functions here
return, as torch tensors, the same bits as TF 2.x on Linux for the ``run``-th execution
(0-based) of such an op.  Seeds come from :func:`scopevar.get_seed`: a graph seed ``s`` and an
op seed ``o`` give ``(s, o)``, an op seed alone ``(87654321, o)``.

Where TF calls glibc's ``logf`` / ``sincosf`` (float normals), this module evaluates ports of
glibc's algorithms, checked on every input Box-Muller can give them, so no result depends on the
platform's libm; float64 normals call the C library's ``log`` / ``sin`` / ``cos``, as TF does.
The kernels are C (``philox_kernels.c``, compiled at first use by :mod:`scopevar.native`, called
through ctypes; about 3x the numpy code's speed per core) or, where that cannot be built or
``SCOPEVAR_NATIVE=0``, vectorised numpy (torch has no unsigned 64-bit shifts, and its per-op
overhead is several times numpy's): the same bits, in the same rounding order.  Either works on
blocks of Philox calls, spread over ``torch.get_num_threads()`` threads (the caller and kept
ones; both release the GIL).  ``scale`` and ``shift`` apply TF's ``* stddev + mean`` (``* (max -
min) + min``) to each block while it is in cache.

>>> from scopevar import philox
>>> philox.uniform([4], seed=87654321, seed2=1)    # tf.random.uniform([4], seed=1), 1st run
tensor([0.2390, 0.9204, 0.0505, 0.4957])
>>> philox.normal([2, 2], 87654321, 1, run=1)      # tf.random.normal([2, 2], seed=1), 2nd run
tensor([[-0.2089,  0.0054],
        [ 0.3127,  0.5999]])

Reference: ``shared/reference/tf_random.md`` (sections 3-6).
"""
import collections
import ctypes
import functools
import math
import sys
import threading

import numpy as np
import torch

from . import native
from .errors import RandomArgumentError, RandomTypeError
from .threads import pool

__all__ = ["uniform", "normal", "truncated_normal", "uniform_int"]

_M32 = 0xFFFFFFFF
_MULTIPLIERS = (np.array(0xD2511F53, np.uint64), np.array(0xCD9E8D57, np.uint64))  # per round
_32, _48, _LOW32 = (np.array(v, np.uint64) for v in (32, 48, _M32))
_KEY_INCREMENTS = (0x9E3779B9, 0xBB67AE85)
_CALLS_PER_OUTPUT = 256          # an execution reserves N * 256 Philox calls (N outputs)
_TRUNCATED_CALLS_PER_VALUE = 64  # a truncated-normal group of G values owns G * 64 calls
_BLOCK = 1 << 14                 # Philox calls per block and thread (threads wait for the GIL
                                 # between numpy calls: more threads, bigger blocks)
_REDRAWN_BLOCKS = 4              # truncated normal: blocks whose rejects are redrawn at once
_MANTISSA_BITS = {torch.float32: 23, torch.float16: 10, torch.bfloat16: 7}
_COMPILED_PART = 1 << 15         # compiled kernels: Philox calls per part a thread takes


def uniform(shape, seed, seed2, dtype=torch.float32, run=0, scale=None, shift=None):
    """TF's ``RandomUniform``: values in ``[0, 1)`` (float16, bfloat16, float32 or float64),
    then ``* scale`` and ``+ shift`` in ``dtype`` where given (TF's Python wrapper's ops)."""
    if dtype == torch.float64:
        kernel = _Kernel(2, _uniform_float64, np.float64, "sv_uniform_double")
    elif dtype in _MANTISSA_BITS:
        bits = _MANTISSA_BITS[dtype]
        kernel = _Kernel(4, functools.partial(_uniform_float, mantissa_bits=bits), np.float32,
                         "sv_uniform_float", bits)
    else:
        raise RandomTypeError("uniform: dtype must be float16, bfloat16, float32 or float64, "
                              "not %s" % dtype)
    return _float(shape, seed, seed2, run, dtype, kernel, scale, shift)


def normal(shape, seed, seed2, dtype=torch.float32, run=0, scale=None, shift=None):
    """TF's ``RandomStandardNormal`` (Box-Muller; half precisions round TF's float32 values),
    then ``* scale + shift`` as :func:`uniform`."""
    return _float(shape, seed, seed2, run, dtype, _normal_kernel(dtype, "normal"), scale, shift)


def truncated_normal(shape, seed, seed2, dtype=torch.float32, run=0, scale=None, shift=None):
    """TF's ``TruncatedNormal``: standard normal values with ``|x| < 2``, found by rejection,
    then ``* scale + shift`` as :func:`uniform`."""
    return _float(shape, seed, seed2, run, dtype, _normal_kernel(dtype, "truncated_normal"),
                  scale, shift, truncated=True)


def uniform_int(shape, minval, maxval, seed, seed2, dtype=torch.int32, run=0):
    """TF's ``RandomUniformInt``: ``minval + bits % (maxval - minval)`` (int32 or int64)."""
    if dtype not in (torch.int32, torch.int64):
        raise RandomTypeError("uniform_int: dtype must be int32 or int64, not %s" % dtype)
    if minval >= maxval:
        raise RandomArgumentError("Need minval < maxval: %d >= %d" % (minval, maxval))
    info = torch.iinfo(dtype)
    if minval < info.min or maxval > info.max:
        raise RandomArgumentError("minval and maxval must fit in %s: %d, %d"
                                  % (dtype, minval, maxval))
    per_call, kernel, values, name = ((4, _uniform_int32, np.int32, "sv_uniform_int32")
                                      if dtype == torch.int32 else
                                      (2, _uniform_int64, np.int64, "sv_uniform_int64"))
    span = maxval - minval
    kernel = functools.partial(kernel, low=minval, span=span)
    return _generate(shape, seed, seed2, run, _Kernel(per_call, kernel, values, name, minval, span))


class _Kernel(collections.namedtuple("_Kernel", "per_call numpy dtype native param span",
                                     defaults=(0, 0))):
    """An op's distribution: it makes ``per_call`` values of the numpy ``dtype`` from each
    Philox call, by the block function ``numpy`` or the C function ``native`` of
    philox_kernels.c (whose ``param`` and ``span`` are the mantissa bits, or minval and
    maxval - minval)."""


def _float(shape, seed, seed2, run, dtype, kernel, scale, shift, truncated=False):
    """A float op's values in ``dtype``, computed in float32 or float64: scaled block by block,
    in cache, if that is ``dtype``; half precisions are rounded first, as in TF."""
    if dtype in (torch.float32, torch.float64):
        return _generate(shape, seed, seed2, run, kernel, truncated, scale, shift)
    values = _generate(shape, seed, seed2, run, kernel, truncated)
    return _scaled(values.to(dtype), scale, shift)


def _scaled(values, scale, shift):
    """``values * scale + shift`` in place (numpy or torch), skipping a None."""
    if scale is not None:
        values *= scale
    if shift is not None:
        values += shift
    return values


# ---------------------------------------------------------------------------------------------
# The generator and the block-wise driver

def _generate(shape, seed, seed2, run, kernel, truncated=False, scale=None, shift=None):
    """The op's output as a torch tensor: the :class:`_Kernel` turns the words of each Philox
    call into a group of values, then scaled (:func:`_scaled`).  ``truncated``: a group keeps
    the first values within (-2, 2) of its own run of calls (TF's TruncatedNormal)."""
    shape = torch.Size([shape] if isinstance(shape, int) else [int(d) for d in shape])
    if seed == 0 and seed2 == 0:  # TF then seeds the kernel nondeterministically
        seed, seed2 = (int(s) for s in torch.randint(1, 2 ** 63 - 1, (2,)))
    n = shape.numel()
    start = run * n * _CALLS_PER_OUTPUT
    stride = kernel.per_call * _TRUNCATED_CALLS_PER_VALUE if truncated else 1
    out = np.empty((-(-n // kernel.per_call), kernel.per_call), kernel.dtype)
    fill = _fill_numpy if _compiled() is None else _fill_compiled
    fill(out, kernel, seed & (2 ** 64 - 1), seed2 & (2 ** 64 - 1), start, stride, truncated,
         scale, shift, torch.get_num_threads())
    return torch.from_numpy(out).view(-1)[:n].view(shape)


def _fill_compiled(out, kernel, seed, seed2, start, stride, truncated, scale, shift, threads):
    """Fill the groups (rows) of ``out`` with the compiled kernel, in parts on ``threads``
    threads (ctypes releases the GIL during the calls)."""
    function, address = getattr(_compiled(), kernel.native), out.ctypes.data

    def fill(first, last, scratch):
        function(seed, seed2, start, stride, first, last, address, kernel.param, kernel.span,
                 scale is not None, float(scale or 0), shift is not None, float(shift or 0))

    _in_blocks(len(out), fill, _COMPILED_PART, threads, _COMPILED_PART // 4)


def _fill_numpy(out, kernel, seed, seed2, start, stride, truncated, scale, shift, threads):
    """Fill the groups (rows) of ``out`` with the numpy kernel, block by block in cache."""
    philox, dtype, numpy_kernel = _Philox(seed, seed2), out.dtype.type, kernel.numpy
    if scale is not None:
        scale = dtype(scale)
    if shift is not None:
        shift = dtype(shift)
    size = _BLOCK * min(threads, 4)

    def fill(first, last, scratch):
        calls = np.arange(start + stride * first, start + stride * last, stride, dtype=np.uint64)
        part = out[first:last]
        for block in range(0, last - first, size):
            values = part[block:block + size]
            numpy_kernel(philox(calls[block:block + size], scratch), values, scratch)
            if not truncated:
                _scaled(values, scale, shift)
        if truncated:
            _truncate(part, calls, philox, numpy_kernel, scratch)
            _scaled(part, scale, shift)

    # truncated: the groups of several blocks redraw their rejected values together
    _in_blocks(len(out), fill, size * (_REDRAWN_BLOCKS if truncated else 1), threads)


_LOCAL = threading.local()    # each thread's scratch arrays


def _in_blocks(count, work, size, threads, smallest=_BLOCK // 4):
    """``work(first, last, scratch)`` over ``range(count)`` in parts of at most ``size``, as
    many per thread, on the calling thread and up to ``threads - 1`` kept ones (numpy and the
    compiled kernels release the GIL), each taking the next part when done with one, with its
    own scratch arrays.  Parts are no smaller than ``smallest`` (the overhead per part would
    show)."""
    parts = max(1, threads * -(-count // (threads * size)))
    part = max(-(-count // parts), smallest)
    firsts = iter(range(0, count, part))            # shared: taking the next part is atomic

    def run():
        scratch = getattr(_LOCAL, "scratch", None)
        if scratch is None:
            scratch = _LOCAL.scratch = _Scratch()
        for first in firsts:
            work(first, min(first + part, count), scratch)

    helpers = min(threads, -(-count // part)) - 1
    futures = [pool("philox", threads - 1).submit(run) for _ in range(helpers)]
    run()
    for future in futures:
        future.result()


_ARGUMENTS = (ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int64,
              ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_uint64, ctypes.c_int,
              ctypes.c_double, ctypes.c_int, ctypes.c_double)


@functools.lru_cache(maxsize=None)
def _compiled():
    """philox_kernels.c, compiled (:mod:`scopevar.native`), or None: the numpy code then."""
    library = native.load("philox_kernels.c")
    if library is not None:
        for name in ("sv_uniform_float", "sv_uniform_double", "sv_normal_float",
                     "sv_normal_double", "sv_truncated_float", "sv_truncated_double",
                     "sv_uniform_int32", "sv_uniform_int64"):
            getattr(library, name).argtypes = _ARGUMENTS
            getattr(library, name).restype = None
    return library


class _Philox:
    """TF's PhiloxRandom(seed, seed2) (Philox4x32-10): call number ``i`` encrypts the counter
    ``(lo32(i), hi32(i), lo32(seed2), hi32(seed2))`` with the key ``(lo32(seed), hi32(seed))``."""

    def __init__(self, seed, seed2):
        self.seed2 = seed2
        keys = [(((seed & _M32) + r * _KEY_INCREMENTS[0]) & _M32,
                 ((seed >> 32) + r * _KEY_INCREMENTS[1]) & _M32) for r in range(10)]
        self.first_key = keys[0]
        # 0-d arrays: numpy converts a Python int operand anew on every call
        self.round_keys = [(np.array(k0, np.uint64), np.array(k1, np.uint64))
                           for k0, k1 in keys[1:]]

    def __call__(self, calls, scratch):
        """The output words of the calls numbered ``calls`` (a uint64 array) as two ``(2, m)``
        uint64 arrays: rows ``(w0, w2)``, and rows ``(w1, w3)`` with garbage above bit 31."""
        m = len(calls)
        words = scratch("words", (2, m), np.uint64)     # (w0, w2): the words multiplied next
        # products in rows (w2 * M1, w0 * M0): shifted, they line up with the words they make
        products = [scratch("products%d" % i, (2, m), np.uint64) for i in (0, 1)]
        (k0, k1), product = self.first_key, products[0]
        # round 1: counter words 2 and 3, and mostly 1, are the same for every call
        high1, low1 = divmod((self.seed2 & _M32) * int(_MULTIPLIERS[1]), 1 << 32)
        high = int(calls[0]) >> 32
        if int(calls[-1]) >> 32 == high:
            np.subtract(calls, high << 32, out=product[1])
            words[0].fill(high1 ^ high ^ k0)
        else:
            np.bitwise_and(calls, _M32, out=product[1])
            np.right_shift(calls, 32, out=words[0])
            words[0] ^= high1 ^ k0
        product[1] *= _MULTIPLIERS[0]
        np.right_shift(product[1], _32, out=words[1])
        words[1] ^= (self.seed2 >> 32) ^ k1
        words[1] &= _LOW32
        product[0].fill(low1)
        for r, (k0, k1) in enumerate(self.round_keys):
            previous, product = product, products[r % 2 - 1]
            np.multiply(words[0], _MULTIPLIERS[0], out=product[1])
            np.multiply(words[1], _MULTIPLIERS[1], out=product[0])
            # w0 = hi32(w2 * M1) ^ lo32(previous w2 * M1) ^ k0, w2 likewise from w0 * M0
            np.right_shift(product, _32, out=words)
            words ^= previous
            words[0] ^= k0
            words[1] ^= k1
            words &= _LOW32
        return words, product


class _Scratch:
    """Arrays reused from block to block, one per role: fresh memory for every temporary would
    cost more than some of the arithmetic."""

    def __init__(self):
        self._buffers, self._views = {}, {}

    def __call__(self, name, shape, dtype):
        view = self._views.get(name)
        if view is None or view.shape != shape:
            size = math.prod(shape)
            buffer = self._buffers.get(name)
            if buffer is None or buffer.size < size:
                buffer = self._buffers[name] = np.empty(size, dtype)
            view = self._views[name] = buffer[:size].reshape(shape)
        return view


def _truncate(groups, calls, philox, kernel, scratch):
    """Give each group (row) the first values within (-2, 2) of the Philox calls ``call + 0,
    1, 2, ...`` from its call in ``calls``; ``groups`` holds the values of those calls, which
    suffice for most groups."""
    per_call = groups.shape[1]
    # |x| >= 2 where the exponent's top bit is set: a group's 16 bytes as 2 uint64s, or-ed
    bits = groups.view(np.uint64)
    outside = np.bitwise_or(bits[:, 0], bits[:, 1], out=scratch("outside", (len(bits),),
                                                                 np.uint64))
    outside &= _EXPONENT_TOP_BITS[per_call]
    rows = np.flatnonzero(outside != 0)             # faster than on the uint64s
    whole = groups.view(np.complex128).reshape(-1)  # a group's 16 bytes as one element: fast
    found, later = whole[rows], 1                   # accepted values so far, and rejected ones
    keep_masks, counts = _FIRST_ACCEPTED[per_call]
    while len(rows):
        candidates = np.empty((len(rows), 2), np.complex128)
        candidates[:, 0] = found
        values = candidates.view(groups.dtype)      # found, then the next call's values
        kernel(philox(calls[rows] + np.uint64(later), scratch), values[:, per_call:], scratch)
        # a row's accepted candidates as the bits of one number: the multiplication gathers
        # the low bit of each of the row's 2 * per_call (4 or 8) bytes into the top byte
        accepted = (np.abs(values) < 2.0).view(np.uint64 if per_call == 4 else np.uint32)
        pattern = (accepted.reshape(-1).astype(np.uint64) * np.uint64(0x0102040810204080)) >> 56
        pattern = pattern.view(np.int64)
        keep = np.take(keep_masks, pattern).view(np.bool_)
        found = np.compress(keep, values.reshape(-1)).view(np.complex128)   # faster than [keep]
        whole[rows] = found                         # rows short of values: replaced next time
        short = np.take(counts, pattern) < per_call
        rows, found, later = rows[short], found[short], later + 1


_EXPONENT_TOP_BITS = {4: np.array(0x4000000040000000, np.uint64),     # 4 float32 values
                      2: np.array(0x4000000000000000, np.uint64)}     # 2 float64 values


def _first_accepted(per_call):
    """For each pattern of accepted candidates among 2 * per_call: the mask (a byte per
    candidate) of the first per_call accepted ones, or of all accepted ones and the first
    rejected ones if fewer (rejected values stay rejected next time); and the count accepted."""
    width, masks = 2 * per_call, []
    for pattern in range(1 << width):
        order = sorted(range(width), key=lambda i: not pattern >> i & 1)[:per_call]
        masks.append(sum(1 << 8 * i for i in order))
    return (np.array(masks, np.uint64 if per_call == 4 else np.uint32),
            np.array([bin(pattern).count("1") for pattern in range(1 << width)]))


_FIRST_ACCEPTED = {2: _first_accepted(2), 4: _first_accepted(4)}


# ---------------------------------------------------------------------------------------------
# Distributions (tsl/lib/random/random_distributions.h): a kernel turns the words (w0, w2),
# (w1, w3) of m calls into the rows of its (m, values per call) output block

def _uniform_float(words, out, scratch, mantissa_bits):
    """4 values per call: each word's low mantissa bits as a fraction of 1, made as TF makes
    them (the float32 1.bits, less 1: exact)."""
    bits = out.view(np.uint32).T                   # (4, m): lanes (0, 2) from w0, w2, ...
    for word_pair, lane_pair in zip(words, (bits[0::2], bits[1::2])):
        np.bitwise_and(word_pair.view(np.uint32)[:, _LOW_HALF::2], _LOW_BITS[mantissa_bits],
                       out=lane_pair)
    if mantissa_bits < 23:
        bits <<= _HALF_SHIFTS[mantissa_bits]
    bits |= _ONE_BITS
    out -= _ONE_32


_LOW_BITS = {b: np.array((1 << b) - 1, np.uint32) for b in _MANTISSA_BITS.values()}
_HALF_SHIFTS = {b: np.array(23 - b, np.uint32) for b in _MANTISSA_BITS.values()}
_ONE_BITS, _ONE_32 = np.array(0x3F800000, np.uint32), np.float32(1.0)
_LOW_HALF = 0 if sys.byteorder == "little" else 1   # where a uint64's low 32 bits lie


def _uint64_to_double(words, out):
    """TF's Uint64ToDouble of (w0, w1) and (w2, w3): the double 1.f - 1 with the 52 fraction
    bits f = 20 bits of the first word above the 32 of the second."""
    high, low = words
    high &= 0xFFFFF
    high <<= 32
    low &= _M32
    high |= low
    high |= 0x3FF0000000000000
    return np.subtract(high.view(np.float64), 1.0, out=out)


def _uniform_float64(words, out, scratch):
    _uint64_to_double(words, out.T)


def _uniform_int32(words, out, scratch, low, span):
    lanes = out.T
    for word_pair, lane_pair in zip(words, (lanes[0::2], lanes[1::2])):
        word_pair &= _M32
        word_pair %= span
        np.add(word_pair.view(np.int64), low, out=lane_pair, casting="unsafe")


def _uniform_int64(words, out, scratch, low, span):
    # (w0 | w1 << 32) % span + low in uint64 arithmetic, wrapping around like TF's
    bits, high = words
    high <<= 32
    bits |= high
    bits %= np.uint64(span)
    bits += np.uint64(low % 2 ** 64)
    out.T[:] = bits.view(np.int64)


def _normal_kernel(dtype, op):
    """The :class:`_Kernel` of the normal distribution ``op``, in float32 or float64."""
    name = "sv_truncated_" if op == "truncated_normal" else "sv_normal_"
    if dtype == torch.float64:
        return _Kernel(2, _normal_float64, np.float64, name + "double")
    if dtype in _MANTISSA_BITS:
        return _Kernel(4, _normal_float32, np.float32, name + "float")
    raise RandomTypeError("%s: dtype must be float16, bfloat16, float32 or float64, not %s"
                          % (op, dtype))


_U1_MIN = np.array(float(np.float32(1e-7)) * 2.0 ** 23)
_ANGLE_PER_BIT = np.array(2 * math.pi * 2.0 ** -23)


def _normal_float32(words, out, scratch):
    """TF's BoxMullerFloat on the word pairs (w0, w1), (w2, w3) of each call: sin·r, cos·r."""
    first, second = words                          # (w0, w2), (w1, w3)
    m = first.shape[1]
    u1 = _low_23_bits(first)                       # Uint32ToFloat times 2^23
    np.maximum(u1, _U1_MIN, out=u1)
    # v1 = 2.0f * M_PI * u: M_PI is a double, so the product is rounded from double
    v1 = np.multiply(_low_23_bits(second), _ANGLE_PER_BIT,
                     out=scratch("v1", (2, m), np.float32), casting="same_kind")
    radius = _minus_2_logf(u1.reshape(-1), scratch)
    np.sqrt(radius, out=radius)
    sincos = _sincosf(v1.reshape(-1), scratch)
    np.multiply(sincos.reshape(2, m), radius.reshape(2, m), out=out.view(np.complex64).T)


_LOW23, _TWO_TO_52_BITS = np.array(0x7FFFFF, np.uint64), np.array(0x4330000000000000, np.uint64)
_TWO_TO_52 = np.array(2.0 ** 52)


def _low_23_bits(words):
    """The words' low 23 bits as float64 values, in their memory (or-ing in the exponent of
    2^52 makes the double 2^52 + bits: faster than converting 64-bit integers)."""
    words &= _LOW23
    words |= _TWO_TO_52_BITS
    values = words.view(np.float64)
    values -= _TWO_TO_52
    return values


def _normal_float64(words, out, scratch):
    """TF's BoxMullerDouble on each call's words, with the C library's log, sin and cos."""
    u1, v1 = _uint64_to_double(words, scratch("u64", words[0].shape, np.float64))
    np.maximum(u1, 1e-7, out=u1)
    v1 *= 2 * math.pi
    radius = -2.0 * np.fromiter(map(math.log, u1.tolist()), np.float64, len(u1))
    np.sqrt(radius, out=radius)
    angles = v1.tolist()
    for column, function in zip(out.T, (math.sin, math.cos)):
        np.multiply(np.fromiter(map(function, angles), np.float64, len(angles)), radius, out=column)


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
    '-0x1.57bf7808caadep-2', '-0x1.2bef0a7c06ddbp-2', '-0x1.01eae7f513a67p-2',
    '-0x1.b31d8a68224e9p-3', '-0x1.6574f0ac07758p-3', '-0x1.1aa2bc79c81p-3',
    '-0x1.a4e76ce8c0e5ep-4', '-0x1.1973c5a611cccp-4',
    '-0x1.252f438e10c1ep-5', '0x0p+0', '0x1.aa5aa5df25984p-5', '0x1.c5e53aa362eb4p-4',
    '0x1.526e57720db08p-3', '0x1.bc2860d22477p-3', '0x1.1058bc8a07ee1p-2', '0x1.4043057b6ee09p-2')]
_LOGF_LN2 = _h('0x1.62e42fefa39efp-1')
_LOGF_A = (_h('-0x1.00ea348b88334p-2'), _h('0x1.5575b0be00b6ap-2'), _h('-0x1.ffffef20a4123p-2'))
# glibc splits x = 2^k * z with k = (ix - OFF) >> 23 and picks its table row i from the next 4
# bits; index j = (ix - OFF) >> 19 = 16 k + i (shifted to start at 0 for the smallest input,
# 1e-7f) selects the precomputed invc[i] * 2^-k (so r = x * that - 1 = z * invc[i] - 1, exactly)
# and logc[i] + k * ln2.  The input comes scaled by 2^23 and everything is computed times -2:
# scaling by powers of 2 is exact, so each rounding is glibc's, scaled (-2 logf is what
# Box-Muller wants).  The -2 r of the steps below is R = x 2^23 * (-2 invc[i] 2^-k 2^-23) + 2,
# so R^2 = 4 r^2 and the polynomial's coefficients are scaled to match.
_LOGF_MIN_EXPONENT = -23
_LOGF_OFFSET_64 = (0x3F330000 + ((1023 - 127) << 23)) << 29   # with the 2^23 input scale
_LOGF_TABLE = np.array([complex(-2 * _LOGF_INVC[i] * 2.0 ** -(e + _LOGF_MIN_EXPONENT + 23),
                                -2 * (_LOGF_LOGC[i] + (e + _LOGF_MIN_EXPONENT) * _LOGF_LN2))
                        for e, i in (divmod(j, 16) for j in range(16 * (1 - _LOGF_MIN_EXPONENT)))])
_LOGF_R2_COEFFICIENT = np.array(-_LOGF_A[0] / 8)    # a0 r^2 + (a1 r + a2), times -1/2
_LOGF_R_COEFFICIENT = np.array(_LOGF_A[1] / 4)
_LOGF_CONSTANT = np.array(-_LOGF_A[2] / 2)
_TWO = np.array(2.0)


def _minus_2_logf(x, scratch):
    """``-2 logf(x 2^-23)`` with glibc's ``logf``, of the float64 array ``x`` (1-D, float32
    values in ``[1e-7, 1)`` times 2^23), as float32."""
    n = len(x)
    f64 = functools.partial(scratch, shape=(n,), dtype=np.float64)
    # j from x's float32 bits (ix - OFF) >> 19, read off its float64 bits: the float32 bits
    # are the float64 bits >> 29, less the difference of the exponent biases
    j = np.subtract(x.view(np.uint64), _LOGF_OFFSET_64, out=scratch("index", (n,), np.uint64))
    j >>= _48
    rows = _LOGF_TABLE.take(j.view(np.int64), out=scratch("rows", (n,), np.complex128),
                            mode="clip")
    r = np.multiply(x, rows.real, out=f64("r"))     # -2 r
    r += _TWO
    r2 = np.multiply(r, r, out=f64("r2"))           # 4 r^2
    y = np.multiply(r, _LOGF_R_COEFFICIENT, out=f64("y"))
    y += _LOGF_CONSTANT
    y += np.multiply(r2, _LOGF_R2_COEFFICIENT, out=f64("t"))
    y *= r2
    y += np.add(rows.imag, r, out=f64("t"))         # -2 (logc[i] + k ln2 + r)
    result = scratch("logf", (n,), np.float32)
    np.copyto(result, y, casting="same_kind")
    return result


# reduce_fast: n = nearest integer to x * 2/pi, computed as glibc does it ((int32)(x * 2^24 * 2/pi)
# + 2^23) >> 24, here by rounding x * 2/pi in float64 with the addition of 1.5 * 2^52, whose
# float64 bits then end in n (the same on all inputs)
_SINCOSF_HPI_INV = np.array(_h('0x1.45F306DC9C883p+23') * 2.0 ** -24)
_SINCOSF_HPI = np.array(_h('0x1.921FB54442D18p0'))
_ROUNDING = np.array(1.5 * 2.0 ** 52)
_ROUNDING_BITS = _ROUNDING.view(np.int64)
_C1, _C2, _C3, _C4 = (_h('-0x1.ffffffd0c621cp-2'), _h('0x1.55553e1068f19p-5'),
                      _h('-0x1.6c087e89a359dp-10'), _h('0x1.99343027bf8c3p-16'))
_S1, _S2, _S3 = (_h('-0x1.555545995a603p-3'), _h('0x1.1107605230bc4p-7'),
                 _h('-0x1.994eb3774cf24p-13'))
# sin and cos evaluated side by side, as rows: (r, c1 = 1 + r^2 C1); r^2 * (S3, C4) + (S2, C3) =
# (s1, c2); (r, c1) + (r^3, r^4) * (S1, C2) + (r^5, r^6) * (s1, c2)
_SINCOSF_C1, _ONE = np.array(_C1), np.array(1.0)
_SINCOSF_SLOPE, _SINCOSF_BASE = np.array([[_S3], [_C4]]), np.array([[_S2], [_C3]])
_SINCOSF_CUBIC = np.array([[_S1], [_C2]])
# (sin + i cos)(x) = (-i)^n (sin + i cos)(x - n pi/2): glibc's per-quadrant sign and coefficient
# tables flip signs exactly, and multiplying by 0 and +-1 is exact too
_SINCOSF_ROTATIONS = np.array([1, -1j, -1, 1j, 1], np.complex64)


def _sincosf(x, scratch):
    """glibc ``sincosf`` of the float32 array ``x`` (1-D, values in ``[0, 2 pi]``), as complex64
    ``sin + i cos``."""
    n = len(x)
    high, term = scratch("sincosf", (2, 2, n), np.float64)
    x64, quadrant = term                            # free again before `term` is needed
    np.copyto(x64, x)
    np.multiply(x64, _SINCOSF_HPI_INV, out=quadrant)
    quadrant += _ROUNDING
    index = np.subtract(quadrant.view(np.int64), _ROUNDING_BITS,
                        out=scratch("quadrant", (n,), np.int64))
    quadrant -= _ROUNDING
    quadrant *= _SINCOSF_HPI
    # rows r, c1, r^2: the powers are rows 0 and 2, the two sums being built rows 0 and 1
    rows = scratch("sincos rows", (3, n), np.float64)
    r, r2, powers, low = rows[0], rows[2], rows[0::2], rows[:2]
    np.subtract(x64, quadrant, out=r)
    np.multiply(r, r, out=r2)
    np.multiply(r2, _SINCOSF_C1, out=low[1])
    low[1] += _ONE                                  # r, c1
    np.multiply(powers, r2, out=high)               # r^3, r^4
    low += np.multiply(high, _SINCOSF_CUBIC, out=term)
    high *= r2                                      # r^5, r^6
    np.multiply(r2, _SINCOSF_SLOPE, out=term)
    term += _SINCOSF_BASE                           # s1, c2
    high *= term
    low += high                                     # sin, cos of r
    sincos = scratch("sincos", (n,), np.complex64)
    np.copyto(sincos.real, low[0], casting="same_kind")
    np.copyto(sincos.imag, low[1], casting="same_kind")
    sincos *= _SINCOSF_ROTATIONS.take(index, out=scratch("rotation", (n,), np.complex64),
                                      mode="clip")
    return sincos
