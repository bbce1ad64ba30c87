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

/* Pack rows [i, i + mr) of A into ap[kq * MR + r]; comp[r] = 128 * sum_k A(r, k) for
 * the u8 x s8 format, 0 otherwise. */
static void
pack_a (int32_t *restrict ap, int32_t *restrict comp, const QProblem *pb, size_t i,
        size_t mr)
{
  size_t MR = pb->info->mr, kg = kgroup (pb->info), kq = (pb->k + kg - 1) / kg;

  memset (ap, 0, kq * MR * sizeof *ap);
  for (size_t r = 0; r < MR; r++)
    {
      int32_t sum = 0;

      for (size_t k = 0; r < mr && k < pb->k; k++)
        {
          int32_t v = load_q (pb->a, pb->a_type, (i + r) * pb->a_rs + k * pb->a_ks);
          int32_t *word = ap + (k / kg) * MR + r;

          sum += v;
          if (kg == 4)
            ((int8_t *) word)[k % 4] = (int8_t) v;
          else
            ((int16_t *) word)[k % 2] = (int16_t) v;
        }
      comp[r] = pb->info->pack == QSK_QPACK_U8S8_QUADS ? 128 * sum : 0;
    }
}

/* row k of B, columns [j0, j0 + nc), as int32 */
static void
b_row (const QProblem *pb, size_t k, size_t j0, size_t nc, int32_t *restrict row)
{
  const QskConvGeom *g = pb->conv;
  size_t khw, c, y, x;
  ptrdiff_t h_off, w_off;

  if (g == NULL)
    {
      for (size_t j = 0; j < nc; j++)
        row[j] = load_q (pb->b, pb->b_type, k * pb->b_ks + (j0 + j) * pb->b_ns);
      return;
    }
  khw = g->kh * g->kw;
  c = k / khw;
  h_off = (ptrdiff_t) (k % khw / g->kw * g->dh) - (ptrdiff_t) g->pt;
  w_off = (ptrdiff_t) (k % g->kw * g->dw) - (ptrdiff_t) g->pl;
  y = j0 / pb->ow, x = j0 % pb->ow;
  for (size_t j = 0; j < nc; j++)
    {
      ptrdiff_t h = (ptrdiff_t) (y * g->sh) + h_off, w = (ptrdiff_t) (x * g->sw) + w_off;

      row[j] = h < 0 || w < 0 || h >= (ptrdiff_t) g->ih || w >= (ptrdiff_t) g->iw
               ? 0 : load_q (pb->b, pb->b_type, (c * g->ih + (size_t) h) * g->iw + (size_t) w);
      if (++x == pb->ow)
        {
          x = 0;
          y++;
        }
    }
}

/* Pack columns [j0, j0 + nc), nc <= 256, of B, all of K, into NR-wide panels. */
static void
pack_b (void *restrict bp, const QProblem *pb, size_t j0, size_t nc)
{
  size_t NR = pb->info->nr, kg = kgroup (pb->info), kq = (pb->k + kg - 1) / kg;
  size_t panels = (nc + NR - 1) / NR, panel_elems = kq * NR * kg;
  bool u8 = pb->info->pack == QSK_QPACK_U8S8_QUADS;
  int32_t row[256];

  assert (nc <= 256);
  if (u8)
    memset (bp, 128, panels * panel_elems);
  else
    memset (bp, 0, panels * panel_elems * sizeof (int16_t));
  for (size_t k = 0; k < pb->k; k++)
    {
      size_t off = (k / kg) * NR * kg + k % kg;

      b_row (pb, k, j0, nc, row);
      for (size_t p = 0; p < panels; p++)
        {
          size_t w = nc - p * NR < NR ? nc - p * NR : NR;

          if (u8)
            {
              uint8_t *d = (uint8_t *) bp + p * panel_elems + off;

              for (size_t j = 0; j < w; j++)
                d[j * kg] = (uint8_t) (row[p * NR + j] + 128);
            }
          else
            {
              int16_t *d = (int16_t *) bp + p * panel_elems + off;

              for (size_t j = 0; j < w; j++)
                d[j * kg] = (int16_t) row[p * NR + j];
            }
        }
    }
}

static void
store_tile (const QProblem *pb, const int32_t *acc, const int32_t *comp, size_t i, size_t mr,
            size_t j, size_t nr)
{
  size_t NR = pb->info->nr;

  for (size_t r = 0; r < mr; r++)
    {
      QskRequant rq = pb->rq[i + r];
      int32_t base = (pb->bias ? pb->bias[i + r] : 0) - comp[r];
      size_t at = (i + r) * pb->c_rs + j * pb->c_cs;

      for (size_t t = 0; t < nr; t++, at += pb->c_cs)
        {
          int32_t v = qsk_sat (qsk_requant_apply32 (acc[r * NR + t] + base, rq), pb->lo, pb->hi);

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

      pack_a (ap, comp, pb, i, mr);
      for (size_t p0 = 0; p0 < nc; p0 += NR)
        {
          info->ukernel (kq, ap, bp + (p0 / NR) * panel_bytes, acc);
          store_tile (pb, acc, comp, i, mr, j0 + p0, nc - p0 < NR ? nc - p0 : NR);
        }
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
  job->m_chunks = threads == 1 || base >= want ? 1 : (want + base - 1) / base;
  if (job->m_chunks > tiles)
    job->m_chunks = tiles;
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

static const QskQgemmInfo qgemm_c = { C_MR, C_NR, QSK_QPACK_S16_PAIRS, qgemm_ukernel_c };

void
qsk_conv2d_q__c (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  qsk_conv2d_q_gemm (args, pool, &qgemm_c);
}

void
qsk_matmul_q__c (const QskMatmulQArgs *args, QskThreadPool *pool)
{
  qsk_matmul_q_gemm (args, pool, &qgemm_c);
}
