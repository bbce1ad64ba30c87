/* qsk-quant.c: the quantization arithmetic, defined once (libc only) */
#include "qsk-quant.h"

#include <assert.h>
#include <math.h>

int32_t
qsk_dtype_min (QskDType t)
{
  return t == QSK_S8 ? INT8_MIN : INT16_MIN;
}

int32_t
qsk_dtype_max (QskDType t)
{
  return t == QSK_S8 ? INT8_MAX : INT16_MAX;
}

size_t
qsk_dtype_size (QskDType t)
{
  return t == QSK_S8 ? 1 : 2;
}

QskRequant
qsk_requant_from_ratio (double ratio)
{
  QskRequant rq = { 0, 0 };
  int e;
  double f;
  long long m;

  assert (ratio >= 0.0 && isfinite (ratio));
  if (ratio == 0.0)
    return rq;
  f = frexp (ratio, &e);                /* ratio = f * 2^e, f in [0.5, 1) */
  m = llround (f * 2147483648.0);       /* f * 2^31 in [2^30, 2^31] */
  if (m == 2147483648LL)
    {
      m /= 2;
      e++;
    }
  if (31 - e < 0)
    {
      assert (!"requantization ratio >= 2^31");
      rq.mult = INT32_MAX;
      rq.shift = 0;
      return rq;
    }
  if (31 - e > 63)
    {
      /* tiny ratio: keep shift at 63 and round the multiplier down to fit */
      m = (long long) qsk_round_shift (m, 31 - e - 63 > 62 ? 62 : 31 - e - 63);
      e = 31 - 63;
    }
  rq.mult = (int32_t) m;
  rq.shift = 31 - e;
  return rq;
}

double
qsk_requant_to_double (QskRequant rq)
{
  return ldexp ((double) rq.mult, -rq.shift);
}

QskRequant2
qsk_requant2_from_ratios (double ra, double rb)
{
  QskRequant2 rq;
  int ea, eb, shift;
  double big = ra > rb ? ra : rb;

  assert (ra >= 0.0 && rb >= 0.0 && big > 0.0);
  frexp (ra, &ea);
  frexp (rb, &eb);
  shift = 31 - (ra > rb ? ea : eb);
  if (shift > 62)
    shift = 62;
  if (shift < 0)
    shift = 0;
  /* rounding may reach 2^31: drop one bit of precision then */
  while (shift > 0 && (llround (ldexp (ra, shift)) > INT32_MAX
                       || llround (ldexp (rb, shift)) > INT32_MAX))
    shift--;
  rq.ma = (int32_t) llround (ldexp (ra, shift));
  rq.mb = (int32_t) llround (ldexp (rb, shift));
  rq.shift = shift;
  (void) big;
  return rq;
}

int64_t
qsk_requant_apply (int64_t acc, QskRequant rq)
{
  uint64_t mag, lo32, hi32, p_lo, p_hi, lo, hi, r, res;
  int s = rq.shift;

  assert (rq.mult >= 0 && s >= 0 && s <= 63);
  /* |acc| * mult as a 128-bit (hi, lo) pair, then one rounding shift */
  mag = acc < 0 ? (uint64_t) 0 - (uint64_t) acc : (uint64_t) acc;
  lo32 = mag & 0xffffffffu;
  hi32 = mag >> 32;
  p_lo = lo32 * (uint64_t) rq.mult;
  p_hi = hi32 * (uint64_t) rq.mult;
  lo = p_lo + (p_hi << 32);
  hi = (p_hi >> 32) + (lo < p_lo);
  if (s > 0)
    {
      r = (uint64_t) 1 << (s - 1);
      lo += r;
      hi += lo < r;
      res = (lo >> s) | (hi << (64 - s));
      hi >>= s;
    }
  else
    res = lo;
  if (hi != 0 || res > (uint64_t) INT64_MAX)
    res = (uint64_t) INT64_MAX;   /* far outside every output type: saturates later */
  return acc < 0 ? -(int64_t) res : (int64_t) res;
}

static int32_t
quantize_one (float x, float scale, QskDType t)
{
  float q = roundf (x / scale);
  float lo = (float) qsk_dtype_min (t), hi = (float) qsk_dtype_max (t);

  if (isnan (q))
    return 0;
  return q < lo ? (int32_t) lo : q > hi ? (int32_t) hi : (int32_t) q;
}

/* quantize_one without the roundf call, for whole tensors: clamped to one beyond the
 * range (|v| < 2^23, so truncation and v - trunc (v) are exact), rounded half away
 * from zero by hand, saturated.  Equal to quantize_one for every input. */
static inline int32_t
quantize_fast (float x, float scale, int32_t lo, int32_t hi)
{
  float v = x / scale, flo = (float) lo - 1.0f, fhi = (float) hi + 1.0f, d;
  int32_t q;

  if (v != v)
    return 0;
  v = v < flo ? flo : v > fhi ? fhi : v;
  q = (int32_t) v;
  d = v - (float) q;
  q += d >= 0.5f ? 1 : d <= -0.5f ? -1 : 0;
  return q < lo ? lo : q > hi ? hi : q;
}

void
qsk_quantize_f32 (size_t count, const float *restrict x, float scale, QskDType t,
                  void *restrict y)
{
  int32_t lo = qsk_dtype_min (t), hi = qsk_dtype_max (t);

  assert (scale > 0.0f);
  if (t == QSK_S8)
    for (size_t i = 0; i < count; i++)
      ((int8_t *) y)[i] = (int8_t) quantize_fast (x[i], scale, lo, hi);
  else
    for (size_t i = 0; i < count; i++)
      ((int16_t *) y)[i] = (int16_t) quantize_fast (x[i], scale, lo, hi);
}

void
qsk_dequantize_f32 (size_t count, const void *restrict x, QskDType t, float scale,
                    float *restrict y)
{
  if (t == QSK_S8)
    for (size_t i = 0; i < count; i++)
      y[i] = (float) ((const int8_t *) x)[i] * scale;
  else
    for (size_t i = 0; i < count; i++)
      y[i] = (float) ((const int16_t *) x)[i] * scale;
}

float
qsk_fake_quant (float x, float scale, QskDType t)
{
  return (float) quantize_one (x, scale, t) * scale;
}

void
qsk_requantize_s32 (size_t count, const int32_t *restrict x, QskRequant rq, QskDType t,
                    void *restrict y)
{
  int32_t lo = qsk_dtype_min (t), hi = qsk_dtype_max (t);

  if (t == QSK_S8)
    for (size_t i = 0; i < count; i++)
      ((int8_t *) y)[i] = (int8_t) qsk_requant_sat (x[i], rq, lo, hi);
  else
    for (size_t i = 0; i < count; i++)
      ((int16_t *) y)[i] = (int16_t) qsk_requant_sat (x[i], rq, lo, hi);
}

void
qsk_quant_act_bounds (QskAct act, float y_scale, QskDType t, int32_t *lo, int32_t *hi)
{
  *lo = qsk_dtype_min (t);
  *hi = qsk_dtype_max (t);
  if (act == QSK_ACT_RELU || act == QSK_ACT_RELU6)
    *lo = 0;
  if (act == QSK_ACT_RELU6)
    *hi = quantize_one (6.0f, y_scale, t);
}

static double
lut_fn (QskLutOp op, double x)
{
  double r6 = fmin (fmax (x + 3.0, 0.0), 6.0) / 6.0;

  switch (op)
    {
    case QSK_LUT_SIGMOID:     return 1.0 / (1.0 + exp (-x));
    case QSK_LUT_SILU:        return x / (1.0 + exp (-x));
    case QSK_LUT_HARDSWISH:   return x * r6;
    case QSK_LUT_HARDSIGMOID: return r6;
    case QSK_LUT_TANH:        return tanh (x);
    case QSK_LUT_GELU:        return 0.5 * x * (1.0 + erf (x / sqrt (2.0)));
    default:                  assert (!"unknown LUT op"); return 0.0;
    }
}

void
qsk_quant_lut_build (QskLutOp op, float x_scale, float y_scale, int8_t table[256])
{
  assert (x_scale > 0.0f && y_scale > 0.0f);
  for (int i = 0; i < 256; i++)
    {
      double v = round (lut_fn (op, (double) (i - 128) * x_scale) / y_scale);

      table[i] = (int8_t) (v < -128.0 ? -128 : v > 127.0 ? 127 : (int) v);
    }
}
