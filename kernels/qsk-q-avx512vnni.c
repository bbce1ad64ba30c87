/* qsk-q-avx512vnni.c: int8 micro-kernel, 8 x 32 with vpdpbusd, AVX-512 VNNI only.
 * Activations enter as uint8 x + 128 (vpdpbusd multiplies u8 by s8); the driver
 * subtracts the compensation 128 * sum (w) per output channel.  Other type pairs use
 * the AVX2 int16 micro-kernel (VNNI implies AVX2). */
#include "qsk-internal.h"

#include <immintrin.h>

#include "qsk-gemm-q.inc"

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

/* rhaz (p / 2^shift) on int64 lanes, as qsk_round_shift() (|p| < 2^63) */
static inline __m512i
round_shift_epi64 (__m512i p, __m512i rnd, __m128i cnt)
{
  __mmask8 neg = _mm512_cmplt_epi64_mask (p, _mm512_setzero_si512 ());
  __m512i mag = _mm512_srl_epi64 (_mm512_add_epi64 (_mm512_abs_epi64 (p), rnd), cnt);

  return _mm512_mask_sub_epi64 (mag, neg, _mm512_setzero_si512 (), mag);
}

/* The requantizing store, 16 columns at a time: (acc + base) * mult as int64 on even
 * and odd lanes, one rounding shift, saturation, narrowing store.  Bit-identical to
 * qsk_sat (qsk_requant_apply32 (acc + base, rq), lo, hi). */
static void
store_avx512 (size_t mr, size_t nr, const int32_t *acc, size_t ld_acc, const int32_t *base,
              const QskRequant *rq, int32_t lo, int32_t hi, void *y, size_t ldy, size_t es)
{
  __m512i vlo = _mm512_set1_epi64 (lo), vhi = _mm512_set1_epi64 (hi);

  for (size_t r = 0; r < mr; r++)
    {
      __m512i mult = _mm512_set1_epi64 ((int64_t) rq[r].mult);
      int s = rq[r].shift;
      __m512i rnd = _mm512_set1_epi64 (s > 0 ? (int64_t) 1 << (s - 1) : 0);
      __m128i cnt = _mm_cvtsi32_si128 (s);
      __m512i b = _mm512_set1_epi32 (base[r]);

      for (size_t j = 0; j < nr; j += 16)
        {
          __mmask16 m = nr - j >= 16 ? 0xffff : (__mmask16) ((1u << (nr - j)) - 1);
          __m512i v = _mm512_add_epi32 (_mm512_loadu_si512 ((const void *) (acc + r * ld_acc + j)), b);
          __m512i ev = round_shift_epi64 (_mm512_mul_epi32 (v, mult), rnd, cnt);
          __m512i od = round_shift_epi64 (_mm512_mul_epi32 (_mm512_srli_epi64 (v, 32), mult),
                                          rnd, cnt);
          __m512i res;

          ev = _mm512_min_epi64 (_mm512_max_epi64 (ev, vlo), vhi);
          od = _mm512_min_epi64 (_mm512_max_epi64 (od, vlo), vhi);
          res = _mm512_mask_blend_epi32 (0xAAAA, ev, _mm512_slli_epi64 (od, 32));
          if (es == 1)
            _mm512_mask_cvtepi32_storeu_epi8 ((int8_t *) y + r * ldy + j, m, res);
          else
            _mm512_mask_cvtepi32_storeu_epi16 ((int16_t *) y + r * ldy + j, m, res);
        }
    }
}

const QskQgemmInfo qsk_qgemm_vnni = { MR, NR, QSK_QPACK_U8S8_QUADS, qgemm_ukernel_avx512vnni,
                                      store_avx512 };

static const QskQgemmInfo *
pick (QskDType x, QskDType w)
{
  return x == QSK_S8 && w == QSK_S8 ? &qsk_qgemm_vnni : &qsk_qgemm_avx2;
}

void
qsk_conv2d_q__avx512vnni (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  conv2d_q_gemm (args, pool, pick (args->x_type, args->w_type));
}

void
qsk_matmul_q__avx512vnni (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  matmul_q_gemm (args, pool, pick (args->a_type, args->b_type));
}

#define QSK_SFX avx512vnni
#include "qsk-eltwise-q.inc"
