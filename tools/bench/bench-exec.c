/* bench-exec: the float executor on resnet18, 1x3x224x224, 1 and 2 threads
 *
 *   bench-exec [GRAPH] [REPEATS]
 *
 * GRAPH defaults to data/models/resnet18.qsgraph.json; a graph without
 * weights gets seeded random ones (timing does not depend on their values).
 * Prints the best and median milliseconds per run and the 2-thread speedup, for
 * the float executor and the int8 executor (QS_BENCH_NO_FLOAT / QS_BENCH_NO_INT skip
 * one); tools/bench/run sets these beside torch's numbers.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include <glib/gstdio.h>

#include "qs-exec.h"
#include "qs-graph-json.h"
#include "qs-march.h"
#include "qs-passes.h"
#include "qs-quant.h"

/* Random weights for every parameter the graph lists. */
static QsWeights *
random_weights (QsGraph *graph)
{
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qs-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  QsWeights *w;

  g_assert_no_error (error);
  for (QsId m = 0; m < graph->n_modules; m++)
    for (guint p = 0; p < graph->modules[m].n_params; p++)
      {
        const QsModule *mod = &graph->modules[m];
        const QsParam *param = &mod->params[p];
        gint64 n = MAX (qs_type_n_elements (&param->type), 1);
        QsTensorView v = { .dtype = param->type.dtype, .rank = param->type.rank };
        gsize size = qs_dtype_size (v.dtype);
        gpointer data = g_malloc0 (n * size);
        double fan_in = param->type.rank > 1 ? n / param->type.dims[0] : 1;

        memcpy (v.dims, param->type.dims, sizeof v.dims);
        v.name = g_strconcat (mod->path, *mod->path ? "." : "", param->name, NULL);
        v.data = data, v.n_bytes = n * size;
        if (v.dtype == QS_DTYPE_FLOAT32)
          for (gint64 i = 0; i < n; i++)
            ((float *) data)[i] = g_str_has_suffix (v.name, "running_var") ? 1.0f
                                  : (float) g_rand_double_range (rand, -1, 1) / sqrt (fan_in);
        g_ptr_array_add (owned, (gpointer) v.name);
        g_ptr_array_add (owned, data);
        g_array_append_val (views, v);
      }
  if (!qs_weights_save (path, (QsTensorView *) views->data, views->len, NULL, &error))
    g_error ("%s", error->message);
  w = qs_weights_open (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  return w;
}

/* QS_BENCH_PROFILE=1: milliseconds per op, from node-callback timestamps (the
 * callback itself disables nothing in the float executor). */
typedef struct
{
  gint64 last;
  GHashTable *ms;     /* op name -> double * */
} Profile;

static void
profile_node (QsExec *exec, QsId id, const QsExecValue *value, gpointer data)
{
  Profile *p = data;
  gint64 now = g_get_monotonic_time ();
  const QsNode *node = qs_graph_node (qs_exec_get_graph (exec), id);
  const char *op = qs_op_name (node->op);
  double *slot = g_hash_table_lookup (p->ms, op);

  if (slot == NULL)
    g_hash_table_insert (p->ms, (gpointer) op, slot = g_new0 (double, 1));
  *slot += (now - p->last) / 1000.0;
  p->last = now;
}

static void
profile_print (const char *key, const double *ms, gpointer data)
{
  printf ("  %-20s %8.2f ms\n", key, *ms / *(int *) data);
}

static void
observe_nothing (QsExec *exec, QsId id, const QsExecValue *value, gpointer data)
{
}

/* max |a - b| / max |b| over the first output */
static double
rel_diff (GPtrArray *a, GPtrArray *b)
{
  const QsTensor *ta = ((QsExecValue *) a->pdata[0])->tensor;
  const QsTensor *tb = ((QsExecValue *) b->pdata[0])->tensor;
  double diff = 0.0, mag = 0.0;

  for (gint64 i = 0; i < tb->n_elements; i++)
    {
      diff = MAX (diff, fabs ((double) qs_tensor_f32 (ta)[i] - qs_tensor_f32 (tb)[i]));
      mag = MAX (mag, fabs ((double) qs_tensor_f32 (tb)[i]));
    }
  return mag > 0 ? diff / mag : diff;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Best and median ms of @repeats runs after one warm-up run. */
static void
time_runs (QsGraph *graph, QsWeights *weights, QsExecValue *x, int threads, int repeats,
           double *best, double *median)
{
  QsExecOptions options = { .n_threads = threads };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsExec) exec = qs_exec_new (graph, weights, &options, &error);
  g_autofree double *ms = g_new (double, repeats);
  g_autoptr(GPtrArray) last = NULL;

  Profile prof = { 0, g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free) };
  gboolean profile = g_getenv ("QS_BENCH_PROFILE") != NULL;

  g_assert_no_error (error);
  for (int r = -1; r < repeats; r++)
    {
      gint64 t0 = g_get_monotonic_time ();

      if (profile && r == 0)
        {
          g_hash_table_remove_all (prof.ms);
          qs_exec_set_node_callback (exec, profile_node, &prof);
        }
      prof.last = t0;
      g_autoptr(GPtrArray) out = qs_exec_run (exec, &x, 1, &error);

      if (out == NULL)
        g_error ("%s", error->message);
      if (r >= 0)
        ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
      g_clear_pointer (&last, g_ptr_array_unref);
      last = g_ptr_array_ref (out);
    }
  /* a node callback turns conv + batch-norm + relu folding off: the unfolded run is
   * the check that folding changes the output by rounding only */
  if (!profile)
    {
      g_autoptr(GPtrArray) plain = NULL;

      qs_exec_set_node_callback (exec, observe_nothing, NULL);
      plain = qs_exec_run (exec, &x, 1, &error);
      g_assert_no_error (error);
      printf ("check: %d thread%s, folded vs unfolded output, max rel diff %.2g\n", threads,
              threads > 1 ? "s" : "", rel_diff (last, plain));
    }
  if (profile)
    {
      printf ("profile, %d thread%s, ms per run:\n", threads, threads > 1 ? "s" : "");
      g_hash_table_foreach (prof.ms, (GHFunc) profile_print, &repeats);
    }
  g_hash_table_unref (prof.ms);
  qsort (ms, repeats, sizeof (double), cmp_double);
  *best = ms[0];
  *median = ms[repeats / 2];
}

/* The executor's integer mode (engine/qs-qexec.c): prepare, calibrate on one synthetic
 * batch, convert; then time qs_qexec_run (quantize the input, int8 values between the
 * int8 conv/linear/add/max-pool kernels, float only for avg pool).  Steady state: the
 * warm-up run packs the conv weights and fills the buffer pool, so the timed runs
 * exclude both.  Best and median ms of @repeats. */
static gboolean
time_int_runs (QsGraph *graph, QsWeights *weights, QsExecValue *x, int threads, int repeats,
               double *best, double *median, GError **error)
{
  /* nash-e: int8 activations, int8 per-channel symmetric weights, min-max observers */
  QsPrepareOptions popts = { qs_march_from_name ("nash-e"), QS_QKIND_CALIBRATION, NULL };
  QsExecOptions options = { .n_threads = threads };
  g_autoptr(QsPrepared) prepared = qs_pass_prepare (graph, &popts, error);
  g_autoptr(QsCalibData) data = qs_calib_data_new_synthetic (1, 1);
  g_autoptr(QsQModel) model = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autofree double *ms = g_new (double, repeats);

  if (prepared == NULL
      || (model = qs_calibrate (prepared, weights, data, 1, threads, NULL, NULL, NULL,
                                error)) == NULL
      || (exec = qs_qexec_new (model, QS_QMODE_INT, &options, error)) == NULL)
    return FALSE;
  for (int r = -1; r < repeats; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GPtrArray) out = qs_qexec_run (exec, &x, 1, NULL, 0, error);

      if (out == NULL)
        return FALSE;
      if (r >= 0)
        ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
    }
  qsort (ms, repeats, sizeof (double), cmp_double);
  *best = ms[0];
  *median = ms[repeats / 2];
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *def = g_build_filename (QS_SOURCE_DIR, "data", "models",
                                           "resnet18.qsgraph.json", NULL);
  const char *file = argc > 1 ? argv[1] : def;
  int repeats = argc > 2 ? atoi (argv[2]) : 10;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = qs_graph_load (file, QS_GRAPH_LOAD_DEFAULT, &error);
  g_autoptr(QsWeights) weights = NULL;
  g_autoptr(QsExecValue) x = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  const QsType *in;
  QsTensor *t;
  double best[2], median[2];

  if (graph == NULL)
    {
      fprintf (stderr, "bench-exec: %s\n", error->message);
      return 1;
    }
  weights = graph->weights ? qs_weights_ref (graph->weights) : random_weights (graph);
  in = &graph->values[graph->nodes[0].outputs[0]].type;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, in->rank, in->dims);
  for (gint64 i = 0; i < t->n_elements; i++)
    qs_tensor_f32 (t)[i] = (float) g_rand_double_range (rand, -1, 1);
  x = qs_exec_value_new_tensor (t);
  repeats = MAX (repeats, 1);

  if (g_getenv ("QS_BENCH_NO_FLOAT") == NULL)
    {
      for (int i = 0; i < 2; i++)
        time_runs (graph, weights, x, i + 1, repeats, &best[i], &median[i]);
      printf ("exec-float %s: 1 thread %.1f ms (median %.1f), 2 threads %.1f ms (median %.1f), "
              "speedup %.2fx\n", graph->name, best[0], median[0], best[1], median[1],
              best[0] / best[1]);
      fflush (stdout);
    }
  if (g_getenv ("QS_BENCH_NO_INT") == NULL)
    {
      gboolean ok = TRUE;

      for (int i = 0; i < 2 && ok; i++)
        ok = time_int_runs (graph, weights, x, i + 1, repeats, &best[i], &median[i], &error);
      if (ok)
        printf ("exec-int8 %s (executor int mode, synthetic calibration): 1 thread %.1f ms "
                "(median %.1f), 2 threads %.1f ms (median %.1f), speedup %.2fx\n", graph->name,
                best[0], median[0], best[1], median[1], best[0] / best[1]);
      else
        printf ("exec-int8 %s: not run: %s\n", graph->name, error->message);
    }
  return 0;
}
