/* qsk-gemm-q.c: the portable integer GEMM variant (the driver in qsk-gemm-q.inc with
 * a plain-C micro-kernel over int16 pairs) and weight pre-packing. */
#include "qsk-internal.h"

#include "qsk-gemm-q.inc"

static const QskQgemmInfo *
info_for_fn (Qsk_conv2d_q_fn fn, QskDType x, QskDType w)
{
  if (x == QSK_S16 && w == QSK_S16)
    return NULL;
  if (fn == qsk_conv2d_q__c)
    return &qsk_qgemm_c;
#ifdef QSK_HAVE_X86
  if (fn == qsk_conv2d_q__avx2)
    return &qsk_qgemm_avx2;
  if (fn == qsk_conv2d_q__avx512vnni)
    return x == QSK_S8 && w == QSK_S8 ? &qsk_qgemm_vnni : &qsk_qgemm_avx2;
#endif
  return NULL;
}

size_t
qsk_conv2d_q_pack_layout (Qsk_conv2d_q_fn fn, QskDType x_type, QskDType w_type)
{
  const QskQgemmInfo *info = info_for_fn (fn, x_type, w_type);

  return info ? layout_of (info) : 0;
}

/* the info a layout id stands for (only mr and pack matter for packing) */
static bool
layout_decode (size_t layout, QskQgemmInfo *info)
{
  size_t kg = layout >> 8, mr = layout & 0xff;

  if ((kg != 2 && kg != 4) || mr == 0 || mr > MAX_MR)
    return false;
  info->mr = mr;
  info->pack = kg == 4 ? QSK_QPACK_U8S8_QUADS : QSK_QPACK_S16_PAIRS;
  return true;
}

size_t
qsk_conv2d_q_packed_size (const QskConvGeom *g, size_t layout)
{
  QskQgemmInfo info = { 0 };
  size_t k = g->ic / g->groups * g->kh * g->kw;

  if (!layout_decode (layout, &info) || (k + 3) / 4 * 4 > MAX_KQ * 2 || g->groups == 0)
    return 0;
  if (info.pack == QSK_QPACK_U8S8_QUADS && direct_geom (g))
    return (g->oc + info.mr - 1) / info.mr * (direct_kq (g) * info.mr + info.mr)
           * sizeof (int32_t);
  return g->groups * packed_group_words (&info, g->oc / g->groups, k) * sizeof (int32_t);
}

void
qsk_conv2d_q_pack (const QskConvGeom *g, size_t layout, QskDType w_type, const void *w,
                   void *packed)
{
  QskQgemmInfo info = { 0 };
  size_t k = g->ic / g->groups * g->kh * g->kw, ocg = g->oc / g->groups, es = qsk_dtype_size (w_type);
  size_t kg, kq, tiles;
  int32_t *out = packed;

  assert (qsk_conv2d_q_packed_size (g, layout) > 0);
  layout_decode (layout, &info);
  if (info.pack == QSK_QPACK_U8S8_QUADS && direct_geom (g))
    {
      assert (w_type == QSK_S8);
      pack_direct (g, info.mr, w, out);
      return;
    }
  kg = kgroup (&info), kq = (k + kg - 1) / kg, tiles = (ocg + info.mr - 1) / info.mr;
  for (size_t grp = 0; grp < g->groups; grp++)
    for (size_t t = 0; t < tiles; t++)
      {
        size_t rows = ocg - t * info.mr < info.mr ? ocg - t * info.mr : info.mr;

        pack_a_rows (out, out + kq * info.mr,
                     (const char *) w + (grp * ocg + t * info.mr) * k * es, w_type, k, 1,
                     rows, k, info.mr, info.pack);
        out += kq * info.mr + info.mr;
      }
}

/* ---- portable micro-kernel: 4 x 8 over int16 pairs ----------------------------------- */

#define C_MR 4
#define C_NR 8

static void
qgemm_ukernel_c (size_t kq, const int32_t *ap, const void *bp, int32_t *acc)
{
  const int16_t *b = bp;

  for (size_t t = 0; t < C_MR * C_NR; t++)
    acc[t] = 0;
  for (size_t q = 0; q < kq; q++)
    for (size_t r = 0; r < C_MR; r++)
      {
        const int16_t *a = (const int16_t *) (ap + q * C_MR + r);

        for (size_t j = 0; j < C_NR; j++)
          acc[r * C_NR + j] += a[0] * b[(q * C_NR + j) * 2] + a[1] * b[(q * C_NR + j) * 2 + 1];
      }
}

const QskQgemmInfo qsk_qgemm_c = { C_MR, C_NR, QSK_QPACK_S16_PAIRS, qgemm_ukernel_c, NULL };

void
qsk_conv2d_q__c (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  conv2d_q_gemm (args, pool, &qsk_qgemm_c);
}

void
qsk_matmul_q__c (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  matmul_q_gemm (args, pool, &qsk_qgemm_c);
}
