/* test-ops.c: the reference kernels mean what PyTorch means (hand-checked values). */
#include <string.h>

#include "qsk.h"
#include "qsk-tap.h"

static bool
near (const float *got, const float *want, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!(fabsf (got[i] - want[i]) <= 1e-5f * (1.0f + fabsf (want[i]))))
      return false;
  return true;
}

static void
test_pool (void)
{
  float x[16], y[9];
  QskPool2dF32Args p = { .g = { .n = 1, .c = 1, .ih = 4, .iw = 4, .kh = 3, .kw = 3,
                                .sh = 2, .sw = 2, .pt = 1, .pl = 1, .pb = 1, .pr = 1,
                                .ceil_mode = false, .count_include_pad = true,
                                .mode = QSK_POOL_AVG }, .x = x, .y = y };
  static const float want_incl[4] = { 10.0f / 9, 24.0f / 9, 51.0f / 9, 90.0f / 9 };
  static const float want_excl[4] = { 2.5f, 4.0f, 8.5f, 10.0f };
  static const float want_max[4] = { 5, 7, 13, 15 };

  for (int i = 0; i < 16; i++)
    x[i] = (float) i;
  tap_ok (qsk_pool_out_size (5, 2, 2, 0, 0, true) == 3
          && qsk_pool_out_size (5, 2, 2, 0, 0, false) == 2
          && qsk_pool_out_size (4, 3, 2, 1, 1, true) == 3
          && qsk_pool_out_size (112, 3, 2, 1, 1, false) == 56, "pool output sizes, ceil_mode");
  qsk_pool2d_f32__ref (&p, NULL);
  tap_ok (near (y, want_incl, 4), "avg pool, count_include_pad");
  p.g.count_include_pad = false;
  qsk_pool2d_f32__ref (&p, NULL);
  tap_ok (near (y, want_excl, 4), "avg pool, padding excluded");
  p.g.mode = QSK_POOL_MAX;
  qsk_pool2d_f32__ref (&p, NULL);
  tap_ok (near (y, want_max, 4), "max pool ignores padding");
}

static void
test_upsample_adaptive (void)
{
  float x[4] = { 1, 2, 3, 4 }, y[16];
  QskUpsample2dF32Args u = { .n = 1, .c = 1, .ih = 2, .iw = 2, .oh = 4, .ow = 4,
                             .mode = QSK_UPSAMPLE_BILINEAR, .align_corners = true,
                             .x = x, .y = y };
  static const float ac_row0[4] = { 1, 4.0f / 3, 5.0f / 3, 2 };
  static const float nac_row0[4] = { 1, 1.25f, 1.75f, 2 };
  static const float nearest[4] = { 1, 1, 2, 2 };
  float big[30], ad[6];
  QskAdaptivePool2dF32Args a = { .n = 1, .c = 1, .ih = 5, .iw = 6, .oh = 3, .ow = 2,
                                 .x = big, .y = ad };

  qsk_upsample2d_f32__ref (&u, NULL);
  tap_ok (near (y, ac_row0, 4) && y[15] == 4.0f, "bilinear, align_corners=True");
  u.align_corners = false;
  qsk_upsample2d_f32__ref (&u, NULL);
  tap_ok (near (y, nac_row0, 4), "bilinear, align_corners=False");
  u.mode = QSK_UPSAMPLE_NEAREST;
  qsk_upsample2d_f32__ref (&u, NULL);
  tap_ok (near (y, nearest, 4), "nearest");
  for (int i = 0; i < 30; i++)
    big[i] = (float) i;
  qsk_adaptive_avg_pool2d_f32__ref (&a, NULL);
  /* rows [0,2) [1,4) [3,5); cols [0,3) [3,6) */
  tap_ok (fabsf (ad[0] - 4.0f) < 1e-5f && fabsf (ad[5] - 25.0f) < 1e-5f
          && fabsf (ad[2] - 13.0f) < 1e-5f, "adaptive avg pool windows");
}

static void
test_elementwise (void)
{
  size_t as[3] = { 2, 1, 3 }, bs[2] = { 4, 1 };
  QskBinaryF32Args p = { .op = QSK_BINARY_SUB };
  float a[6] = { 0, 1, 2, 3, 4, 5 }, b[4] = { 10, 20, 30, 40 }, y[24];
  float u[5] = { -2, -0.5f, 0, 1, 4 }, uy[5];
  QskUnaryF32Args un = { .op = QSK_UNARY_HARDSWISH, .count = 5, .x = u, .y = uy };
  static const float hs[5] = { -1.0f / 3, -0.5f * 2.5f / 6, 0, 4.0f / 6, 4 };

  tap_ok (qsk_broadcast_init (&p.bc, 3, as, 2, bs) && p.bc.shape[0] == 2
          && p.bc.shape[1] == 4 && p.bc.shape[2] == 3
          && !qsk_broadcast_init (&p.bc, 1, as, 1, bs),
          "broadcast shapes");
  qsk_broadcast_init (&p.bc, 3, as, 2, bs);
  p.a = a, p.b = b, p.y = y;
  qsk_binary_f32__ref (&p, NULL);
  tap_ok (y[0] == -10 && y[5] == -18 && y[23] == 5 - 40 && y[12] == 3 - 10, "broadcast sub");
  qsk_unary_f32__ref (&un, NULL);
  tap_ok (near (uy, hs, 5), "hardswish");
  un.op = QSK_UNARY_GELU;
  qsk_unary_f32__ref (&un, NULL);
  tap_ok (fabsf (uy[3] - 0.8413447f) < 1e-6f, "gelu (erf)");
}

static void
test_layout (void)
{
  float x[24], y[24], s[6], sy[6], c[30];
  QskPermuteArgs p = { .elem_size = sizeof (float), .rank = 3, .shape = { 2, 3, 4 },
                       .perm = { 2, 0, 1 }, .x = x, .y = y };
  QskSoftmaxF32Args sm = { .outer = 2, .axis_len = 3, .inner = 1, .x = s, .y = sy };
  const void *ins[2] = { x, s };
  size_t chunk[2] = { 12, 3 };
  QskConcatArgs cc = { .elem_size = sizeof (float), .outer = 2, .n_inputs = 2,
                       .inputs = ins, .chunk = chunk, .y = c };

  for (int i = 0; i < 24; i++)
    x[i] = (float) i;
  qsk_permute__ref (&p, NULL);
  /* y[k][i][j] = x[i][j][k]; y shape 4x2x3 */
  tap_ok (y[0] == 0 && y[1] == 4 && y[3] == 12 && y[6] == 1 && y[23] == 23, "permute (2,0,1)");
  for (int i = 0; i < 6; i++)
    s[i] = (float) i;
  qsk_softmax_f32__ref (&sm, NULL);
  tap_ok (fabsf (sy[0] + sy[1] + sy[2] - 1.0f) < 1e-6f && fabsf (sy[5] - 0.66524096f) < 1e-6f,
          "softmax");
  qsk_concat__ref (&cc, NULL);
  tap_ok (c[11] == 11 && c[12] == 0 && c[14] == 2 && c[15] == 12 && c[29] == 5, "concat");
}

static void
test_int8_ops (void)
{
  int8_t a[4] = { 100, -100, 3, -3 }, b[4] = { 100, -100, 1, -2 }, y[4];
  size_t shape[1] = { 4 };
  QskAddS8Args p = { .rq = qsk_requant2_from_ratios (0.5, 0.5), .out_min = -128,
                     .out_max = 127, .a = a, .b = b, .y = y };
  int8_t x[4] = { 1, 2, -3, -4 }, py[1];
  QskPool2dS8Args pool = { .g = { .n = 1, .c = 1, .ih = 2, .iw = 2, .kh = 2, .kw = 2,
                                  .sh = 2, .sw = 2, .mode = QSK_POOL_AVG }, .x = x, .y = py };
  int8_t table[256];
  QskLutS8Args lut = { .count = 4, .table = table, .x = a, .y = y };

  qsk_broadcast_init (&p.bc, 1, shape, 1, shape);
  qsk_add_s8__ref (&p, NULL);
  tap_ok (y[0] == 100 && y[1] == -100 && y[2] == 2 && y[3] == -3,
          "int8 add rescales and rounds ties away");
  qsk_pool2d_s8__ref (&pool, NULL);
  tap_ok (py[0] == -1, "int8 avg pool: -4 / 4 = -1");
  x[3] = -2;
  qsk_pool2d_s8__ref (&pool, NULL);
  tap_ok (py[0] == -1, "int8 avg pool: -2 / 4 = -0.5 -> -1 (away from zero)");
  for (int i = 0; i < 256; i++)
    table[i] = (int8_t) (127 - i);
  qsk_lut_s8__ref (&lut, NULL);
  tap_ok (y[0] == 127 - 228 + 0 * 1 && y[1] == 127 - 28, "int8 LUT indexes x + 128");
}

int
main (void)
{
  test_pool ();
  test_upsample_adaptive ();
  test_elementwise ();
  test_layout ();
  test_int8_ops ();
  return tap_done ();
}
