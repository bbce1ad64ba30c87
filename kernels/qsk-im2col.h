/* qsk-im2col.h: one row of the implicit im2col matrix, shared by the GEMM drivers.
 * A static inline function in a header, so that every ISA file's copy of a driver
 * compiles it with that ISA's flags (the strided gathers vectorize, the short copies
 * inline).  Internal: include after qsk-internal.h. */
#pragma once

#include <string.h>

#include "qsk.h"

/* One row of the implicit im2col matrix: B(k, j) for k = (c, i, t), j in
 * [j0, j0 + nc), elements of es bytes (1, 2 or 4), zero in the padding.  Runs of
 * output pixels on one output row are copied with memcpy (stride 1) or gathered. */
static inline void
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
