/* qs-layout-path.c: the drawn shape of a routed edge, clipped to a view
 *
 * Lines are clipped by Liang-Barsky. A curve is clipped through its
 * parameter: where each coordinate's control values are monotone (always
 * for x, whose controls are a.x a.x b.x b.x, and for y unless an arrow
 * head is longer than half the gap), the part inside the clip is one
 * parameter interval, found by bisection; the cubic over that interval is
 * cut out exactly by de Casteljau. A coordinate that is not monotone does
 * not narrow the interval: the piece is kept whole, as before clipping.
 */
#include "qs-layout-path.h"

#include <math.h>
#include <string.h>

#define BISECT_STEPS 32   /* 2^-32 of the parameter: far below a pixel */

gboolean
qs_layout_rects_meet (const QsLayoutRect *r,
                      const QsLayoutRect *clip)
{
  return r->x <= clip->x + clip->width && r->x + r->width >= clip->x
         && r->y <= clip->y + clip->height && r->y + r->height >= clip->y;
}

/* Lines */

static void
append_line (GArray              *pieces,
             const QsLayoutPoint *a,
             const QsLayoutPoint *b,
             const QsLayoutRect  *clip)
{
  double dx = b->x - a->x, dy = b->y - a->y;
  const double p[4] = { -dx, dx, -dy, dy };
  const double q[4] = {
    a->x - clip->x, clip->x + clip->width - a->x, a->y - clip->y, clip->y + clip->height - a->y,
  };
  double t0 = 0, t1 = 1;
  QsLayoutPathPiece piece = { QS_LAYOUT_PATH_LINE, { *a, *b } };

  for (guint k = 0; k < 4; k++)
    {
      if (p[k] == 0)
        {
          if (q[k] < 0)
            return;
          continue;
        }
      if (p[k] < 0)
        t0 = MAX (t0, q[k] / p[k]);
      else
        t1 = MIN (t1, q[k] / p[k]);
    }
  if (t0 > t1)
    return;
  /* Untouched when inside, so unclipped pieces keep their exact ends. */
  if (t0 > 0)
    piece.p[0] = (QsLayoutPoint) { a->x + t0 * dx, a->y + t0 * dy };
  if (t1 < 1)
    piece.p[1] = (QsLayoutPoint) { a->x + t1 * dx, a->y + t1 * dy };
  g_array_append_val (pieces, piece);
}

/* A dashed line keeps its start, or the dashes would shift: whole or
 * nothing. */
static void
append_whole_line (GArray              *pieces,
                   const QsLayoutPoint *a,
                   const QsLayoutPoint *b,
                   const QsLayoutRect  *clip)
{
  QsLayoutRect box = { MIN (a->x, b->x), MIN (a->y, b->y), fabs (b->x - a->x), fabs (b->y - a->y) };
  QsLayoutPathPiece piece = { QS_LAYOUT_PATH_LINE, { *a, *b } };

  if (qs_layout_rects_meet (&box, clip))
    g_array_append_val (pieces, piece);
}

/* Curves */

static double
cubic_at (const double c[4],
          double       t)
{
  double u = 1 - t;

  return u * u * u * c[0] + 3 * u * u * t * c[1] + 3 * u * t * t * c[2] + t * t * t * c[3];
}

/* The parameter where the monotone cubic @c reaches @v (c[0] < v < c[3]
 * or c[0] > v > c[3]). */
static double
cubic_solve (const double c[4],
             double       v)
{
  gboolean up = c[3] > c[0];
  double lo = 0, hi = 1;

  for (guint i = 0; i < BISECT_STEPS; i++)
    {
      double mid = (lo + hi) / 2;

      if ((cubic_at (c, mid) < v) == up)
        lo = mid;
      else
        hi = mid;
    }
  return (lo + hi) / 2;
}

static gboolean
is_monotone (const double c[4])
{
  return (c[0] <= c[1] && c[1] <= c[2] && c[2] <= c[3])
         || (c[0] >= c[1] && c[1] >= c[2] && c[2] >= c[3]);
}

/* Narrows [*lo, *hi] to where @c stays within [min, max]; FALSE when the
 * coordinate never gets there. */
static gboolean
narrow (const double c[4],
        double       min,
        double       max,
        double      *lo,
        double      *hi)
{
  double first = c[0], last = c[3];

  if (!is_monotone (c))
    return MAX (MAX (c[0], c[1]), MAX (c[2], c[3])) >= min
           && MIN (MIN (c[0], c[1]), MIN (c[2], c[3])) <= max;
  if (MAX (first, last) < min || MIN (first, last) > max)
    return FALSE;
  if (first < min)
    *lo = MAX (*lo, cubic_solve (c, min));
  else if (first > max)
    *lo = MAX (*lo, cubic_solve (c, max));
  if (last > max)
    *hi = MIN (*hi, cubic_solve (c, max));
  else if (last < min)
    *hi = MIN (*hi, cubic_solve (c, min));
  return *lo <= *hi;
}

static QsLayoutPoint
lerp (const QsLayoutPoint *a,
      const QsLayoutPoint *b,
      double               t)
{
  return (QsLayoutPoint) { a->x + (b->x - a->x) * t, a->y + (b->y - a->y) * t };
}

/* Splits @c at @t: @left is 0 .. t, @right is t .. 1. */
static void
split (const QsLayoutPoint *c,
       double               t,
       QsLayoutPoint       *left,
       QsLayoutPoint       *right)
{
  QsLayoutPoint ab = lerp (&c[0], &c[1], t), bc = lerp (&c[1], &c[2], t);
  QsLayoutPoint cd = lerp (&c[2], &c[3], t);
  QsLayoutPoint abc = lerp (&ab, &bc, t), bcd = lerp (&bc, &cd, t);
  QsLayoutPoint mid = lerp (&abc, &bcd, t);

  left[0] = c[0], left[1] = ab, left[2] = abc, left[3] = mid;
  right[0] = mid, right[1] = bcd, right[2] = cd, right[3] = c[3];
}

static void
append_curve (GArray              *pieces,
              const QsLayoutPoint *a,
              const QsLayoutPoint *b,
              double               end_y,
              const QsLayoutRect  *clip)
{
  double mid = (a->y + b->y) / 2;
  const double xs[4] = { a->x, a->x, b->x, b->x };
  const double ys[4] = { a->y, mid, mid, end_y };
  QsLayoutPathPiece piece = {
    QS_LAYOUT_PATH_CURVE, { *a, { a->x, mid }, { b->x, mid }, { b->x, end_y } },
  };
  QsLayoutPoint left[4], right[4];
  double lo = 0, hi = 1;

  if (!narrow (xs, clip->x, clip->x + clip->width, &lo, &hi)
      || !narrow (ys, clip->y, clip->y + clip->height, &lo, &hi))
    return;
  if (hi < 1)
    {
      split (piece.p, hi, left, right);
      memcpy (piece.p, left, sizeof left);
    }
  if (lo > 0)
    {
      split (piece.p, lo / hi, left, right);
      memcpy (piece.p, right, sizeof right);
    }
  g_array_append_val (pieces, piece);
}

guint
qs_layout_edge_path (const QsLayoutPoint *p,
                     guint                n,
                     QsLayoutPathFlags    flags,
                     double               arrow,
                     const QsLayoutRect  *clip,
                     GArray              *pieces)
{
  guint start;

  g_return_val_if_fail (p != NULL && clip != NULL && pieces != NULL, 0);
  g_return_val_if_fail (n >= 2, 0);
  g_return_val_if_fail (!(flags & QS_LAYOUT_PATH_STUB) || n == 4, 0);

  start = pieces->len;
  if (flags & QS_LAYOUT_PATH_STUB)
    {
      QsLayoutPoint end = { p[3].x, p[3].y - arrow };

      append_whole_line (pieces, &p[0], &p[1], clip);
      append_whole_line (pieces, &p[2], &end, clip);
    }
  else if (!(flags & QS_LAYOUT_PATH_CURVES))
    append_line (pieces, &p[0], &p[n - 1], clip);
  else
    /* Gaps between layers are S-curves, runs through a layer straight. */
    for (guint i = 0; i + 1 < n; i += 2)
      {
        gboolean last = i + 2 >= n;

        append_curve (pieces, &p[i], &p[i + 1], last ? p[i + 1].y - arrow : p[i + 1].y, clip);
        if (!last)
          append_line (pieces, &p[i + 1], &p[i + 2], clip);
      }
  return pieces->len - start;
}
