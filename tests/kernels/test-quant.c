/* test-quant.c: the quantization arithmetic (qsk-quant.h): ties, saturation,
 * multiplier/shift accuracy, and integer vs float fake-quant agreement. */
#include <string.h>

#include "qsk-quant.h"
#include "qsk-tap.h"

static void
test_ties (void)
{
  static const struct { int64_t v; int s; int64_t want; } cases[] = {
    { 1, 1, 1 }, { -1, 1, -1 }, { 3, 1, 2 }, { -3, 1, -2 }, { 5, 1, 3 }, { -5, 1, -3 },
    { 6, 2, 2 }, { -6, 2, -2 }, { 5, 2, 1 }, { -5, 2, -1 }, { 7, 0, 7 },
    { INT64_MIN, 63, -1 }, { INT64_MAX, 63, 1 }, { (int64_t) 1 << 40, 41, 1 },
  };
  bool ok = true;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ok &= qsk_round_shift (cases[i].v, cases[i].s) == cases[i].want;
  tap_ok (ok, "qsk_round_shift rounds half away from zero");

  ok = roundf (2.5f) == 3.0f && roundf (-2.5f) == -3.0f && roundf (0.5f) == 1.0f;
  tap_ok (ok, "roundf (fake-quant) rounds half away from zero too");
}

static void
test_quantize (void)
{
  float x[] = { 1.25f, -1.25f, 0.75f, 1000.0f, -1000.0f, NAN, 0.0f, -0.24f };
  int8_t q8[8];
  int16_t q16[8];
  float back[8];

  qsk_quantize_f32 (8, x, 0.5f, QSK_S8, q8);
  tap_ok (q8[0] == 3 && q8[1] == -3 && q8[2] == 2 && q8[3] == 127 && q8[4] == -128
          && q8[5] == 0 && q8[6] == 0 && q8[7] == 0,
          "quantize s8: ties away, saturation, NaN -> 0");
  qsk_quantize_f32 (8, x, 0.01f, QSK_S16, q16);
  tap_ok (q16[3] == 32767 && q16[4] == -32768 && q16[0] == 125, "quantize s16 saturates");
  qsk_dequantize_f32 (8, q8, QSK_S8, 0.5f, back);
  tap_ok (back[0] == 1.5f && back[3] == 63.5f && back[4] == -64.0f, "dequantize s8");
  tap_ok (qsk_fake_quant (1.25f, 0.5f, QSK_S8) == 1.5f
          && qsk_fake_quant (-100.0f, 0.5f, QSK_S8) == -64.0f, "fake-quant = dequant (quant)");
}

/* the tensor quantizer (hand-rounded) against qsk_fake_quant (roundf) on halves,
 * neighbours of halves, the range edges, specials and random values */
static void
test_quantize_matches_fake_quant (void)
{
  enum { N = 4096 };
  static float x[N];
  static int8_t q8[N];
  static int16_t q16[N];
  const float scales[] = { 0.5f, 0.01f, 3.0e-3f, 7.0f };
  size_t bad = 0;

  for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++)
    {
      float sc = scales[s];

      for (int i = 0; i < N; i++)
        {
          float h = ((float) (i % 700) - 350.0f + 0.5f) * sc;

          x[i] = i % 4 == 0 ? h : i % 4 == 1 ? nextafterf (h, INFINITY)
                 : i % 4 == 2 ? nextafterf (h, -INFINITY)
                              : test_randf (-40000.0f, 40000.0f) * sc;
        }
      x[0] = NAN, x[1] = INFINITY, x[2] = -INFINITY, x[3] = -0.0f, x[5] = 1e30f;
      x[6] = 127.5f * sc, x[7] = -128.5f * sc, x[9] = 32767.5f * sc, x[10] = -32768.5f * sc;
      qsk_quantize_f32 (N, x, sc, QSK_S8, q8);
      qsk_quantize_f32 (N, x, sc, QSK_S16, q16);
      for (int i = 0; i < N; i++)
        {
          bad += (float) q8[i] * sc != qsk_fake_quant (x[i], sc, QSK_S8);
          bad += (float) q16[i] * sc != qsk_fake_quant (x[i], sc, QSK_S16);
        }
    }
  tap_ok (bad == 0, "quantize_f32 = fake-quant's rounding on halves, edges, specials (%zu differ)",
          bad);
}

static void
test_multiplier (void)
{
  double worst = 0.0;
  bool normalized = true;

  for (int i = 0; i <= 2000; i++)
    {
      double r = pow (10.0, -6.0 + 9.0 * i / 2000.0);
      QskRequant rq = qsk_requant_from_ratio (r);
      double e = fabs (qsk_requant_to_double (rq) - r) / r;

      worst = e > worst ? e : worst;
      normalized &= rq.mult >= (1 << 30) && rq.shift >= 0 && rq.shift <= 63;
    }
  tap_ok (worst <= ldexp (1.0, -31) && normalized,
          "multiplier/shift round-trip over 1e-6..1e3: rel err %.3g <= 2^-31", worst);
  tap_ok (qsk_requant_from_ratio (0.0).mult == 0
          && qsk_requant_from_ratio (1.0).mult == (1 << 30)
          && qsk_requant_from_ratio (1.0).shift == 30, "ratio 0 and 1 are exact");
  tap_ok (qsk_requant_apply32 (12345, qsk_requant_from_ratio (1.0)) == 12345
          && qsk_requant_apply32 (-7, qsk_requant_from_ratio (0.5)) == -4
          && qsk_requant_apply32 (7, qsk_requant_from_ratio (0.5)) == 4,
          "requantize by 1 is identity, by 1/2 rounds ties away");
}

/* integer requant agrees with the float model round (acc * ratio) within 1 LSB, and
 * exactly unless the product is within its multiplier error (|acc * ratio| * 2^-30) of
 * a tie */
static void
test_requant_vs_float (void)
{
  int max_diff = 0, inexact_far_from_tie = 0;

  for (int i = 0; i < 200000; i++)
    {
      double r = pow (10.0, test_randf (-6.0f, 3.0f));
      int32_t acc = (int32_t) (test_rand () % 2000001) - 1000000;
      QskRequant rq = qsk_requant_from_ratio (r);
      double exact = (double) acc * r, frac = exact - floor (exact);
      int64_t got = qsk_requant_apply32 (acc, rq), want = (int64_t) round (exact);
      int d = (int) llabs (got - want);

      max_diff = d > max_diff ? d : max_diff;
      if (d && fabs (frac - 0.5) > fabs (exact) * ldexp (1.0, -30) + 1e-12)
        inexact_far_from_tie++;
    }
  tap_ok (max_diff <= 1 && inexact_far_from_tie == 0,
          "requantize vs round (acc * ratio): max %d LSB, %d off away from ties", max_diff,
          inexact_far_from_tie);
}

static void
test_int64_path (void)
{
  bool same = true, big_ok = true;

  for (int i = 0; i < 100000; i++)
    {
      /* any int32 (the conversion wraps; no signed overflow) */
      int32_t acc = (int32_t) test_rand ();
      QskRequant rq = qsk_requant_from_ratio (pow (10.0, test_randf (-6.0f, 3.0f)));

      same &= qsk_requant_apply (acc, rq) == qsk_requant_apply32 (acc, rq);
    }
  tap_ok (same, "int64 requantize equals the int32 fast path on int32 inputs");
  for (int i = 0; i < 10000; i++)
    {
      int64_t acc = ((int64_t) test_rand () << 20) * (test_rand () & 1 ? 1 : -1);
      double r = pow (10.0, test_randf (-9.0f, -3.0f));
      QskRequant rq = qsk_requant_from_ratio (r);
      double want = round ((double) acc * qsk_requant_to_double (rq));

      big_ok &= fabs ((double) qsk_requant_apply (acc, rq) - want) <= 1.0;
    }
  tap_ok (big_ok, "int64 accumulators (s16 x s16) requantize within 1 LSB of double");
}

static void
test_saturation (void)
{
  int32_t acc[] = { 1000000, -1000000, 100, -100 };
  int8_t y8[4];
  int16_t y16[4];
  int32_t lo, hi;

  qsk_requantize_s32 (4, acc, qsk_requant_from_ratio (1.0), QSK_S8, y8);
  tap_ok (y8[0] == 127 && y8[1] == -128 && y8[2] == 100 && y8[3] == -100,
          "requantize saturates to int8");
  qsk_requantize_s32 (4, acc, qsk_requant_from_ratio (1.0), QSK_S16, y16);
  tap_ok (y16[0] == 32767 && y16[1] == -32768, "requantize saturates to int16");
  qsk_quant_act_bounds (QSK_ACT_RELU6, 0.05f, QSK_S8, &lo, &hi);
  tap_ok (lo == 0 && hi == 120, "relu6 bounds at scale 0.05: [0, 120]");
  qsk_quant_act_bounds (QSK_ACT_RELU6, 0.01f, QSK_S8, &lo, &hi);
  tap_ok (lo == 0 && hi == 127, "relu6 bounds clip to the type");
}

static void
test_requant2_and_lut (void)
{
  QskRequant2 rq = qsk_requant2_from_ratios (0.75, 0.001);
  int8_t table[256];
  bool ok = true, mono = true;

  tap_ok (fabs (ldexp (rq.ma, -rq.shift) - 0.75) < 1e-9
          && fabs (ldexp (rq.mb, -rq.shift) - 0.001) < 1e-9 * 0.001 * 1e3,
          "two-input requant keeps both ratios (shift %d)", rq.shift);
  qsk_quant_lut_build (QSK_LUT_SIGMOID, 0.05f, 1.0f / 128, table);
  for (int i = 1; i < 256; i++)
    mono &= table[i] >= table[i - 1];
  ok = table[128] == 64 && table[255] == 127 && table[0] >= 0 && mono;
  tap_ok (ok, "sigmoid LUT: f(0) = 0.5, monotone, saturates");
  qsk_quant_lut_build (QSK_LUT_HARDSWISH, 0.1f, 0.1f, table);
  tap_ok (table[128] == 0 && table[128 + 40] == 40 && table[128 - 40] == 0
          && table[128 + 10] == 7, "hardswish LUT: 0, identity above 3, 0 below -3");
}

int
main (void)
{
  test_ties ();
  test_quantize ();
  test_quantize_matches_fake_quant ();
  test_multiplier ();
  test_requant_vs_float ();
  test_int64_path ();
  test_saturation ();
  test_requant2_and_lut ();
  return tap_done ();
}
