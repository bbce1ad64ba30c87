/* qsk-ref-f32.c: reference float32 kernels, the spec.  Loops as the definition reads;
 * sums in double so the reference is the most accurate value around. */
#include "qsk-internal.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <string.h>

static float
clampf (float v, float lo, float hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* x[n, c, ih, iw] or 0 in the padding; ih/iw relative to the padded input */
static float
padded_at (const float *x, const QskConvGeom *g, size_t n, size_t c, ptrdiff_t h,
           ptrdiff_t w)
{
  if (h < 0 || w < 0 || h >= (ptrdiff_t) g->ih || w >= (ptrdiff_t) g->iw)
    return 0.0f;
  return x[((n * g->ic + c) * g->ih + (size_t) h) * g->iw + (size_t) w];
}

void
qsk_conv2d_f32__ref (const QskConv2dF32Args *args, QskThreadPool *pool)
{
  const QskConvGeom *g = &args->g;
  size_t oh = qsk_conv_geom_oh (g), ow = qsk_conv_geom_ow (g);
  size_t icg = g->ic / g->groups, ocg = g->oc / g->groups;

  assert (g->groups >= 1 && g->ic % g->groups == 0 && g->oc % g->groups == 0);
  for (size_t n = 0; n < g->n; n++)
    for (size_t o = 0; o < g->oc; o++)
      for (size_t y = 0; y < oh; y++)
        for (size_t x = 0; x < ow; x++)
          {
            double acc = args->bias != NULL ? args->bias[o] : 0.0;
            size_t grp = o / ocg;

            for (size_t c = 0; c < icg; c++)
              for (size_t i = 0; i < g->kh; i++)
                for (size_t j = 0; j < g->kw; j++)
                  {
                    ptrdiff_t h = (ptrdiff_t) (y * g->sh + i * g->dh) - (ptrdiff_t) g->pt;
                    ptrdiff_t w = (ptrdiff_t) (x * g->sw + j * g->dw) - (ptrdiff_t) g->pl;
                    float wv = args->w[((o * icg + c) * g->kh + i) * g->kw + j];

                    acc += (double) wv * padded_at (args->x, g, n, grp * icg + c, h, w);
                  }
            args->y[((n * g->oc + o) * oh + y) * ow + x]
              = clampf ((float) acc, args->out_min, args->out_max);
          }
}

void
qsk_conv_transpose2d_f32__ref (const QskConvTranspose2dF32Args *args, QskThreadPool *pool)
{
  const QskConvGeom *g = &args->g;
  size_t oh = qsk_conv_transpose_out_size (g->ih, g->kh, g->sh, g->pt, g->pb, g->dh,
                                           args->out_pad_h);
  size_t ow = qsk_conv_transpose_out_size (g->iw, g->kw, g->sw, g->pl, g->pr, g->dw,
                                           args->out_pad_w);
  size_t icg = g->ic / g->groups, ocg = g->oc / g->groups;

  assert (g->ic % g->groups == 0 && g->oc % g->groups == 0);
  /* gather form: output (y, x) receives input (h, w) through tap (i, j) when
   * y + pt = h * sh + i * dh */
  for (size_t n = 0; n < g->n; n++)
    for (size_t o = 0; o < g->oc; o++)
      for (size_t y = 0; y < oh; y++)
        for (size_t x = 0; x < ow; x++)
          {
            size_t grp = o / ocg, og = o % ocg;
            double acc = args->bias != NULL ? args->bias[o] : 0.0;

            for (size_t c = 0; c < icg; c++)
              for (size_t i = 0; i < g->kh; i++)
                for (size_t j = 0; j < g->kw; j++)
                  {
                    ptrdiff_t th = (ptrdiff_t) (y + g->pt) - (ptrdiff_t) (i * g->dh);
                    ptrdiff_t tw = (ptrdiff_t) (x + g->pl) - (ptrdiff_t) (j * g->dw);
                    size_t ci = grp * icg + c;

                    if (th < 0 || tw < 0 || th % (ptrdiff_t) g->sh || tw % (ptrdiff_t) g->sw)
                      continue;
                    th /= (ptrdiff_t) g->sh;
                    tw /= (ptrdiff_t) g->sw;
                    if (th >= (ptrdiff_t) g->ih || tw >= (ptrdiff_t) g->iw)
                      continue;
                    acc += (double) args->w[((ci * ocg + og) * g->kh + i) * g->kw + j]
                           * args->x[((n * g->ic + ci) * g->ih + (size_t) th) * g->iw
                                     + (size_t) tw];
                  }
            args->y[((n * g->oc + o) * oh + y) * ow + x] = (float) acc;
          }
}

void
qsk_matmul_f32__ref (const QskMatmulF32Args *p, QskThreadPool *pool)
{
  for (size_t b = 0; b < p->batch; b++)
    for (size_t i = 0; i < p->m; i++)
      for (size_t j = 0; j < p->n; j++)
        {
          const float *a = p->a + b * p->a_batch_stride + i * p->lda;
          const float *bb = p->b + b * p->b_batch_stride + j * p->b_n_stride;
          double acc = p->bias != NULL ? p->bias[j] : 0.0;

          for (size_t k = 0; k < p->k; k++)
            acc += (double) a[k] * bb[k * p->b_k_stride];
          p->c[b * p->c_batch_stride + i * p->ldc + j]
            = clampf ((float) acc, p->out_min, p->out_max);
        }
}

void
qsk_batch_norm_f32__ref (const QskBatchNormF32Args *p, QskThreadPool *pool)
{
  for (size_t n = 0; n < p->n; n++)
    for (size_t c = 0; c < p->c; c++)
      for (size_t i = 0; i < p->hw; i++)
        {
          size_t at = (n * p->c + c) * p->hw + i;

          p->y[at] = p->x[at] * p->scale[c] + p->shift[c];
        }
}

static float
unary (QskUnaryOp op, float alpha, float x)
{
  switch (op)
    {
    case QSK_UNARY_RELU:        return x > 0.0f ? x : 0.0f;
    case QSK_UNARY_RELU6:       return clampf (x, 0.0f, 6.0f);
    case QSK_UNARY_SIGMOID:     return 1.0f / (1.0f + expf (-x));
    case QSK_UNARY_SILU:        return x / (1.0f + expf (-x));
    case QSK_UNARY_HARDSWISH:   return x * clampf (x + 3.0f, 0.0f, 6.0f) / 6.0f;
    case QSK_UNARY_HARDSIGMOID: return clampf (x + 3.0f, 0.0f, 6.0f) / 6.0f;
    case QSK_UNARY_GELU:        return 0.5f * x * (1.0f + erff (x * 0.70710678118654752f));
    case QSK_UNARY_GELU_TANH:
      return 0.5f * x * (1.0f + tanhf (0.7978845608f * (x + 0.044715f * x * x * x)));
    case QSK_UNARY_TANH:        return tanhf (x);
    case QSK_UNARY_LEAKY_RELU:  return x < 0.0f ? alpha * x : x;
    default:                    assert (!"unknown unary op"); return x;
    }
}

void
qsk_unary_f32__ref (const QskUnaryF32Args *p, QskThreadPool *pool)
{
  for (size_t i = 0; i < p->count; i++)
    p->y[i] = unary (p->op, p->alpha, p->x[i]);
}

static float
binary (QskBinaryOp op, float a, float b)
{
  switch (op)
    {
    case QSK_BINARY_ADD: return a + b;
    case QSK_BINARY_SUB: return a - b;
    case QSK_BINARY_MUL: return a * b;
    case QSK_BINARY_DIV: return a / b;
    default:             assert (!"unknown binary op"); return a;
    }
}

void
qsk_binary_f32__ref (const QskBinaryF32Args *p, QskThreadPool *pool)
{
  const QskBroadcast *bc = &p->bc;
  size_t idx[QSK_MAX_RANK] = { 0 }, total = 1;

  assert (bc->rank >= 1 && bc->rank <= QSK_MAX_RANK);
  for (size_t d = 0; d < bc->rank; d++)
    total *= bc->shape[d];
  for (size_t i = 0; i < total; i++)
    {
      ptrdiff_t oa = 0, ob = 0;
      size_t rest = i;

      for (size_t d = bc->rank; d-- > 0;)
        {
          idx[d] = rest % bc->shape[d];
          rest /= bc->shape[d];
          oa += (ptrdiff_t) idx[d] * bc->a_strides[d];
          ob += (ptrdiff_t) idx[d] * bc->b_strides[d];
        }
      p->y[i] = binary (p->op, p->a[oa], p->b[ob]);
    }
}

void
qsk_concat__ref (const QskConcatArgs *p, QskThreadPool *pool)
{
  char *y = p->y;

  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->n_inputs; i++)
      {
        size_t bytes = p->chunk[i] * p->elem_size;

        memcpy (y, (const char *) p->inputs[i] + o * bytes, bytes);
        y += bytes;
      }
}

void
qsk_pool2d_f32__ref (const QskPool2dF32Args *p, QskThreadPool *pool)
{
  const QskPoolGeom *g = &p->g;
  size_t oh = qsk_pool_out_size (g->ih, g->kh, g->sh, g->pt, g->pb, g->ceil_mode);
  size_t ow = qsk_pool_out_size (g->iw, g->kw, g->sw, g->pl, g->pr, g->ceil_mode);

  for (size_t nc = 0; nc < g->n * g->c; nc++)
    for (size_t y = 0; y < oh; y++)
      for (size_t x = 0; x < ow; x++)
        {
          QskPoolWindow win = qsk_pool_window (g, y, x);
          const float *src = p->x + nc * g->ih * g->iw;
          double sum = 0.0;
          float mx = -INFINITY;

          for (size_t h = win.h0; h < win.h1; h++)
            for (size_t w = win.w0; w < win.w1; w++)
              {
                sum += src[h * g->iw + w];
                mx = src[h * g->iw + w] > mx ? src[h * g->iw + w] : mx;
              }
          p->y[(nc * oh + y) * ow + x]
            = g->mode == QSK_POOL_MAX ? mx
                                      : win.divisor ? (float) (sum / (double) win.divisor) : 0.0f;
        }
}

void
qsk_adaptive_avg_pool2d_f32__ref (const QskAdaptivePool2dF32Args *p, QskThreadPool *pool)
{
  assert (p->oh >= 1 && p->ow >= 1);
  for (size_t nc = 0; nc < p->n * p->c; nc++)
    for (size_t y = 0; y < p->oh; y++)
      for (size_t x = 0; x < p->ow; x++)
        {
          size_t h0 = y * p->ih / p->oh, h1 = ((y + 1) * p->ih + p->oh - 1) / p->oh;
          size_t w0 = x * p->iw / p->ow, w1 = ((x + 1) * p->iw + p->ow - 1) / p->ow;
          double sum = 0.0;

          for (size_t h = h0; h < h1; h++)
            for (size_t w = w0; w < w1; w++)
              sum += p->x[(nc * p->ih + h) * p->iw + w];
          p->y[(nc * p->oh + y) * p->ow + x] = (float) (sum / (double) ((h1 - h0) * (w1 - w0)));
        }
}

/* bilinear source coordinate, PyTorch's rules */
static float
bilinear_src (size_t dst, size_t in, size_t out, bool align_corners)
{
  float s;

  if (align_corners)
    return out > 1 ? (float) dst * (float) (in - 1) / (float) (out - 1) : 0.0f;
  s = ((float) dst + 0.5f) * (float) in / (float) out - 0.5f;
  return s < 0.0f ? 0.0f : s;
}

static float
bilinear_at (const QskUpsample2dF32Args *p, const float *src, size_t y, size_t x)
{
  float sy = bilinear_src (y, p->ih, p->oh, p->align_corners);
  float sx = bilinear_src (x, p->iw, p->ow, p->align_corners);
  size_t y0 = (size_t) sy, x0 = (size_t) sx;
  size_t y1 = y0 + 1 < p->ih ? y0 + 1 : y0, x1 = x0 + 1 < p->iw ? x0 + 1 : x0;
  float fy = sy - (float) y0, fx = sx - (float) x0;
  float top = src[y0 * p->iw + x0] * (1.0f - fx) + src[y0 * p->iw + x1] * fx;
  float bot = src[y1 * p->iw + x0] * (1.0f - fx) + src[y1 * p->iw + x1] * fx;

  return top * (1.0f - fy) + bot * fy;
}

void
qsk_upsample2d_f32__ref (const QskUpsample2dF32Args *p, QskThreadPool *pool)
{
  for (size_t nc = 0; nc < p->n * p->c; nc++)
    for (size_t y = 0; y < p->oh; y++)
      for (size_t x = 0; x < p->ow; x++)
        {
          const float *src = p->x + nc * p->ih * p->iw;
          float *dst = p->y + (nc * p->oh + y) * p->ow + x;

          if (p->mode == QSK_UPSAMPLE_NEAREST)
            {
              size_t sy = (size_t) floorf ((float) y * ((float) p->ih / (float) p->oh));
              size_t sx = (size_t) floorf ((float) x * ((float) p->iw / (float) p->ow));

              *dst = src[(sy < p->ih ? sy : p->ih - 1) * p->iw + (sx < p->iw ? sx : p->iw - 1)];
            }
          else
            *dst = bilinear_at (p, src, y, x);
        }
}

void
qsk_permute__ref (const QskPermuteArgs *p, QskThreadPool *pool)
{
  size_t in_strides[QSK_MAX_RANK], out_shape[QSK_MAX_RANK], total = 1;

  assert (p->rank >= 1 && p->rank <= QSK_MAX_RANK);
  for (size_t d = p->rank; d-- > 0;)
    {
      in_strides[d] = total;
      total *= p->shape[d];
    }
  for (size_t d = 0; d < p->rank; d++)
    out_shape[d] = p->shape[p->perm[d]];
  for (size_t i = 0; i < total; i++)
    {
      size_t rest = i, src = 0;

      for (size_t d = p->rank; d-- > 0;)
        {
          src += (rest % out_shape[d]) * in_strides[p->perm[d]];
          rest /= out_shape[d];
        }
      memcpy ((char *) p->y + i * p->elem_size, (const char *) p->x + src * p->elem_size,
              p->elem_size);
    }
}

void
qsk_softmax_f32__ref (const QskSoftmaxF32Args *p, QskThreadPool *pool)
{
  for (size_t o = 0; o < p->outer; o++)
    for (size_t in = 0; in < p->inner; in++)
      {
        const float *x = p->x + o * p->axis_len * p->inner + in;
        float *y = p->y + o * p->axis_len * p->inner + in;
        float mx = -INFINITY;
        double sum = 0.0;

        for (size_t i = 0; i < p->axis_len; i++)
          mx = x[i * p->inner] > mx ? x[i * p->inner] : mx;
        for (size_t i = 0; i < p->axis_len; i++)
          sum += exp ((double) x[i * p->inner] - mx);
        for (size_t i = 0; i < p->axis_len; i++)
          y[i * p->inner] = (float) (exp ((double) x[i * p->inner] - mx) / sum);
      }
}

void
qsk_layer_norm_f32__ref (const QskLayerNormF32Args *p, QskThreadPool *pool)
{
  for (size_t r = 0; r < p->rows; r++)
    {
      const float *x = p->x + r * p->cols;
      double mean = 0.0, var = 0.0;

      for (size_t i = 0; i < p->cols; i++)
        mean += x[i];
      mean /= (double) p->cols;
      for (size_t i = 0; i < p->cols; i++)
        var += (x[i] - mean) * (x[i] - mean);
      var /= (double) p->cols;
      for (size_t i = 0; i < p->cols; i++)
        {
          double v = (x[i] - mean) / sqrt (var + p->eps);

          v = v * (p->gamma ? p->gamma[i] : 1.0f) + (p->beta ? p->beta[i] : 0.0f);
          p->y[r * p->cols + i] = (float) v;
        }
    }
}
