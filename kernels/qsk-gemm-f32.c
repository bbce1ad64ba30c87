/* qsk-gemm-f32.c: the portable float GEMM variant (the driver in qsk-gemm-f32.inc
 * with a plain-C micro-kernel), the scalar epilogue and weight pre-packing. */
#include "qsk-internal.h"

#include <assert.h>
#include <math.h>
#include <string.h>
#include "qsk-gemm-f32.inc"

void
qsk_f32_epilogue_scalar (size_t mr, size_t nr, const float *tile, size_t ld_tile, float *c,
                         size_t ldc, const QskF32Epilogue *epi)
{
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++)
      {
        float v = tile[r * ld_tile + j];

        if (epi->load_c)
          v += c[r * ldc + j];
        if (epi->bias_row != NULL)
          v += epi->bias_row[r];
        if (epi->bias_col != NULL)
          v += epi->bias_col[j];
        v = v < epi->lo ? epi->lo : v > epi->hi ? epi->hi : v;
        c[r * ldc + j] = v;
      }
}

/* ---- pre-packed conv weights ------------------------------------------------------ */

size_t
qsk_conv2d_f32_pack_layout (Qsk_conv2d_f32_fn fn)
{
  if (fn == qsk_conv2d_f32__c)
    return qsk_sgemm_c.mr;
#ifdef QSK_HAVE_X86
  if (fn == qsk_conv2d_f32__avx2)
    return qsk_sgemm_avx2.mr;
  if (fn == qsk_conv2d_f32__avx512)
    return qsk_sgemm_avx512.mr;
#endif
  return 0;
}

size_t
qsk_conv2d_f32_packed_size (const QskConvGeom *g, size_t layout)
{
  size_t ocg = g->oc / g->groups, k = g->ic / g->groups * g->kh * g->kw;

  if (layout == 0 || layout > MAX_MR || g->ic == g->groups)
    return 0;
  return g->groups * ((ocg + layout - 1) / layout * layout) * k * sizeof (float);
}

void
qsk_conv2d_f32_pack (const QskConvGeom *g, size_t layout, const float *w, float *packed)
{
  size_t ocg = g->oc / g->groups, k = g->ic / g->groups * g->kh * g->kw;
  size_t tiles = (ocg + layout - 1) / layout;

  assert (qsk_conv2d_f32_packed_size (g, layout) > 0);
  for (size_t grp = 0; grp < g->groups; grp++)
    for (size_t t = 0; t < tiles; t++)
      {
        size_t rows = ocg - t * layout < layout ? ocg - t * layout : layout;

        pack_a (packed + (grp * tiles + t) * layout * k, w + (grp * ocg + t * layout) * k, k,
                rows, k, layout);
      }
}

/* ---- portable micro-kernel: 4 x 8, plain C the compiler may vectorize -------------- */

#define C_MR 4
#define C_NR 8

static void
sgemm_ukernel_c (size_t mr, size_t nr, size_t kc, const float *ap, const float *bp,
                 float *c, size_t ldc, const QskF32Epilogue *epi)
{
  float acc[C_MR][C_NR] = { { 0 } };

  for (size_t k = 0; k < kc; k++)
    for (size_t r = 0; r < C_MR; r++)
      for (size_t j = 0; j < C_NR; j++)
        acc[r][j] += ap[k * C_MR + r] * bp[k * C_NR + j];
  qsk_f32_epilogue_scalar (mr, nr, &acc[0][0], C_NR, c, ldc, epi);
}

const QskSgemmInfo qsk_sgemm_c = { C_MR, C_NR, sgemm_ukernel_c, NULL };

void
qsk_conv2d_f32__c (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  conv2d_f32_gemm (args, pool, &qsk_sgemm_c);
}

void
qsk_matmul_f32__c (const QskMatmulF32Args *args, QskThreadPool *pool)
{
  matmul_f32_gemm (args, pool, &qsk_sgemm_c);
}
