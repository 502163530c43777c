"""Verbatim copy of the numpy reference in shared/reference/tf_random.md, section 10: TF's
stateful random ops (Philox4x32-10 and its CPU distributions), verified bit-exact against
TensorFlow 2.21.  A slow test oracle for scopevar.philox; do not edit.
"""
import math
import numpy as np

# ---------- Philox4x32-10 (tsl/lib/random/philox_random.h) ----------
_MA, _MB = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)   # round multipliers
_WA, _WB = 0x9E3779B9, 0xBB67AE85                          # key schedule (Weyl) increments
_M32 = np.uint64(0xFFFFFFFF)

def philox4x32_10(c, key):
    """c: (4, N) uint32 counters; key: (k0, k1) ints. Returns (4, N) uint32."""
    c0, c1, c2, c3 = (x.astype(np.uint64) for x in c)
    k0, k1 = key
    for _ in range(10):
        p0, p1 = _MA * c0, _MB * c2
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0), p1 & _M32,
                          (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1), p0 & _M32)
        k0, k1 = (k0 + _WA) & 0xFFFFFFFF, (k1 + _WB) & 0xFFFFFFFF
    return np.stack([c0, c1, c2, c3]).astype(np.uint32)

def philox_blocks(seed, seed2, call_index):
    """PhiloxRandom(seed, seed2) advanced by call_index (uint64 array, < 2**64) calls -> (4, N) uint32.
    key = (lo32(seed), hi32(seed)); counter = [lo32(i), hi32(i), lo32(seed2), hi32(seed2)]."""
    seed &= (1 << 64) - 1; seed2 &= (1 << 64) - 1
    i = np.asarray(call_index, dtype=np.uint64)
    ctr = np.stack([(i & _M32).astype(np.uint32), (i >> np.uint64(32)).astype(np.uint32),
                    np.full(i.shape, seed2 & 0xFFFFFFFF, np.uint32), np.full(i.shape, seed2 >> 32, np.uint32)])
    return philox4x32_10(ctr, (seed & 0xFFFFFFFF, seed >> 32))

# ---------- bit tricks (random_distributions_utils.h) ----------
def u32_to_f32(x):                       # [0, 1): 23 random mantissa bits, exponent 127, minus 1
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)

def u32x2_to_f64(x0, x1):                # [0, 1): 20 bits of x0 (high) + 32 bits of x1 (low)
    man = ((x0.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32)) | x1.astype(np.uint64)
    return (man | np.uint64(0x3FF0000000000000)).view(np.float64) - 1.0

# ---------- glibc >= 2.28 logf / sincosf, ported (ARM optimized-routines algorithms) ----------
_h = float.fromhex
_LOGF_INVC = np.array([_h(s) for s in (
    '0x1.661ec79f8f3bep+0', '0x1.571ed4aaf883dp+0', '0x1.49539f0f010bp+0', '0x1.3c995b0b80385p+0',
    '0x1.30d190c8864a5p+0', '0x1.25e227b0b8eap+0', '0x1.1bb4a4a1a343fp+0', '0x1.12358f08ae5bap+0',
    '0x1.0953f419900a7p+0', '0x1p+0', '0x1.e608cfd9a47acp-1', '0x1.ca4b31f026aap-1',
    '0x1.b2036576afce6p-1', '0x1.9c2d163a1aa2dp-1', '0x1.886e6037841edp-1', '0x1.767dcf5534862p-1')])
_LOGF_LOGC = np.array([_h(s) for s in (
    '-0x1.57bf7808caadep-2', '-0x1.2bef0a7c06ddbp-2', '-0x1.01eae7f513a67p-2', '-0x1.b31d8a68224e9p-3',
    '-0x1.6574f0ac07758p-3', '-0x1.1aa2bc79c81p-3', '-0x1.a4e76ce8c0e5ep-4', '-0x1.1973c5a611cccp-4',
    '-0x1.252f438e10c1ep-5', '0x0p+0', '0x1.aa5aa5df25984p-5', '0x1.c5e53aa362eb4p-4',
    '0x1.526e57720db08p-3', '0x1.bc2860d22477p-3', '0x1.1058bc8a07ee1p-2', '0x1.4043057b6ee09p-2')])
_LN2 = _h('0x1.62e42fefa39efp-1')
_LA0, _LA1, _LA2 = _h('-0x1.00ea348b88334p-2'), _h('0x1.5575b0be00b6ap-2'), _h('-0x1.ffffef20a4123p-2')

def glibc_logf(x):
    """Bit-exact glibc logf for normal, positive, finite float32 x != 1 (all Box-Muller inputs)."""
    ix = np.asarray(x, np.float32).view(np.uint32)
    tmp = ix - np.uint32(0x3F330000)
    i = (tmp >> np.uint32(19)) & np.uint32(15)
    k = (tmp.view(np.int32) >> np.int32(23)).astype(np.float64)
    z = (ix - (tmp & np.uint32(0xFF800000))).view(np.float32).astype(np.float64)
    r = z * _LOGF_INVC[i] - 1.0
    y0 = _LOGF_LOGC[i] + k * _LN2
    r2 = r * r
    y = _LA1 * r + _LA2
    y = _LA0 * r2 + y
    y = y * r2 + (y0 + r)
    return y.astype(np.float32)

_HPI_INV, _HPI = _h('0x1.45F306DC9C883p+23'), _h('0x1.921FB54442D18p0')
_C0, _C1, _C2, _C3, _C4 = 1.0, _h('-0x1.ffffffd0c621cp-2'), _h('0x1.55553e1068f19p-5'), _h('-0x1.6c087e89a359dp-10'), _h('0x1.99343027bf8c3p-16')
_S1, _S2, _S3 = _h('-0x1.555545995a603p-3'), _h('0x1.1107605230bc4p-7'), _h('-0x1.994eb3774cf24p-13')
def _top12(f): return (np.asarray(f, np.float32).view(np.uint32) >> np.uint32(20)) & np.uint32(0x7FF)
_T_PIO4, _T_TINY = _top12(np.float32(_h('0x1.921FB54442D18p-1'))), _top12(np.float32(2.0 ** -12))

def glibc_sincosf(y):
    """Bit-exact glibc sincosf for float32 |y| < 120 (Box-Muller uses y in [0, 2*pi])."""
    y = np.asarray(y, np.float32); x = y.astype(np.float64); t = _top12(y)
    n = ((x * _HPI_INV).astype(np.int32) + np.int32(0x800000)) >> np.int32(24)   # reduce_fast, non-TOINT path
    small = t < _T_PIO4
    n = np.where(small, 0, n)
    xr = np.where(small, x, x - n * _HPI)
    xs = xr * np.array([1.0, -1.0, -1.0, 1.0])[n & 3]        # sign of sine per quadrant
    neg = np.where((n & 2) != 0, -1.0, 1.0)                 # 2nd table: cosine coefficients negated
    x2 = xr * xr; x3 = x2 * xs; x4 = x2 * x2; x5 = x3 * x2; x6 = x4 * x2
    c2 = neg * _C3 + x2 * (neg * _C4); s1 = _S2 + x2 * _S3
    c1 = neg * _C0 + x2 * (neg * _C1)
    s = (xs + x3 * _S1) + x5 * s1
    c = (c1 + x4 * (neg * _C2)) + x6 * c2
    s, c = s.astype(np.float32), c.astype(np.float32)
    odd = (n & 1) == 1
    sin_, cos_ = np.where(odd, c, s), np.where(odd, s, c)
    tiny = t < _T_TINY
    return np.where(tiny, y, sin_).astype(np.float32), np.where(tiny, np.float32(1), cos_).astype(np.float32)

# ---------- Box-Muller ----------
def box_muller_f32(x0, x1):
    u1 = u32_to_f32(x0)
    u1 = np.where(u1 < np.float32(1e-7), np.float32(1e-7), u1)
    v1 = (2.0 * math.pi * u32_to_f32(x1).astype(np.float64)).astype(np.float32)  # 2.0f*M_PI is double!
    u2 = np.sqrt(np.float32(-2.0) * glibc_logf(u1))                                # sqrtf: exact in numpy
    s, c = glibc_sincosf(v1)
    return s * u2, c * u2

def box_muller_f64(x0, x1, x2, x3):      # libm double log/sincos; numpy/math float64 matched glibc here
    u1 = u32x2_to_f64(x0, x1)
    u1 = np.where(u1 < 1e-7, 1e-7, u1)
    v1 = 2 * math.pi * u32x2_to_f64(x2, x3)
    u2 = np.sqrt(-2.0 * np.log(u1))
    return np.sin(v1) * u2, np.cos(v1) * u2

# ---------- the three kernels (random_op_cpu.h FillPhiloxRandom) ----------
def _groups(n, per_call, seed, seed2, start):
    return philox_blocks(seed, seed2, np.arange(-(-n // per_call), dtype=np.uint64) + np.uint64(start))

def random_uniform(shape, seed, seed2, dtype=np.float32, run=0):
    """RandomUniform op, `run`-th execution (0-based) of the same kernel instance."""
    n = int(np.prod(shape, dtype=np.int64)); start = run * n * 256
    if dtype == np.float32:
        out = u32_to_f32(_groups(n, 4, seed, seed2, start).T.reshape(-1))
    else:
        r = _groups(n, 2, seed, seed2, start)
        out = np.stack([u32x2_to_f64(r[0], r[1]), u32x2_to_f64(r[2], r[3])], 1).reshape(-1)
    return out[:n].reshape(shape)

def random_standard_normal(shape, seed, seed2, dtype=np.float32, run=0):
    n = int(np.prod(shape, dtype=np.int64)); start = run * n * 256
    if dtype == np.float32:
        r = _groups(n, 4, seed, seed2, start)
        (a, b), (c, d) = box_muller_f32(r[0], r[1]), box_muller_f32(r[2], r[3])
        out = np.stack([a, b, c, d], 1).reshape(-1)
    else:
        r = _groups(n, 2, seed, seed2, start)
        out = np.stack(box_muller_f64(r[0], r[1], r[2], r[3]), 1).reshape(-1)
    return out[:n].reshape(shape)

def truncated_normal(shape, seed, seed2, dtype=np.float32, run=0):
    n = int(np.prod(shape, dtype=np.int64)); start = run * n * 256
    G = 4 if dtype == np.float32 else 2          # outputs per group
    stride = G * 256 // 4                         # philox calls reserved per group: 256 (f32) / 128 (f64)
    ng = -(-n // G); calls = 4
    while True:                                   # take `calls` philox blocks per group; grow if rejection needs more
        idx = np.arange(ng, dtype=np.uint64)[:, None] * np.uint64(stride) + np.arange(calls, dtype=np.uint64) + np.uint64(start)
        u = philox_blocks(seed, seed2, idx.reshape(-1)).T.reshape(ng, calls * 4)   # per-group uint32 stream
        if G == 4:
            a, b = box_muller_f32(u[:, 0::2], u[:, 1::2])
        else:
            a, b = box_muller_f64(u[:, 0::4], u[:, 1::4], u[:, 2::4], u[:, 3::4])
        cand = np.stack([a, b], 2).reshape(ng, -1)           # candidate order: f0, f1, f0', f1', ...
        ok = np.abs(cand) < 2.0
        if (ok.sum(1) >= G).all():
            break
        calls *= 2
    keep = ok & (np.cumsum(ok, 1) <= G)
    return cand[keep].reshape(-1)[:n].reshape(shape)

# ---------- python-side seed derivation (TF 2.x random_seed.get_seed, graph mode) ----------
DEFAULT_GRAPH_SEED, _MAXI32 = 87654321, 2 ** 31 - 1
class GraphSeeds:
    def __init__(self, graph_seed=None): self.graph_seed, self.counter = graph_seed, 0
    def get_seed(self, op_seed=None):
        if self.graph_seed is not None:
            if op_seed is None:
                op_seed, self.counter = self.counter, self.counter + 1
            s = (self.graph_seed % _MAXI32, op_seed % _MAXI32)
        elif op_seed is not None:
            s = (DEFAULT_GRAPH_SEED, op_seed % _MAXI32)
        else:
            raise ValueError('no seed: TF would use random (nondeterministic) seeds')
        return (0, _MAXI32) if s == (0, 0) else s

# ---------- python-side wrappers (random_ops.py) ----------
def tf_random_normal(shape, mean=0.0, stddev=1.0, seed=(1, 1), dtype=np.float32):
    return random_standard_normal(shape, *seed, dtype=dtype) * dtype(stddev) + dtype(mean)
def tf_truncated_normal(shape, mean=0.0, stddev=1.0, seed=(1, 1), dtype=np.float32):
    return truncated_normal(shape, *seed, dtype=dtype) * dtype(stddev) + dtype(mean)
def tf_random_uniform(shape, minval=0, maxval=None, seed=(1, 1), dtype=np.float32):
    r = random_uniform(shape, *seed, dtype=dtype)
    if maxval is None: maxval = 1
    if isinstance(minval, int) and minval == 0:           # python int 0 → no add
        return r if (isinstance(maxval, int) and maxval == 1) else r * dtype(maxval)
    return r * (dtype(maxval) - dtype(minval)) + dtype(minval)   # (max-min) rounded in dtype first
