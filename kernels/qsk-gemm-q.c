/* qsk-gemm-q.c: the integer GEMM driver (packing, threads, requantizing epilogue),
 * conv2d as implicit im2col + GEMM, and the portable-C micro-kernel.
 *
 * Operands: the GEMM's A rows are output channels (weights), B columns are output
 * pixels or matmul rows (activations), so per-row bias/rq are per output channel and
 * the VNNI +128 offset lands on activations; its compensation is per row:
 *   sum (x + 128) * w = sum x * w + 128 * sum w.
 * No K blocking: one task packs all of K for an NR-multiple column block that fits
 * B_BYTES; K too large for one panel falls back to the reference. */
#include "qsk-internal.h"

#include <assert.h>
#include <string.h>

#define B_BYTES (192 * 1024)
#define MAX_MR 8
#define MAX_NR 32
#define MAX_KQ 4608

typedef struct
{
  const QskQgemmInfo *info;
  size_t m, n, k;
  /* A(r, k) = a[r * a_rs + k * a_ks], type a_type */
  const void *a;
  QskDType a_type;
  size_t a_rs, a_ks;
  /* B(k, j): strided b[k * b_ks + j * b_ns] or implicit im2col (conv != NULL) */
  const void *b;
  QskDType b_type;
  size_t b_ks, b_ns;
  const QskConvGeom *conv;
  size_t ow;
  /* C(r, j) = c[r * c_rs + j * c_cs], type c_type */
  void *c;
  QskDType c_type;
  size_t c_rs, c_cs;
  const int32_t *bias;       /* [m] or NULL */
  const QskRequant *rq;      /* [m] */
  int32_t lo, hi;
  /* pre-packed A: per MR-row tile kq * MR words then MR comp words, or NULL */
  const int32_t *a_packed;
} QProblem;

static inline int32_t
load_q (const void *p, QskDType t, size_t i)
{
  return t == QSK_S8 ? ((const int8_t *) p)[i] : ((const int16_t *) p)[i];
}

static size_t
kgroup (const QskQgemmInfo *info)
{
  return info->pack == QSK_QPACK_U8S8_QUADS ? 4 : 2;
}

/* Pack mr rows of A (A(r, k) = a[r * a_rs + k * a_ks], type at) into
 * ap[kq * MR + r]; comp[r] = 128 * sum_k A(r, k) for the u8 x s8 format, 0 otherwise.
 * Rows mr..MR are zero. */
static void
pack_a_rows (int32_t *restrict ap, int32_t *restrict comp, const void *a, QskDType at,
             size_t a_rs, size_t a_ks, size_t mr, size_t k, size_t MR, QskQPack pack)
{
  size_t kg = pack == QSK_QPACK_U8S8_QUADS ? 4 : 2, kq = (k + kg - 1) / kg;

  memset (ap, 0, kq * MR * sizeof *ap);
  for (size_t r = 0; r < MR; r++)
    {
      int32_t sum = 0;

      for (size_t kk = 0; r < mr && kk < k; kk++)
        {
          int32_t v = load_q (a, at, r * a_rs + kk * a_ks);
          int32_t *word = ap + (kk / kg) * MR + r;

          sum += v;
          if (kg == 4)
            ((int8_t *) word)[kk % 4] = (int8_t) v;
          else
            ((int16_t *) word)[kk % 2] = (int16_t) v;
        }
      comp[r] = pack == QSK_QPACK_U8S8_QUADS ? 128 * sum : 0;
    }
}

static void
pack_a (int32_t *restrict ap, int32_t *restrict comp, const QProblem *pb, size_t i,
        size_t mr)
{
  pack_a_rows (ap, comp, (const char *) pb->a + i * pb->a_rs * qsk_dtype_size (pb->a_type),
               pb->a_type, pb->a_rs, pb->a_ks, mr, pb->k, pb->info->mr, pb->info->pack);
}

/* row k of B, columns [j0, j0 + nc), in B's own type (es bytes per element) */
static void
b_row (const QProblem *pb, size_t k, size_t j0, size_t nc, void *restrict row)
{
  const QskConvGeom *g = pb->conv;
  size_t khw;

  if (g == NULL)
    {
      if (pb->b_type == QSK_S8)
        for (size_t j = 0; j < nc; j++)
          ((int8_t *) row)[j] = ((const int8_t *) pb->b)[k * pb->b_ks + (j0 + j) * pb->b_ns];
      else
        for (size_t j = 0; j < nc; j++)
          ((int16_t *) row)[j] = ((const int16_t *) pb->b)[k * pb->b_ks + (j0 + j) * pb->b_ns];
      return;
    }
  khw = g->kh * g->kw;
  qsk_im2col_row (row, pb->b, qsk_dtype_size (pb->b_type), g, pb->ow, k / khw,
                  k % khw / g->kw, k % g->kw, j0, nc);
}

/* Pack columns [j0, j0 + nc), nc <= 256, of B, all of K, into NR-wide panels: kg rows
 * of B at a time, interleaved. */
static void
pack_b (void *restrict bp, const QProblem *pb, size_t j0, size_t nc)
{
  size_t NR = pb->info->nr, kg = kgroup (pb->info), kq = (pb->k + kg - 1) / kg;
  size_t panels = (nc + NR - 1) / NR, width = panels * NR;
  size_t es = qsk_dtype_size (pb->b_type);
  bool u8 = pb->info->pack == QSK_QPACK_U8S8_QUADS;
  _Alignas (64) int8_t r8[4][256];
  _Alignas (64) int16_t r16[2][256];

  assert (nc <= 256 && width <= 256 && (!u8 || es == 1));
  for (size_t q = 0; q < kq; q++)
    {
      for (size_t g = 0; g < kg; g++)
        {
          size_t k = q * kg + g;
          void *row = u8 ? (void *) r8[g] : es == 1 ? (void *) r8[g] : (void *) r16[g];

          if (k < pb->k)
            {
              b_row (pb, k, j0, nc, row);
              memset ((char *) row + nc * es, 0, (width - nc) * es);
            }
          else
            memset (row, 0, width * es);
          if (!u8 && es == 1)
            for (size_t j = 0; j < width; j++)
              r16[g][j] = r8[g][j];
        }
      if (u8)
        {
          uint32_t *d = (uint32_t *) bp + q * NR;

          for (size_t p = 0; p < panels; p++)
            for (size_t j = 0; j < NR; j++)
              {
                size_t at = p * NR + j;

                d[p * kq * NR + j] = (uint32_t) (uint8_t) (r8[0][at] ^ 0x80)
                                     | (uint32_t) (uint8_t) (r8[1][at] ^ 0x80) << 8
                                     | (uint32_t) (uint8_t) (r8[2][at] ^ 0x80) << 16
                                     | (uint32_t) (uint8_t) (r8[3][at] ^ 0x80) << 24;
              }
        }
      else
        {
          int16_t *d = (int16_t *) bp + q * NR * 2;

          for (size_t p = 0; p < panels; p++)
            for (size_t j = 0; j < NR; j++)
              {
                d[(p * kq * NR + j) * 2] = r16[0][p * NR + j];
                d[(p * kq * NR + j) * 2 + 1] = r16[1][p * NR + j];
              }
        }
    }
}

static void
store_portable (size_t mr, size_t nr, const int32_t *acc, size_t NR, const int32_t *base,
                const QskRequant *rq, int32_t lo, int32_t hi, void *y, size_t ldy, size_t es)
{
  for (size_t r = 0; r < mr; r++)
    for (size_t t = 0; t < nr; t++)
      {
        int32_t v = qsk_sat (qsk_requant_apply32 ((int32_t) ((uint32_t) acc[r * NR + t]
                                                             + (uint32_t) base[r]), rq[r]),
                             lo, hi);

        if (es == 1)
          ((int8_t *) y)[r * ldy + t] = (int8_t) v;
        else
          ((int16_t *) y)[r * ldy + t] = (int16_t) v;
      }
}

static void
store_tile (const QProblem *pb, const int32_t *acc, const int32_t *comp, size_t i, size_t mr,
            size_t j, size_t nr)
{
  size_t NR = pb->info->nr, es = qsk_dtype_size (pb->c_type);
  int32_t base[MAX_MR];

  for (size_t r = 0; r < mr; r++)
    base[r] = (int32_t) ((uint32_t) (pb->bias ? pb->bias[i + r] : 0) - (uint32_t) comp[r]);
  if (pb->c_cs == 1)
    {
      QskQgemmStore store = pb->info->store ? pb->info->store : store_portable;

      store (mr, nr, acc, NR, base, pb->rq + i, pb->lo, pb->hi,
             (char *) pb->c + (i * pb->c_rs + j) * es, pb->c_rs, es);
      return;
    }
  for (size_t r = 0; r < mr; r++)
    {
      QskRequant rq = pb->rq[i + r];
      size_t at = (i + r) * pb->c_rs + j * pb->c_cs;

      for (size_t t = 0; t < nr; t++, at += pb->c_cs)
        {
          int32_t v = qsk_sat (qsk_requant_apply32 ((int32_t) ((uint32_t) acc[r * NR + t]
                                                               + (uint32_t) base[r]), rq),
                               pb->lo, pb->hi);

          if (pb->c_type == QSK_S8)
            ((int8_t *) pb->c)[at] = (int8_t) v;
          else
            ((int16_t *) pb->c)[at] = (int16_t) v;
        }
    }
}

/* block width: an NR multiple whose packed B fits B_BYTES */
static size_t
block_cols (const QskQgemmInfo *info, size_t k)
{
  size_t kg = kgroup (info), kq = (k + kg - 1) / kg;
  size_t bytes_per_col = kq * kg * (info->pack == QSK_QPACK_U8S8_QUADS ? 1 : 2);
  size_t cols = B_BYTES / bytes_per_col / info->nr * info->nr;

  return cols > 256 ? 256 : cols;
}

static bool
fits (const QskQgemmInfo *info, size_t k)
{
  return (k + 3) / 4 * 4 <= MAX_KQ * 2 && block_cols (info, k) >= info->nr;
}

static void
qgemm_block (const QProblem *pb, size_t m0, size_t m1, size_t j0, size_t nc)
{
  const QskQgemmInfo *info = pb->info;
  size_t MR = info->mr, NR = info->nr, kg = kgroup (info), kq = (pb->k + kg - 1) / kg;
  _Alignas (64) unsigned char bp[B_BYTES];
  _Alignas (64) int32_t ap[MAX_MR * MAX_KQ];
  _Alignas (64) int32_t acc[MAX_MR * MAX_NR];
  int32_t comp[MAX_MR];
  size_t panel_bytes = kq * NR * kg * (info->pack == QSK_QPACK_U8S8_QUADS ? 1 : 2);

  assert (MR <= MAX_MR && NR <= MAX_NR && kq * MR <= MAX_MR * MAX_KQ);
  pack_b (bp, pb, j0, nc);
  for (size_t i = m0; i < m1; i += MR)
    {
      size_t mr = m1 - i < MR ? m1 - i : MR;
      const int32_t *a = ap, *cp = comp;

      if (pb->a_packed != NULL)
        {
          a = pb->a_packed + i / MR * (kq * MR + MR);
          cp = a + kq * MR;
        }
      else
        pack_a (ap, comp, pb, i, mr);
      for (size_t p0 = 0; p0 < nc; p0 += NR)
        {
          info->ukernel (kq, a, bp + (p0 / NR) * panel_bytes, acc);
          store_tile (pb, acc, cp, i, mr, j0 + p0, nc - p0 < NR ? nc - p0 : NR);
        }
    }
}

/* ---- pre-packed weights ------------------------------------------------------------- */

static size_t
layout_of (const QskQgemmInfo *info)
{
  return kgroup (info) << 8 | info->mr;
}

/* int32 words of one group's packed weights: per tile kq * MR words + MR comp */
static size_t
packed_group_words (const QskQgemmInfo *info, size_t ocg, size_t k)
{
  size_t kg = kgroup (info), kq = (k + kg - 1) / kg, tiles = (ocg + info->mr - 1) / info->mr;

  return tiles * (kq * info->mr + info->mr);
}

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

/* ---- task splitting and the conv / matmul entry points ------------------------------ */

typedef struct
{
  QProblem base;           /* the problem of outer index 0 */
  size_t outer;            /* conv: n * groups; matmul: batch */
  size_t m_chunks, n_blocks, chunk_rows, cols;
  const QskConv2dQArgs *conv;
  const QskMatmulQArgs *mm;
} QJob;

static void
qjob_split (QJob *job, QskThreadPool *pool)
{
  const QProblem *pb = &job->base;
  size_t threads = (size_t) qsk_thread_pool_n_threads (pool), want = 4 * threads;
  size_t tiles = (pb->m + pb->info->mr - 1) / pb->info->mr, base;

  job->cols = block_cols (pb->info, pb->k);
  job->n_blocks = (pb->n + job->cols - 1) / job->cols;
  base = job->outer * job->n_blocks;
  /* Every task packs its own B block (all of K): split M only as far as the threads
   * need, in chunks of at least 8 tiles, or packing outweighs the dot products. */
  want = 2 * threads;
  job->m_chunks = threads == 1 || base >= want ? 1 : (want + base - 1) / base;
  if (job->m_chunks > tiles / 8)
    job->m_chunks = tiles / 8 > 0 ? tiles / 8 : 1;
  job->chunk_rows = (tiles + job->m_chunks - 1) / job->m_chunks * pb->info->mr;
}

static void
qjob_task (void *data, size_t task)
{
  const QJob *job = data;
  QProblem pb = job->base;
  size_t mc = task % job->m_chunks, nb = task / job->m_chunks % job->n_blocks;
  size_t outer = task / job->m_chunks / job->n_blocks;
  size_t m0 = mc * job->chunk_rows, m1 = m0 + job->chunk_rows < pb.m ? m0 + job->chunk_rows : pb.m;
  size_t j0 = nb * job->cols, nc = pb.n - j0 < job->cols ? pb.n - j0 : job->cols;

  if (job->conv != NULL)
    {
      const QskConvGeom *g = &job->conv->g;
      size_t img = outer / g->groups, grp = outer % g->groups;
      size_t icg = g->ic / g->groups, ocg = g->oc / g->groups;

      pb.a = (const char *) pb.a + grp * ocg * pb.k * qsk_dtype_size (pb.a_type);
      pb.b = (const char *) pb.b
             + (img * g->ic + grp * icg) * g->ih * g->iw * qsk_dtype_size (pb.b_type);
      pb.c = (char *) pb.c + (img * g->oc + grp * ocg) * pb.n * qsk_dtype_size (pb.c_type);
      pb.bias = pb.bias ? pb.bias + grp * ocg : NULL;
      pb.rq += grp * ocg;
      if (pb.a_packed != NULL)
        pb.a_packed += grp * packed_group_words (pb.info, ocg, pb.k);
    }
  else
    {
      const QskMatmulQArgs *p = job->mm;

      pb.a = (const char *) pb.a + outer * p->b_batch_stride * qsk_dtype_size (pb.a_type);
      pb.b = (const char *) pb.b + outer * p->a_batch_stride * qsk_dtype_size (pb.b_type);
      pb.c = (char *) pb.c + outer * p->c_batch_stride * qsk_dtype_size (pb.c_type);
    }
  if (m0 < m1)
    qgemm_block (&pb, m0, m1, j0, nc);
}

static void
qjob_run (QJob *job, QskThreadPool *pool)
{
  qjob_split (job, pool);
  qsk_thread_pool_parallel_for (pool, job->outer * job->n_blocks * job->m_chunks, qjob_task,
                                job);
}

void
qsk_conv2d_q_gemm (const QskConv2dQArgs *args, QskThreadPool *pool, const QskQgemmInfo *info)
{
  const QskConvGeom *g = &args->g;
  size_t icg = g->ic / g->groups, k = icg * g->kh * g->kw;
  QJob job = {
    .base = {
      .info = info, .m = g->oc / g->groups, .k = k,
      .a = args->w, .a_type = args->w_type, .a_rs = k, .a_ks = 1,
      .b = args->x, .b_type = args->x_type, .conv = g, .ow = qsk_conv_geom_ow (g),
      .c = args->y, .c_type = args->y_type, .c_cs = 1,
      .bias = args->bias, .rq = args->rq, .lo = args->out_min, .hi = args->out_max,
    },
    .outer = g->n * g->groups,
    .conv = args,
  };

  assert (g->groups >= 1 && g->ic % g->groups == 0 && g->oc % g->groups == 0);
  assert (args->out_min <= args->out_max && args->out_min >= qsk_dtype_min (args->y_type)
          && args->out_max <= qsk_dtype_max (args->y_type));
  job.base.n = qsk_conv_geom_oh (g) * job.base.ow;
  job.base.c_rs = job.base.n;
  if (args->x_type == QSK_S16 && args->w_type == QSK_S16)
    info = NULL;          /* needs int64 sums */
  else if (info->pack == QSK_QPACK_U8S8_QUADS && (args->x_type != QSK_S8 || args->w_type != QSK_S8))
    info = NULL;
  if (info == NULL || !fits (info, k))
    {
      qsk_conv2d_q__ref (args, pool);
      return;
    }
  job.base.info = info;
  if (args->w_packed != NULL && args->w_pack == layout_of (info))
    job.base.a_packed = args->w_packed;
  if (job.base.n > 0)
    qjob_run (&job, pool);
}

void
qsk_matmul_q_gemm (const QskMatmulQArgs *p, QskThreadPool *pool, const QskQgemmInfo *info)
{
  /* computes C^T: rows are output channels (p->n), columns are p->m rows of A */
  QJob job = {
    .base = {
      .info = info, .m = p->n, .n = p->m, .k = p->k,
      .a = p->b, .a_type = p->b_type, .a_rs = p->b_n_stride, .a_ks = p->b_k_stride,
      .b = p->a, .b_type = p->a_type, .b_ks = 1, .b_ns = p->lda,
      .c = p->c, .c_type = p->c_type, .c_rs = 1, .c_cs = p->ldc,
      .bias = p->bias, .rq = p->rq, .lo = p->out_min, .hi = p->out_max,
    },
    .outer = p->batch,
    .mm = p,
  };

  assert (p->out_min <= p->out_max && p->out_min >= qsk_dtype_min (p->c_type)
          && p->out_max <= qsk_dtype_max (p->c_type));
  if (p->a_type == QSK_S16 && p->b_type == QSK_S16)
    info = NULL;
  else if (info->pack == QSK_QPACK_U8S8_QUADS && (p->a_type != QSK_S8 || p->b_type != QSK_S8))
    info = NULL;
  if (info == NULL || p->k == 0 || !fits (info, p->k))
    {
      qsk_matmul_q__ref (p, pool);
      return;
    }
  if (p->m > 0 && p->n > 0)
    qjob_run (&job, pool);
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
  qsk_conv2d_q_gemm (args, pool, &qsk_qgemm_c);
}

void
qsk_matmul_q__c (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  qsk_matmul_q_gemm (args, pool, &qsk_qgemm_c);
}
