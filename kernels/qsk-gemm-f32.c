/* qsk-gemm-f32.c: the float GEMM driver (blocking, packing, threads), conv2d as
 * implicit im2col + GEMM, a direct depthwise path, and the portable-C micro-kernel. */
#include "qsk-internal.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define KC 256          /* k block: one packed B panel row-block */
#define NC 128          /* n block per task; multiple of every NR */
#define MAX_NR 32

void
qsk_f32_epilogue_scalar (size_t mr, size_t nr, const float *tile, size_t ld_tile, float *c,
                         size_t ldc, const QskF32Epilogue *epi)
{
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++)
      {
        float v = tile[r * ld_tile + j];

        if (epi->load_c)
          v += c[r * ldc + j];
        if (epi->bias_row != NULL)
          v += epi->bias_row[r];
        if (epi->bias_col != NULL)
          v += epi->bias_col[j];
        v = v < epi->lo ? epi->lo : v > epi->hi ? epi->hi : v;
        c[r * ldc + j] = v;
      }
}

/* ---- A packing: MR rows x kc into ap[k * MR + r], rows >= mr zero ------------------ */

static void
pack_a (float *restrict ap, const float *restrict a, size_t lda, size_t mr, size_t kc,
        size_t MR)
{
  for (size_t k = 0; k < kc; k++)
    {
      for (size_t r = 0; r < mr; r++)
        ap[k * MR + r] = a[r * lda + k];
      for (size_t r = mr; r < MR; r++)
        ap[k * MR + r] = 0.0f;
    }
}

/* ---- B packing: a KC x NC block into NR-wide panels, bp[p][k][NR] ------------------- */

/* generic strided matrix: B(k, j) = b[k * ks + j * ns] */
static void
pack_b_strided (float *restrict bp, const float *restrict b, size_t ks, size_t ns,
                size_t kc, size_t nc, size_t nr)
{
  for (size_t j0 = 0; j0 < nc; j0 += nr)
    {
      size_t w = nc - j0 < nr ? nc - j0 : nr;

      for (size_t k = 0; k < kc; k++)
        {
          float *d = bp + (j0 / nr) * kc * nr + k * nr;
          const float *s = b + k * ks + j0 * ns;

          if (ns == 1)
            memcpy (d, s, w * sizeof *d);
          else
            for (size_t j = 0; j < w; j++)
              d[j] = s[j * ns];
          for (size_t j = w; j < nr; j++)
            d[j] = 0.0f;
        }
    }
}

/* implicit im2col of one image/group: B(k, j) with k = (c, i, t) and j = (y, x) */
typedef struct
{
  const QskConvGeom *g;
  const float *x;       /* first channel of the group in this image */
  size_t ow;
} Im2col;

/* one row of B per k: built contiguously (memcpy runs), then cut into panels */
static void
pack_b_im2col (float *restrict bp, const Im2col *ic, size_t k0, size_t kc, size_t j0,
               size_t nc, size_t nr)
{
  const QskConvGeom *g = ic->g;
  size_t khw = g->kh * g->kw, panels = (nc + nr - 1) / nr;
  size_t c = k0 / khw, i = k0 % khw / g->kw, t = k0 % g->kw;
  _Alignas (64) float row[NC];

  for (size_t j = nc; j < panels * nr; j++)
    row[j] = 0.0f;
  for (size_t k = 0; k < kc; k++)
    {
      qsk_im2col_row (row, ic->x, sizeof (float), g, ic->ow, c, i, t, j0, nc);
      for (size_t p = 0; p < panels; p++)
        memcpy (bp + p * kc * nr + k * nr, row + p * nr, nr * sizeof (float));
      if (++t == g->kw)
        {
          t = 0;
          if (++i == g->kh)
            i = 0, c++;
        }
    }
}

/* ---- the blocked GEMM over one task's [m0, m1) x [j0, j0 + nc) ---------------------- */

typedef struct
{
  const QskSgemmInfo *info;
  size_t m, n, k;
  const float *a;
  size_t lda;
  const float *a_packed;     /* [m tiles][k][MR], or NULL: pack a per tile */
  float *c;
  size_t ldc;
  const float *bias_row;     /* [m] or NULL */
  const float *bias_col;     /* [n] or NULL */
  float lo, hi;
  /* B source: strided, or implicit im2col when im2col.g != NULL */
  const float *b;
  size_t b_ks, b_ns;
  Im2col im2col;
} GemmProblem;

#define MAX_MR 16

static void
gemm_block (const GemmProblem *pb, size_t m0, size_t m1, size_t j0, size_t nc)
{
  const QskSgemmInfo *info = pb->info;
  size_t mr = info->mr, nr = info->nr;
  _Alignas (64) float bp[KC * NC];
  _Alignas (64) float apbuf[MAX_MR * KC];

  assert (nr <= MAX_NR && NC % nr == 0 && nc <= NC && mr <= MAX_MR && m0 % mr == 0);
  for (size_t k0 = 0; k0 < pb->k; k0 += KC)
    {
      size_t kc = pb->k - k0 < KC ? pb->k - k0 : KC;
      bool first = k0 == 0, last = k0 + kc == pb->k;

      if (pb->im2col.g != NULL)
        pack_b_im2col (bp, &pb->im2col, k0, kc, j0, nc, nr);
      else
        pack_b_strided (bp, pb->b + k0 * pb->b_ks + j0 * pb->b_ns, pb->b_ks, pb->b_ns,
                        kc, nc, nr);
      for (size_t i = m0; i < m1; i += mr)
        {
          size_t rows = m1 - i < mr ? m1 - i : mr;
          const float *ap;

          if (pb->a_packed != NULL)
            ap = pb->a_packed + i * pb->k + k0 * mr;
          else
            {
              pack_a (apbuf, pb->a + i * pb->lda + k0, pb->lda, rows, kc, mr);
              ap = apbuf;
            }
          for (size_t p0 = 0; p0 < nc; p0 += nr)
            {
              QskF32Epilogue epi = {
                .bias_row = first && pb->bias_row ? pb->bias_row + i : NULL,
                .bias_col = first && pb->bias_col ? pb->bias_col + j0 + p0 : NULL,
                .load_c = !first,
                .lo = last ? pb->lo : -INFINITY,
                .hi = last ? pb->hi : INFINITY,
              };

              info->ukernel (rows, nc - p0 < nr ? nc - p0 : nr, kc, ap,
                             bp + (p0 / nr) * kc * nr, pb->c + i * pb->ldc + j0 + p0,
                             pb->ldc, &epi);
            }
        }
    }
}

/* Split [0, m) into m_chunks multiples of mr and [0, n) into NC blocks so that a
 * problem repeated `outer` times yields enough tasks for the pool.  Chunks of m keep at
 * least 4 tiles: every task packs its own B, so more chunks repack more. */
static size_t
choose_m_chunks (size_t outer, size_t m, size_t n, size_t mr, QskThreadPool *pool)
{
  size_t threads = (size_t) qsk_thread_pool_n_threads (pool), want = 2 * threads;
  size_t base = outer * ((n + NC - 1) / NC), tiles = (m + mr - 1) / mr, chunks;

  if (threads == 1 || base >= 2 * want)
    return 1;
  chunks = (want + base - 1) / base;
  if (chunks > tiles / 4)
    chunks = tiles / 4 > 0 ? tiles / 4 : 1;
  return chunks;
}

typedef struct
{
  size_t m_chunks, n_blocks, chunk_rows;
} TaskSplit;

static TaskSplit
task_split (size_t outer, size_t m, size_t n, size_t mr, QskThreadPool *pool)
{
  TaskSplit s;
  size_t tiles = (m + mr - 1) / mr;

  s.m_chunks = choose_m_chunks (outer, m, n, mr, pool);
  s.n_blocks = (n + NC - 1) / NC;
  s.chunk_rows = (tiles + s.m_chunks - 1) / s.m_chunks * mr;
  return s;
}

/* task -> (outer index, m range, n block) */
static size_t
task_decode (const TaskSplit *s, size_t task, size_t m, size_t n, size_t *m0, size_t *m1,
             size_t *j0, size_t *nc)
{
  size_t mc = task % s->m_chunks, nb = task / s->m_chunks % s->n_blocks;

  *m0 = mc * s->chunk_rows;
  *m1 = *m0 + s->chunk_rows < m ? *m0 + s->chunk_rows : m;
  *j0 = nb * NC;
  *nc = n - *j0 < NC ? n - *j0 : NC;
  return task / s->m_chunks / s->n_blocks;
}

/* ---- pre-packed conv weights ------------------------------------------------------ */

size_t
qsk_conv2d_f32_pack_layout (Qsk_conv2d_f32_fn fn)
{
  if (fn == qsk_conv2d_f32__c)
    return qsk_sgemm_c.mr;
#ifdef QSK_HAVE_X86
  if (fn == qsk_conv2d_f32__avx2)
    return qsk_sgemm_avx2.mr;
  if (fn == qsk_conv2d_f32__avx512)
    return qsk_sgemm_avx512.mr;
#endif
  return 0;
}

size_t
qsk_conv2d_f32_packed_size (const QskConvGeom *g, size_t layout)
{
  size_t ocg = g->oc / g->groups, k = g->ic / g->groups * g->kh * g->kw;

  if (layout == 0 || layout > MAX_MR || g->ic == g->groups)
    return 0;
  return g->groups * ((ocg + layout - 1) / layout * layout) * k * sizeof (float);
}

void
qsk_conv2d_f32_pack (const QskConvGeom *g, size_t layout, const float *w, float *packed)
{
  size_t ocg = g->oc / g->groups, k = g->ic / g->groups * g->kh * g->kw;
  size_t tiles = (ocg + layout - 1) / layout;

  assert (qsk_conv2d_f32_packed_size (g, layout) > 0);
  for (size_t grp = 0; grp < g->groups; grp++)
    for (size_t t = 0; t < tiles; t++)
      {
        size_t rows = ocg - t * layout < layout ? ocg - t * layout : layout;

        pack_a (packed + (grp * tiles + t) * layout * k, w + (grp * ocg + t * layout) * k, k,
                rows, k, layout);
      }
}

/* ---- conv2d ------------------------------------------------------------------------- */

typedef struct
{
  const QskConv2dF32Args *args;
  const QskSgemmInfo *info;
  TaskSplit split;
  size_t oh, ow;
  bool packed;
} ConvJob;

static void
conv_task (void *data, size_t task)
{
  const ConvJob *job = data;
  const QskConv2dF32Args *args = job->args;
  const QskConvGeom *g = &args->g;
  size_t icg = g->ic / g->groups, ocg = g->oc / g->groups, npix = job->oh * job->ow;
  size_t m0, m1, j0, nc, mr = job->info->mr, k = icg * g->kh * g->kw;
  size_t outer = task_decode (&job->split, task, ocg, npix, &m0, &m1, &j0, &nc);
  size_t img = outer / g->groups, grp = outer % g->groups;
  GemmProblem pb = {
    .info = job->info,
    .m = ocg, .n = npix, .k = k,
    .a = args->w + grp * ocg * k,
    .lda = k,
    .a_packed = job->packed ? args->w_packed + grp * ((ocg + mr - 1) / mr * mr) * k : NULL,
    .c = args->y + (img * g->oc + grp * ocg) * npix,
    .ldc = npix,
    .bias_row = args->bias ? args->bias + grp * ocg : NULL,
    .lo = args->out_min, .hi = args->out_max,
    .im2col = { g, args->x + (img * g->ic + grp * icg) * g->ih * g->iw, job->ow },
  };

  if (m0 < m1)
    gemm_block (&pb, m0, m1, j0, nc);
}

/* depthwise (one input channel per group): direct, one output plane per call */
static void
dwconv_plane_c (const QskConv2dF32Args *args, size_t img, size_t o, size_t oh, size_t ow)
{
  const QskConvGeom *g = &args->g;
  size_t ocg = g->oc / g->groups;
  const float *xc = args->x + (img * g->ic + o / ocg) * g->ih * g->iw;
  const float *w = args->w + o * g->kh * g->kw;
  float *yp = args->y + (img * g->oc + o) * oh * ow;
  float b = args->bias ? args->bias[o] : 0.0f;

  for (size_t y = 0; y < oh; y++)
    {
      float *row = yp + y * ow;

      for (size_t x = 0; x < ow; x++)
        row[x] = b;
      for (size_t i = 0; i < g->kh; i++)
        {
          ptrdiff_t h = (ptrdiff_t) (y * g->sh + i * g->dh) - (ptrdiff_t) g->pt;

          if (h < 0 || h >= (ptrdiff_t) g->ih)
            continue;
          for (size_t t = 0; t < g->kw; t++)
            {
              /* valid x: 0 <= x * sw + t * dw - pl < iw */
              ptrdiff_t off = (ptrdiff_t) (t * g->dw) - (ptrdiff_t) g->pl;
              ptrdiff_t sw = (ptrdiff_t) g->sw;
              ptrdiff_t x0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
              ptrdiff_t x1 = ((ptrdiff_t) g->iw - off + sw - 1) / sw;
              const float *src = xc + (size_t) h * g->iw;
              float wv = w[i * g->kw + t];

              if (x1 > (ptrdiff_t) ow)
                x1 = (ptrdiff_t) ow;
              for (ptrdiff_t x = x0; x < x1; x++)
                row[x] += wv * src[x * sw + off];
            }
        }
      for (size_t x = 0; x < ow; x++)
        row[x] = row[x] < args->out_min ? args->out_min
                 : row[x] > args->out_max ? args->out_max : row[x];
    }
}

static void
dwconv_task (void *data, size_t task)
{
  const ConvJob *job = data;
  const QskConvGeom *g = &job->args->g;
  QskDwconvF32Fn fn = job->info->dwconv ? job->info->dwconv : dwconv_plane_c;

  fn (job->args, task / g->oc, task % g->oc, job->oh, job->ow);
}

void
qsk_conv2d_f32_gemm (const QskConv2dF32Args *args, QskThreadPool *pool,
                     const QskSgemmInfo *info)
{
  const QskConvGeom *g = &args->g;
  ConvJob job = { args, info, { 0 }, qsk_conv_geom_oh (g), qsk_conv_geom_ow (g), false };
  size_t ocg = g->oc / g->groups, outer = g->n * g->groups;

  assert (g->groups >= 1 && g->ic % g->groups == 0 && g->oc % g->groups == 0);
  assert (args->x && args->w && args->y && args->out_min <= args->out_max);
  if (job.oh == 0 || job.ow == 0)
    return;
  if (g->ic == g->groups)
    {
      qsk_thread_pool_parallel_for (pool, g->n * g->oc, dwconv_task, &job);
      return;
    }
  job.packed = args->w_packed != NULL && args->w_pack == info->mr;
  job.split = task_split (outer, ocg, job.oh * job.ow, info->mr, pool);
  qsk_thread_pool_parallel_for (pool, outer * job.split.n_blocks * job.split.m_chunks,
                                conv_task, &job);
}

/* ---- matmul ------------------------------------------------------------------------- */

typedef struct
{
  const QskMatmulF32Args *args;
  const QskSgemmInfo *info;
  TaskSplit split;
} MatmulJob;

static void
matmul_task (void *data, size_t task)
{
  const MatmulJob *job = data;
  const QskMatmulF32Args *p = job->args;
  size_t m0, m1, j0, nc;
  size_t b = task_decode (&job->split, task, p->m, p->n, &m0, &m1, &j0, &nc);
  GemmProblem pb = {
    .info = job->info,
    .m = p->m, .n = p->n, .k = p->k,
    .a = p->a + b * p->a_batch_stride, .lda = p->lda,
    .c = p->c + b * p->c_batch_stride, .ldc = p->ldc,
    .bias_col = p->bias,
    .lo = p->out_min, .hi = p->out_max,
    .b = p->b + b * p->b_batch_stride, .b_ks = p->b_k_stride, .b_ns = p->b_n_stride,
  };

  if (m0 < m1)
    gemm_block (&pb, m0, m1, j0, nc);
}

void
qsk_matmul_f32_gemm (const QskMatmulF32Args *args, QskThreadPool *pool,
                     const QskSgemmInfo *info)
{
  MatmulJob job = { args, info, { 0 } };

  assert (args->a && args->b && args->c && args->lda >= args->k && args->ldc >= args->n);
  if (args->m == 0 || args->n == 0)
    return;
  if (args->k == 0)
    {
      /* no products: C = clamp (bias) */
      for (size_t b = 0; b < args->batch; b++)
        for (size_t i = 0; i < args->m; i++)
          for (size_t j = 0; j < args->n; j++)
            {
              float v = args->bias ? args->bias[j] : 0.0f;

              v = v < args->out_min ? args->out_min : v > args->out_max ? args->out_max : v;
              args->c[b * args->c_batch_stride + i * args->ldc + j] = v;
            }
      return;
    }
  job.split = task_split (args->batch, args->m, args->n, info->mr, pool);
  qsk_thread_pool_parallel_for (pool, args->batch * job.split.n_blocks * job.split.m_chunks,
                                matmul_task, &job);
}

/* ---- portable micro-kernel: 4 x 8, plain C the compiler may vectorize -------------- */

#define C_MR 4
#define C_NR 8

static void
sgemm_ukernel_c (size_t mr, size_t nr, size_t kc, const float *ap, const float *bp,
                 float *c, size_t ldc, const QskF32Epilogue *epi)
{
  float acc[C_MR][C_NR] = { { 0 } };

  for (size_t k = 0; k < kc; k++)
    for (size_t r = 0; r < C_MR; r++)
      for (size_t j = 0; j < C_NR; j++)
        acc[r][j] += ap[k * C_MR + r] * bp[k * C_NR + j];
  qsk_f32_epilogue_scalar (mr, nr, &acc[0][0], C_NR, c, ldc, epi);
}

const QskSgemmInfo qsk_sgemm_c = { C_MR, C_NR, sgemm_ukernel_c, NULL };

void
qsk_conv2d_f32__c (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  qsk_conv2d_f32_gemm (args, pool, &qsk_sgemm_c);
}

void
qsk_matmul_f32__c (const QskMatmulF32Args *args, QskThreadPool *pool)
{
  qsk_matmul_f32_gemm (args, pool, &qsk_sgemm_c);
}
