/* qsk-geom.c: output sizes and broadcasting shared by every variant */
#include "qsk-internal.h"

#include <assert.h>

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

