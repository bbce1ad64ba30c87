/* test-variants.c: every variant in the kernel inventory against ref on edge shapes
 * (tiles, below, above, odd), single- and multi-threaded.  A variant this CPU cannot
 * run is a TAP skip.  Adding a variant to qsk-kernels.inc without a case here fails. */
#include <string.h>

#include "qsk.h"
#include "qsk-tap.h"

typedef struct
{
  const char *what;
  size_t n, ic, ih, iw, oc, kh, kw, groups, s, d, pt, pl, pb, pr;
  bool bias;
  int act;   /* 0 none, 1 relu, 2 relu6 */
} ConvCase;

static const ConvCase conv_cases[] = {
  { "1x1 one tile",           1, 16, 8, 8, 6, 1, 1, 1, 1, 1, 0, 0, 0, 0, true, 0 },
  { "1x1 below tile",         1, 4, 3, 5, 5, 1, 1, 1, 1, 1, 0, 0, 0, 0, false, 0 },
  { "3x3 above tile",         1, 3, 3, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 1 },
  { "7x7/2 odd",              1, 3, 13, 11, 7, 7, 7, 1, 2, 1, 3, 3, 3, 3, true, 2 },
  { "K = 256",                1, 256, 5, 5, 8, 1, 1, 1, 1, 1, 0, 0, 0, 0, true, 0 },
  { "K = 257",                1, 257, 4, 5, 9, 1, 1, 1, 1, 1, 0, 0, 0, 0, true, 1 },
  { "K = 513, N > 128",       1, 57, 12, 12, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 0 },
  { "N = 272, 2 blocks",      1, 5, 17, 16, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, 2 },
  { "dilation 2, asym pad",   1, 6, 9, 10, 8, 3, 3, 1, 1, 2, 1, 0, 2, 1, true, 0 },
  { "stride 2 x 3",           1, 4, 11, 13, 12, 3, 2, 1, 2, 1, 0, 1, 1, 0, true, 0 },
  { "groups 2",               1, 8, 6, 7, 6, 3, 3, 2, 1, 1, 1, 1, 1, 1, true, 1 },
  { "groups 4, 1x1",          2, 16, 5, 5, 20, 1, 1, 4, 1, 1, 0, 0, 0, 0, true, 0 },
  { "depthwise 3x3",          1, 8, 9, 9, 8, 3, 3, 8, 1, 1, 1, 1, 1, 1, true, 2 },
  { "depthwise 3x3/2",        2, 5, 10, 7, 5, 3, 3, 5, 2, 1, 1, 1, 1, 1, false, 0 },
  { "depthwise x2, dil 2",    1, 4, 8, 8, 8, 3, 3, 4, 1, 2, 2, 2, 2, 2, true, 0 },
  { "batch 2, 3x3",           2, 12, 7, 9, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 0 },
  { "kernel = input",         1, 3, 4, 4, 5, 4, 4, 1, 1, 1, 0, 0, 0, 0, true, 0 },
  /* strided: phase planes */
  { "7x7/2, N > 128",         1, 3, 40, 37, 10, 7, 7, 1, 2, 1, 3, 3, 3, 3, true, 1 },
  { "1x1/2, N > 128",         1, 5, 30, 29, 9, 1, 1, 1, 2, 1, 0, 0, 0, 0, false, 0 },
  { "x2 /2 dil 2 groups 2",   2, 6, 15, 14, 8, 3, 3, 2, 2, 2, 2, 1, 1, 2, true, 0 },
  /* m split over tasks: B packed once, shared */
  { "m split, K = 576",       1, 64, 6, 5, 80, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 1 },
  { "m split, /2, 2 n blocks", 1, 8, 26, 25, 96, 3, 3, 1, 2, 1, 1, 1, 1, 1, false, 0 },
};

static QskConvGeom
conv_geom (const ConvCase *c)
{
  QskConvGeom g = {
    .n = c->n, .ic = c->ic, .ih = c->ih, .iw = c->iw, .oc = c->oc, .kh = c->kh,
    .kw = c->kw, .groups = c->groups, .sh = c->s, .sw = c->s, .dh = c->d, .dw = c->d,
    .pt = c->pt, .pl = c->pl, .pb = c->pb, .pr = c->pr,
  };

  /* one case with unequal strides */
  if (strcmp (c->what, "stride 2 x 3") == 0)
    g.sw = 3;
  return g;
}

static size_t
conv_out_count (const QskConvGeom *g)
{
  return g->n * g->oc * qsk_conv_geom_oh (g) * qsk_conv_geom_ow (g);
}

static void
test_conv2d_f32 (Qsk_conv2d_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
    {
      const ConvCase *c = &conv_cases[i];
      QskConvGeom g = conv_geom (c);
      size_t nx = g.n * g.ic * g.ih * g.iw, nw = g.oc * g.ic / g.groups * g.kh * g.kw;
      size_t ny = conv_out_count (&g);
      float *x = malloc (nx * sizeof *x), *w = malloc (nw * sizeof *w);
      float *b = malloc (g.oc * sizeof *b);
      float *ref = malloc (ny * sizeof *ref), *got = malloc (ny * sizeof *got);
      float *got_mt = malloc (ny * sizeof *got);
      QskConv2dF32Args a = { .g = g, .x = x, .w = w, .bias = c->bias ? b : NULL,
                             .out_min = c->act ? 0.0f : -INFINITY,
                             .out_max = c->act == 2 ? 6.0f : INFINITY };
      double err;

      test_fill_f32 (x, nx, -1.0f, 1.0f);
      test_fill_f32 (w, nw, -1.0f, 1.0f);
      test_fill_f32 (b, g.oc, -1.0f, 1.0f);
      a.y = ref;
      qsk_conv2d_f32__ref (&a, NULL);
      memset (got, 0xff, ny * sizeof *got);   /* NaN: unwritten outputs fail */
      a.y = got;
      fn (&a, NULL);
      err = test_f32_err (got, ref, ny);
      a.y = got_mt;
      fn (&a, pool);
      tap_ok (err <= QSK_TEST_F32_RTOL && memcmp (got, got_mt, ny * sizeof *got) == 0,
              "conv2d_f32 %s: %s (rel err %.2g, threaded identical)", isa, c->what, err);
      /* pre-packed weights: the same results, bit for bit */
      {
        size_t layout = qsk_conv2d_f32_pack_layout (fn);
        size_t size = qsk_conv2d_f32_packed_size (&g, layout);

        if (size > 0)
          {
            float *packed = aligned_alloc (64, (size + 63) / 64 * 64);

            qsk_conv2d_f32_pack (&g, layout, w, packed);
            a.w_packed = packed, a.w_pack = layout;
            memset (got_mt, 0xff, ny * sizeof *got);
            fn (&a, pool);
            tap_ok (memcmp (got, got_mt, ny * sizeof *got) == 0,
                    "conv2d_f32 %s: %s, pre-packed weights (layout %zu)", isa, c->what, layout);
            free (packed);
          }
      }
      free (x), free (w), free (b), free (ref), free (got), free (got_mt);
    }
}

typedef struct
{
  size_t batch, m, n, k;
  bool trans_b, bias, bcast_b;
} MatmulCase;

static const MatmulCase matmul_cases[] = {
  { 1, 1, 1, 1, true, false, false },
  { 1, 6, 16, 8, true, true, false },
  { 1, 5, 15, 7, true, true, false },
  { 1, 7, 17, 255, false, true, false },
  { 1, 13, 33, 256, true, false, false },
  { 1, 8, 32, 257, false, true, false },
  { 2, 9, 130, 31, true, true, true },
  { 3, 25, 7, 300, false, false, false },
  { 1, 1, 1000, 512, true, true, false },
  { 2, 3, 70, 100, true, false, true },      /* few rows: dot products */
};

static void
test_matmul_f32 (Qsk_matmul_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  for (size_t i = 0; i < sizeof matmul_cases / sizeof matmul_cases[0]; i++)
    {
      const MatmulCase *c = &matmul_cases[i];
      size_t na = c->batch * c->m * c->k, nb = c->batch * c->k * c->n;
      size_t nc = c->batch * c->m * c->n;
      float *a = malloc (na * sizeof *a), *b = malloc (nb * sizeof *b);
      float *bias = malloc (c->n * sizeof *bias), *ref = malloc (nc * sizeof *ref);
      float *got = malloc (nc * sizeof *got), *got_mt = malloc (nc * sizeof *got);
      QskMatmulF32Args p = {
        .batch = c->batch, .m = c->m, .n = c->n, .k = c->k,
        .a = a, .a_batch_stride = c->m * c->k, .lda = c->k,
        .b = b, .b_batch_stride = c->bcast_b ? 0 : c->k * c->n,
        .b_k_stride = c->trans_b ? 1 : c->n, .b_n_stride = c->trans_b ? c->k : 1,
        .bias = c->bias ? bias : NULL,
        .c_batch_stride = c->m * c->n, .ldc = c->n,
        .out_min = -INFINITY, .out_max = c->bias ? 2.0f : INFINITY,
      };
      double err;

      test_fill_f32 (a, na, -1.0f, 1.0f);
      test_fill_f32 (b, nb, -1.0f, 1.0f);
      test_fill_f32 (bias, c->n, -1.0f, 1.0f);
      p.c = ref;
      qsk_matmul_f32__ref (&p, NULL);
      memset (got, 0xff, nc * sizeof *got);
      p.c = got;
      fn (&p, NULL);
      err = test_f32_err (got, ref, nc);
      p.c = got_mt;
      fn (&p, pool);
      tap_ok (err <= QSK_TEST_F32_RTOL && memcmp (got, got_mt, nc * sizeof *got) == 0,
              "matmul_f32 %s: %zux%zux%zux%zu%s%s (rel err %.2g)", isa, c->batch, c->m, c->n,
              c->k, c->trans_b ? " B^T" : "", c->bcast_b ? " bcast" : "", err);
      free (a), free (b), free (bias), free (ref), free (got), free (got_mt);
    }
}

/* ---- integer ---------------------------------------------------------------------- */

static const QskDType type_combos[][3] = {     /* x, w, y */
  { QSK_S8, QSK_S8, QSK_S8 },
  { QSK_S8, QSK_S8, QSK_S16 },
  { QSK_S16, QSK_S8, QSK_S16 },
  { QSK_S8, QSK_S16, QSK_S8 },
  { QSK_S16, QSK_S16, QSK_S16 },
};

static const char *
tname (QskDType t)
{
  return t == QSK_S8 ? "s8" : "s16";
}

static void *
random_q (size_t count, QskDType t)
{
  void *p = malloc (count * qsk_dtype_size (t) + 1);
  int32_t lim = t == QSK_S8 ? 127 : 4000;   /* s16: keep s16 x s8 sums in int32 */

  for (size_t i = 0; i < count; i++)
    {
      int32_t v = test_randi (-lim - 1, lim);

      if (t == QSK_S8)
        ((int8_t *) p)[i] = (int8_t) v;
      else
        ((int16_t *) p)[i] = (int16_t) v;
    }
  return p;
}

/* per-channel ratios that spread outputs over the type, with some saturation */
static void
random_rq (QskRequant *rq, int32_t *bias, size_t count, size_t k, QskDType x, QskDType w,
           QskDType y)
{
  double xm = x == QSK_S8 ? 128 : 4000, wm = w == QSK_S8 ? 128 : 4000;
  double ym = y == QSK_S8 ? 127 : 32767;

  for (size_t i = 0; i < count; i++)
    {
      rq[i] = qsk_requant_from_ratio (test_randf (0.3f, 3.0f) * ym
                                      / (sqrt ((double) k) * xm * wm / 3.0));
      bias[i] = test_randi (-20000, 20000);
    }
}

static void
test_conv2d_q (Qsk_conv2d_q_fn fn, const char *isa, QskThreadPool *pool)
{
  for (size_t t = 0; t < sizeof type_combos / sizeof type_combos[0]; t++)
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
      {
        const ConvCase *c = &conv_cases[i];
        QskConvGeom g = conv_geom (c);
        QskDType xt = type_combos[t][0], wt = type_combos[t][1], yt = type_combos[t][2];
        size_t nx = g.n * g.ic * g.ih * g.iw, nw = g.oc * g.ic / g.groups * g.kh * g.kw;
        size_t ny = conv_out_count (&g), ysz = ny * qsk_dtype_size (yt);
        void *x = random_q (nx, xt), *w = random_q (nw, wt);
        void *ref = malloc (ysz), *got = malloc (ysz), *got_mt = malloc (ysz);
        QskRequant *rq = malloc (g.oc * sizeof *rq);
        int32_t *bias = malloc (g.oc * sizeof *bias);
        QskConv2dQArgs a = { .g = g, .x_type = xt, .w_type = wt, .y_type = yt, .x = x, .w = w,
                             .bias = c->bias ? bias : NULL, .rq = rq };
        size_t ndiff = 0;

        random_rq (rq, bias, g.oc, g.ic / g.groups * g.kh * g.kw, xt, wt, yt);
        a.out_min = c->act ? 0 : qsk_dtype_min (yt);
        a.out_max = c->act == 2 ? qsk_dtype_max (yt) / 2 : qsk_dtype_max (yt);
        a.y = ref;
        qsk_conv2d_q__ref (&a, NULL);
        memset (got, 0x55, ysz);
        a.y = got;
        fn (&a, NULL);
        for (size_t e = 0; e < ysz; e++)
          ndiff += ((char *) got)[e] != ((char *) ref)[e];
        a.y = got_mt;
        fn (&a, pool);
        tap_ok (ndiff == 0 && memcmp (got, got_mt, ysz) == 0,
                "conv2d_q %s: %s x %s -> %s, %s (%zu bytes differ)", isa, tname (xt), tname (wt),
                tname (yt), c->what, ndiff);
        {
          size_t layout = qsk_conv2d_q_pack_layout (fn, xt, wt);
          size_t size = qsk_conv2d_q_packed_size (&g, layout);

          if (size > 0)
            {
              void *packed = aligned_alloc (64, (size + 63) / 64 * 64);

              qsk_conv2d_q_pack (&g, layout, wt, w, packed);
              a.w_packed = packed, a.w_pack = layout;
              memset (got_mt, 0x55, ysz);
              fn (&a, pool);
              tap_ok (memcmp (got_mt, ref, ysz) == 0,
                      "conv2d_q %s: %s x %s -> %s, %s, pre-packed weights", isa, tname (xt),
                      tname (wt), tname (yt), c->what);
              free (packed);
            }
        }
        free (x), free (w), free (ref), free (got), free (got_mt), free (rq), free (bias);
      }
}

static void
test_matmul_q (Qsk_matmul_q_fn fn, const char *isa, QskThreadPool *pool)
{
  for (size_t t = 0; t < sizeof type_combos / sizeof type_combos[0]; t++)
    for (size_t i = 0; i < sizeof matmul_cases / sizeof matmul_cases[0]; i++)
      {
        const MatmulCase *c = &matmul_cases[i];
        QskDType at = type_combos[t][0], bt = type_combos[t][1], ct = type_combos[t][2];
        size_t na = c->batch * c->m * c->k, nb = c->batch * c->k * c->n;
        size_t csz = c->batch * c->m * c->n * qsk_dtype_size (ct);
        void *a = random_q (na, at), *b = random_q (nb, bt);
        void *ref = malloc (csz), *got = malloc (csz), *got_mt = malloc (csz);
        QskRequant *rq = malloc (c->n * sizeof *rq);
        int32_t *bias = malloc (c->n * sizeof *bias);
        QskMatmulQArgs p = {
          .batch = c->batch, .m = c->m, .n = c->n, .k = c->k,
          .a_type = at, .b_type = bt, .c_type = ct,
          .a = a, .a_batch_stride = c->m * c->k, .lda = c->k,
          .b = b, .b_batch_stride = c->bcast_b ? 0 : c->k * c->n,
          .b_k_stride = c->trans_b ? 1 : c->n, .b_n_stride = c->trans_b ? c->k : 1,
          .bias = c->bias ? bias : NULL, .rq = rq,
          .out_min = c->bias ? 0 : qsk_dtype_min (ct), .out_max = qsk_dtype_max (ct),
          .c_batch_stride = c->m * c->n, .ldc = c->n,
        };

        random_rq (rq, bias, c->n, c->k, at, bt, ct);
        p.c = ref;
        qsk_matmul_q__ref (&p, NULL);
        memset (got, 0x55, csz);
        p.c = got;
        fn (&p, NULL);
        p.c = got_mt;
        fn (&p, pool);
        tap_ok (memcmp (got, ref, csz) == 0 && memcmp (got, got_mt, csz) == 0,
                "matmul_q %s: %s x %s -> %s, %zux%zux%zux%zu%s", isa, tname (at), tname (bt),
                tname (ct), c->batch, c->m, c->n, c->k, c->trans_b ? " B^T" : "");
        free (a), free (b), free (ref), free (got), free (got_mt), free (rq), free (bias);
      }
}

/* ---- memory-bound float kernels: the same expressions as ref, so exact ---------- */

static void
test_batch_norm_f32 (Qsk_batch_norm_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  static const size_t shapes[][3] = { { 1, 1, 1 }, { 2, 3, 37 }, { 1, 70, 40000 },
                                      { 3, 5, 0 } };

  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    {
      size_t n = shapes[i][0], c = shapes[i][1], hw = shapes[i][2], count = n * c * hw;
      float *x = malloc ((count + 1) * 4), *sc = malloc (c * 4), *sh = malloc (c * 4);
      float *ref = malloc ((count + 1) * 4), *got = malloc ((count + 1) * 4);
      float *got_mt = malloc ((count + 1) * 4);
      QskBatchNormF32Args a = { .n = n, .c = c, .hw = hw, .x = x, .scale = sc, .shift = sh };

      test_fill_f32 (x, count, -3.0f, 3.0f);
      test_fill_f32 (sc, c, -2.0f, 2.0f);
      test_fill_f32 (sh, c, -1.0f, 1.0f);
      a.y = ref;
      qsk_batch_norm_f32__ref (&a, NULL);
      memset (got, 0xff, count * 4);
      a.y = got;
      fn (&a, NULL);
      a.y = got_mt;
      fn (&a, pool);
      tap_ok (memcmp (got, ref, count * 4) == 0 && memcmp (got_mt, ref, count * 4) == 0,
              "batch_norm_f32 %s: %zux%zux%zu", isa, n, c, hw);
      free (x), free (sc), free (sh), free (ref), free (got), free (got_mt);
    }
}

static void
test_unary_f32 (Qsk_unary_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  static const size_t counts[] = { 1, 17, 70001 };

  for (int op = QSK_UNARY_RELU; op <= QSK_UNARY_LEAKY_RELU; op++)
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
      {
        size_t n = counts[i];
        float *x = malloc (n * 4), *ref = malloc (n * 4), *got = malloc (n * 4);
        float *got_mt = malloc (n * 4);
        QskUnaryF32Args a = { .op = (QskUnaryOp) op, .alpha = 0.1f, .count = n, .x = x };

        test_fill_f32 (x, n, -8.0f, 8.0f);
        /* specials: -0, NaN, +-inf, the relu6 edges */
        if (n >= 17)
          {
            x[0] = -0.0f, x[1] = NAN, x[2] = INFINITY, x[3] = -INFINITY, x[4] = 6.0f;
            x[5] = 0.0f, x[6] = -3.0f;
          }
        a.y = ref;
        qsk_unary_f32__ref (&a, NULL);
        a.y = got;
        fn (&a, NULL);
        a.y = got_mt;
        fn (&a, pool);
        tap_ok (memcmp (got, ref, n * 4) == 0 && memcmp (got_mt, ref, n * 4) == 0,
                "unary_f32 %s: op %d, %zu elements", isa, op, n);
        free (x), free (ref), free (got), free (got_mt);
      }
}

typedef struct
{
  size_t ar, as[4], br, bs[4];
} BinCase;

static void
test_binary_f32 (Qsk_binary_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  static const BinCase cases[] = {
    { 4, { 1, 64, 56, 56 }, 4, { 1, 64, 56, 56 } },   /* resnet residual */
    { 4, { 2, 3, 4, 5 }, 3, { 3, 1, 1 } },            /* per channel */
    { 2, { 4, 1 }, 2, { 1, 5 } },                     /* outer product */
    { 1, { 37 }, 1, { 1 } },                          /* scalar */
    { 1, { 1 }, 3, { 2, 3, 33 } },                    /* scalar on the left */
    { 4, { 2, 1, 40, 50 }, 4, { 2, 3, 40, 50 } },
    { 3, { 5, 1, 17 }, 3, { 5, 6, 17 } },
    { 3, { 3, 70, 1 }, 2, { 70, 2 } },                /* inner broadcast, short */
    { 1, { 1 }, 1, { 1 } },
  };

  for (int op = QSK_BINARY_ADD; op <= QSK_BINARY_DIV; op++)
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
      {
        const BinCase *c = &cases[i];
        QskBinaryF32Args a = { .op = (QskBinaryOp) op };
        size_t na = 1, nb = 1, ny = 1;
        float *x, *z, *ref, *got, *got_mt;

        for (size_t d = 0; d < c->ar; d++)
          na *= c->as[d];
        for (size_t d = 0; d < c->br; d++)
          nb *= c->bs[d];
        if (!qsk_broadcast_init (&a.bc, c->ar, c->as, c->br, c->bs))
          {
            tap_ok (false, "binary_f32 %s: case %zu broadcasts", isa, i);
            continue;
          }
        for (size_t d = 0; d < a.bc.rank; d++)
          ny *= a.bc.shape[d];
        x = malloc (na * 4), z = malloc (nb * 4);
        ref = malloc (ny * 4), got = malloc (ny * 4), got_mt = malloc (ny * 4);
        test_fill_f32 (x, na, -2.0f, 2.0f);
        test_fill_f32 (z, nb, 0.5f, 2.0f);
        a.a = x, a.b = z;
        a.y = ref;
        qsk_binary_f32__ref (&a, NULL);
        memset (got, 0xff, ny * 4);
        a.y = got;
        fn (&a, NULL);
        a.y = got_mt;
        fn (&a, pool);
        tap_ok (memcmp (got, ref, ny * 4) == 0 && memcmp (got_mt, ref, ny * 4) == 0,
                "binary_f32 %s: op %d, case %zu (%zu elements)", isa, op, i, ny);
        free (x), free (z), free (ref), free (got), free (got_mt);
      }
}

static void
test_pool2d_f32 (Qsk_pool2d_f32_fn fn, const char *isa, QskThreadPool *pool)
{
  /* n, c, ih, iw, k, s, p, ceil, mode */
  static const size_t cases[][9] = {
    { 1, 4, 112, 112, 3, 2, 1, 0, QSK_POOL_MAX },     /* resnet stem */
    { 2, 3, 13, 11, 3, 2, 1, 1, QSK_POOL_MAX },
    { 1, 2, 9, 10, 2, 2, 0, 0, QSK_POOL_MAX },
    { 1, 2, 9, 10, 2, 2, 0, 1, QSK_POOL_MAX },
    { 1, 3, 5, 7, 5, 1, 2, 0, QSK_POOL_MAX },         /* no interior */
    { 1, 2, 4, 4, 4, 4, 0, 0, QSK_POOL_MAX },
    { 1, 2, 9, 41, 3, 1, 1, 0, QSK_POOL_MAX },        /* stride 1, vector rows */
    { 1, 2, 10, 77, 4, 3, 1, 1, QSK_POOL_MAX },       /* stride 3 */
    { 1, 3, 11, 9, 3, 2, 1, 1, QSK_POOL_AVG },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const size_t *c = cases[i];
      QskPool2dF32Args a = { .g = { .n = c[0], .c = c[1], .ih = c[2], .iw = c[3],
                                    .kh = c[4], .kw = c[4], .sh = c[5], .sw = c[5],
                                    .pt = c[6], .pl = c[6], .pb = c[6], .pr = c[6],
                                    .ceil_mode = c[7] != 0, .count_include_pad = true,
                                    .mode = (QskPoolMode) c[8] } };
      size_t oh = qsk_pool_out_size (c[2], c[4], c[5], c[6], c[6], c[7] != 0);
      size_t ow = qsk_pool_out_size (c[3], c[4], c[5], c[6], c[6], c[7] != 0);
      size_t nx = c[0] * c[1] * c[2] * c[3], ny = c[0] * c[1] * oh * ow;
      float *x = malloc (nx * 4), *ref = malloc (ny * 4), *got = malloc (ny * 4);
      float *got_mt = malloc (ny * 4);

      test_fill_f32 (x, nx, -5.0f, 5.0f);
      x[0] = NAN;
      if (nx > 5)
        x[5] = -0.0f;
      /* signed zero ties in the interior: the first one wins */
      for (size_t j = 100; j < nx; j += 37)
        x[j] = j % 2 ? -0.0f : 0.0f, x[j - 1] = -1.0f, x[j + 1 < nx ? j + 1 : j] = j % 2 ? 0.0f : -0.0f;
      a.x = x;
      a.y = ref;
      qsk_pool2d_f32__ref (&a, NULL);
      memset (got, 0xff, ny * 4);
      a.y = got;
      fn (&a, NULL);
      a.y = got_mt;
      fn (&a, pool);
      tap_ok (memcmp (got, ref, ny * 4) == 0 && memcmp (got_mt, ref, ny * 4) == 0,
              "pool2d_f32 %s: case %zu (%zux%zu -> %zux%zu)", isa, i, c[2], c[3], oh, ow);
      free (x), free (ref), free (got), free (got_mt);
    }
}

static void
test_add_s8 (Qsk_add_s8_fn fn, const char *isa, QskThreadPool *pool)
{
  static const BinCase cases[] = {
    { 4, { 1, 64, 56, 56 }, 4, { 1, 64, 56, 56 } },   /* resnet residual */
    { 2, { 3, 5 }, 2, { 3, 5 } },
    { 4, { 2, 3, 4, 5 }, 3, { 3, 1, 1 } },            /* broadcast: the reference */
    { 1, { 1 }, 1, { 1 } },
  };
  static const double ratios[][2] = { { 0.5, 0.5 }, { 1.7, 0.02 }, { 1.0, 1.0 }, { 3e-4, 9.0 } };

  for (size_t r = 0; r < sizeof ratios / sizeof ratios[0]; r++)
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
      {
        const BinCase *c = &cases[i];
        QskAddS8Args a = { .rq = qsk_requant2_from_ratios (ratios[r][0], ratios[r][1]),
                           .out_min = r == 1 ? 0 : INT8_MIN, .out_max = INT8_MAX };
        size_t na = 1, nb = 1, ny = 1;
        int8_t *x, *z, *ref, *got, *got_mt;

        for (size_t d = 0; d < c->ar; d++)
          na *= c->as[d];
        for (size_t d = 0; d < c->br; d++)
          nb *= c->bs[d];
        qsk_broadcast_init (&a.bc, c->ar, c->as, c->br, c->bs);
        for (size_t d = 0; d < a.bc.rank; d++)
          ny *= a.bc.shape[d];
        x = random_q (na, QSK_S8), z = random_q (nb, QSK_S8);
        ref = malloc (ny), got = malloc (ny), got_mt = malloc (ny);
        a.a = x, a.b = z;
        a.y = ref;
        qsk_add_s8__ref (&a, NULL);
        memset (got, 0x55, ny);
        a.y = got;
        fn (&a, NULL);
        a.y = got_mt;
        fn (&a, pool);
        tap_ok (memcmp (got, ref, ny) == 0 && memcmp (got_mt, ref, ny) == 0,
                "add_s8 %s: ratios %g %g, case %zu (%zu elements)", isa, ratios[r][0],
                ratios[r][1], i, ny);
        free (x), free (z), free (ref), free (got), free (got_mt);
      }
}

static void
test_pool2d_s8 (Qsk_pool2d_s8_fn fn, const char *isa, QskThreadPool *pool)
{
  static const size_t cases[][9] = {
    { 1, 4, 112, 112, 3, 2, 1, 0, QSK_POOL_MAX },
    { 2, 3, 13, 11, 3, 2, 1, 1, QSK_POOL_MAX },
    { 1, 2, 9, 10, 2, 2, 0, 1, QSK_POOL_MAX },
    { 1, 3, 5, 7, 5, 1, 2, 0, QSK_POOL_MAX },
    { 1, 3, 7, 7, 7, 7, 0, 0, QSK_POOL_AVG },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const size_t *c = cases[i];
      QskPool2dS8Args a = { .g = { .n = c[0], .c = c[1], .ih = c[2], .iw = c[3],
                                   .kh = c[4], .kw = c[4], .sh = c[5], .sw = c[5],
                                   .pt = c[6], .pl = c[6], .pb = c[6], .pr = c[6],
                                   .ceil_mode = c[7] != 0, .count_include_pad = true,
                                   .mode = (QskPoolMode) c[8] } };
      size_t oh = qsk_pool_out_size (c[2], c[4], c[5], c[6], c[6], c[7] != 0);
      size_t ow = qsk_pool_out_size (c[3], c[4], c[5], c[6], c[6], c[7] != 0);
      size_t nx = c[0] * c[1] * c[2] * c[3], ny = c[0] * c[1] * oh * ow;
      int8_t *x = random_q (nx, QSK_S8), *ref = malloc (ny), *got = malloc (ny);
      int8_t *got_mt = malloc (ny);

      a.x = x;
      a.y = ref;
      qsk_pool2d_s8__ref (&a, NULL);
      memset (got, 0x55, ny);
      a.y = got;
      fn (&a, NULL);
      a.y = got_mt;
      fn (&a, pool);
      tap_ok (memcmp (got, ref, ny) == 0 && memcmp (got_mt, ref, ny) == 0,
              "pool2d_s8 %s: case %zu (%zux%zu -> %zux%zu)", isa, i, c[2], c[3], oh, ow);
      free (x), free (ref), free (got), free (got_mt);
    }
}

static void
test_variant (QskKernelId id, QskIsa isa, void *fn, QskThreadPool *pool)
{
  const char *name = qsk_isa_name (isa);

  switch (id)
    {
    case QSK_KERNEL_conv2d_f32: test_conv2d_f32 ((Qsk_conv2d_f32_fn) fn, name, pool); break;
    case QSK_KERNEL_matmul_f32: test_matmul_f32 ((Qsk_matmul_f32_fn) fn, name, pool); break;
    case QSK_KERNEL_conv2d_q:   test_conv2d_q ((Qsk_conv2d_q_fn) fn, name, pool); break;
    case QSK_KERNEL_matmul_q:   test_matmul_q ((Qsk_matmul_q_fn) fn, name, pool); break;
    case QSK_KERNEL_batch_norm_f32:
      test_batch_norm_f32 ((Qsk_batch_norm_f32_fn) fn, name, pool);
      break;
    case QSK_KERNEL_unary_f32:  test_unary_f32 ((Qsk_unary_f32_fn) fn, name, pool); break;
    case QSK_KERNEL_binary_f32: test_binary_f32 ((Qsk_binary_f32_fn) fn, name, pool); break;
    case QSK_KERNEL_pool2d_f32: test_pool2d_f32 ((Qsk_pool2d_f32_fn) fn, name, pool); break;
    case QSK_KERNEL_add_s8:     test_add_s8 ((Qsk_add_s8_fn) fn, name, pool); break;
    case QSK_KERNEL_pool2d_s8:  test_pool2d_s8 ((Qsk_pool2d_s8_fn) fn, name, pool); break;
    default:
      tap_ok (false, "%s %s: no test case for this variant", qsk_kernel_name (id), name);
    }
}

int
main (void)
{
  QskThreadPool *pool = qsk_thread_pool_new (3);

  tap_ok (pool != NULL && qsk_thread_pool_n_threads (pool) == 3, "a 3-thread pool");
  for (int id = 0; id < QSK_N_KERNELS; id++)
    for (int isa = QSK_ISA_REF + 1; isa < QSK_N_ISAS; isa++)
      {
        void *fn = qsk_kernel_variant ((QskKernelId) id, (QskIsa) isa);

        if (fn == NULL)
          continue;
        if (!qsk_cpu_has ((QskIsa) isa))
          {
            tap_skip ("%s %s: this CPU lacks %s", qsk_kernel_name ((QskKernelId) id),
                      qsk_isa_name ((QskIsa) isa), qsk_isa_name ((QskIsa) isa));
            continue;
          }
        test_variant ((QskKernelId) id, (QskIsa) isa, fn, pool);
      }
  qsk_thread_pool_free (pool);
  return tap_done ();
}
