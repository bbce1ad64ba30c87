/* qsk-q-avx2.c: integer micro-kernel, 6 x 16 over int16 pairs (vpmaddwd), AVX2 only.
 * Covers s8 and s16 activations with s8 weights (and s8 x s16); sums are int32. */
#include "qsk-internal.h"

#include <immintrin.h>

#include "qsk-gemm-q.inc"

#define MR 6
#define NR 16

static void
qgemm_ukernel_avx2 (size_t kq, const int32_t *ap, const void *bp, int32_t *out)
{
  const int16_t *b = bp;
  __m256i acc[MR][2];

  for (size_t r = 0; r < MR; r++)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256 ();
  for (size_t q = 0; q < kq; q++)
    {
      __m256i b0 = _mm256_load_si256 ((const __m256i *) (b + q * NR * 2));
      __m256i b1 = _mm256_load_si256 ((const __m256i *) (b + q * NR * 2 + 16));

      for (size_t r = 0; r < MR; r++)
        {
          __m256i a = _mm256_set1_epi32 (ap[q * MR + r]);

          acc[r][0] = _mm256_add_epi32 (acc[r][0], _mm256_madd_epi16 (a, b0));
          acc[r][1] = _mm256_add_epi32 (acc[r][1], _mm256_madd_epi16 (a, b1));
        }
    }
  for (size_t r = 0; r < MR; r++)
    {
      _mm256_store_si256 ((__m256i *) (out + r * NR), acc[r][0]);
      _mm256_store_si256 ((__m256i *) (out + r * NR + 8), acc[r][1]);
    }
}

const QskQgemmInfo qsk_qgemm_avx2 = { MR, NR, QSK_QPACK_S16_PAIRS, qgemm_ukernel_avx2, NULL };

void
qsk_conv2d_q__avx2 (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  conv2d_q_gemm (args, pool, &qsk_qgemm_avx2);
}

void
qsk_matmul_q__avx2 (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  matmul_q_gemm (args, pool, &qsk_qgemm_avx2);
}

#define QSK_SFX avx2
#include "qsk-eltwise-q.inc"
