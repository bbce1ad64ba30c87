/* qsk-q-avx512vnni.c: int8 micro-kernels with vpdpbusd, AVX-512 VNNI only.
 * Activations enter as uint8 x + 128 (vpdpbusd multiplies u8 by s8); the driver
 * subtracts the compensation 128 * sum (w) per output channel.  s8 x s8 convs of one
 * group with stride <= 4 run the direct driver (8 x 32 / 8 x 48 tiles reading a
 * channel-quad, phase-split copy of the input, no im2col; docs/quantization.md); other
 * s8 x s8 convs and matmuls the GEMM driver of qsk-gemm-q.inc with the 8 x 32 kernel.
 * Other type pairs use the AVX2 int16 micro-kernel (VNNI implies AVX2). */
#include "qsk-internal.h"

#include <immintrin.h>
#include <stdlib.h>

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
          /* masked: a tail must not read past the accumulator tile */
          __m512i v = _mm512_add_epi32 (_mm512_maskz_loadu_epi32 (m, acc + r * ld_acc + j), b);
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

/* ---- direct conv: no im2col (direct_geom () in qsk-gemm-q.inc) ------------------- */

#define DNV_MAX 3             /* zmm vectors of output positions per micro-kernel call */
#define DNR_MAX (16 * DNV_MAX)
#define DTARGET 8             /* compute tasks per thread */

typedef struct
{
  const QskConv2dQArgs *args;
  const int32_t *ap;         /* per MR tile: kq * MR words, then MR comp words */
  uint32_t *xq;              /* [c4][phase][hq][wq] words of one image, x + 128 */
  const int8_t *x;           /* the image's input */
  char *y;                   /* the image's output */
  size_t c4n, hq, wq, pplane, plane, oh, ow, kq, taps, npos, dnr, tiles, mtiles, es;
  size_t c4_per_task, tiles_per_task, mt_per_chunk, m_chunks;
  size_t n_phases;
  uint8_t phase_a[16], phase_b[16];   /* the phases the taps read, in plane order */
  int32_t toff[64];
} Direct;

/* the padded, channel-quad interleaved phase planes of channel quads [c0, c1) */
static void
direct_relayout_task (void *data, size_t task)
{
  const Direct *d = data;
  const QskConvGeom *g = &d->args->g;
  size_t c0 = task * d->c4_per_task, c1 = c0 + d->c4_per_task < d->c4n ? c0 + d->c4_per_task : d->c4n;
  size_t ihw = g->ih * g->iw, sh = g->sh, sw = g->sw;
  static const uint8_t zeros[ZROW_LEN];

  for (size_t c4 = c0; c4 < c1; c4++)
    {
      const uint8_t *src[4];

      for (size_t e = 0; e < 4; e++)
        src[e] = c4 * 4 + e < g->ic ? (const uint8_t *) d->x + (c4 * 4 + e) * ihw : NULL;
      for (size_t ph = 0; ph < d->n_phases; ph++)
        {
          size_t pa = d->phase_a[ph], pb = d->phase_b[ph];
          uint32_t *dst = d->xq + c4 * d->plane + ph * d->pplane;
          /* phase columns xq with input column xq * sw + pb - pl in [0, iw) */
          size_t xa = g->pl > pb ? (g->pl - pb + sw - 1) / sw : 0;
          size_t xb = g->pl + g->iw > pb ? (g->pl + g->iw - pb + sw - 1) / sw : 0;

          xa = xa < d->wq ? xa : d->wq;
          xb = xb < d->wq ? xb : d->wq;
          xb = xb > xa ? xb : xa;
          for (size_t yq = 0; yq < d->hq; yq++, dst += d->wq)
            {
              const uint8_t *restrict s0, *restrict s1, *restrict s2, *restrict s3;
              size_t yy = yq * sh + pa, row = yy - g->pt, x0 = xa * sw + pb - g->pl;
              uint32_t *restrict dd = dst + xa;

              if (yy < g->pt || row >= g->ih)
                {
                  for (size_t xx = 0; xx < d->wq; xx++)
                    dst[xx] = 0x80808080u;
                  continue;
                }
              for (size_t xx = 0; xx < xa; xx++)
                dst[xx] = 0x80808080u;
              for (size_t xx = xb; xx < d->wq; xx++)
                dst[xx] = 0x80808080u;
              if (g->iw > ZROW_LEN && (!src[1] || !src[2] || !src[3]))
                {
                  /* a row longer than the zero row: the missing channels by hand */
                  for (size_t xx = 0; xx < xb - xa; xx++)
                    {
                      size_t col = row * g->iw + x0 + xx * sw;

                      dd[xx] = ((uint32_t) src[0][col] | (src[1] ? (uint32_t) src[1][col] << 8 : 0)
                                | (src[2] ? (uint32_t) src[2][col] << 16 : 0)
                                | (src[3] ? (uint32_t) src[3][col] << 24 : 0)) ^ 0x80808080u;
                    }
                  continue;
                }
              s0 = src[0] + row * g->iw + x0;
              s1 = src[1] ? src[1] + row * g->iw + x0 : zeros;
              s2 = src[2] ? src[2] + row * g->iw + x0 : zeros;
              s3 = src[3] ? src[3] + row * g->iw + x0 : zeros;
              if (sw == 1)
                for (size_t xx = 0; xx < xb - xa; xx++)
                  dd[xx] = ((uint32_t) s0[xx] | (uint32_t) s1[xx] << 8 | (uint32_t) s2[xx] << 16
                            | (uint32_t) s3[xx] << 24) ^ 0x80808080u;
              else
                {
                  /* missing channels read the zero row without the stride */
                  size_t i1 = src[1] ? sw : 0, i2 = src[2] ? sw : 0, i3 = src[3] ? sw : 0;

                  for (size_t xx = 0; xx < xb - xa; xx++)
                    dd[xx] = ((uint32_t) s0[xx * sw] | (uint32_t) s1[xx * i1] << 8
                              | (uint32_t) s2[xx * i2] << 16 | (uint32_t) s3[xx * i3] << 24)
                             ^ 0x80808080u;
                }
            }
        }
    }
}

/* MR x 16 DNV sums of positions xb[0 .. 16 DNV) over all channel quads and taps, to
 * out[r * 16 DNV + j] */
static inline __attribute__ ((always_inline)) void
direct_ukernel (size_t DNV, size_t c4n, size_t plane, const int32_t *toff, size_t taps,
                const int32_t *ap, const uint32_t *xb, int32_t *out)
{
  size_t DNR = 16 * DNV;
  __m512i acc[MR][DNV_MAX];

  for (size_t r = 0; r < MR; r++)
    for (size_t v = 0; v < DNV; v++)
      acc[r][v] = _mm512_setzero_si512 ();
  for (size_t c = 0; c < c4n; c++, xb += plane)
    for (size_t t = 0; t < taps; t++, ap += MR)
      {
        const uint32_t *src = xb + toff[t];
        __m512i b[DNV_MAX];

        for (size_t v = 0; v < DNV; v++)
          b[v] = _mm512_loadu_si512 ((const void *) (src + 16 * v));
        for (size_t r = 0; r < MR; r++)
          {
            __m512i a = _mm512_set1_epi32 (ap[r]);

            for (size_t v = 0; v < DNV; v++)
              acc[r][v] = _mm512_dpbusd_epi32 (acc[r][v], b[v], a);
          }
      }
  for (size_t r = 0; r < MR; r++)
    for (size_t v = 0; v < DNV; v++)
      _mm512_store_si512 ((void *) (out + r * DNR + 16 * v), acc[r][v]);
}

static void
direct_ukernel_32 (size_t c4n, size_t plane, const int32_t *toff, size_t taps,
                   const int32_t *ap, const uint32_t *xb, int32_t *out)
{
  direct_ukernel (2, c4n, plane, toff, taps, ap, xb, out);
}

static void
direct_ukernel_48 (size_t c4n, size_t plane, const int32_t *toff, size_t taps,
                   const int32_t *ap, const uint32_t *xb, int32_t *out)
{
  direct_ukernel (3, c4n, plane, toff, taps, ap, xb, out);
}

static void
direct_compute_task (void *data, size_t task)
{
  const Direct *d = data;
  const QskConv2dQArgs *a = d->args;
  size_t mc = task % d->m_chunks, tb = task / d->m_chunks;
  size_t mt0 = mc * d->mt_per_chunk, mt1 = mt0 + d->mt_per_chunk < d->mtiles ? mt0 + d->mt_per_chunk : d->mtiles;
  size_t t0 = tb * d->tiles_per_task, t1 = t0 + d->tiles_per_task < d->tiles ? t0 + d->tiles_per_task : d->tiles;
  size_t ohw = d->oh * d->ow;
  _Alignas (64) int32_t acc[MR * DNR_MAX];
  size_t DNR = d->dnr;
  int32_t base[MR];

  for (size_t mt = mt0; mt < mt1; mt++)
    {
      const int32_t *ap = d->ap + mt * (d->kq * MR + MR), *comp = ap + d->kq * MR;
      size_t o0 = mt * MR, mr = a->g.oc - o0 < MR ? a->g.oc - o0 : MR;

      for (size_t r = 0; r < mr; r++)
        base[r] = (int32_t) ((uint32_t) (a->bias ? a->bias[o0 + r] : 0) - (uint32_t) comp[r]);
      for (size_t t = t0; t < t1; t++)
        {
          size_t p0 = t * DNR, p1 = p0 + DNR < d->npos ? p0 + DNR : d->npos;

          (DNR == 48 ? direct_ukernel_48 : direct_ukernel_32) (d->c4n, d->plane, d->toff,
                                                                d->taps, ap, d->xq + p0, acc);
          /* the positions of each output row inside [p0, p1) */
          for (size_t p = p0; p < p1;)
            {
              size_t oy = p / d->wq, ox = p % d->wq, n;

              if (ox >= d->ow)
                {
                  p += d->wq - ox;
                  continue;
                }
              n = d->ow - ox < p1 - p ? d->ow - ox : p1 - p;
              store_avx512 (mr, n, acc + (p - p0), DNR, base, a->rq + o0, a->out_min,
                            a->out_max, d->y + (o0 * ohw + oy * d->ow + ox) * d->es, ohw, d->es);
              p += n;
            }
        }
    }
}

static bool
conv2d_q_direct (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  const QskConvGeom *g = &args->g;
  size_t threads = (size_t) qsk_thread_pool_n_threads (pool), want = DTARGET * threads;
  size_t hp = g->ih + g->pt + g->pb, wp = g->iw + g->pl + g->pr, xq_words;
  size_t layout = (size_t) 4 << 8 | MR;
  Direct d = { .args = args, .es = qsk_dtype_size (args->y_type) };
  int32_t *own = NULL;
  int phase_of[16];

  d.hq = (hp + g->sh - 1) / g->sh, d.wq = (wp + g->sw - 1) / g->sw;
  d.pplane = d.hq * d.wq;
  d.c4n = (g->ic + 3) / 4;
  d.oh = qsk_conv_geom_oh (g), d.ow = qsk_conv_geom_ow (g);
  d.kq = direct_kq (g), d.taps = g->kh * g->kw;
  d.npos = (d.oh - 1) * d.wq + d.ow;
  /* 8 x 48 tiles run a little faster than 8 x 32 (3 loads per 24 vpdpbusd instead of
   * 2 per 16), unless they compute more positions (e.g. 7 x 7 outputs) */
  d.dnr = (d.npos + 47) / 48 * 48 <= (d.npos + 31) / 32 * 32 ? 48 : 32;
  d.tiles = (d.npos + d.dnr - 1) / d.dnr;
  d.mtiles = (g->oc + MR - 1) / MR;
  /* tap (i, j) reads padded row oy * sh + i * dh: phase row oy + i * dh / sh of phase
   * i * dh % sh, likewise for columns; only the phases some tap reads are built */
  for (size_t ph = 0; ph < 16; ph++)
    phase_of[ph] = -1;
  for (size_t i = 0; i < g->kh; i++)
    for (size_t j = 0; j < g->kw; j++)
      {
        size_t a = i * g->dh % g->sh, b = j * g->dw % g->sw, ph = a * g->sw + b;

        if (phase_of[ph] < 0)
          {
            phase_of[ph] = (int) d.n_phases;
            d.phase_a[d.n_phases] = (uint8_t) a, d.phase_b[d.n_phases] = (uint8_t) b;
            d.n_phases++;
          }
        d.toff[i * g->kw + j] = (int32_t) ((size_t) phase_of[ph] * d.pplane
                                           + i * g->dh / g->sh * d.wq + j * g->dw / g->sw);
      }
  d.plane = d.n_phases * d.pplane;
  /* the last tile reads up to DNR - 1 words past the last position's taps */
  xq_words = d.c4n * d.plane + DNR_MAX + 16;
  d.xq = aligned_alloc (64, (xq_words * sizeof (uint32_t) + 63) / 64 * 64);
  if (d.xq == NULL)
    return false;
  if (args->w_packed != NULL && args->w_pack == layout)
    d.ap = args->w_packed;
  else
    {
      size_t bytes = d.mtiles * (d.kq * MR + MR) * sizeof (int32_t);

      if ((own = aligned_alloc (64, (bytes + 63) / 64 * 64)) == NULL)
        {
          free (d.xq);
          return false;
        }
      pack_direct (g, MR, args->w, own);
      d.ap = own;
    }
  for (size_t i = d.c4n * d.plane; i < xq_words; i++)
    d.xq[i] = 0x80808080u;

  d.m_chunks = d.tiles >= want ? 1 : (want + d.tiles - 1) / d.tiles;
  if (d.m_chunks > d.mtiles)
    d.m_chunks = d.mtiles;
  d.mt_per_chunk = (d.mtiles + d.m_chunks - 1) / d.m_chunks;
  d.m_chunks = (d.mtiles + d.mt_per_chunk - 1) / d.mt_per_chunk;
  d.tiles_per_task = d.tiles * d.m_chunks / want > 1 ? d.tiles * d.m_chunks / want : 1;
  d.c4_per_task = (d.c4n + 2 * threads - 1) / (2 * threads);
  for (size_t img = 0; img < g->n; img++)
    {
      d.x = (const int8_t *) args->x + img * g->ic * g->ih * g->iw;
      d.y = (char *) args->y + img * g->oc * d.oh * d.ow * d.es;
      qsk_thread_pool_parallel_for (pool, (d.c4n + d.c4_per_task - 1) / d.c4_per_task,
                                    direct_relayout_task, &d);
      qsk_thread_pool_parallel_for (pool, d.m_chunks * ((d.tiles + d.tiles_per_task - 1)
                                                        / d.tiles_per_task),
                                    direct_compute_task, &d);
    }
  free (own);
  free (d.xq);
  return true;
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
  if (args->x_type == QSK_S8 && args->w_type == QSK_S8 && direct_geom (&args->g)
      && args->out_min <= args->out_max && args->out_min >= qsk_dtype_min (args->y_type)
      && args->out_max <= qsk_dtype_max (args->y_type) && conv2d_q_direct (args, pool))
    return;
  conv2d_q_gemm (args, pool, pick (args->x_type, args->w_type));
}

void
qsk_matmul_q__avx512vnni (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  matmul_q_gemm (args, pool, pick (args->a_type, args->b_type));
}

#define QSK_SFX avx512vnni
#include "qsk-eltwise-q.inc"
