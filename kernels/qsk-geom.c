/* qsk-geom.c: output sizes and broadcasting shared by every variant */
#include "qsk-internal.h"

#include <assert.h>
#include <string.h>

size_t
qsk_conv_out_size (size_t in, size_t k, size_t stride, size_t pad0, size_t pad1,
                   size_t dilation)
{
  size_t span = dilation * (k - 1) + 1;

  assert (stride >= 1 && dilation >= 1 && k >= 1);
  if (in + pad0 + pad1 < span)
    return 0;
  return (in + pad0 + pad1 - span) / stride + 1;
}

size_t
qsk_conv_geom_oh (const QskConvGeom *g)
{
  return qsk_conv_out_size (g->ih, g->kh, g->sh, g->pt, g->pb, g->dh);
}

size_t
qsk_conv_geom_ow (const QskConvGeom *g)
{
  return qsk_conv_out_size (g->iw, g->kw, g->sw, g->pl, g->pr, g->dw);
}

double
qsk_conv_geom_flops (const QskConvGeom *g)
{
  return 2.0 * (double) g->n * (double) g->oc * (double) qsk_conv_geom_oh (g)
         * (double) qsk_conv_geom_ow (g) * (double) (g->ic / g->groups)
         * (double) g->kh * (double) g->kw;
}

size_t
qsk_conv_transpose_out_size (size_t in, size_t k, size_t stride, size_t pad0, size_t pad1,
                             size_t dilation, size_t out_pad)
{
  size_t full = (in - 1) * stride + dilation * (k - 1) + out_pad + 1;

  assert (in >= 1 && full > pad0 + pad1);
  return full - pad0 - pad1;
}

size_t
qsk_pool_out_size (size_t in, size_t k, size_t stride, size_t pad0, size_t pad1,
                   bool ceil_mode)
{
  size_t span = in + pad0 + pad1, out;

  assert (stride >= 1 && k >= 1 && span >= k);
  out = (span - k + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  /* PyTorch: the last window must start inside the input or the left padding */
  if (ceil_mode && (out - 1) * stride >= in + pad0)
    out--;
  return out;
}

bool
qsk_broadcast_init (QskBroadcast *bc, size_t a_rank, const size_t *a_shape,
                    size_t b_rank, const size_t *b_shape)
{
  size_t rank = a_rank > b_rank ? a_rank : b_rank;
  ptrdiff_t sa = 1, sb = 1;

  if (rank == 0 || rank > QSK_MAX_RANK)
    return false;
  bc->rank = rank;
  for (size_t i = 0; i < rank; i++)
    {
      size_t d = rank - 1 - i;   /* output dim, walking from the right */
      size_t da = i < a_rank ? a_shape[a_rank - 1 - i] : 1;
      size_t db = i < b_rank ? b_shape[b_rank - 1 - i] : 1;

      if (da != db && da != 1 && db != 1)
        return false;
      bc->shape[d] = da > db ? da : db;
      bc->a_strides[d] = da == 1 ? 0 : sa;
      bc->b_strides[d] = db == 1 ? 0 : sb;
      sa *= (ptrdiff_t) da;
      sb *= (ptrdiff_t) db;
    }
  return true;
}

/* One pooling window, clipped; shared by the float and int8 kernels. */
QskPoolWindow
qsk_pool_window (const QskPoolGeom *g, size_t y, size_t x)
{
  QskPoolWindow win;
  ptrdiff_t hs = (ptrdiff_t) (y * g->sh) - (ptrdiff_t) g->pt;
  ptrdiff_t ws = (ptrdiff_t) (x * g->sw) - (ptrdiff_t) g->pl;
  ptrdiff_t he = hs + (ptrdiff_t) g->kh, we = ws + (ptrdiff_t) g->kw;
  ptrdiff_t hp = (ptrdiff_t) (g->ih + g->pb), wp = (ptrdiff_t) (g->iw + g->pr);
  /* the padded extent, for count_include_pad (PyTorch clips to input + padding) */
  size_t pad_count = (size_t) ((he < hp ? he : hp) - hs) * (size_t) ((we < wp ? we : wp) - ws);

  win.h0 = hs < 0 ? 0 : (size_t) hs;
  win.w0 = ws < 0 ? 0 : (size_t) ws;
  win.h1 = he > (ptrdiff_t) g->ih ? g->ih : (size_t) he;
  win.w1 = we > (ptrdiff_t) g->iw ? g->iw : (size_t) we;
  win.divisor = g->count_include_pad ? pad_count : (win.h1 - win.h0) * (win.w1 - win.w0);
  return win;
}

/* One row of the implicit im2col matrix: B(k, j) for k = (c, i, t), j in
 * [j0, j0 + nc), elements of es bytes (1, 2 or 4), zero in the padding.  Runs of
 * output pixels on one output row are copied with memcpy (stride 1) or gathered. */
void
qsk_im2col_row (void *restrict row, const void *restrict x, size_t es, const QskConvGeom *g,
                size_t ow, size_t c, size_t i, size_t t, size_t j0, size_t nc)
{
  const unsigned char *xc = (const unsigned char *) x + c * g->ih * g->iw * es;
  unsigned char *d = row;
  ptrdiff_t h_off = (ptrdiff_t) (i * g->dh) - (ptrdiff_t) g->pt;
  ptrdiff_t w_off = (ptrdiff_t) (t * g->dw) - (ptrdiff_t) g->pl;
  ptrdiff_t sw = (ptrdiff_t) g->sw;
  /* valid output columns: 0 <= xo * sw + w_off < iw */
  size_t xlo = w_off >= 0 ? 0 : (size_t) ((-w_off + sw - 1) / sw);
  size_t xhi = (ptrdiff_t) g->iw - w_off <= 0 ? 0 : (size_t) (((ptrdiff_t) g->iw - w_off + sw - 1) / sw);
  size_t y = j0 / ow, xo = j0 % ow, j = 0;

  while (j < nc)
    {
      size_t run = ow - xo < nc - j ? ow - xo : nc - j;
      ptrdiff_t h = (ptrdiff_t) (y * g->sh) + h_off;
      unsigned char *out = d + j * es;

      if (h < 0 || h >= (ptrdiff_t) g->ih)
        memset (out, 0, run * es);
      else
        {
          const unsigned char *src = xc + (size_t) h * g->iw * es;
          size_t a = xlo > xo ? xlo : xo, b = xhi < xo + run ? xhi : xo + run;

          if (a >= b)
            memset (out, 0, run * es);
          else
            {
              memset (out, 0, (a - xo) * es);
              if (sw == 1)
                memcpy (out + (a - xo) * es, src + (size_t) ((ptrdiff_t) a + w_off) * es,
                        (b - a) * es);
              else
                {
                  const unsigned char *s = src + (size_t) ((ptrdiff_t) (a * g->sw) + w_off) * es;
                  size_t n = b - a, step = g->sw;

                  switch (es)
                    {
                    case 1:
                      for (size_t e = 0; e < n; e++)
                        out[a - xo + e] = s[e * step];
                      break;
                    case 2:
                      for (size_t e = 0; e < n; e++)
                        ((int16_t *) (void *) out)[a - xo + e]
                          = ((const int16_t *) (const void *) s)[e * step];
                      break;
                    default:
                      for (size_t e = 0; e < n; e++)
                        ((float *) (void *) out)[a - xo + e]
                          = ((const float *) (const void *) s)[e * step];
                      break;
                    }
                }
              memset (out + (b - xo) * es, 0, (xo + run - b) * es);
            }
        }
      j += run;
      xo = 0;
      y++;
    }
}
