/* qsk-quant.h: the quantization arithmetic, defined once (libc only)
 *
 * Every integer kernel, every SIMD variant, the converter and the tests use these
 * functions, so there is exactly one definition of rounding, requantization and
 * saturation.  docs/quantization.md explains the scheme; in short:
 *
 *  - symmetric (zero point 0): real = q * scale;
 *  - one rounding rule: round half away from zero (qsk_round_shift(), roundf());
 *  - requantization multiplies by a fixed-point multiplier and shifts right once:
 *      q_out = sat (rhaz (acc * mult / 2^shift)),  mult in [2^30, 2^31), shift in [0, 63].
 */
#pragma once

#include <stdint.h>
#include <stddef.h>

typedef enum
{
  QSK_S8,   /* int8  [-128, 127] */
  QSK_S16,  /* int16 [-32768, 32767] */
} QskDType;

/* A real multiplier r ~= mult * 2^-shift, as computed by qsk_requant_from_ratio(). */
typedef struct
{
  int32_t mult;   /* in [2^30, 2^31), or 0 when r flushes to zero */
  int32_t shift;  /* total right shift, in [0, 63] */
} QskRequant;

/* Rescaling of two inputs onto one output (int8 add): y = rhaz ((a*ma + b*mb) / 2^shift).
 * Both ratios share one shift so there is a single rounding. */
typedef struct
{
  int32_t ma, mb;  /* each < 2^31 */
  int32_t shift;   /* in [0, 62] */
} QskRequant2;

int32_t    qsk_dtype_min            (QskDType t);
int32_t    qsk_dtype_max            (QskDType t);
size_t     qsk_dtype_size           (QskDType t);

/* Saturate to [lo, hi]. */
static inline int32_t
qsk_sat (int64_t v, int32_t lo, int32_t hi)
{
  return v < lo ? lo : v > hi ? hi : (int32_t) v;
}

/* Round v / 2^shift half away from zero, exactly, for any int64 v and shift in [0, 63]. */
static inline int64_t
qsk_round_shift (int64_t v, int shift)
{
  uint64_t mag;

  if (shift == 0)
    return v;
  mag = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
  /* mag <= 2^63; adding 2^(shift-1) <= 2^62 cannot wrap a uint64 */
  mag = (mag + ((uint64_t) 1 << (shift - 1))) >> shift;
  return v < 0 ? -(int64_t) mag : (int64_t) mag;
}

/* The multiplier/shift closest to ratio (> 0).  Ratios below ~2^-32 flush to zero;
 * ratios at or above 2^31 are clamped (asserted in debug builds). */
QskRequant qsk_requant_from_ratio   (double ratio);
/* The real number a QskRequant stands for. */
double     qsk_requant_to_double    (QskRequant rq);
QskRequant2 qsk_requant2_from_ratios (double ra, double rb);

/* rhaz (acc * mult / 2^shift), unsaturated.  acc may be any int64 (int16 x int16
 * accumulators); the 95-bit product is formed exactly. */
int64_t    qsk_requant_apply        (int64_t acc, QskRequant rq);

/* Fast path for |acc| < 2^31: identical results to qsk_requant_apply(). */
static inline int64_t
qsk_requant_apply32 (int32_t acc, QskRequant rq)
{
  return qsk_round_shift ((int64_t) acc * rq.mult, rq.shift);
}

/* requantize and saturate to [lo, hi] (lo/hi already inside the output type) */
static inline int32_t
qsk_requant_sat (int64_t acc, QskRequant rq, int32_t lo, int32_t hi)
{
  int64_t v = (acc > INT32_MIN && acc <= INT32_MAX) ? qsk_requant_apply32 ((int32_t) acc, rq)
                                                    : qsk_requant_apply (acc, rq);
  return qsk_sat (v, lo, hi);
}

/* Float <-> integer, count elements, y = sat (roundf (x / scale)); NaN maps to 0. */
void       qsk_quantize_f32         (size_t count, const float *restrict x, float scale,
                                     QskDType t, void *restrict y);
void       qsk_dequantize_f32       (size_t count, const void *restrict x, QskDType t,
                                     float scale, float *restrict y);
/* The float model of the above, for fake-quant: sat (roundf (x / scale)) * scale. */
float      qsk_fake_quant           (float x, float scale, QskDType t);
/* y[i] = sat (requant (x[i])) for int32 accumulators. */
void       qsk_requantize_s32       (size_t count, const int32_t *restrict x, QskRequant rq,
                                     QskDType t, void *restrict y);

/* Integer clamp bounds for a fused activation in the output's domain. */
typedef enum
{
  QSK_ACT_NONE,
  QSK_ACT_RELU,
  QSK_ACT_RELU6,
} QskAct;

void       qsk_quant_act_bounds     (QskAct act, float y_scale, QskDType t,
                                     int32_t *lo, int32_t *hi);

/* 256-entry lookup tables for int8 activations: table[q + 128] for input q. */
typedef enum
{
  QSK_LUT_SIGMOID,
  QSK_LUT_SILU,
  QSK_LUT_HARDSWISH,
  QSK_LUT_HARDSIGMOID,
  QSK_LUT_TANH,
  QSK_LUT_GELU,
} QskLutOp;

/* table[i] = sat (rhaz (f ((i - 128) * x_scale) / y_scale)), f evaluated in double. */
void       qsk_quant_lut_build      (QskLutOp op, float x_scale, float y_scale,
                                     int8_t table[256]);
