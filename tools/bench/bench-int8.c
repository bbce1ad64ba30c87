/* bench-int8: resnet18's int8 compute at 1x3x224x224, as a sequence of int8 kernel
 * calls, 1 and 2 threads.
 *
 *   bench-int8 [REPEATS]
 *
 * This is NOT the executor's integer mode (bench-exec times that): it runs what an int8
 * resnet18 computes, layer by layer, with the kernels the integer executor calls:
 * quantize the float input, conv + bias + requant (+ fused relu) per channel with
 * weights packed once at setup, int8 max pool, int8 residual add with relu, int8
 * global average pool, the int8 linear layer (as a 1x1 conv, weights packed too),
 * dequantize the logits.  Weights and
 * scales are seeded random (timing does not depend on their values).  Prints best and
 * median ms per run in bench-exec's format, for tools/bench/run.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qsk.h"

typedef struct
{
  QskConv2dQArgs a;
  void *packed;
} Conv;

typedef struct
{
  const QskKernels *k;
  Conv convs[21];
  size_t n_convs;
  int8_t *act[8];          /* activation buffers, reused */
  float *input, *logits;
  int8_t *fc_out;
} Net;

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static void *
balloc (size_t bytes)
{
  return aligned_alloc (64, (bytes + 63) / 64 * 64);
}

static unsigned rng = 12345;

static int
rnd (int lo, int hi)
{
  rng = rng * 1103515245u + 12345u;
  return lo + (int) ((rng >> 8) % (unsigned) (hi - lo + 1));
}

/* one conv layer: ic x hw -> oc, k x k / s, pad k / 2, weights random, packed */
static void
add_conv (Net *net, size_t ic, size_t hw, size_t oc, size_t k, size_t s, bool relu)
{
  Conv *c = &net->convs[net->n_convs++];
  QskConvGeom g = { .n = 1, .ic = ic, .ih = hw, .iw = hw, .oc = oc, .kh = k, .kw = k,
                    .groups = 1, .sh = s, .sw = s, .dh = 1, .dw = 1,
                    .pt = k / 2, .pl = k / 2, .pb = k / 2, .pr = k / 2 };
  size_t nw = oc * ic * k * k, layout, size;
  int8_t *w = balloc (nw);
  int32_t *bias = balloc (oc * sizeof *bias);
  QskRequant *rq = balloc (oc * sizeof *rq);

  for (size_t i = 0; i < nw; i++)
    w[i] = (int8_t) rnd (-127, 127);
  for (size_t o = 0; o < oc; o++)
    {
      bias[o] = rnd (-2000, 2000);
      rq[o] = qsk_requant_from_ratio (1.0 / (40.0 * sqrt ((double) (ic * k * k))));
    }
  c->a = (QskConv2dQArgs) { .g = g, .x_type = QSK_S8, .w_type = QSK_S8, .y_type = QSK_S8,
                            .w = w, .bias = bias, .rq = rq, .out_min = relu ? 0 : -128,
                            .out_max = 127 };
  layout = qsk_conv2d_q_pack_layout (net->k->conv2d_q, QSK_S8, QSK_S8);
  size = qsk_conv2d_q_packed_size (&g, layout);
  if (size > 0)
    {
      c->packed = balloc (size);
      qsk_conv2d_q_pack (&g, layout, QSK_S8, w, c->packed);
      c->a.w_packed = c->packed, c->a.w_pack = layout;
    }
}

static void
build (Net *net)
{
  static const size_t widths[] = { 64, 128, 256, 512 };
  size_t hw = 56, ic = 64;

  memset (net, 0, sizeof *net);
  net->k = qsk_kernels ();
  add_conv (net, 3, 224, 64, 7, 2, true);
  for (int l = 0; l < 4; l++)
    {
      size_t oc = widths[l], s = l == 0 ? 1 : 2;

      add_conv (net, ic, hw, oc, 3, s, true);                 /* block 0 conv1 */
      add_conv (net, oc, hw / s, oc, 3, 1, false);            /* block 0 conv2 */
      if (s == 2)
        add_conv (net, ic, hw, oc, 1, 2, false);              /* downsample */
      add_conv (net, oc, hw / s, oc, 3, 1, true);             /* block 1 conv1 */
      add_conv (net, oc, hw / s, oc, 3, 1, false);            /* block 1 conv2 */
      hw /= s, ic = oc;
    }
  for (int i = 0; i < 8; i++)
    net->act[i] = balloc (64 * 112 * 112);
  net->input = balloc (3 * 224 * 224 * sizeof (float));
  for (size_t i = 0; i < 3 * 224 * 224; i++)
    net->input[i] = (float) rnd (-1000, 1000) / 1000.0f;
  net->logits = balloc (1000 * sizeof (float));
  net->fc_out = balloc (1000);
  /* the linear layer at batch 1: a 1x1 conv over the pooled 512 x 1 x 1 map, so its
   * weights are packed once like the convs' */
  add_conv (net, 512, 1, 1000, 1, 1, false);
}

static void
run_conv (const Net *net, QskThreadPool *pool, size_t i, const int8_t *x, int8_t *y)
{
  QskConv2dQArgs a = net->convs[i].a;

  a.x = x, a.y = y;
  net->k->conv2d_q (&a, pool);
}

/* y = relu (a + b), both rescaled by 1/2 */
static void
run_add (const Net *net, QskThreadPool *pool, const int8_t *a, const int8_t *b, int8_t *y,
         size_t c, size_t hw)
{
  size_t shape[4] = { 1, c, hw, hw };
  QskAddS8Args args = { .rq = qsk_requant2_from_ratios (0.5, 0.5), .out_min = 0,
                        .out_max = 127, .a = a, .b = b, .y = y };

  qsk_broadcast_init (&args.bc, 4, shape, 4, shape);
  net->k->add_s8 (&args, pool);
}

static void
forward (const Net *net, QskThreadPool *pool)
{
  int8_t *const *t = net->act;
  QskPool2dS8Args mp = { .g = { .n = 1, .c = 64, .ih = 112, .iw = 112, .kh = 3, .kw = 3,
                                .sh = 2, .sw = 2, .pt = 1, .pl = 1, .pb = 1, .pr = 1,
                                .mode = QSK_POOL_MAX }, .x = t[1], .y = t[0] };
  QskPool2dS8Args ap = { .g = { .n = 1, .c = 512, .ih = 7, .iw = 7, .kh = 7, .kw = 7,
                                .sh = 7, .sw = 7, .count_include_pad = true,
                                .mode = QSK_POOL_AVG }, .y = t[7] };
  static const size_t widths[] = { 64, 128, 256, 512 };
  size_t ci = 0, hw = 56;
  /* the block input and output live in t[0]; t[1..4] are scratch */
  int8_t *cur = t[0], *A = t[1], *B = t[2], *D = t[3], *E = t[4];

  qsk_quantize_f32 (3 * 224 * 224, net->input, 1.0f / 64, QSK_S8, t[6]);
  run_conv (net, pool, ci++, t[6], t[1]);
  net->k->pool2d_s8 (&mp, pool);          /* t[1] -> t[0] */
  for (int l = 0; l < 4; l++)
    {
      size_t s = l == 0 ? 1 : 2, oc = widths[l];
      const int8_t *identity = cur;

      run_conv (net, pool, ci++, cur, A);
      run_conv (net, pool, ci++, A, B);
      if (s == 2)
        {
          run_conv (net, pool, ci++, cur, D);
          identity = D;
        }
      hw /= s;
      run_add (net, pool, B, identity, E, oc, hw);
      run_conv (net, pool, ci++, E, A);
      run_conv (net, pool, ci++, A, B);
      run_add (net, pool, B, E, cur, oc, hw);
    }
  ap.x = cur;
  net->k->pool2d_s8 (&ap, pool);
  run_conv (net, pool, ci, t[7], net->fc_out);
  qsk_dequantize_f32 (1000, net->fc_out, QSK_S8, 0.1f, net->logits);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
time_runs (const Net *net, int threads, int repeats, double *best, double *median)
{
  QskThreadPool *pool = threads > 1 ? qsk_thread_pool_new (threads) : NULL;
  double *ms = malloc ((size_t) repeats * sizeof *ms);

  forward (net, pool);   /* warm-up */
  for (int r = 0; r < repeats; r++)
    {
      double t0 = now ();

      forward (net, pool);
      ms[r] = (now () - t0) * 1e3;
    }
  qsort (ms, (size_t) repeats, sizeof *ms, cmp_double);
  *best = ms[0], *median = ms[repeats / 2];
  free (ms);
  qsk_thread_pool_free (pool);
}

int
main (int argc, char **argv)
{
  int repeats = argc > 1 ? atoi (argv[1]) : 10;
  Net net;
  double best[2], median[2];

  repeats = repeats < 1 ? 1 : repeats;
  build (&net);
  for (int i = 0; i < 2; i++)
    time_runs (&net, i + 1, repeats, &best[i], &median[i]);
  printf ("exec-int8-kernels resnet18 (int8 kernel sequence, %s): 1 thread %.1f ms "
          "(median %.1f), 2 threads %.1f ms (median %.1f), speedup %.2fx\n",
          qsk_isa_name (qsk_cpu_best_isa ()), best[0], median[0], best[1], median[1],
          best[0] / best[1]);
  return 0;
}
