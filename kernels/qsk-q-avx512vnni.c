/* qsk-q-avx512vnni.c: int8 micro-kernel, 8 x 32 with vpdpbusd, AVX-512 VNNI only.
 * Activations enter as uint8 x + 128 (vpdpbusd multiplies u8 by s8); the driver
 * subtracts the compensation 128 * sum (w) per output channel.  Other type pairs use
 * the AVX2 int16 micro-kernel (VNNI implies AVX2). */
#include "qsk-internal.h"

#include <immintrin.h>

#define MR 8
#define NR 32


static void
qgemm_ukernel_avx512vnni (size_t kq, const int32_t *ap, const void *bp, int32_t *out)
{
  const uint8_t *b = bp;
  __m512i acc[MR][2];

  for (size_t r = 0; r < MR; r++)
    acc[r][0] = acc[r][1] = _mm512_setzero_si512 ();
  for (size_t q = 0; q < kq; q++)
    {
      __m512i b0 = _mm512_load_si512 ((const void *) (b + q * NR * 4));
      __m512i b1 = _mm512_load_si512 ((const void *) (b + q * NR * 4 + 64));

      for (size_t r = 0; r < MR; r++)
        {
          __m512i a = _mm512_set1_epi32 (ap[q * MR + r]);

          acc[r][0] = _mm512_dpbusd_epi32 (acc[r][0], b0, a);
          acc[r][1] = _mm512_dpbusd_epi32 (acc[r][1], b1, a);
        }
    }
  for (size_t r = 0; r < MR; r++)
    {
      _mm512_store_si512 ((void *) (out + r * NR), acc[r][0]);
      _mm512_store_si512 ((void *) (out + r * NR + 16), acc[r][1]);
    }
}

static const QskQgemmInfo qgemm_vnni = { MR, NR, QSK_QPACK_U8S8_QUADS,
                                         qgemm_ukernel_avx512vnni };

static const QskQgemmInfo *
pick (QskDType x, QskDType w)
{
  return x == QSK_S8 && w == QSK_S8 ? &qgemm_vnni : &qsk_qgemm_avx2;
}

void
qsk_conv2d_q__avx512vnni (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  qsk_conv2d_q_gemm (args, pool, pick (args->x_type, args->w_type));
}

void
qsk_matmul_q__avx512vnni (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  qsk_matmul_q_gemm (args, pool, pick (args->a_type, args->b_type));
}
