/* qs-cli-quant.c: `quantscope-cli calibrate`, `convert`, and `run --mode
 * fakequant|int`
 *
 *   calibrate GRAPH --march M [--rules R] --data D [--batches N] [-o calib.json]
 *   convert   GRAPH --march M [--rules R] --data D -o OUT.qsgraph.json [--report]
 *   run       GRAPH --mode fakequant|int (--march M --data D | a converted GRAPH)
 *             --input X.npy --output Y.npy
 *
 * --synthetic N calibrates on N batches of seeded random data instead of
 * --data; everything computed from it is labelled synthetic.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "qs-cli.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-npy.h"
#include "qs-passes.h"
#include "qs-quant.h"

typedef struct
{
  char     *march;
  char     *rules;
  char     *data;
  char     *mean;
  char     *std;
  char     *output;
  char     *report_json;
  char     *mode;
  char    **files;
  char    **inputs;
  char    **until;
  int       synthetic;
  int       batches;
  int       threads;
  gint64    seed;
  gboolean  report;
  gboolean  json;
} QuantArgs;

static void
quant_args_clear (QuantArgs *a)
{
  g_free (a->march);
  g_free (a->rules);
  g_free (a->data);
  g_free (a->mean);
  g_free (a->std);
  g_free (a->output);
  g_free (a->report_json);
  g_free (a->mode);
  g_strfreev (a->files);
  g_strfreev (a->inputs);
  g_strfreev (a->until);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QuantArgs, quant_args_clear)

static int
fail (const char *cmd,
      GError     *error)
{
  g_printerr ("quantscope-cli %s: %s\n", cmd, error->message);
  return QS_CLI_EXIT_ERROR;
}

static gboolean
parse (const char *cmd,
       const char *summary,
       int        *argc,
       char     ***argv,
       QuantArgs  *a)
{
  const GOptionEntry entries[] = {
    { "march", 'm', 0, G_OPTION_ARG_STRING, &a->march, "Target march (nash-e, nash-m, ...)",
      "MARCH" },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME, &a->rules, "Qconfig rules (JSON)", "FILE" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &a->data,
      "Calibration data: .npy/.npz/.safetensors, or a folder of .npy or PPM/PGM images",
      "PATH" },
    { "synthetic", 0, 0, G_OPTION_ARG_INT, &a->synthetic,
      "Calibrate on N batches of seeded random data (labelled synthetic)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a->seed, "Seed for --synthetic (default 1)", "S" },
    { "batches", 'b', 0, G_OPTION_ARG_INT, &a->batches, "Use at most N batches", "N" },
    { "mean", 0, 0, G_OPTION_ARG_STRING, &a->mean, "Image folders: per-channel mean after /255",
      "R,G,B" },
    { "std", 0, 0, G_OPTION_ARG_STRING, &a->std, "Image folders: per-channel std", "R,G,B" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output, "Output file", "FILE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &a->threads, "Threads (default: one per core)", "N" },
    { "report", 0, 0, G_OPTION_ARG_NONE, &a->report,
      "Print the per-node accuracy report (float / fake-quant / int)", NULL },
    { "report-json", 0, 0, G_OPTION_ARG_FILENAME, &a->report_json,
      "Write the accuracy report as JSON", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a->json, "Print JSON instead of text", NULL },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &a->inputs,
      "run / report: an input tensor (.npy), in placeholder order, or KEY=FILE", "[KEY=]FILE" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &a->mode, "run: fakequant or int", "MODE" },
    { "until", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->until,
      "run: stop at this node and write its output (repeatable)", "NODE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->files, NULL, "GRAPH" },
    { NULL }
  };
  g_autofree char *param = g_strdup_printf ("GRAPH — %s", summary);
  g_autoptr(GOptionContext) ctx = g_option_context_new (param);
  g_autoptr(GError) error = NULL;

  a->seed = 1;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("quantscope-cli %s: %s\n", cmd, error->message);
      return FALSE;
    }
  if (a->files == NULL || g_strv_length (a->files) != 1)
    {
      g_printerr ("quantscope-cli %s: expected one graph file\n", cmd);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_floats (const char *s,
              float      *out,
              GError    **error)
{
  g_auto(GStrv) parts = g_strsplit (s, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end;

      if (i >= 4 || (out[i] = (float) g_ascii_strtod (parts[i], &end), *end != '\0'))
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "“%s”: expected up to 4 comma-separated numbers", s), FALSE;
    }
  return TRUE;
}

static QsCalibData *
open_data (QuantArgs *a,
           GError   **error)
{
  QsCalibImageOptions image = { { 0 }, { 1, 1, 1, 1 } };

  if (a->synthetic > 0 && a->data != NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "give either --data or --synthetic, not both"), NULL;
  if (a->synthetic > 0)
    return qs_calib_data_new_synthetic (a->synthetic, (guint64) a->seed);
  if (a->data == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "calibration needs data: --data FILE|FOLDER, or --synthetic N for "
                        "seeded random data"), NULL;
  if ((a->mean && !parse_floats (a->mean, image.mean, error))
      || (a->std && !parse_floats (a->std, image.std, error)))
    return NULL;
  return qs_calib_data_open (a->data, &image, error);
}

static void
print_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  g_printerr ("%s: calibrating, batch %u/%u\r%s", (const char *) user_data, done, total,
              done == total ? "\n" : "");
}

/* Loads, prepares and calibrates GRAPH, or loads a converted one. */
static QsQModel *
build_model (const char *cmd,
             QuantArgs  *a,
             gboolean    allow_converted,
             GError    **error)
{
  g_autoptr(QsGraph) graph = qs_graph_load (a->files[0], QS_GRAPH_LOAD_DEFAULT, error);
  g_autoptr(QsRuleSet) rules = NULL;
  g_autoptr(QsPrepared) prepared = NULL;
  g_autoptr(QsCalibData) data = NULL;
  g_autofree char *prefix = g_strdup_printf ("quantscope-cli %s", cmd);
  QsPrepareOptions options = { QS_MARCH_NONE, QS_QKIND_CALIBRATION, NULL };

  if (graph == NULL)
    return NULL;
  if (qs_graph_is_converted (graph))
    {
      if (!allow_converted)
        return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                            "%s is already converted: give the float graph", a->files[0]), NULL;
      return qs_qmodel_load (a->files[0], error);
    }
  if (graph->weights == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "%s has no weights: calibration runs the model; trace it with weights "
                        "(quantscope-trace without --no-weights)", a->files[0]), NULL;
  if (a->march != NULL && (options.march = qs_march_from_name (a->march)) == QS_MARCH_NONE)
    return g_set_error (error, QS_ERROR, QS_ERROR_NO_MARCH, "unknown march “%s”; use one of %s",
                        a->march, qs_march_list ()), NULL;
  if (a->rules != NULL)
    {
      if ((rules = qs_rule_set_load (a->rules, error)) == NULL)
        return NULL;
      options.kind = qs_rule_set_get_kind (rules);
      options.rules = rules;
    }
  if ((prepared = qs_pass_prepare (graph, &options, error)) == NULL
      || (data = open_data (a, error)) == NULL)
    return NULL;
  if (qs_calib_data_is_synthetic (data))
    g_printerr ("%s: calibrating on SYNTHETIC data (%s): scales and accuracy are not those of "
                "real inputs\n", prefix, qs_calib_data_describe (data));
  return qs_calibrate (prepared, graph->weights, data, MAX (a->batches, 0), a->threads,
                       print_progress, prefix, NULL, error);
}

/* ---- inputs and outputs for run and --report ----------------------------------------- */

static QsTensor *
load_input (char      **inputs,
            gboolean   *used,
            const char *name,
            GError    **error)
{
  g_autoptr(QsTensor) t = NULL;
  const char *path = NULL;

  for (guint i = 0; inputs && inputs[i] && !path; i++)
    {
      const char *eq = strchr (inputs[i], '=');

      if (!used[i] && eq && eq > inputs[i] && memchr (inputs[i], '/', eq - inputs[i]) == NULL
          && strncmp (inputs[i], name, eq - inputs[i]) == 0 && name[eq - inputs[i]] == '\0')
        path = eq + 1, used[i] = TRUE;
    }
  for (guint i = 0; inputs && inputs[i] && !path; i++)
    {
      const char *eq = strchr (inputs[i], '=');

      if (!used[i] && !(eq && eq > inputs[i] && memchr (inputs[i], '/', eq - inputs[i]) == NULL))
        path = inputs[i], used[i] = TRUE;
    }
  if (path == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "no --input for “%s”: give one file per model input, in order, or as "
                        "--input %s=FILE.npy", name, name), NULL;
  if ((t = qs_npy_load (path, error)) == NULL)
    return NULL;
  if (t->dtype != QS_DTYPE_FLOAT32)
    {
      QsTensor *f = qs_tensor_to_float32 (t);

      qs_tensor_unref (t);
      t = f;
    }
  return g_steal_pointer (&t);
}

static GPtrArray *
build_inputs (QsExec  *exec,
              char   **inputs,
              GError **error)
{
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);
  g_autofree gboolean *used = g_new0 (gboolean, (inputs ? g_strv_length (inputs) : 0) + 1);
  QsGraph *graph = qs_exec_get_graph (exec);

  for (guint i = 0; i < qs_exec_get_n_inputs (exec); i++)
    {
      g_auto(GStrv) keys = qs_exec_dup_input_keys (exec, i);
      guint nk = g_strv_length (keys);
      const QsNode *ph = qs_graph_node (graph, qs_exec_get_input_node (exec, i));

      if (nk == 0)
        {
          QsTensor *t = load_input (inputs, used, ph->name, error);

          if (t == NULL)
            return NULL;
          g_ptr_array_add (in, qs_exec_value_new_tensor (t));
          continue;
        }
      {
        g_autofree QsExecValue **items = g_new0 (QsExecValue *, nk);

        for (guint k = 0; k < nk; k++)
          {
            QsTensor *t = load_input (inputs, used, keys[k], error);

            if (t == NULL)
              {
                for (guint j = 0; j < k; j++)
                  qs_exec_value_unref (items[j]);
                return NULL;
              }
            items[k] = qs_exec_value_new_tensor (t);
          }
        g_ptr_array_add (in, qs_exec_value_new_dict ((const char *const *) keys, items, nk));
      }
    }
  for (guint i = 0; inputs && inputs[i]; i++)
    if (!used[i])
      return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                          "--input %s is not used: the graph takes fewer input tensors, or its "
                          "KEY= names no input", inputs[i]), NULL;
  return g_steal_pointer (&in);
}

static void
collect (const char        *name,
         const QsExecValue *v,
         GPtrArray         *names,
         GPtrArray         *tensors)
{
  if (v->kind == QS_EXEC_VALUE_TENSOR)
    {
      g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_add (tensors, qs_tensor_ref (v->tensor));
    }
  for (guint i = 0; i < v->n_items; i++)
    {
      g_autofree char *sub = v->keys ? g_strdup_printf ("%s_%s", name, v->keys[i])
                                     : g_strdup_printf ("%s_%u", name, i);

      collect (sub, v->items[i], names, tensors);
    }
}

static gboolean
write_results (QsExec     *exec,
               GPtrArray  *results,
               char      **until,
               const char *output,
               GError    **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  QsGraph *g = qs_exec_get_graph (exec);

  for (guint i = 0; i < results->len; i++)
    {
      g_autofree char *name = NULL;

      if (until != NULL && g_strv_length (until) == results->len)
        name = g_strdup (until[i]);
      else
        {
          QsId out = QS_ID_NONE;

          for (QsId n = 0; n < g->n_nodes; n++)
            if (g->nodes[n].kind == QS_NODE_OUTPUT && i < g->nodes[n].n_inputs)
              out = g->values[g->nodes[n].inputs[i]].producer;
          name = out < g->n_nodes ? g_strdup (g->nodes[out].name) : g_strdup_printf ("arr_%u", i);
        }
      collect (name, results->pdata[i], names, tensors);
    }
  if (tensors->len == 1 && !g_str_has_suffix (output, ".npz"))
    return qs_npy_save (output, tensors->pdata[0], error);
  return qs_npz_save (output, (const char *const *) names->pdata,
                      (QsTensor *const *) tensors->pdata, tensors->len, error);
}

/* ---- report ----------------------------------------------------------------------------- */

static gboolean
report (const char *cmd,
        QsQModel   *model,
        QuantArgs  *a,
        GError    **error)
{
  QsExecOptions options = { a->threads };
  g_autoptr(QsExec) exec = qs_qexec_new (model, QS_QMODE_FLOAT, &options, error);
  g_autoptr(GPtrArray) in = NULL, batches = NULL;
  g_autoptr(QsAccuracyReport) rep = NULL;
  g_autoptr(QsCalibData) data = NULL;
  GPtrArray *first;

  if (exec == NULL)
    return FALSE;
  if (a->inputs != NULL)
    first = in = build_inputs (exec, a->inputs, error);
  else
    {
      if ((data = open_data (a, error)) == NULL
          || (batches = qs_calib_data_batches (data, exec, 1, error)) == NULL)
        return FALSE;
      first = batches->pdata[0];
      g_printerr ("quantscope-cli %s: accuracy on the first calibration batch%s\n", cmd,
                  qs_calib_data_is_synthetic (data) ? " (SYNTHETIC data)" : "");
    }
  if (first == NULL)
    return FALSE;
  rep = qs_accuracy_report_new (model, (QsExecValue *const *) first->pdata, first->len,
                                a->threads, error);
  if (rep == NULL)
    return FALSE;
  if (a->report)
    {
      g_autofree char *text = a->json ? qs_accuracy_report_to_json (rep)
                                      : qs_accuracy_report_to_text (rep);

      fputs (text, stdout);
    }
  if (a->report_json != NULL)
    {
      g_autofree char *json = qs_accuracy_report_to_json (rep);

      if (!g_file_set_contents (a->report_json, json, -1, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- commands ---------------------------------------------------------------------------- */

int
qs_cli_calibrate (int    argc,
                  char **argv)
{
  g_auto(QuantArgs) a = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsQModel) model = NULL;
  g_autofree char *json = NULL;

  if (!parse ("calibrate", "run the observers over calibration data", &argc, &argv, &a))
    return QS_CLI_EXIT_USAGE;
  if ((model = build_model ("calibrate", &a, FALSE, &error)) == NULL)
    return fail ("calibrate", error);
  json = qs_qmodel_to_json (model);
  if (a.output != NULL && !g_file_set_contents (a.output, json, -1, &error))
    return fail ("calibrate", error);
  if (a.json || a.output == NULL)
    fputs (json, stdout);
  else
    {
      guint n_act = 0, n_w = 0;

      for (QsId n = 0; n < model->graph->n_nodes; n++)
        n_act += model->act_scale[n] > 0, n_w += model->w[n] != NULL;
      printf ("%s: %u batches of %s; %u activation scales, %u quantized weights -> %s\n",
              a.files[0], model->n_batches, model->data_label, n_act, n_w, a.output);
    }
  if ((a.report || a.report_json) && !report ("calibrate", model, &a, &error))
    return fail ("calibrate", error);
  return QS_CLI_EXIT_OK;
}

int
qs_cli_convert (int    argc,
                char **argv)
{
  g_auto(QuantArgs) a = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsQModel) model = NULL;

  if (!parse ("convert", "calibrate and write the integer graph", &argc, &argv, &a))
    return QS_CLI_EXIT_USAGE;
  if (a.output == NULL || !g_str_has_suffix (a.output, ".qsgraph.json"))
    {
      g_printerr ("quantscope-cli convert: give -o OUT.qsgraph.json (OUT.safetensors is written "
                  "beside it)\n");
      return QS_CLI_EXIT_USAGE;
    }
  if ((model = build_model ("convert", &a, FALSE, &error)) == NULL
      || !qs_qmodel_save (model, a.output, &error))
    return fail ("convert", error);
  g_printerr ("quantscope-cli convert: wrote %s (%u calibration batches, %s)\n", a.output,
              model->n_batches, model->data_label);
  if ((a.report || a.report_json) && !report ("convert", model, &a, &error))
    return fail ("convert", error);
  return QS_CLI_EXIT_OK;
}

gboolean
qs_cli_run_is_quant (int    argc,
                     char **argv)
{
  for (int i = 1; i < argc; i++)
    if ((strcmp (argv[i], "--mode") == 0 && i + 1 < argc
         && (strcmp (argv[i + 1], "fakequant") == 0 || strcmp (argv[i + 1], "int") == 0))
        || strcmp (argv[i], "--mode=fakequant") == 0 || strcmp (argv[i], "--mode=int") == 0)
      return TRUE;
  return FALSE;
}

int
qs_cli_run_quant (int    argc,
                  char **argv)
{
  g_auto(QuantArgs) a = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsQModel) model = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autoptr(GPtrArray) in = NULL, results = NULL;
  QsExecOptions options = { 0 };
  QsQMode mode;

  if (!parse ("run", "run a graph in fake-quant or integer mode", &argc, &argv, &a))
    return QS_CLI_EXIT_USAGE;
  if (a.output == NULL || !qs_qmode_from_name (a.mode, &mode))
    {
      g_printerr ("quantscope-cli run: expected --output FILE and --mode fakequant|int\n");
      return QS_CLI_EXIT_USAGE;
    }
  if ((model = build_model ("run", &a, TRUE, &error)) == NULL)
    return fail ("run", error);
  options.n_threads = a.threads;
  if ((exec = qs_qexec_new (model, mode, &options, &error)) == NULL
      || (in = build_inputs (exec, a.inputs, &error)) == NULL)
    return fail ("run", error);
  results = qs_qexec_run (exec, (QsExecValue *const *) in->pdata, in->len,
                          (const char *const *) a.until, a.until ? g_strv_length (a.until) : 0,
                          &error);
  if (results == NULL || !write_results (exec, results, a.until, a.output, &error))
    return fail ("run", error);
  g_printerr ("quantscope-cli run: %s mode, wrote %s\n", a.mode, a.output);
  if ((a.report || a.report_json) && !report ("run", model, &a, &error))
    return fail ("run", error);
  return QS_CLI_EXIT_OK;
}
