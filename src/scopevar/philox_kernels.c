/* TensorFlow's Philox4x32-10 streams and CPU distributions, bit for bit: the compiled kernels
   of scopevar/philox.py, which holds the same algorithms in numpy (the fallback) and their
   documentation.  scopevar/native.py builds this file with -ffp-contract=off -fno-fast-math:
   every float operation is rounded as written, in the written order, on every machine; and
   with -O3, which vectorizes the loops over a block of calls (written for that: no branches,
   64-bit table indices) without changing any result.

   A kernel fills the groups [first, last) of an op's output: group g holds the values made
   from the Philox calls start + stride * g (+ 1, 2, ... for truncated normal's redraws), each
   value then times scale (if has_scale) plus shift (if has_shift), in the output's type. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if FLT_EVAL_METHOD != 0
#error "float arithmetic in a wider type (x87): not TF's roundings; scopevar uses its numpy code"
#endif

#define BLOCK 256  /* Philox calls per block: their words and values stay in the L1 cache */

/* TF's PhiloxRandom(key, counter): call number i encrypts the counter (lo32(i), hi32(i),
   lo32(counter), hi32(counter)) with the key (lo32(key), hi32(key)).  The words of the m <=
   BLOCK calls numbered calls[0..m) go to w[0..4)[0..m). */
static inline void philox(uint64_t key, uint64_t counter, const uint64_t *calls, int m,
                          uint32_t w[4][BLOCK])
{
    const uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    const uint32_t c2 = (uint32_t)counter, c3 = (uint32_t)(counter >> 32);
    for (int i = 0; i < m; i++) {
        uint32_t w0 = (uint32_t)calls[i], w1 = (uint32_t)(calls[i] >> 32), w2 = c2, w3 = c3;
#pragma GCC unroll 10
        for (uint32_t round = 0; round < 10; round++) {
            uint64_t p0 = (uint64_t)0xD2511F53u * w0, p2 = (uint64_t)0xCD9E8D57u * w2;
            w0 = (uint32_t)(p2 >> 32) ^ w1 ^ (k0 + round * 0x9E3779B9u);
            w1 = (uint32_t)p2;
            w2 = (uint32_t)(p0 >> 32) ^ w3 ^ (k1 + round * 0xBB67AE85u);
            w3 = (uint32_t)p0;
        }
        w[0][i] = w0;
        w[1][i] = w1;
        w[2][i] = w2;
        w[3][i] = w3;
    }
}

/* TF's Uint32ToFloat for `mantissa_bits` random bits: the float 1.bits, less 1 (exact) */
static inline float uniform_float(uint32_t word, int mantissa_bits)
{
    uint32_t bits = (word & ((1u << mantissa_bits) - 1)) << (23 - mantissa_bits) | 0x3F800000u;
    float value;
    memcpy(&value, &bits, sizeof value);
    return value - 1.0f;
}

/* TF's Uint64ToDouble: the double 1.f - 1, f = 20 bits of `high` above the 32 of `low` */
static inline double uniform_double(uint32_t high, uint32_t low)
{
    uint64_t bits = (uint64_t)(high & 0xFFFFFu) << 32 | low | 0x3FF0000000000000u;
    double value;
    memcpy(&value, &bits, sizeof value);
    return value - 1.0;
}

/* glibc >= 2.28 logf (ARM optimized-routines), on normal positive inputs below 1 */
static const double LOGF_INVC[16] = {
    0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0, 0x1.3c995b0b80385p+0,
    0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
    0x1.0953f419900a7p+0, 0x1p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
    0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1};
static const double LOGF_LOGC[16] = {
    -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
    -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c81p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
    -0x1.252f438e10c1ep-5, 0x0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
    0x1.526e57720db08p-3, 0x1.bc2860d22477p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2};

static inline float glibc_logf(float x)
{
    uint32_t ix, tmp, iz;
    memcpy(&ix, &x, sizeof ix);
    tmp = ix - 0x3F330000u;
    int64_t i = (tmp >> 19) % 16;   /* (64 bits: gcc vectorizes the table lookups) */
    int k = (int32_t)tmp >> 23;
    iz = ix - (tmp & 0xFF800000u);
    float zf;
    memcpy(&zf, &iz, sizeof zf);
    double z = zf, r = z * LOGF_INVC[i] - 1.0;
    double y0 = LOGF_LOGC[i] + (double)k * 0x1.62e42fefa39efp-1;
    double r2 = r * r;
    double y = 0x1.5575b0be00b6ap-2 * r + -0x1.ffffef20a4123p-2;
    y = -0x1.00ea348b88334p-2 * r2 + y;
    y = y * r2 + (y0 + r);
    return (float)y;
}

/* glibc >= 2.28 sincosf, on inputs in [0, 120), without branches: glibc's one for |y| < pi/4
   skips the reduction, which gives n = 0 there; and for y < 2^-12 it returns (y, 1) */
static inline void glibc_sincosf(float y, float *sinp, float *cosp)
{
    double x = y;
    int n = ((int32_t)(x * 0x1.45F306DC9C883p+23) + 0x800000) >> 24;
    x = x - n * 0x1.921FB54442D18p0;
    double x2 = x * x, x4 = x2 * x2, x3 = x2 * x;
    double c2 = -0x1.6c087e89a359dp-10 + x2 * 0x1.99343027bf8c3p-16;
    double s1 = 0x1.1107605230bc4p-7 + x2 * -0x1.994eb3774cf24p-13;
    double c1 = 1.0 + x2 * -0x1.ffffffd0c621cp-2, x5 = x3 * x2, x6 = x4 * x2;
    double s = x + x3 * -0x1.555545995a603p-3, c = c1 + x4 * 0x1.55553e1068f19p-5;
    float sin_r = (float)(s + x5 * s1), cos_r = (float)(c + x6 * c2);
    /* quadrant n: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s): glibc's sign and
       coefficient tables negate exactly */
    float sin_n = n & 1 ? cos_r : sin_r, cos_n = n & 1 ? sin_r : cos_r;
    sin_n = n & 2 ? -sin_n : sin_n;
    cos_n = (n + 1) & 2 ? -cos_n : cos_n;
    *sinp = y < 0x1p-12f ? y : sin_n;
    *cosp = y < 0x1p-12f ? 1.0f : cos_n;
}

/* TF's BoxMullerDouble, with the C library's log, sin and cos (as TF) */
static inline void box_muller_double(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3,
                                     double *f)
{
    double u1 = uniform_double(x0, x1), v1 = uniform_double(x2, x3);
    u1 = u1 < 1e-7 ? 1e-7 : u1;
    v1 *= 2.0 * 3.14159265358979323846;
    double radius = sqrt(-2.0 * log(u1));
    f[0] = sin(v1) * radius;
    f[1] = cos(v1) * radius;
}

/* The normal values of the calls[0..m), 4 per call, to f: TF's BoxMullerFloat on the word pairs
   (w0, w1), (w2, w3) of each call, sin(v) r, cos(v) r of the radius r from the first word and
   the angle v from the second; in passes over the block, each vectorized */
static inline void normal_floats(uint64_t key, uint64_t counter, const uint64_t *calls, int m,
                                 float *f)
{
    uint32_t w[4][BLOCK];
    float radius[2][BLOCK], angle[2][BLOCK], sin_v[2][BLOCK], cos_v[2][BLOCK];
    philox(key, counter, calls, m, w);
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < m; i++) {
            float u1 = uniform_float(w[2 * p][i], 23);
            radius[p][i] = u1 < 1e-7f ? 1e-7f : u1;
            /* 2.0f * M_PI is a double: the angle is rounded from double */
            angle[p][i] = (float)(2.0 * 3.14159265358979323846 *
                                  (double)uniform_float(w[2 * p + 1][i], 23));
        }
        for (int i = 0; i < m; i++)
            radius[p][i] = sqrtf(-2.0f * glibc_logf(radius[p][i]));
        for (int i = 0; i < m; i++)
            glibc_sincosf(angle[p][i], &sin_v[p][i], &cos_v[p][i]);
        for (int i = 0; i < m; i++) {
            f[4 * i + 2 * p] = sin_v[p][i] * radius[p][i];
            f[4 * i + 2 * p + 1] = cos_v[p][i] * radius[p][i];
        }
    }
}

/* The same in float64, 2 per call (TF's BoxMullerDouble) */
static inline void normal_doubles(uint64_t key, uint64_t counter, const uint64_t *calls, int m,
                                  double *f)
{
    uint32_t w[4][BLOCK];
    philox(key, counter, calls, m, w);
    for (int i = 0; i < m; i++)
        box_muller_double(w[0][i], w[1][i], w[2][i], w[3][i], f + 2 * i);
}

/* The calls of the groups g0, g0 + 1, ... (at most BLOCK, below last) to calls; their count */
static inline int block_calls(uint64_t start, uint64_t stride, int64_t g0, int64_t last,
                              uint64_t *calls)
{
    int m = last - g0 < BLOCK ? (int)(last - g0) : BLOCK;
    for (int i = 0; i < m; i++)
        calls[i] = start + stride * (uint64_t)(g0 + i);
    return m;
}

#define KERNEL(name, type)                                                                     \
    void name(uint64_t key, uint64_t counter, uint64_t start, uint64_t stride, int64_t first, \
              int64_t last, type *out, int64_t param, uint64_t span, int has_scale,            \
              double scale, int has_shift, double shift)

/* v[0..n) times scale, then plus shift, each rounded to `type` (the numpy code's order) */
#define AFFINE(type, v, n)                                                                     \
    do {                                                                                       \
        type *values = (v), typed_scale = (type)scale, typed_shift = (type)shift;              \
        if (has_scale)                                                                         \
            for (int64_t j = 0; j < (n); j++)                                                  \
                values[j] = values[j] * typed_scale;                                           \
        if (has_shift)                                                                         \
            for (int64_t j = 0; j < (n); j++)                                                  \
                values[j] = values[j] + typed_shift;                                           \
    } while (0)

#define FOR_BLOCKS                                                                             \
    uint64_t calls[BLOCK];                                                                     \
    for (int64_t g0 = first, m; g0 < last && (m = block_calls(start, stride, g0, last, calls)); \
         g0 += BLOCK)

/* RandomUniform, float32 (or float16 / bfloat16 values: `param` mantissa bits) */
KERNEL(sv_uniform_float, float)
{
    (void)span;
    FOR_BLOCKS {
        uint32_t w[4][BLOCK];
        philox(key, counter, calls, m, w);
        float *o = out + 4 * g0;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < 4; k++)
                o[4 * i + k] = uniform_float(w[k][i], (int)param);
        AFFINE(float, o, 4 * m);
    }
}

KERNEL(sv_uniform_double, double)
{
    (void)param, (void)span;
    FOR_BLOCKS {
        uint32_t w[4][BLOCK];
        philox(key, counter, calls, m, w);
        double *o = out + 2 * g0;
        for (int i = 0; i < m; i++) {
            o[2 * i] = uniform_double(w[0][i], w[1][i]);
            o[2 * i + 1] = uniform_double(w[2][i], w[3][i]);
        }
        AFFINE(double, o, 2 * m);
    }
}

KERNEL(sv_normal_float, float)
{
    (void)param, (void)span;
    FOR_BLOCKS {
        normal_floats(key, counter, calls, m, out + 4 * g0);
        AFFINE(float, out + 4 * g0, 4 * m);
    }
}

KERNEL(sv_normal_double, double)
{
    (void)param, (void)span;
    FOR_BLOCKS {
        normal_doubles(key, counter, calls, m, out + 2 * g0);
        AFFINE(double, out + 2 * g0, 2 * m);
    }
}

/* TruncatedNormal: a group takes the first values within (-2, 2) of its calls, in order; the
   groups of a block short of values draw their next calls together */
#define TRUNCATED(type, per_call, draw, absolute)                                              \
    FOR_BLOCKS {                                                                               \
        type values[per_call * BLOCK], *o = out + per_call * g0;                               \
        int pending[BLOCK], found[BLOCK], count = (int)m;                                      \
        for (int i = 0; i < m; i++)                                                            \
            pending[i] = i, found[i] = 0;                                                      \
        while (count) {                                                                        \
            draw(key, counter, calls, count, values);                                          \
            int still = 0;                                                                     \
            for (int q = 0; q < count; q++) {                                                  \
                int i = pending[q], k = found[i];                                              \
                for (int j = 0; j < per_call && k < per_call; j++)                             \
                    if (absolute(values[per_call * q + j]) < 2)                                \
                        o[per_call * i + k++] = values[per_call * q + j];                      \
                found[i] = k;                                                                  \
                if (k < per_call) {                                                            \
                    pending[still] = i;                                                        \
                    calls[still++] = calls[q] + 1;    /* still <= q: read before written */    \
                }                                                                              \
            }                                                                                  \
            count = still;                                                                     \
        }                                                                                      \
        AFFINE(type, o, per_call * m);                                                         \
    }

KERNEL(sv_truncated_float, float)
{
    (void)param, (void)span;
    TRUNCATED(float, 4, normal_floats, fabsf)
}

KERNEL(sv_truncated_double, double)
{
    (void)param, (void)span;
    TRUNCATED(double, 2, normal_doubles, fabs)
}

/* RandomUniformInt: param + word % span, wrapping around */
KERNEL(sv_uniform_int32, int32_t)
{
    (void)has_scale, (void)scale, (void)has_shift, (void)shift;
    FOR_BLOCKS {
        uint32_t w[4][BLOCK];
        philox(key, counter, calls, m, w);
        for (int i = 0; i < m; i++)
            for (int k = 0; k < 4; k++)
                out[4 * (g0 + i) + k] = (int32_t)((uint32_t)param + (uint32_t)(w[k][i] % span));
    }
}

KERNEL(sv_uniform_int64, int64_t)
{
    (void)has_scale, (void)scale, (void)has_shift, (void)shift;
    FOR_BLOCKS {
        uint32_t w[4][BLOCK];
        philox(key, counter, calls, m, w);
        for (int i = 0; i < m; i++)
            for (int k = 0; k < 2; k++) {
                uint64_t bits = w[2 * k][i] | (uint64_t)w[2 * k + 1][i] << 32;
                out[2 * (g0 + i) + k] = (int64_t)((uint64_t)param + bits % span);
            }
    }
}

/* The glibc ports on arrays, for the tests */
void sv_logf(const float *x, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = glibc_logf(x[i]);
}

void sv_sincosf(const float *x, float *sin_out, float *cos_out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        glibc_sincosf(x[i], sin_out + i, cos_out + i);
}
