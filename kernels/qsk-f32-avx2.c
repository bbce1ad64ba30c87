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

/* max pooling, one input row: out[x] = the first maximum of s[x * sw - pl + t],
 * t < kw, for the interior columns x in [x0, x1) (windows inside the row); max_ps (v, m)
 * is v > m ? v : m, the reference's step */
static void
maxpool_hrow_avx2 (const float *s, size_t x0, size_t x1, size_t sw, size_t kw,
                   ptrdiff_t pl, float *out)
{
  const __m256i idx = _mm256_mullo_epi32 (_mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7),
                                          _mm256_set1_epi32 ((int) sw));
  const __m256i first7 = _mm256_setr_epi32 (-1, -1, -1, -1, -1, -1, -1, 0);
  size_t x = x0;

  for (; x + 8 <= x1; x += 8)
    {
      const float *b = s + (ptrdiff_t) (x * sw) - pl;
      __m256 m = _mm256_set1_ps (-INFINITY);

      for (size_t t = 0; t < kw; t++)
        {
          __m256 v;

          if (sw == 1)
            v = _mm256_loadu_ps (b + t);
          else if (sw == 2)
            {
              /* elements 0..14 of the pair: element 15 may lie past the row */
              __m256 lo = _mm256_loadu_ps (b + t), hi = _mm256_maskload_ps (b + t + 8, first7);

              v = _mm256_castpd_ps (_mm256_permute4x64_pd (
                    _mm256_castps_pd (_mm256_shuffle_ps (lo, hi, 0x88)), 0xd8));
            }
          else
            v = _mm256_i32gather_ps (b + t, idx, 4);
          m = _mm256_max_ps (v, m);
        }
      _mm256_storeu_ps (out + x, m);
    }
  for (; x < x1; x++)
    {
      const float *b = s + (ptrdiff_t) (x * sw) - pl;
      float m = -INFINITY;

      for (size_t t = 0; t < kw; t++)
        m = b[t] > m ? b[t] : m;
      out[x] = m;
    }
}

/* d[i] = s[i] > d[i] ? s[i] : d[i] */
static void
vmax_avx2 (float *d, const float *s, size_t n)
{
  size_t i = 0;

  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (d + i, _mm256_max_ps (_mm256_loadu_ps (s + i), _mm256_loadu_ps (d + i)));
  for (; i < n; i++)
    d[i] = s[i] > d[i] ? s[i] : d[i];
}

#define QSK_F32_MAXPOOL_HROW maxpool_hrow_avx2
#define QSK_F32_VMAX vmax_avx2
#define QSK_SFX avx2
#include "qsk-eltwise-f32.inc"
