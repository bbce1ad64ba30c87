/* qs-cli-run.c: `quantscope-cli run GRAPH --input X.npy --output Y.npy`
 *
 * Runs a graph with its weights on .npy inputs through the float executor
 * and writes the outputs as .npy (one tensor) or .npz (several).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "qs-cli.h"
#include "qs-error.h"
#include "qs-exec.h"
#include "qs-graph-json.h"
#include "qs-npy.h"

#define RUN_PREFIX "quantscope-cli run"

typedef struct
{
  char     *key;    /* "KEY=" prefix, or NULL */
  char     *path;
  gboolean  used;
} InputArg;

static void
input_arg_clear (gpointer p)
{
  InputArg *a = p;

  g_free (a->key);
  g_free (a->path);
}

static GArray *
parse_input_args (char **inputs)
{
  GArray *args = g_array_new (FALSE, TRUE, sizeof (InputArg));

  g_array_set_clear_func (args, input_arg_clear);
  for (guint i = 0; inputs != NULL && inputs[i] != NULL; i++)
    {
      const char *eq = strchr (inputs[i], '=');
      InputArg a = { 0 };

      /* KEY=FILE names a placeholder or dict key; a '/' before '=' means a path */
      if (eq != NULL && eq > inputs[i] && memchr (inputs[i], '/', eq - inputs[i]) == NULL)
        a.key = g_strndup (inputs[i], eq - inputs[i]), a.path = g_strdup (eq + 1);
      else
        a.path = g_strdup (inputs[i]);
      g_array_append_val (args, a);
    }
  return args;
}

/* The input file for @name: the one given as NAME=FILE, else the next
 * positional one. */
static QsExecValue *
take_input (GArray     *args,
            const char *name,
            GError    **error)
{
  InputArg *pick = NULL;
  g_autoptr(QsTensor) t = NULL;

  for (guint i = 0; i < args->len && pick == NULL; i++)
    if (g_strcmp0 (g_array_index (args, InputArg, i).key, name) == 0)
      pick = &g_array_index (args, InputArg, i);
  for (guint i = 0; i < args->len && pick == NULL; i++)
    if (g_array_index (args, InputArg, i).key == NULL && !g_array_index (args, InputArg, i).used)
      pick = &g_array_index (args, InputArg, i);
  if (pick == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                   "no --input for “%s”: give one file per model input, in order, or "
                   "as --input %s=FILE.npy", name, name);
      return NULL;
    }
  pick->used = TRUE;
  t = qs_npy_load (pick->path, error);
  if (t == NULL)
    return NULL;
  /* numpy's default float64 becomes the executor's float32 */
  if (t->dtype == QS_DTYPE_FLOAT64)
    {
      QsTensor *f = qs_tensor_to_float32 (t);

      qs_tensor_unref (g_steal_pointer (&t));
      t = f;
    }
  return qs_exec_value_new_tensor (g_steal_pointer (&t));
}

static GPtrArray *
build_inputs (QsExec  *exec,
              GArray  *args,
              GError **error)
{
  QsGraph *graph = qs_exec_get_graph (exec);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);

  for (guint i = 0; i < qs_exec_get_n_inputs (exec); i++)
    {
      const QsNode *ph = qs_graph_node (graph, qs_exec_get_input_node (exec, i));
      g_auto(GStrv) keys = qs_exec_dup_input_keys (exec, i);
      guint n = g_strv_length (keys);
      QsExecValue *v;

      if (n == 0)
        v = take_input (args, ph->name, error);
      else
        {
          g_autoptr(GPtrArray) items =
            g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);
          g_autofree QsExecValue **owned = NULL;

          for (guint k = 0; k < n; k++)
            {
              QsExecValue *item = take_input (args, keys[k], error);

              if (item == NULL)
                return NULL;
              g_ptr_array_add (items, item);
            }
          owned = (QsExecValue **) g_ptr_array_steal (items, NULL);
          v = qs_exec_value_new_dict ((const char *const *) keys, owned, n);
        }
      if (v == NULL)
        return NULL;
      g_ptr_array_add (inputs, v);
    }
  for (guint i = 0; i < args->len; i++)
    if (!g_array_index (args, InputArg, i).used)
      {
        g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                     "--input %s is not used: the graph takes fewer input tensors, or "
                     "its KEY= names no input", g_array_index (args, InputArg, i).path);
        return NULL;
      }
  return g_steal_pointer (&inputs);
}

/* Flattens a result into named tensors: tuples as NAME_0, NAME_1, dicts as
 * NAME_KEY, ints and floats as 0-d arrays. */
static gboolean
collect_outputs (const char        *name,
                 const QsExecValue *v,
                 GPtrArray         *names,
                 GPtrArray         *tensors,
                 GError           **error)
{
  switch (v->kind)
    {
    case QS_EXEC_VALUE_TENSOR:
      g_ptr_array_add (tensors, qs_tensor_ref (v->tensor));
      break;
    case QS_EXEC_VALUE_INT:
      g_ptr_array_add (tensors, qs_tensor_new_from_data (QS_DTYPE_INT64, 0, NULL, &v->i));
      break;
    case QS_EXEC_VALUE_FLOAT:
      g_ptr_array_add (tensors, qs_tensor_new_from_data (QS_DTYPE_FLOAT64, 0, NULL, &v->f));
      break;
    case QS_EXEC_VALUE_TUPLE:
    case QS_EXEC_VALUE_LIST:
    case QS_EXEC_VALUE_DICT:
      for (guint i = 0; i < v->n_items; i++)
        {
          g_autofree char *sub = v->keys ? g_strdup_printf ("%s_%s", name, v->keys[i])
                                         : g_strdup_printf ("%s_%u", name, i);

          if (!collect_outputs (sub, v->items[i], names, tensors, error))
            return FALSE;
        }
      return TRUE;
    default:
      g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                   "output “%s” is not a tensor or number and cannot be written", name);
      return FALSE;
    }
  g_ptr_array_add (names, g_strdup (name));
  return TRUE;
}

static gboolean
write_outputs (const char *output,
               GPtrArray  *names,
               GPtrArray  *tensors,
               GError    **error)
{
  g_autofree char *path = g_strdup (output);

  if (tensors->len == 1 && !g_str_has_suffix (output, ".npz"))
    {
      if (!qs_npy_save (path, tensors->pdata[0], error))
        return FALSE;
    }
  else
    {
      if (!g_str_has_suffix (path, ".npz"))
        {
          char *dot = strrchr (path, '.');

          if (dot != NULL && strchr (dot, '/') == NULL)
            *dot = '\0';
          {
            char *npz = g_strconcat (path, ".npz", NULL);

            g_free (path);
            path = npz;
          }
          g_printerr (RUN_PREFIX ": %u outputs: writing %s\n", tensors->len, path);
        }
      if (!qs_npz_save (path, (const char *const *) names->pdata,
                        (QsTensor *const *) tensors->pdata, tensors->len, error))
        return FALSE;
    }
  for (guint i = 0; i < tensors->len; i++)
    {
      g_autofree char *desc = qs_tensor_describe (tensors->pdata[i]);

      g_printerr ("%s: %s %s\n", path, (const char *) names->pdata[i], desc);
    }
  return TRUE;
}

static int
fail (GError *error)
{
  g_printerr (RUN_PREFIX ": %s\n", error->message);
  return QS_CLI_EXIT_ERROR;
}

static void
add_value_names (QsGraph    *graph,
                 const QsNode *node,
                 GPtrArray  *out)
{
  const QsId *values = node->kind == QS_NODE_OUTPUT ? node->inputs : node->outputs;
  guint n = node->kind == QS_NODE_OUTPUT ? node->n_inputs : node->n_outputs;

  for (guint i = 0; i < n; i++)
    {
      QsId p = graph->values[values[i]].producer;

      g_ptr_array_add (out, g_strdup (p < graph->n_nodes ? graph->nodes[p].name : "arr"));
    }
}

/* Names the results after the nodes producing them, like the --until
 * arguments; arr_0, arr_1, ... when that fails or repeats a name. */
static GPtrArray *
result_names (QsExec  *exec,
              char   **until,
              guint    n_results)
{
  QsGraph *graph = qs_exec_get_graph (exec);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; until != NULL && until[i] != NULL; i++)
    {
      QsId id = qs_exec_find_node (exec, until[i]);

      if (id != QS_ID_NONE)
        add_value_names (graph, qs_graph_node (graph, id), names);
    }
  for (QsId n = 0; until == NULL && n < graph->n_nodes; n++)
    if (graph->nodes[n].kind == QS_NODE_OUTPUT)
      add_value_names (graph, &graph->nodes[n], names);
  for (guint i = 0; i < names->len; i++)
    if (!g_hash_table_add (seen, names->pdata[i]))
      g_ptr_array_set_size (names, 0);
  if (names->len != n_results)
    {
      g_ptr_array_set_size (names, 0);
      for (guint i = 0; i < n_results; i++)
        g_ptr_array_add (names, g_strdup_printf ("arr_%u", i));
    }
  return names;
}

int
qs_cli_run (int    argc,
            char **argv)
{
  g_auto(GStrv) files = NULL, inputs = NULL, until = NULL;
  g_autofree char *output = NULL, *mode = NULL;
  int threads = 0;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs,
      "An input tensor (.npy); repeat in placeholder order, or KEY=FILE", "[KEY=]FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Where to write the outputs (.npy for one tensor, .npz for several)", "FILE" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "float (default), fakequant or int", "MODE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (default: one per core)", "N" },
    { "until", 0, 0, G_OPTION_ARG_STRING_ARRAY, &until,
      "Stop at this node and write its output instead (repeatable)", "NODE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "GRAPH" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("GRAPH — run a graph on .npy inputs");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autoptr(GArray) args = NULL;
  g_autoptr(GPtrArray) in = NULL, results = NULL, result_name = NULL, names = NULL;
  g_autoptr(GPtrArray) tensors = NULL;
  QsExecOptions options = { 0 };
  gint64 start;

  if (qs_cli_run_is_quant (argc, argv))
    return qs_cli_run_quant (argc, argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Runs GRAPH with its weights on the inputs through the "
                                     "float executor. float64 inputs are converted to "
                                     "float32; a dict input (data[\"img\"]) takes "
                                     "--input img=FILE.npy.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr (RUN_PREFIX ": %s\n", error->message);
      return QS_CLI_EXIT_USAGE;
    }
  if (files == NULL || g_strv_length (files) != 1 || output == NULL)
    {
      g_printerr (RUN_PREFIX ": expected one graph file and --output FILE\n");
      return QS_CLI_EXIT_USAGE;
    }
  if (mode != NULL && strcmp (mode, "float") != 0)
    {
      if (strcmp (mode, "fakequant") == 0 || strcmp (mode, "int") == 0)
        {
          g_printerr (RUN_PREFIX ": --mode %s is not implemented yet: it needs prepare/convert "
                      "(run --mode float)\n", mode);
          return QS_CLI_EXIT_ERROR;
        }
      g_printerr (RUN_PREFIX ": unknown --mode %s (float, fakequant or int)\n", mode);
      return QS_CLI_EXIT_USAGE;
    }

  graph = qs_graph_load (files[0], QS_GRAPH_LOAD_DEFAULT, &error);
  if (graph == NULL)
    return fail (error);
  if (graph->weights == NULL)
    {
      g_printerr (RUN_PREFIX ": %s has no weights: trace it with weights "
                  "(quantscope-trace without --no-weights)\n", files[0]);
      return QS_CLI_EXIT_ERROR;
    }
  options.n_threads = threads;
  exec = qs_exec_new (graph, NULL, &options, &error);
  if (exec == NULL)
    return fail (error);
  args = parse_input_args (inputs);
  in = build_inputs (exec, args, &error);
  if (in == NULL)
    return fail (error);

  start = g_get_monotonic_time ();
  if (until != NULL)
    results = qs_exec_run_until (exec, (QsExecValue *const *) in->pdata, in->len,
                                 (const char *const *) until, g_strv_length (until), &error);
  else
    results = qs_exec_run (exec, (QsExecValue *const *) in->pdata, in->len, &error);
  if (results == NULL)
    return fail (error);
  g_printerr (RUN_PREFIX ": %s in %.1f ms on %d thread%s\n", files[0],
              (g_get_monotonic_time () - start) / 1000.0, qs_exec_get_n_threads (exec),
              qs_exec_get_n_threads (exec) == 1 ? "" : "s");

  names = g_ptr_array_new_with_free_func (g_free);
  tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  result_name = result_names (exec, until, results->len);
  for (guint i = 0; i < results->len; i++)
    if (!collect_outputs (result_name->pdata[i], results->pdata[i], names, tensors, &error))
      return fail (error);
  if (!write_outputs (output, names, tensors, &error))
    return fail (error);
  return QS_CLI_EXIT_OK;
}
