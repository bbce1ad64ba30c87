/* qs-observer.c: activation observers, symmetric
 *
 * Every observer reduces what it saw to one clipping range amax; the scale
 * is amax / qmax (127 for qint8, 32767 for qint16), so +amax maps exactly to
 * qmax. Percentile and MSE keep a histogram of |x| with
 * QS_OBSERVER_HIST_BINS bins over [0, hist_max]; when a batch exceeds
 * hist_max the range doubles and bins merge pairwise, so no value is lost.
 */
#include "qs-quant.h"

#include <math.h>
#include <string.h>

gint32
qs_qdtype_qmax (QsQdtype dtype)
{
  switch (dtype)
    {
    case QS_QDTYPE_QINT8:  return 127;
    case QS_QDTYPE_QINT16: return 32767;
    default:               return 0;
    }
}

double
qs_scale_from_amax (double   amax,
                    QsQdtype dtype)
{
  gint32 qmax = qs_qdtype_qmax (dtype);

  if (qmax == 0)
    return 0;
  /* an all-zero tensor still needs a scale that keeps requant ratios sane */
  return MAX (amax, 1e-6) / qmax;
}

QsObserverState *
qs_observer_state_new (QsObserver kind,
                       QsQdtype   dtype,
                       double     percentile,
                       double     fixed_scale)
{
  QsObserverState *o = g_new0 (QsObserverState, 1);

  o->kind = kind;
  o->dtype = dtype;
  o->percentile = percentile > 0 && percentile <= 100 ? percentile : 99.99;
  o->fixed_scale = fixed_scale;
  if (kind == QS_OBSERVER_PERCENTILE || kind == QS_OBSERVER_MSE)
    o->hist = g_new0 (guint64, QS_OBSERVER_HIST_BINS);
  return o;
}

void
qs_observer_state_free (QsObserverState *o)
{
  if (o == NULL)
    return;
  g_free (o->hist);
  g_free (o);
}

/* Doubles hist_max until it covers @amax, merging bins pairwise. */
static void
hist_grow (QsObserverState *o,
           double           amax)
{
  if (o->hist_max <= 0)
    {
      o->hist_max = amax > 0 ? amax : 1;
      return;
    }
  while (o->hist_max < amax)
    {
      for (guint i = 0; i < QS_OBSERVER_HIST_BINS / 2; i++)
        o->hist[i] = o->hist[2 * i] + o->hist[2 * i + 1];
      memset (o->hist + QS_OBSERVER_HIST_BINS / 2, 0,
              QS_OBSERVER_HIST_BINS / 2 * sizeof (guint64));
      o->hist_max *= 2;
    }
}

static void
hist_add (QsObserverState *o,
          const float     *x,
          gsize            n,
          double           amax)
{
  double per_bin;

  hist_grow (o, amax);
  per_bin = QS_OBSERVER_HIST_BINS / o->hist_max;
  for (gsize i = 0; i < n; i++)
    {
      gsize b = (gsize) (fabsf (x[i]) * per_bin);

      o->hist[MIN (b, QS_OBSERVER_HIST_BINS - 1)]++;
    }
}

void
qs_observer_update (QsObserverState *o,
                    const float     *x,
                    gsize            n)
{
  float lo = INFINITY, hi = -INFINITY;

  g_return_if_fail (o != NULL);
  if (n == 0)
    return;
  for (gsize i = 0; i < n; i++)
    {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
  if (o->n_batches == 0)
    o->min = lo, o->max = hi;
  else if (o->kind == QS_OBSERVER_MOVING_AVERAGE_MINMAX)
    {
      o->min += QS_OBSERVER_AVERAGING * (lo - o->min);
      o->max += QS_OBSERVER_AVERAGING * (hi - o->max);
    }
  else
    o->min = MIN (o->min, lo), o->max = MAX (o->max, hi);
  if (o->hist != NULL)
    hist_add (o, x, n, MAX (-(double) lo, (double) hi));
  o->n_batches++;
  o->n_values += n;
}

/* The smallest amax keeping at least percentile % of |x| at or below it,
 * interpolated linearly inside the bin. */
static double
percentile_amax (const QsObserverState *o)
{
  double want = o->percentile / 100.0 * o->n_values, seen = 0;
  double width = o->hist_max / QS_OBSERVER_HIST_BINS;

  for (guint i = 0; i < QS_OBSERVER_HIST_BINS; i++)
    {
      if (o->hist[i] > 0 && seen + o->hist[i] >= want)
        return width * (i + (want - seen) / o->hist[i]);
      seen += o->hist[i];
    }
  return o->hist_max;
}

/* The clipping range minimising the expected quantization error over the
 * histogram: values beyond amax cost (|x| - amax)^2, values inside the
 * uniform rounding noise scale^2 / 12. Candidates: every bin edge. */
static double
mse_amax (const QsObserverState *o)
{
  double width = o->hist_max / QS_OBSERVER_HIST_BINS, best = o->hist_max, best_err = INFINITY;
  gint32 qmax = MAX (qs_qdtype_qmax (o->dtype), 1);

  for (guint c = 1; c <= QS_OBSERVER_HIST_BINS; c++)
    {
      double amax = c * width, scale = amax / qmax, err = 0;
      guint64 inside = 0;

      for (guint i = 0; i < QS_OBSERVER_HIST_BINS; i++)
        {
          double centre = (i + 0.5) * width;

          if (i < c)
            inside += o->hist[i];
          else
            err += o->hist[i] * (centre - amax) * (centre - amax);
        }
      err += inside * scale * scale / 12;
      if (err < best_err)
        best_err = err, best = amax;
    }
  return best;
}

double
qs_observer_amax (const QsObserverState *o)
{
  g_return_val_if_fail (o != NULL, 0);
  if (o->kind == QS_OBSERVER_FIXED_SCALE)
    return o->fixed_scale * qs_qdtype_qmax (o->dtype);
  if (o->n_batches == 0)
    return 0;
  switch (o->kind)
    {
    case QS_OBSERVER_PERCENTILE: return percentile_amax (o);
    case QS_OBSERVER_MSE:        return mse_amax (o);
    default:                     return MAX (-o->min, o->max);
    }
}

double
qs_observer_scale (const QsObserverState *o)
{
  g_return_val_if_fail (o != NULL, 0);
  if (o->kind == QS_OBSERVER_FIXED_SCALE)
    return o->fixed_scale;
  if (o->n_batches == 0)
    return 0;
  return qs_scale_from_amax (qs_observer_amax (o), o->dtype);
}
