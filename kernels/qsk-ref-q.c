/* qsk-ref-q.c: reference integer kernels, the spec.  int64 sums throughout; every
 * rounding goes through qsk-quant.h. */
#include "qsk-internal.h"

#include <assert.h>

static int32_t
load_q (const void *p, QskDType t, size_t i)
{
  return t == QSK_S8 ? ((const int8_t *) p)[i] : ((const int16_t *) p)[i];
}

static void
store_q (void *p, QskDType t, size_t i, int32_t v)
{
  if (t == QSK_S8)
    ((int8_t *) p)[i] = (int8_t) v;
  else
    ((int16_t *) p)[i] = (int16_t) v;
}

static void
check_bounds (QskDType t, int32_t lo, int32_t hi)
{
  assert (lo <= hi && lo >= qsk_dtype_min (t) && hi <= qsk_dtype_max (t));
  (void) t, (void) lo, (void) hi;
}

void
qsk_conv2d_q__ref (const QskConv2dQArgs *args, QskThreadPool *pool)
{
  const QskConvGeom *g = &args->g;
  size_t oh = qsk_conv_geom_oh (g), ow = qsk_conv_geom_ow (g);
  size_t icg = g->ic / g->groups, ocg = g->oc / g->groups;

  assert (g->groups >= 1 && g->ic % g->groups == 0 && g->oc % g->groups == 0);
  check_bounds (args->y_type, args->out_min, args->out_max);
  for (size_t n = 0; n < g->n; n++)
    for (size_t o = 0; o < g->oc; o++)
      for (size_t y = 0; y < oh; y++)
        for (size_t x = 0; x < ow; x++)
          {
            int64_t acc = args->bias != NULL ? args->bias[o] : 0;
            size_t ci0 = o / ocg * icg;

            for (size_t c = 0; c < icg; c++)
              for (size_t i = 0; i < g->kh; i++)
                for (size_t j = 0; j < g->kw; j++)
                  {
                    ptrdiff_t h = (ptrdiff_t) (y * g->sh + i * g->dh) - (ptrdiff_t) g->pt;
                    ptrdiff_t w = (ptrdiff_t) (x * g->sw + j * g->dw) - (ptrdiff_t) g->pl;

                    if (h < 0 || w < 0 || h >= (ptrdiff_t) g->ih || w >= (ptrdiff_t) g->iw)
                      continue;
                    acc += (int64_t) load_q (args->w, args->w_type,
                                             ((o * icg + c) * g->kh + i) * g->kw + j)
                           * load_q (args->x, args->x_type,
                                     ((n * g->ic + ci0 + c) * g->ih + (size_t) h) * g->iw
                                     + (size_t) w);
                  }
            store_q (args->y, args->y_type, ((n * g->oc + o) * oh + y) * ow + x,
                     qsk_requant_sat (acc, args->rq[o], args->out_min, args->out_max));
          }
}

void
qsk_matmul_q__ref (const QskMatmulQArgs *p, QskThreadPool *pool)
{
  check_bounds (p->c_type, p->out_min, p->out_max);
  for (size_t b = 0; b < p->batch; b++)
    for (size_t i = 0; i < p->m; i++)
      for (size_t j = 0; j < p->n; j++)
        {
          int64_t acc = p->bias != NULL ? p->bias[j] : 0;

          for (size_t k = 0; k < p->k; k++)
            acc += (int64_t) load_q (p->a, p->a_type, b * p->a_batch_stride + i * p->lda + k)
                   * load_q (p->b, p->b_type,
                             b * p->b_batch_stride + k * p->b_k_stride + j * p->b_n_stride);
          store_q (p->c, p->c_type, b * p->c_batch_stride + i * p->ldc + j,
                   qsk_requant_sat (acc, p->rq[j], p->out_min, p->out_max));
        }
}

void
qsk_add_s8__ref (const QskAddS8Args *p, QskThreadPool *pool)
{
  const QskBroadcast *bc = &p->bc;
  size_t total = 1;

  check_bounds (QSK_S8, p->out_min, p->out_max);
  for (size_t d = 0; d < bc->rank; d++)
    total *= bc->shape[d];
  for (size_t i = 0; i < total; i++)
    {
      ptrdiff_t oa = 0, ob = 0;
      size_t rest = i;
      int64_t v;

      for (size_t d = bc->rank; d-- > 0;)
        {
          oa += (ptrdiff_t) (rest % bc->shape[d]) * bc->a_strides[d];
          ob += (ptrdiff_t) (rest % bc->shape[d]) * bc->b_strides[d];
          rest /= bc->shape[d];
        }
      v = (int64_t) p->a[oa] * p->rq.ma + (int64_t) p->b[ob] * p->rq.mb;
      p->y[i] = (int8_t) qsk_sat (qsk_round_shift (v, p->rq.shift), p->out_min, p->out_max);
    }
}

void
qsk_pool2d_s8__ref (const QskPool2dS8Args *p, QskThreadPool *pool)
{
  const QskPoolGeom *g = &p->g;
  size_t oh = qsk_pool_out_size (g->ih, g->kh, g->sh, g->pt, g->pb, g->ceil_mode);
  size_t ow = qsk_pool_out_size (g->iw, g->kw, g->sw, g->pl, g->pr, g->ceil_mode);

  for (size_t nc = 0; nc < g->n * g->c; nc++)
    for (size_t y = 0; y < oh; y++)
      for (size_t x = 0; x < ow; x++)
        {
          QskPoolWindow win = qsk_pool_window (g, y, x);
          const int8_t *src = p->x + nc * g->ih * g->iw;
          int64_t sum = 0;
          int32_t mx = INT8_MIN, out;

          for (size_t h = win.h0; h < win.h1; h++)
            for (size_t w = win.w0; w < win.w1; w++)
              {
                sum += src[h * g->iw + w];
                mx = src[h * g->iw + w] > mx ? src[h * g->iw + w] : mx;
              }
          if (g->mode == QSK_POOL_MAX)
            out = mx;
          else if (win.divisor == 0)
            out = 0;
          else   /* rhaz (sum / divisor), exactly */
            out = (int32_t) ((sum < 0 ? sum - (int64_t) win.divisor / 2
                                      : sum + (int64_t) win.divisor / 2)
                             / (int64_t) win.divisor);
          p->y[(nc * oh + y) * ow + x] = (int8_t) out;
        }
}

void
qsk_concat_s8__ref (const QskConcatS8Args *p, QskThreadPool *pool)
{
  int8_t *y = p->y;

  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->n_inputs; i++)
      {
        const int8_t *x = p->inputs[i] + o * p->chunk[i];

        for (size_t e = 0; e < p->chunk[i]; e++)
          *y++ = (int8_t) qsk_requant_sat (x[e], p->rq[i], INT8_MIN, INT8_MAX);
      }
}

void
qsk_lut_s8__ref (const QskLutS8Args *p, QskThreadPool *pool)
{
  for (size_t i = 0; i < p->count; i++)
    p->y[i] = p->table[p->x[i] + 128];
}
