/* qsk-f32-avx512.c: float micro-kernel, 8 x 32, AVX-512F.
 * Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl only; reached solely through
 * the dispatch table after CPU detection. */
#include "qsk-internal.h"

#include <immintrin.h>

#include "qsk-gemm-f32.inc"

#define MR 8
#define NR 32

static void
sgemm_ukernel_avx512 (size_t mr, size_t nr, size_t kc, const float *ap, const float *bp,
                    float *c, size_t ldc, const QskF32Epilogue *epi)
{
  __m512 acc[MR][2];

  for (size_t r = 0; r < MR; r++)
    {
      acc[r][0] = _mm512_setzero_ps ();
      acc[r][1] = _mm512_setzero_ps ();
    }
  for (size_t k = 0; k < kc; k++)
    {
      __m512 b0 = _mm512_load_ps (bp + k * NR), b1 = _mm512_load_ps (bp + k * NR + 16);

      for (size_t r = 0; r < MR; r++)
        {
          __m512 av = _mm512_set1_ps (ap[k * MR + r]);

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

/* Depthwise conv, one output plane: 16 output columns per vector, masked loads
 * (stride 1) or masked gathers (other strides) with the padding read as zero. */
static void
dwconv_plane_avx512 (const QskConv2dF32Args *args, size_t img, size_t o, size_t oh,
                     size_t ow)
{
  const QskConvGeom *g = &args->g;
  size_t ocg = g->oc / g->groups;
  const float *xc = args->x + (img * g->ic + o / ocg) * g->ih * g->iw;
  const float *w = args->w + o * g->kh * g->kw;
  float *yp = args->y + (img * g->oc + o) * oh * ow;
  __m512 bias = _mm512_set1_ps (args->bias ? args->bias[o] : 0.0f);
  __m512 lo = _mm512_set1_ps (args->out_min), hi = _mm512_set1_ps (args->out_max);
  __m512i lane = _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i iw = _mm512_set1_epi32 ((int) g->iw);
  int sw = (int) g->sw;

  for (size_t y = 0; y < oh; y++)
    for (size_t x0 = 0; x0 < ow; x0 += 16)
      {
        __mmask16 out_mask = ow - x0 >= 16 ? 0xffff : (__mmask16) ((1u << (ow - x0)) - 1);
        __m512 acc = bias;
        /* input column of each lane for tap offset 0 */
        __m512i col0 = _mm512_mullo_epi32 (_mm512_add_epi32 (lane, _mm512_set1_epi32 ((int) x0)),
                                           _mm512_set1_epi32 (sw));

        for (size_t i = 0; i < g->kh; i++)
          {
            ptrdiff_t h = (ptrdiff_t) (y * g->sh + i * g->dh) - (ptrdiff_t) g->pt;
            const float *src;

            if (h < 0 || h >= (ptrdiff_t) g->ih)
              continue;
            src = xc + (size_t) h * g->iw;
            for (size_t t = 0; t < g->kw; t++)
              {
                int off = (int) (t * g->dw) - (int) g->pl;
                __m512i col = _mm512_add_epi32 (col0, _mm512_set1_epi32 (off));
                __mmask16 m = out_mask & _mm512_cmpge_epi32_mask (col, _mm512_setzero_si512 ())
                              & _mm512_cmplt_epi32_mask (col, iw);
                __m512 v;

                if (sw == 1)
                  v = _mm512_maskz_loadu_ps (m, src + (ptrdiff_t) x0 + off);
                else
                  v = _mm512_mask_i32gather_ps (_mm512_setzero_ps (), m, col, src, 4);
                acc = _mm512_fmadd_ps (_mm512_set1_ps (w[i * g->kw + t]), v, acc);
              }
          }
        acc = _mm512_min_ps (_mm512_max_ps (acc, lo), hi);
        _mm512_mask_storeu_ps (yp + y * ow + x0, out_mask, acc);
      }
}

#define DWCONV dwconv_plane_avx512

const QskSgemmInfo qsk_sgemm_avx512 = { MR, NR, sgemm_ukernel_avx512, DWCONV };

void
qsk_conv2d_f32__avx512 (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  conv2d_f32_gemm (args, pool, &qsk_sgemm_avx512);
}

void
qsk_matmul_f32__avx512 (const QskMatmulF32Args *args, QskThreadPool *pool)
{
  matmul_f32_gemm (args, pool, &qsk_sgemm_avx512);
}

/* max pooling, one input row: out[x] = the first maximum of s[x * sw - pl + t],
 * t < kw, for the interior columns x in [x0, x1) (windows inside the row); max_ps (v, m)
 * is v > m ? v : m, the reference's step */
static void
maxpool_hrow_avx512 (const float *s, size_t x0, size_t x1, size_t sw, size_t kw,
                     ptrdiff_t pl, float *out)
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                          26, 28, 30);
  const __m512i lane = _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i idx = _mm512_mullo_epi32 (lane, _mm512_set1_epi32 ((int) sw));
  size_t x = x0;

  for (; x + 16 <= x1; x += 16)
    {
      const float *b = s + (ptrdiff_t) (x * sw) - pl;
      __m512 m = _mm512_set1_ps (-INFINITY);

      for (size_t t = 0; t < kw; t++)
        {
          __m512 v;

          if (sw == 1)
            v = _mm512_loadu_ps (b + t);
          else if (sw == 2)
            /* lanes 0..30 of the pair: element 31 may lie past the row */
            v = _mm512_permutex2var_ps (_mm512_loadu_ps (b + t), even,
                                        _mm512_maskz_loadu_ps (0x7fff, b + t + 16));
          else
            v = _mm512_i32gather_ps (idx, b + t, 4);
          m = _mm512_max_ps (v, m);
        }
      _mm512_storeu_ps (out + x, m);
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
vmax_avx512 (float *d, const float *s, size_t n)
{
  size_t i = 0;

  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps (d + i, _mm512_max_ps (_mm512_loadu_ps (s + i), _mm512_loadu_ps (d + i)));
  if (i < n)
    {
      __mmask16 k = (__mmask16) ((1u << (n - i)) - 1);

      _mm512_mask_storeu_ps (d + i, k, _mm512_max_ps (_mm512_maskz_loadu_ps (k, s + i),
                                                      _mm512_maskz_loadu_ps (k, d + i)));
    }
}

#define QSK_F32_MAXPOOL_HROW maxpool_hrow_avx512
#define QSK_F32_VMAX vmax_avx512
#define QSK_SFX avx512
#include "qsk-eltwise-f32.inc"
