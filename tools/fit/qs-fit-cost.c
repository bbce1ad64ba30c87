/* qs-fit-cost: refits the NASH cost model's fitted parameters from latencies
 *
 *   qs-fit-cost [--csv FILE] [--cost FILE] [--models DIR] [--write FILE] [--markdown]
 *
 * Reads rows of board, march, model, input, threads, latency_ms, fps, kind
 * (docs/nash-cost-model.md), prepares each model's graph for each march,
 * extracts its kernels once and fits the parameters marked "fitted" (per
 * march) and "fitted-shared" (one value for all calibrated marches) by
 * Levenberg-Marquardt on log errors, with a weak pull to fixed priors so that
 * parameters the data can't separate stay sensible. Prints the fit, the
 * leave-one-model-out cross-validation and the nash-e -> nash-m transfer by
 * clock alone; --write stores the fitted values.
 *
 * Rows whose kind says "static" are compile-time estimates (hbm_perf): they
 * carry no host time. 1-thread rows are latencies; N-thread rows are FPS.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qs-cost-private.h"
#include "qs-error.h"
#include "qs-graph-json.h"

typedef struct
{
  char    *model;       /* as in the CSV */
  QsMarch  march;
  guint    threads;
  double   latency_ms;
  double   fps;
  gboolean is_static;
  QsCostKernels *kernels; /* borrowed from the cache */
} Row;

/* A fitted unknown: one parameter of one march, or shared by several. */
typedef struct
{
  const char *param;
  QsMarch     march;      /* QS_MARCH_NONE: shared */
  double      prior;      /* start and anchor */
} Unknown;

typedef struct
{
  GPtrArray    *rows;      /* Row */
  GArray       *unknowns;  /* Unknown */
  QsCostModel  *model;
  QsCostParams  params[QS_N_MARCHES];
  GHashTable   *cache;     /* "model@march" -> QsCostKernels */
} Fit;

/* Priors: where the fit starts and what it is pulled to (weight
 * PRIOR_WEIGHT on the log scale). Fixed here, not read from the data file,
 * so that refitting is reproducible whatever the file holds. */
static const struct { const char *param; double prior; } priors[] = {
  { "tae_eff", 0.3 }, { "tae_k_half", 64 }, { "tae_n_half", 32 }, { "lut_passes", 2 },
  { "move_bytes_per_cycle", 128 }, { "vec_elems_per_cycle", 256 }, { "fixed_cycles", 3000 },
  { "onchip_kib", 1024 }, { "host_us_per_mib", 50 },
};
#define PRIOR_WEIGHT 0.05

static double
prior_of (const char *param)
{
  for (guint i = 0; i < G_N_ELEMENTS (priors); i++)
    if (strcmp (priors[i].param, param) == 0)
      return priors[i].prior;
  return 1;
}

static gint
param_index (const char *param)
{
  const char * const *names = qs_cost_param_names ();

  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], param) == 0)
      return (gint) i;
  g_assert_not_reached ();
}

static double *
slot (QsCostParams *p,
      const char   *param)
{
  return qs_cost_params_slot (p, (guint) param_index (param));
}

static void
row_free (gpointer data)
{
  Row *r = data;

  g_free (r->model);
  g_free (r);
}

static char *
graph_path (const char *models_dir,
            const char *model)
{
  g_autofree char *lower = g_ascii_strdown (model, -1);
  g_autofree char *base = g_strconcat (lower, ".qsgraph.json", NULL);

  return g_build_filename (models_dir, base, NULL);
}

static QsCostKernels *
kernels_for (Fit        *fit,
             const char *models_dir,
             const char *model,
             QsMarch     march)
{
  g_autofree char *key = g_strdup_printf ("%s@%d", model, march);
  g_autofree char *path = graph_path (models_dir, model);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsPrepared) prepared = NULL;
  QsPrepareOptions options = { march, QS_QKIND_CALIBRATION, NULL };
  QsCostKernels *ks = g_hash_table_lookup (fit->cache, key);

  if (ks != NULL)
    return ks;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if (!(graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error))
      || !(prepared = qs_pass_prepare (graph, &options, &error)))
    {
      g_printerr ("qs-fit-cost: %s: %s\n", path, error->message);
      return NULL;
    }
  ks = qs_cost_kernels_extract (prepared, &fit->params[march]);
  g_hash_table_insert (fit->cache, g_steal_pointer (&key), ks);
  return ks;
}

static gboolean
load_csv (Fit         *fit,
          const char  *csv,
          const char  *models_dir,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!g_file_get_contents (csv, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", 12);
      Row *r;

      if (g_strv_length (f) < 11)
        continue;
      r = g_new0 (Row, 1);
      r->model = g_strdup (f[2]);
      r->march = qs_march_from_name (f[1]);
      r->threads = (guint) g_ascii_strtoull (f[5], NULL, 10);
      r->latency_ms = g_ascii_strtod (f[6], NULL);
      r->fps = *f[7] ? g_ascii_strtod (f[7], NULL) : 0;
      r->is_static = strstr (f[10], "static") != NULL;
      if (r->march == QS_MARCH_NONE || r->threads == 0
          || !(r->kernels = kernels_for (fit, models_dir, r->model, r->march)))
        {
          if (!g_hash_table_contains (missing, f[2]))
            g_printerr ("qs-fit-cost: %s: no graph %s for “%s”: row skipped\n", csv,
                        graph_path (models_dir, f[2]), f[2]);
          g_hash_table_add (missing, g_strdup (f[2]));
          row_free (r);
          continue;
        }
      g_ptr_array_add (fit->rows, r);
    }
  return TRUE;
}

/* The unknowns: every "fitted" parameter of a calibrated march with rows,
 * and every "fitted-shared" parameter once. */
static void
collect_unknowns (Fit *fit)
{
  const char * const *names = qs_cost_param_names ();
  gboolean has_rows[QS_N_MARCHES] = { 0 };

  for (guint i = 0; i < fit->rows->len; i++)
    has_rows[((Row *) g_ptr_array_index (fit->rows, i))->march] = TRUE;
  for (guint n = 0; names[n] != NULL; n++)
    {
      gboolean shared = FALSE;

      for (QsMarch m = 0; m < QS_N_MARCHES; m++)
        {
          const char *src = qs_cost_model_get_source (fit->model, m, names[n]);
          Unknown u = { names[n], m, prior_of (names[n]) };

          if (src == NULL || !has_rows[m] || !qs_cost_model_is_calibrated (fit->model, m))
            continue;
          if (strcmp (src, "fitted") == 0)
            g_array_append_val (fit->unknowns, u);
          else if (strcmp (src, "fitted-shared") == 0)
            shared = TRUE;
        }
      if (shared)
        {
          Unknown u = { names[n], QS_MARCH_NONE, prior_of (names[n]) };

          g_array_append_val (fit->unknowns, u);
        }
    }
}

static void
apply (Fit          *fit,
       const double *theta)
{
  for (guint k = 0; k < fit->unknowns->len; k++)
    {
      Unknown *u = &g_array_index (fit->unknowns, Unknown, k);

      if (u->march != QS_MARCH_NONE)
        *slot (&fit->params[u->march], u->param) = exp (theta[k]);
      else
        for (QsMarch m = 0; m < QS_N_MARCHES; m++)
          {
            const char *src = qs_cost_model_get_source (fit->model, m, u->param);

            if (src != NULL && strcmp (src, "fitted-shared") == 0)
              *slot (&fit->params[m], u->param) = exp (theta[k]);
          }
    }
}

/* The model's time per inference for a row, ms: latency for 1 thread,
 * 1000 / FPS for more. */
static double
predict_ms (const QsCostParams *p,
            const Row          *r)
{
  double total = qs_cost_kernels_time (r->kernels, p, 1, NULL, NULL);

  if (!r->is_static)
    total += qs_cost_host_us (p, r->kernels->io_bytes);
  if (r->threads == 1)
    return total / 1000;
  return 1000 / qs_cost_kernels_fps (r->kernels, p, total, r->threads);
}

static double
measured_ms (const Row *r)
{
  return r->threads == 1 || r->fps <= 0 ? r->latency_ms : 1000 / r->fps;
}

/* Residuals: log (predicted / measured) for the rows in use, then the pull
 * of each unknown to its prior. */
static guint
residuals (Fit          *fit,
           const double *theta,
           const char   *held_out,
           double       *res)
{
  guint n = 0;

  apply (fit, theta);
  for (guint i = 0; i < fit->rows->len; i++)
    {
      Row *r = g_ptr_array_index (fit->rows, i);

      if (held_out != NULL && strcmp (r->model, held_out) == 0)
        continue;
      if (r->threads > 1 && r->fps <= 0)
        continue;
      res[n++] = log (predict_ms (&fit->params[r->march], r) / measured_ms (r));
    }
  for (guint k = 0; k < fit->unknowns->len; k++)
    res[n++] = PRIOR_WEIGHT * (theta[k]
                               - log (g_array_index (fit->unknowns, Unknown, k).prior));
  return n;
}

/* Solves (A + lambda diag A) x = b in place (A: n x n, row-major). */
static gboolean
solve (double *a,
       double *b,
       guint   n)
{
  for (guint c = 0; c < n; c++)
    {
      guint piv = c;

      for (guint r = c + 1; r < n; r++)
        if (fabs (a[r * n + c]) > fabs (a[piv * n + c]))
          piv = r;
      if (fabs (a[piv * n + c]) < 1e-300)
        return FALSE;
      for (guint k = 0; k < n; k++)
        {
          double t = a[c * n + k];

          a[c * n + k] = a[piv * n + k], a[piv * n + k] = t;
        }
      {
        double t = b[c];

        b[c] = b[piv], b[piv] = t;
      }
      for (guint r = c + 1; r < n; r++)
        {
          double f = a[r * n + c] / a[c * n + c];

          for (guint k = c; k < n; k++)
            a[r * n + k] -= f * a[c * n + k];
          b[r] -= f * b[c];
        }
    }
  for (guint c = n; c-- > 0;)
    {
      for (guint k = c + 1; k < n; k++)
        b[c] -= a[c * n + k] * b[k];
      b[c] /= a[c * n + c];
    }
  return TRUE;
}

static double
sum_sq (const double *r,
        guint         n)
{
  double s = 0;

  for (guint i = 0; i < n; i++)
    s += r[i] * r[i];
  return s;
}

/* Levenberg-Marquardt with a forward-difference Jacobian. */
static void
fit_lm (Fit        *fit,
        double     *theta,
        const char *held_out)
{
  guint np = fit->unknowns->len, cap = fit->rows->len + np;
  g_autofree double *r = g_new (double, cap), *r2 = g_new (double, cap);
  g_autofree double *jac = g_new (double, cap * np), *a = g_new (double, np * np);
  g_autofree double *g = g_new (double, np), *step = g_new (double, np);
  g_autofree double *trial = g_new (double, np);
  double lambda = 1e-2, cost;
  guint nr;

  for (guint k = 0; k < np; k++)
    theta[k] = log (g_array_index (fit->unknowns, Unknown, k).prior);
  nr = residuals (fit, theta, held_out, r);
  cost = sum_sq (r, nr);
  for (guint iter = 0; iter < 200 && lambda < 1e10; iter++)
    {
      for (guint k = 0; k < np; k++)
        {
          double saved = theta[k];

          theta[k] += 1e-5;
          residuals (fit, theta, held_out, r2);
          theta[k] = saved;
          for (guint i = 0; i < nr; i++)
            jac[i * np + k] = (r2[i] - r[i]) / 1e-5;
        }
      for (guint j = 0; j < np; j++)
        {
          g[j] = 0;
          for (guint i = 0; i < nr; i++)
            g[j] -= jac[i * np + j] * r[i];
        }
      for (;;)
        {
          double new_cost;

          for (guint j = 0; j < np; j++)
            for (guint k = 0; k < np; k++)
              {
                double s = 0;

                for (guint i = 0; i < nr; i++)
                  s += jac[i * np + j] * jac[i * np + k];
                a[j * np + k] = s + (j == k ? lambda * (s + 1e-9) : 0);
              }
          memcpy (step, g, np * sizeof (double));
          if (!solve (a, step, np))
            {
              lambda *= 10;
              break;
            }
          for (guint k = 0; k < np; k++)
            trial[k] = theta[k] + CLAMP (step[k], -2, 2);
          residuals (fit, trial, held_out, r2);
          new_cost = sum_sq (r2, nr);
          if (new_cost < cost)
            {
              gboolean done = cost - new_cost < 1e-10 * (1 + cost);

              memcpy (theta, trial, np * sizeof (double));
              memcpy (r, r2, nr * sizeof (double));
              cost = new_cost;
              lambda = MAX (lambda / 10, 1e-9);
              if (done)
                iter = G_MAXUINT - 1;
              break;
            }
          lambda *= 10;
          if (lambda >= 1e10)
            break;
        }
    }
  apply (fit, theta);
}

typedef struct
{
  guint  n;
  double sum_ape;
  guint  within;
} Score;

static void
score_add (Score  *s,
           double  predicted,
           double  measured)
{
  double ape = fabs (predicted / measured - 1);

  s->n++;
  s->sum_ape += ape;
  s->within += ape <= 0.10 + 1e-12;
}

static void
score_print (const Score *s,
             gboolean     markdown)
{
  if (s->n == 0)
    printf (markdown ? " - | - |" : " %7s %7s", "-", "-");
  else
    printf (markdown ? " %.1f%% | %u/%u |" : " %6.1f%% %3u/%-3u",
            100 * s->sum_ape / s->n, s->within, s->n);
}

typedef struct
{
  double fit_ms, cv_ms;
} Prediction;

static void
print_rows (Fit              *fit,
            const Prediction *pred,
            gboolean          markdown)
{
  printf (markdown ? "\n| march | model | threads | measured ms | fit ms | err | LOMO ms | err |\n"
                     "|---|---|---|---|---|---|---|---|\n"
                   : "\n%-8s %-20s %3s %11s %9s %7s %9s %7s\n",
          "march", "model", "thr", "measured ms", "fit ms", "err", "LOMO ms", "err");
  for (guint i = 0; i < fit->rows->len; i++)
    {
      Row *r = g_ptr_array_index (fit->rows, i);
      double m = measured_ms (r);

      if (r->threads > 1 && r->fps <= 0)
        continue;
      printf (markdown ? "| %s | %s | %u%s | %.3f | %.3f | %+.1f%% | %.3f | %+.1f%% |\n"
                       : "%-8s %-20s %3u%s %11.3f %9.3f %+6.1f%% %9.3f %+6.1f%%\n",
              qs_march_name (r->march), r->model, r->threads, r->is_static ? "s" : " ", m,
              pred[i].fit_ms, 100 * (pred[i].fit_ms / m - 1), pred[i].cv_ms,
              100 * (pred[i].cv_ms / m - 1));
    }
  printf ("%s(thr: threads, 1 = latency, N = 1000/FPS; s = hbm_perf static estimate, no host "
          "time)\n", markdown ? "\n" : "");
}

static void
print_scores (Fit              *fit,
              const Prediction *pred,
              gboolean          markdown)
{
  printf (markdown ? "| march | latency rows: fit MAPE | within ±10%% | LOMO MAPE | within ±10%% "
                     "| N-thread FPS rows: fit MAPE | within ±10%% |\n|---|---|---|---|---|---|---|\n"
                   : "%-8s %16s %16s %16s\n%-8s %7s %7s %7s %7s %7s %7s\n", "march",
          "fit latency", "LOMO latency", "fit N-thread", "", "MAPE", "±10%", "MAPE", "±10%",
          "MAPE", "±10%");
  for (gint m = -1; m < QS_N_MARCHES; m++)
    {
      Score fit_s = { 0 }, cv_s = { 0 }, fps_s = { 0 };

      for (guint i = 0; i < fit->rows->len; i++)
        {
          Row *r = g_ptr_array_index (fit->rows, i);

          if ((m >= 0 && r->march != m) || (r->threads > 1 && r->fps <= 0))
            continue;
          if (r->threads == 1)
            {
              score_add (&fit_s, pred[i].fit_ms, measured_ms (r));
              score_add (&cv_s, pred[i].cv_ms, measured_ms (r));
            }
          else
            score_add (&fps_s, pred[i].fit_ms, measured_ms (r));
        }
      if (fit_s.n + fps_s.n == 0)
        continue;
      printf (markdown ? "| %s |" : "%-8s", m < 0 ? "all" : qs_march_name (m));
      score_print (&fit_s, markdown);
      score_print (&cv_s, markdown);
      score_print (&fps_s, markdown);
      printf ("\n");
    }
}

/* nash-e's fitted parameters with nash-m's clock, everything else kept. */
static void
print_transfer (Fit              *fit,
                gboolean          markdown)
{
  QsCostParams p = fit->params[QS_MARCH_NASH_E];
  Score s = { 0 };

  p.clock_mhz = fit->params[QS_MARCH_NASH_M].clock_mhz;
  for (guint i = 0; i < fit->rows->len; i++)
    {
      Row *r = g_ptr_array_index (fit->rows, i);
      g_autoptr(QsCostKernels) ks = NULL;

      if (r->march != QS_MARCH_NASH_M || r->threads != 1)
        continue;
      score_add (&s, predict_ms (&p, r), measured_ms (r));
    }
  if (s.n == 0)
    return;
  printf (markdown ? "\nnash-e -> nash-m by clock alone (nash-e parameters, clock 1.0 -> 1.5 GHz), "
                     "nash-m 1-thread rows: MAPE %.1f%%, %u/%u within ±10%%\n"
                   : "\ntransfer nash-e -> nash-m by clock alone: MAPE %.1f%%, %u/%u within ±10%%\n",
          100 * s.sum_ape / s.n, s.within, s.n);
}

static void
print_params (Fit      *fit,
              gboolean  markdown)
{
  printf (markdown ? "\n| fitted parameter | march | value |\n|---|---|---|\n"
                   : "\nfitted parameters\n");
  for (guint k = 0; k < fit->unknowns->len; k++)
    {
      Unknown *u = &g_array_index (fit->unknowns, Unknown, k);
      QsMarch m = u->march != QS_MARCH_NONE ? u->march : QS_MARCH_NASH_E;

      printf (markdown ? "| %s | %s | %.4g |\n" : "  %-22s %-8s %.4g\n", u->param,
              u->march != QS_MARCH_NONE ? qs_march_name (u->march) : "shared",
              *slot (&fit->params[m], u->param));
    }
}

/* Stores fitted values, then copies them to marches tied to a fitted one. */
static void
store (Fit *fit)
{
  const char * const *names = qs_cost_param_names ();

  for (guint k = 0; k < fit->unknowns->len; k++)
    {
      Unknown *u = &g_array_index (fit->unknowns, Unknown, k);

      for (QsMarch m = 0; m < QS_N_MARCHES; m++)
        if (u->march == m || (u->march == QS_MARCH_NONE && fit->params[m].clock_mhz > 0))
          {
            const char *src = qs_cost_model_get_source (fit->model, m, u->param);

            if (src != NULL && (u->march == m || strcmp (src, "fitted-shared") == 0))
              qs_cost_model_set (fit->model, m, u->param, *slot (&fit->params[m], u->param));
          }
    }
  for (QsMarch m = 0; m < QS_N_MARCHES; m++)
    for (guint n = 0; names[n] != NULL; n++)
      {
        const char *src = qs_cost_model_get_source (fit->model, m, names[n]);
        QsMarch from;
        const QsCostParams *fp;

        if (src == NULL || !g_str_has_prefix (src, "tied: "))
          continue;
        from = qs_march_from_name (src + strlen ("tied: "));
        if (from == QS_MARCH_NONE || !(fp = qs_cost_model_get (fit->model, from, NULL)))
          continue;
        qs_cost_model_set (fit->model, m, names[n], *qs_cost_params_slot ((QsCostParams *) fp,
                                                                           n));
      }
}

static int
run (const char *csv,
     const char *cost,
     const char *models_dir,
     const char *write_to,
     gboolean    markdown)
{
  g_autoptr(GError) error = NULL;
  Fit fit = { 0 };
  g_autofree double *theta = NULL, *scratch = NULL;
  g_autofree Prediction *pred = NULL;
  g_autoptr(GHashTable) models = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) names = NULL;

  if (!(fit.model = qs_cost_model_load (cost, &error)))
    goto fail;
  for (QsMarch m = 0; m < QS_N_MARCHES; m++)
    {
      const QsCostParams *p = qs_cost_model_get (fit.model, m, NULL);

      if (p != NULL)
        fit.params[m] = *p;
    }
  fit.rows = g_ptr_array_new_with_free_func (row_free);
  fit.unknowns = g_array_new (FALSE, FALSE, sizeof (Unknown));
  fit.cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) qs_cost_kernels_free);
  if (!load_csv (&fit, csv, models_dir, &error))
    goto fail;
  collect_unknowns (&fit);
  theta = g_new0 (double, fit.unknowns->len);
  pred = g_new0 (Prediction, fit.rows->len);
  /* leave-one-model-out: refit without the model, predict it */
  for (guint i = 0; i < fit.rows->len; i++)
    g_hash_table_add (models, ((Row *) g_ptr_array_index (fit.rows, i))->model);
  names = g_hash_table_get_keys (models);
  for (GList *l = names; l != NULL; l = l->next)
    {
      fit_lm (&fit, theta, l->data);
      for (guint i = 0; i < fit.rows->len; i++)
        {
          Row *r = g_ptr_array_index (fit.rows, i);

          if (strcmp (r->model, l->data) == 0)
            pred[i].cv_ms = predict_ms (&fit.params[r->march], r);
        }
    }
  fit_lm (&fit, theta, NULL);
  for (guint i = 0; i < fit.rows->len; i++)
    {
      Row *r = g_ptr_array_index (fit.rows, i);

      pred[i].fit_ms = predict_ms (&fit.params[r->march], r);
    }
  printf (markdown ? "Fit of %s: %u rows, %u fitted unknowns, %u models\n\n"
                   : "fit of %s: %u rows, %u fitted unknowns, %u models\n\n", csv,
          fit.rows->len, fit.unknowns->len, g_hash_table_size (models));
  print_scores (&fit, pred, markdown);
  print_transfer (&fit, markdown);
  print_rows (&fit, pred, markdown);
  print_params (&fit, markdown);
  if (write_to != NULL)
    {
      g_autofree char *data = NULL;

      store (&fit);
      data = qs_cost_model_to_data (fit.model);
      if (!g_file_set_contents (write_to, data, -1, &error))
        goto fail;
      printf ("\nwrote %s\n", write_to);
    }
  g_ptr_array_unref (fit.rows);
  g_array_unref (fit.unknowns);
  g_hash_table_unref (fit.cache);
  qs_cost_model_free (fit.model);
  return 0;

fail:
  g_printerr ("qs-fit-cost: %s\n", error->message);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *csv = NULL, *cost = NULL, *models = NULL, *write_to = NULL;
  gboolean markdown = FALSE;
  GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Latencies (default: data/cost/nash-latency-train.csv)", "FILE" },
    { "cost", 0, 0, G_OPTION_ARG_FILENAME, &cost, "Parameter file to start from (default: built in)", "FILE" },
    { "models", 0, 0, G_OPTION_ARG_FILENAME, &models, "Graph directory (default: data/models)", "DIR" },
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &write_to, "Write the fitted parameters here", "FILE" },
    { "markdown", 0, 0, G_OPTION_ARG_NONE, &markdown, "Print tables as Markdown", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— refit the NASH cost model");
  g_autoptr(GError) error = NULL;
  const char *src = g_getenv ("QS_SOURCE_DIR") ? g_getenv ("QS_SOURCE_DIR") : QS_SOURCE_DIR;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("qs-fit-cost: %s\n", error->message);
      return 2;
    }
  if (csv == NULL)
    csv = g_build_filename (src, "data", "cost", "nash-latency-train.csv", NULL);
  if (models == NULL)
    models = g_build_filename (src, "data", "models", NULL);
  return run (csv, cost, models, write_to, markdown);
}
