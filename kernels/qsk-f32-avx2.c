/* qsk-f32-avx2.c: float micro-kernel, 6 x 16, AVX2 + FMA.  Compiled with -mavx2 -mfma
 * only; reached solely through the dispatch table after CPU detection. */
#include "qsk-internal.h"

#include <immintrin.h>

#include "qsk-gemm-f32.inc"

#define MR 6
#define NR 16

static void
sgemm_ukernel_avx2 (size_t mr, size_t nr, size_t kc, const float *ap, const float *bp,
                    float *c, size_t ldc, const QskF32Epilogue *epi)
{
  __m256 acc[MR][2];

  for (size_t r = 0; r < MR; r++)
    {
      acc[r][0] = _mm256_setzero_ps ();
      acc[r][1] = _mm256_setzero_ps ();
    }
  for (size_t k = 0; k < kc; k++)
    {
      __m256 b0 = _mm256_load_ps (bp + k * NR), b1 = _mm256_load_ps (bp + k * NR + 8);

      for (size_t r = 0; r < MR; r++)
        {
          __m256 av = _mm256_set1_ps (ap[k * MR + r]);

          acc[r][0] = _mm256_fmadd_ps (av, b0, acc[r][0]);
          acc[r][1] = _mm256_fmadd_ps (av, b1, acc[r][1]);
        }
    }
  if (mr == MR && nr == NR)
    {
      __m256 lo = _mm256_set1_ps (epi->lo), hi = _mm256_set1_ps (epi->hi);

      for (size_t r = 0; r < MR; r++)
        for (size_t h = 0; h < 2; h++)
          {
            __m256 v = acc[r][h];

            if (epi->load_c)
              v = _mm256_add_ps (v, _mm256_loadu_ps (c + r * ldc + 8 * h));
            if (epi->bias_row != NULL)
              v = _mm256_add_ps (v, _mm256_set1_ps (epi->bias_row[r]));
            if (epi->bias_col != NULL)
              v = _mm256_add_ps (v, _mm256_loadu_ps (epi->bias_col + 8 * h));
            v = _mm256_min_ps (_mm256_max_ps (v, lo), hi);
            _mm256_storeu_ps (c + r * ldc + 8 * h, v);
          }
    }
  else
    {
      _Alignas (32) float tile[MR * NR];

      for (size_t r = 0; r < MR; r++)
        {
          _mm256_store_ps (tile + r * NR, acc[r][0]);
          _mm256_store_ps (tile + r * NR + 8, acc[r][1]);
        }
      qsk_f32_epilogue_scalar (mr, nr, tile, NR, c, ldc, epi);
    }
}

const QskSgemmInfo qsk_sgemm_avx2 = { MR, NR, sgemm_ukernel_avx2, NULL };

void
qsk_conv2d_f32__avx2 (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  conv2d_f32_gemm (args, pool, &qsk_sgemm_avx2);
}

void
qsk_matmul_f32__avx2 (const QskMatmulF32Args *args, QskThreadPool *pool)
{
  matmul_f32_gemm (args, pool, &qsk_sgemm_avx2);
}

#define QSK_SFX avx2
#include "qsk-eltwise-f32.inc"
