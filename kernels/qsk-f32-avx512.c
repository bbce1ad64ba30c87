/* qsk-f32-avx512.c: float micro-kernel, 8 x 32, AVX-512F.
 * Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl only; reached solely through
 * the dispatch table after CPU detection. */
#include "qsk-internal.h"

#include <immintrin.h>

#define MR 8
#define NR 32

static void
sgemm_ukernel_avx512 (size_t mr, size_t nr, size_t kc, const float *a, size_t lda,
                    const float *bp, float *c, size_t ldc, const QskF32Epilogue *epi)
{
  __m512 acc[MR][2];
  const float *rows[MR];

  for (size_t r = 0; r < MR; r++)
    {
      rows[r] = a + (r < mr ? r : mr - 1) * lda;
      acc[r][0] = _mm512_setzero_ps ();
      acc[r][1] = _mm512_setzero_ps ();
    }
  for (size_t k = 0; k < kc; k++)
    {
      __m512 b0 = _mm512_load_ps (bp + k * NR), b1 = _mm512_load_ps (bp + k * NR + 16);

      for (size_t r = 0; r < MR; r++)
        {
          __m512 av = _mm512_set1_ps (rows[r][k]);

          acc[r][0] = _mm512_fmadd_ps (av, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps (av, b1, acc[r][1]);
        }
    }
  if (mr == MR && nr == NR)
    {
      __m512 lo = _mm512_set1_ps (epi->lo), hi = _mm512_set1_ps (epi->hi);

      for (size_t r = 0; r < MR; r++)
        for (size_t h = 0; h < 2; h++)
          {
            __m512 v = acc[r][h];

            if (epi->load_c)
              v = _mm512_add_ps (v, _mm512_loadu_ps (c + r * ldc + 16 * h));
            if (epi->bias_row != NULL)
              v = _mm512_add_ps (v, _mm512_set1_ps (epi->bias_row[r]));
            if (epi->bias_col != NULL)
              v = _mm512_add_ps (v, _mm512_loadu_ps (epi->bias_col + 16 * h));
            v = _mm512_min_ps (_mm512_max_ps (v, lo), hi);
            _mm512_storeu_ps (c + r * ldc + 16 * h, v);
          }
    }
  else
    {
      _Alignas (64) float tile[MR * NR];

      for (size_t r = 0; r < MR; r++)
        {
          _mm512_store_ps (tile + r * NR, acc[r][0]);
          _mm512_store_ps (tile + r * NR + 16, acc[r][1]);
        }
      qsk_f32_epilogue_scalar (mr, nr, tile, NR, c, ldc, epi);
    }
}

static const QskSgemmInfo sgemm_avx512 = { MR, NR, sgemm_ukernel_avx512 };

void
qsk_conv2d_f32__avx512 (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  qsk_conv2d_f32_gemm (args, pool, &sgemm_avx512);
}

void
qsk_matmul_f32__avx512 (const QskMatmulF32Args *args, QskThreadPool *pool)
{
  qsk_matmul_f32_gemm (args, pool, &sgemm_avx512);
}
