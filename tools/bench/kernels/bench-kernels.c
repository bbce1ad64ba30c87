/* bench-kernels.c: resnet18's convolutions at 1x3x224x224, float and int8.
 * Prints GFLOP/s (2 * multiply-adds) and ratios against the reference kernels measured
 * in the same run.  QSK_BENCH_QUICK=1 times the reference on the first shapes only. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qsk.h"

typedef struct
{
  const char *name;
  size_t ic, hw, oc, k, s, p;
  int count;        /* occurrences in resnet18 */
} Shape;

static const Shape shapes[] = {
  { "conv1 7x7/2",    3, 224, 64, 7, 2, 3, 1 },
  { "layer1 3x3",    64, 56, 64, 3, 1, 1, 4 },
  { "layer2 3x3/2",  64, 56, 128, 3, 2, 1, 1 },
  { "layer2 3x3",   128, 28, 128, 3, 1, 1, 3 },
  { "layer2 1x1/2",  64, 56, 128, 1, 2, 0, 1 },
  { "layer3 3x3/2", 128, 28, 256, 3, 2, 1, 1 },
  { "layer3 3x3",   256, 14, 256, 3, 1, 1, 3 },
  { "layer3 1x1/2", 128, 28, 256, 1, 2, 0, 1 },
  { "layer4 3x3/2", 256, 14, 512, 3, 2, 1, 1 },
  { "layer4 3x3",   512, 7, 512, 3, 1, 1, 3 },
  { "layer4 1x1/2", 256, 14, 512, 1, 2, 0, 1 },
};

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

typedef void (*RunFn) (const void *args, QskThreadPool *pool);

/* best of repeated runs, at least min_runs and about budget seconds */
static double
time_it (void (*fn) (const void *, QskThreadPool *), const void *args, QskThreadPool *pool,
         int min_runs, double budget)
{
  double best = INFINITY, start = now ();

  for (int i = 0; i < min_runs || now () - start < budget; i++)
    {
      double t0 = now ();

      fn (args, pool);
      best = fmin (best, now () - t0);
      if (i >= 50)
        break;
    }
  return best;
}

static const QskKernels *k_ref, *k_best;

static void *
balloc (size_t bytes)
{
  return aligned_alloc (64, (bytes + 63) / 64 * 64);
}

static void run_f32_ref (const void *a, QskThreadPool *p) { k_ref->conv2d_f32 (a, p); }
static void run_f32_best (const void *a, QskThreadPool *p) { k_best->conv2d_f32 (a, p); }
static void run_q_ref (const void *a, QskThreadPool *p) { k_ref->conv2d_q (a, p); }
static void run_q_best (const void *a, QskThreadPool *p) { k_best->conv2d_q (a, p); }

static QskConvGeom
geom (const Shape *s)
{
  QskConvGeom g = { .n = 1, .ic = s->ic, .ih = s->hw, .iw = s->hw, .oc = s->oc, .kh = s->k,
                    .kw = s->k, .groups = 1, .sh = s->s, .sw = s->s, .dh = 1, .dw = 1,
                    .pt = s->p, .pl = s->p, .pb = s->p, .pr = s->p };

  return g;
}

int
main (void)
{
  int threads = qsk_cpu_count ();
  QskThreadPool *pool = qsk_thread_pool_new (threads);
  bool quick = getenv ("QSK_BENCH_QUICK") != NULL;
  double tot[6] = { 0 };   /* weighted seconds: f32 ref/best/mt, q ref/best/mt */
  double flops_total = 0.0;
  size_t n_shapes = sizeof shapes / sizeof shapes[0];

  k_ref = qsk_kernels_for_isa (QSK_ISA_REF);
  k_best = qsk_kernels ();
  printf ("# resnet18 convs, batch 1; best ISA %s; threaded = %d threads\n",
          qsk_isa_name (qsk_cpu_best_isa ()), threads);
  printf ("# %-13s %8s | %7s %7s %7s %6s %6s | %7s %7s %7s %6s %6s\n", "shape", "MFLOP",
          "f32ref", "f32best", "f32mt", "x ref", "x mt", "s8ref", "s8best", "s8mt", "x ref",
          "x mt");
  for (size_t i = 0; i < n_shapes; i++)
    {
      const Shape *s = &shapes[i];
      QskConvGeom g = geom (s);
      size_t nx = g.ic * g.ih * g.iw, nw = g.oc * g.ic * g.kh * g.kw;
      size_t ny = g.oc * qsk_conv_geom_oh (&g) * qsk_conv_geom_ow (&g);
      /* 64-byte aligned, like the executor's tensors (a misaligned output splits
       * every vector store across two cache lines) */
      float *x = balloc (nx * 4), *w = balloc (nw * 4), *b = calloc (g.oc, 4);
      float *y = balloc (ny * 4);
      int8_t *xq = balloc (nx), *wq = balloc (nw), *yq = balloc (ny);
      int32_t *bq = calloc (g.oc, 4);
      QskRequant *rq = malloc (g.oc * sizeof *rq);
      QskConv2dF32Args fa = { .g = g, .x = x, .w = w, .bias = b, .y = y, .out_min = 0.0f,
                              .out_max = INFINITY };
      QskConv2dQArgs qa = { .g = g, .x_type = QSK_S8, .w_type = QSK_S8, .y_type = QSK_S8,
                            .x = xq, .w = wq, .bias = bq, .rq = rq, .out_min = 0,
                            .out_max = 127, .y = yq };
      double fl = qsk_conv_geom_flops (&g), t[6];
      /* weights pre-packed once, as the executor does */
      size_t fl_layout = qsk_conv2d_f32_pack_layout (k_best->conv2d_f32);
      size_t q_layout = qsk_conv2d_q_pack_layout (k_best->conv2d_q, QSK_S8, QSK_S8);
      size_t fsz = qsk_conv2d_f32_packed_size (&g, fl_layout);
      size_t qsz = qsk_conv2d_q_packed_size (&g, q_layout);
      float *wpf = fsz ? aligned_alloc (64, (fsz + 63) / 64 * 64) : NULL;
      void *wpq = qsz ? aligned_alloc (64, (qsz + 63) / 64 * 64) : NULL;
      bool time_ref = !quick || i < 2;

      for (size_t e = 0; e < nx; e++)
        x[e] = (float) (rand () % 2001 - 1000) / 1000.0f;
      for (size_t e = 0; e < nw; e++)
        w[e] = (float) (rand () % 2001 - 1000) / 1000.0f;
      qsk_quantize_f32 (nx, x, 1.0f / 127, QSK_S8, xq);
      qsk_quantize_f32 (nw, w, 1.0f / 127, QSK_S8, wq);
      for (size_t o = 0; o < g.oc; o++)
        rq[o] = qsk_requant_from_ratio (1.0 / (127.0 * sqrt ((double) (g.ic * g.kh * g.kw))));
      if (wpf != NULL)
        {
          qsk_conv2d_f32_pack (&g, fl_layout, w, wpf);
          fa.w_packed = wpf, fa.w_pack = fl_layout;
        }
      if (wpq != NULL)
        {
          qsk_conv2d_q_pack (&g, q_layout, QSK_S8, wq, wpq);
          qa.w_packed = wpq, qa.w_pack = q_layout;
        }
      t[0] = time_ref ? time_it (run_f32_ref, &fa, NULL, 1, 0.0) : NAN;
      t[1] = time_it (run_f32_best, &fa, NULL, 3, 0.3);
      t[2] = time_it (run_f32_best, &fa, pool, 3, 0.3);
      t[3] = time_ref ? time_it (run_q_ref, &qa, NULL, 1, 0.0) : NAN;
      t[4] = time_it (run_q_best, &qa, NULL, 3, 0.3);
      t[5] = time_it (run_q_best, &qa, pool, 3, 0.3);
      printf ("  %-13s %8.1f | %7.2f %7.1f %7.1f %6.1f %6.2f | %7.2f %7.1f %7.1f %6.1f %6.2f\n",
              s->name, fl / 1e6, fl / t[0] / 1e9, fl / t[1] / 1e9, fl / t[2] / 1e9, t[0] / t[1],
              t[1] / t[2], fl / t[3] / 1e9, fl / t[4] / 1e9, fl / t[5] / 1e9, t[3] / t[4],
              t[4] / t[5]);
      for (int j = 0; j < 6; j++)
        tot[j] += s->count * t[j];
      flops_total += s->count * fl;
      free (x), free (w), free (b), free (y), free (xq), free (wq), free (yq), free (bq);
      free (rq), free (wpf), free (wpq);
    }
  printf ("  %-13s %8.1f | %7.2f %7.1f %7.1f %6.1f %6.2f | %7.2f %7.1f %7.1f %6.1f %6.2f\n",
          "resnet18 all", flops_total / 1e6, flops_total / tot[0] / 1e9,
          flops_total / tot[1] / 1e9, flops_total / tot[2] / 1e9, tot[0] / tot[1],
          tot[1] / tot[2], flops_total / tot[3] / 1e9, flops_total / tot[4] / 1e9,
          flops_total / tot[5] / 1e9, tot[3] / tot[4], tot[4] / tot[5]);
  printf ("# columns: GFLOP/s; 'x ref' = best / ref speed-up, 'x mt' = threaded / best\n");
  printf ("# resnet18 convs total: f32 best %.1f ms, threaded %.1f ms; s8 best %.1f ms, "
          "threaded %.1f ms\n", tot[1] * 1e3, tot[2] * 1e3, tot[4] * 1e3, tot[5] * 1e3);
  qsk_thread_pool_free (pool);
  return 0;
}
