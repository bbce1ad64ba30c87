/* qs-exec.c: the float executor's driver: inputs, scheduling, arguments,
 * parameters
 *
 * A run marks the nodes the requested values need (walking producers
 * backwards), then runs them in graph order, dropping each value after its
 * last use. Module parameters are copied to aligned float32 tensors the
 * first time a node needs them and cached for later runs.
 */
#include "qs-exec-private.h"

#include <stdarg.h>
#include <string.h>

#include "qs-json.h"

gpointer
qs_exec_fail (GError      **error,
              const QsNode *node,
              QsError       code,
              const char   *format,
              ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QS_ERROR, code, "node “%s”: %s", node->name, msg);
  return NULL;
}

char *
qs_exec_describe_node (QsExec       *exec,
                       const QsNode *node)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);

  return g_strdup_printf ("%s %s%s%s%s, op %s", qs_node_kind_name (node->kind), node->target,
                          m ? " (" : "", m ? m->type : "", m ? ")" : "",
                          qs_op_name (node->op));
}

gboolean
qs_exec_dim (gint64 dim,
             guint  rank,
             guint *out)
{
  if (dim < 0)
    dim += rank;
  if (dim < 0 || dim >= (gint64) MAX (rank, 1))
    return FALSE;
  *out = (guint) dim;
  return TRUE;
}

/* ---- arguments ---------------------------------------------------------------- */

const QsAttr *
qs_exec_arg (const QsNode *node,
             guint         pos,
             const char   *kwarg)
{
  const QsAttr *a = NULL;
  char name[16];

  if (kwarg != NULL)
    a = qs_attrs_find (node->attrs, node->n_attrs, kwarg);
  if (a == NULL)
    {
      g_snprintf (name, sizeof name, "%u", pos);
      a = qs_attrs_find (node->attrs, node->n_attrs, name);
    }
  return a;
}

QsExecValue *
qs_exec_arg_value (QsExec       *exec,
                   const QsNode *node,
                   guint         pos,
                   const char   *kwarg)
{
  const QsAttr *a = qs_exec_arg (node, pos, kwarg);

  if (a != NULL && a->kind == QS_ATTR_VALUE)
    return exec->values[a->value];
  if (a == NULL && node->n_attrs == 0 && pos < node->n_inputs)
    return exec->values[node->inputs[pos]];
  return NULL;
}

QsTensor *
qs_exec_arg_tensor (QsExec       *exec,
                    const QsNode *node,
                    guint         pos,
                    const char   *kwarg,
                    GError      **error)
{
  QsExecValue *v = qs_exec_arg_value (exec, node, pos, kwarg);

  if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR)
    return qs_exec_fail (error, node, QS_ERROR_INVALID,
                         "argument %u is not a tensor", pos);
  if (!qs_tensor_is_float32 (v->tensor))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "argument %u is a %s tensor: the float executor runs float32 only",
                         pos, qs_dtype_name (v->tensor->dtype));
  return v->tensor;
}

/* The attribute's value, when it refers to one (or NULL). */
static QsExecValue *
attr_value (QsExec       *exec,
            const QsAttr *attr)
{
  return attr != NULL && attr->kind == QS_ATTR_VALUE ? exec->values[attr->value] : NULL;
}

gboolean
qs_exec_attr_int (QsExec       *exec,
                  const QsNode *node,
                  const QsAttr *attr,
                  gint64        fallback,
                  gint64       *out,
                  GError      **error)
{
  QsExecValue *v = attr_value (exec, attr);

  if (attr == NULL || attr->kind == QS_ATTR_NONE || (v && v->kind == QS_EXEC_VALUE_NONE))
    *out = fallback;
  else if (attr->kind == QS_ATTR_INT)
    *out = attr->i;
  else if (attr->kind == QS_ATTR_BOOL)
    *out = attr->b;
  else if (v != NULL && v->kind == QS_EXEC_VALUE_INT)
    *out = v->i;
  else
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "argument “%s” is not an integer", attr->name) != NULL;
  return TRUE;
}

gboolean
qs_exec_attr_double (QsExec       *exec,
                     const QsNode *node,
                     const QsAttr *attr,
                     double        fallback,
                     double       *out,
                     GError      **error)
{
  QsExecValue *v = attr_value (exec, attr);

  if (attr == NULL || attr->kind == QS_ATTR_NONE || (v && v->kind == QS_EXEC_VALUE_NONE))
    *out = fallback;
  else if (attr->kind == QS_ATTR_INT)
    *out = (double) attr->i;
  else if (attr->kind == QS_ATTR_FLOAT)
    *out = attr->f;
  else if (v != NULL && v->kind == QS_EXEC_VALUE_INT)
    *out = (double) v->i;
  else if (v != NULL && v->kind == QS_EXEC_VALUE_FLOAT)
    *out = v->f;
  else
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "argument “%s” is not a number", attr->name) != NULL;
  return TRUE;
}

/* Items of a JSON list: ints, {"value": N} refs to int values, null (-1). */
static gboolean
json_ints (QsExec       *exec,
           const QsNode *node,
           const QsAttr *attr,
           gint64       *out,
           guint         n_max,
           guint        *n,
           GError      **error)
{
  g_autoptr(QsArena) arena = qs_arena_new (4096);
  QsJson *j = qs_json_parse (arena, attr->s, strlen (attr->s), NULL);

  if (!qs_json_is (j, QS_JSON_ARRAY) || j->n > n_max)
    goto bad;
  for (guint i = 0; i < j->n; i++)
    {
      QsJson *e = &j->items[i], *ref = qs_json_get (e, "value");

      if (qs_json_is (e, QS_JSON_INT))
        out[i] = e->i;
      else if (qs_json_is (e, QS_JSON_NULL))
        out[i] = -1;
      else if (qs_json_is (ref, QS_JSON_INT) && ref->i >= 0
               && ref->i < exec->graph->n_values && exec->values[ref->i] != NULL
               && exec->values[ref->i]->kind == QS_EXEC_VALUE_INT)
        out[i] = exec->values[ref->i]->i;
      else
        goto bad;
    }
  *n = j->n;
  return TRUE;

bad:
  return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                       "argument “%s” is not a list of at most %u integers: %s",
                       attr->name, n_max, attr->s) != NULL;
}

gboolean
qs_exec_attr_ints (QsExec       *exec,
                   const QsNode *node,
                   const QsAttr *attr,
                   gboolean      broadcast,
                   gint64       *out,
                   guint         n_max,
                   guint        *n,
                   GError      **error)
{
  QsExecValue *v = attr_value (exec, attr);

  *n = 0;
  if (attr == NULL || attr->kind == QS_ATTR_NONE)
    return TRUE;
  if (attr->kind == QS_ATTR_INT || (v != NULL && v->kind == QS_EXEC_VALUE_INT))
    {
      *n = broadcast ? n_max : 1;
      for (guint i = 0; i < *n; i++)
        out[i] = v ? v->i : attr->i;
      return TRUE;
    }
  if (attr->kind == QS_ATTR_INTS && attr->n <= n_max)
    {
      memcpy (out, attr->ints, attr->n * sizeof (gint64));
      *n = attr->n;
      return TRUE;
    }
  if (attr->kind == QS_ATTR_VALUES && attr->n <= n_max)
    {
      for (guint i = 0; i < attr->n; i++)
        {
          QsExecValue *e = exec->values[attr->values[i]];

          if (e == NULL || e->kind != QS_EXEC_VALUE_INT)
            return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                                 "argument “%s” holds a value that is not an integer",
                                 attr->name) != NULL;
          out[i] = e->i;
        }
      *n = attr->n;
      return TRUE;
    }
  if (v != NULL && (v->kind == QS_EXEC_VALUE_TUPLE || v->kind == QS_EXEC_VALUE_LIST)
      && v->n_items <= n_max)
    {
      for (guint i = 0; i < v->n_items; i++)
        {
          if (v->items[i]->kind != QS_EXEC_VALUE_INT)
            return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                                 "argument “%s” holds a value that is not an integer",
                                 attr->name) != NULL;
          out[i] = v->items[i]->i;
        }
      *n = v->n_items;
      return TRUE;
    }
  if (attr->kind == QS_ATTR_JSON)
    return json_ints (exec, node, attr, out, n_max, n, error);
  return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                       "argument “%s” is not a list of at most %u integers",
                       attr->name, n_max) != NULL;
}

gboolean
qs_exec_attr_bool (const QsAttr *attr,
                   gboolean      fallback)
{
  if (attr != NULL && attr->kind == QS_ATTR_BOOL)
    return attr->b;
  if (attr != NULL && attr->kind == QS_ATTR_INT)
    return attr->i != 0;
  return fallback;
}

const char *
qs_exec_attr_string (const QsAttr *attr,
                     const char   *fallback)
{
  if (attr != NULL && attr->kind == QS_ATTR_STRING)
    return attr->s;
  return fallback;
}

const QsAttr *
qs_exec_param_attr (const QsNode   *node,
                    const QsModule *module,
                    const char     *name,
                    guint           pos)
{
  if (module != NULL)
    return qs_attrs_find (module->attrs, module->n_attrs, name);
  return qs_exec_arg (node, pos, name);
}

/* ---- parameters --------------------------------------------------------------- */

QsTensor *
qs_exec_cached (QsExec     *exec,
                const char *key)
{
  return g_hash_table_lookup (exec->params, key);
}

QsTensor *
qs_exec_cache (QsExec     *exec,
               const char *key,
               QsTensor   *tensor)
{
  g_hash_table_replace (exec->params, g_strdup (key), tensor);
  return tensor;
}

static QsTensor *
tensor_from_view (const QsTensorView *view)
{
  g_autoptr(QsTensor) raw = NULL;

  if (view->dtype == QS_DTYPE_FLOAT16 || view->dtype == QS_DTYPE_BFLOAT16)
    return NULL;
  raw = qs_tensor_new_from_data (view->dtype, view->rank, view->dims, view->data);
  if (raw->dtype == QS_DTYPE_FLOAT32)
    return g_steal_pointer (&raw);
  return qs_tensor_to_float32 (raw);
}

/* @module: whose parameter @key is, for messages, or NULL. */
static QsTensor *
lookup_weight (QsExec         *exec,
               const QsNode   *node,
               const QsModule *module,
               const char     *key,
               GError        **error)
{
  g_autofree char *owner = module ? g_strdup_printf ("module “%s” (%s): ", module->path,
                                                     module->type)
                                  : g_strdup ("");
  QsTensorView view;
  QsTensor *t = qs_exec_cached (exec, key);

  if (t != NULL)
    return t;
  if (exec->weights == NULL)
    return qs_exec_fail (error, node, QS_ERROR_WEIGHTS,
                         "%sneeds parameter “%s” but the graph has no weights: trace it "
                         "with weights (quantscope-trace without --no-weights)", owner, key);
  if (!qs_weights_lookup (exec->weights, key, &view))
    return qs_exec_fail (error, node, QS_ERROR_WEIGHTS,
                         "%sparameter “%s” is missing from %s", owner, key,
                         qs_weights_get_filename (exec->weights));
  t = tensor_from_view (&view);
  if (t == NULL)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "%sparameter “%s” is %s: the float executor needs float32",
                         owner, key, qs_dtype_name (view.dtype));
  return qs_exec_cache (exec, key, t);
}

QsTensor *
qs_exec_weight (QsExec       *exec,
                const QsNode *node,
                const char   *key,
                GError      **error)
{
  return lookup_weight (exec, node, NULL, key, error);
}

QsTensor *
qs_exec_param (QsExec         *exec,
               const QsNode   *node,
               const QsModule *module,
               const char     *name,
               gboolean        required,
               GError        **error)
{
  g_autofree char *key = NULL;

  g_assert (module != NULL);
  if (!required && qs_module_find_param (module, name) == NULL)
    return NULL;
  key = *module->path ? g_strconcat (module->path, ".", name, NULL) : g_strdup (name);
  return lookup_weight (exec, node, module, key, error);
}

gboolean
qs_exec_param_opt (QsExec         *exec,
                   const QsNode   *node,
                   const QsModule *module,
                   const char     *name,
                   QsTensor      **out,
                   GError        **error)
{
  *out = NULL;
  if (qs_module_find_param (module, name) == NULL)
    return TRUE;
  *out = qs_exec_param (exec, node, module, name, TRUE, error);
  return *out != NULL;
}

/* ---- construction ------------------------------------------------------------- */

QsExec *
qs_exec_new (QsGraph             *graph,
             QsWeights           *weights,
             const QsExecOptions *options,
             GError             **error)
{
  g_autoptr(QsExec) exec = NULL;
  int n_threads = options ? options->n_threads : 0;

  g_return_val_if_fail (graph != NULL, NULL);
  if (!graph->analyzed && !qs_graph_analyze (graph, error))
    return NULL;
  exec = g_new0 (QsExec, 1);
  exec->graph = qs_graph_ref (graph);
  weights = weights ? weights : graph->weights;
  exec->weights = weights ? qs_weights_ref (weights) : NULL;
  exec->k = qsk_kernels ();
  exec->pool = n_threads == 1 ? NULL : qsk_thread_pool_new (n_threads);
  exec->n_threads = qsk_thread_pool_n_threads (exec->pool);
  exec->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) qs_tensor_unref);
  exec->inputs = g_array_new (FALSE, FALSE, sizeof (QsId));
  for (QsId i = 0; i < graph->n_nodes; i++)
    if (graph->nodes[i].kind == QS_NODE_PLACEHOLDER)
      g_array_append_val (exec->inputs, i);
  return g_steal_pointer (&exec);
}

void
qs_exec_free (QsExec *exec)
{
  if (exec == NULL)
    return;
  g_assert (exec->values == NULL);
  if (exec->runner_free != NULL)
    exec->runner_free (exec->runner_data);
  if (exec->pool != NULL)
    qsk_thread_pool_free (exec->pool);
  g_hash_table_unref (exec->params);
  g_array_unref (exec->inputs);
  g_clear_pointer (&exec->weights, qs_weights_unref);
  qs_graph_unref (exec->graph);
  g_free (exec);
}

QsGraph *
qs_exec_get_graph (QsExec *exec)
{
  g_return_val_if_fail (exec != NULL, NULL);
  return exec->graph;
}

int
qs_exec_get_n_threads (QsExec *exec)
{
  g_return_val_if_fail (exec != NULL, 1);
  return exec->n_threads;
}

void
qs_exec_set_node_callback (QsExec        *exec,
                           QsExecNodeFunc func,
                           gpointer       user_data)
{
  g_return_if_fail (exec != NULL);
  exec->func = func;
  exec->user_data = user_data;
}

guint
qs_exec_get_n_inputs (QsExec *exec)
{
  g_return_val_if_fail (exec != NULL, 0);
  return exec->inputs->len;
}

QsId
qs_exec_get_input_node (QsExec *exec,
                        guint   index)
{
  g_return_val_if_fail (exec != NULL && index < exec->inputs->len, QS_ID_NONE);
  return g_array_index (exec->inputs, QsId, index);
}

GStrv
qs_exec_dup_input_keys (QsExec *exec,
                        guint   index)
{
  g_autoptr(GStrvBuilder) keys = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const QsNode *ph;
  const QsId *uses;
  guint n_uses;

  g_return_val_if_fail (exec != NULL && index < exec->inputs->len, NULL);
  ph = qs_graph_node (exec->graph, g_array_index (exec->inputs, QsId, index));
  if (ph->n_outputs == 0 || exec->graph->values[ph->outputs[0]].type.dtype != QS_DTYPE_DICT)
    return g_strv_builder_end (keys);
  uses = qs_graph_value_uses (exec->graph, ph->outputs[0], &n_uses);
  for (guint i = 0; i < n_uses; i++)
    {
      const QsNode *u = qs_graph_node (exec->graph, uses[i]);
      const char *key = qs_exec_attr_string (qs_exec_arg (u, 1, NULL), NULL);

      if (u->op == QS_OP_GETITEM && key != NULL && g_hash_table_add (seen, (gpointer) key))
        g_strv_builder_add (keys, key);
    }
  return g_strv_builder_end (keys);
}

QsId
qs_exec_find_node (QsExec     *exec,
                   const char *name)
{
  g_return_val_if_fail (exec != NULL && name != NULL, QS_ID_NONE);
  for (QsId i = 0; i < exec->graph->n_nodes; i++)
    if (g_strcmp0 (exec->graph->nodes[i].name, name) == 0)
      return i;
  return QS_ID_NONE;
}

/* ---- running ------------------------------------------------------------------ */

static gboolean
check_tensor_input (const QsNode   *ph,
                    const char     *what,
                    const QsType   *want,
                    const QsTensor *t,
                    GError        **error)
{
  QsType got;
  gint64 bad;

  qs_tensor_get_type (t, &got);
  if (want != NULL && qs_type_is_tensor (want) && !qs_type_equal (want, &got))
    {
      g_autoptr(GString) w = g_string_new (NULL), g = g_string_new (NULL);

      qs_type_append (want, w);
      qs_type_append (&got, g);
      g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                   "input “%s”%s: expected %s, got %s (the graph was traced at that shape: "
                   "re-trace it for another)", ph->name, what, w->str, g->str);
      return FALSE;
    }
  bad = qs_tensor_find_nonfinite (t);
  if (bad >= 0)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                   "input “%s”%s holds NaN or infinity (element %" G_GINT64_FORMAT
                   "): the executor needs finite inputs", ph->name, what, bad);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_input (QsExec            *exec,
             const QsNode      *ph,
             const QsExecValue *v,
             GError           **error)
{
  const QsType *want = &exec->graph->values[ph->outputs[0]].type;

  if (qs_type_is_tensor (want) || v->kind == QS_EXEC_VALUE_TENSOR)
    {
      if (v->kind != QS_EXEC_VALUE_TENSOR)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                       "input “%s”: expected a tensor, got %s", ph->name,
                       v->kind == QS_EXEC_VALUE_DICT ? "a dict" : "another kind of value");
          return FALSE;
        }
      return check_tensor_input (ph, "", want, v->tensor, error);
    }
  if (want->dtype == QS_DTYPE_DICT && v->kind != QS_EXEC_VALUE_DICT)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                   "input “%s”: expected a dict (the model reads data[KEY]), got another "
                   "kind of value", ph->name);
      return FALSE;
    }
  for (guint i = 0; i < v->n_items; i++)
    if (v->items[i]->kind == QS_EXEC_VALUE_TENSOR)
      {
        g_autofree char *what = v->keys ? g_strdup_printf ("['%s']", v->keys[i])
                                        : g_strdup_printf ("[%u]", i);

        if (!check_tensor_input (ph, what, NULL, v->items[i]->tensor, error))
          return FALSE;
      }
  return TRUE;
}

/* Marks the nodes needed for @targets; counts each value's remaining uses. */
static gboolean *
plan (QsExec     *exec,
      const QsId *targets,
      guint       n_targets,
      guint      *uses)
{
  QsGraph *g = exec->graph;
  gboolean *needed_value = g_new0 (gboolean, MAX (g->n_values, 1));
  gboolean *needed_node = g_new0 (gboolean, MAX (g->n_nodes, 1));

  for (guint i = 0; i < n_targets; i++)
    needed_value[targets[i]] = TRUE;
  for (QsId n = g->n_nodes; n-- > 0;)
    {
      const QsNode *node = &g->nodes[n];

      for (guint o = 0; o < node->n_outputs && !needed_node[n]; o++)
        needed_node[n] = needed_value[node->outputs[o]];
      if (!needed_node[n])
        continue;
      for (guint i = 0; i < node->n_inputs; i++)
        {
          needed_value[node->inputs[i]] = TRUE;
          uses[node->inputs[i]]++;
        }
    }
  g_free (needed_value);
  return needed_node;
}

/* Drops the run's reference to value @v (through the runner's release hook). */
static void
drop_value (QsExec *exec,
            QsId    v)
{
  QsExecValue *value = exec->values[v];

  if (value == NULL)
    return;
  exec->values[v] = NULL;
  if (exec->runner_release != NULL)
    exec->runner_release (exec, v, value, exec->runner_data);
  else
    qs_exec_value_unref (value);
}

/* What callers and callbacks see of value @v: a new reference. */
static QsExecValue *
export_value (QsExec      *exec,
              QsId         v,
              QsExecValue *value)
{
  if (value == NULL)
    return NULL;
  if (exec->runner_export != NULL)
    return exec->runner_export (exec, v, value, exec->runner_data);
  return qs_exec_value_ref (value);
}

static void
release (QsExec *exec)
{
  exec->uses = NULL;
  g_clear_pointer (&exec->folded, g_free);
  for (QsId v = 0; v < exec->graph->n_values; v++)
    drop_value (exec, v);
  g_clear_pointer (&exec->values, g_free);
}

static gboolean
run_node (QsExec       *exec,
          QsId          id,
          QsExecValue *const *inputs,
          guint        *uses,
          GError      **error)
{
  const QsNode *node = &exec->graph->nodes[id];
  QsExecValue *out;

  if (node->kind == QS_NODE_PLACEHOLDER)
    {
      guint k;

      for (k = 0; g_array_index (exec->inputs, QsId, k) != id; k++)
        ;
      out = qs_exec_value_ref (inputs[k]);
    }
  else if (node->kind == QS_NODE_OUTPUT)
    out = NULL;
  else if ((out = exec->runner ? exec->runner (exec, node, exec->runner_data, error)
                                : qs_exec_node (exec, node, error)) == NULL)
    return FALSE;
  if (node->n_outputs > 0)
    exec->values[node->outputs[0]] = out;
  if (exec->func != NULL)
    {
      QsExecValue *shown = node->n_outputs > 0 && exec->runner_export != NULL
                           ? export_value (exec, node->outputs[0], out) : NULL;

      exec->func (exec, id, shown ? shown : out, exec->user_data);
      g_clear_pointer (&shown, qs_exec_value_unref);
    }
  for (guint i = 0; i < node->n_inputs; i++)
    if (--uses[node->inputs[i]] == 0)
      drop_value (exec, node->inputs[i]);
  return TRUE;
}

GPtrArray *
qs_exec_run_values (QsExec             *exec,
                    QsExecValue *const *inputs,
                    guint               n_inputs,
                    const QsId         *targets,
                    guint               n_targets,
                    GError            **error)
{
  QsGraph *g;
  g_autofree guint *uses = NULL;
  g_autofree gboolean *needed = NULL;
  g_autoptr(GPtrArray) results = NULL;

  g_return_val_if_fail (exec != NULL && exec->values == NULL, NULL);
  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, NULL);
  g = exec->graph;
  for (guint i = 0; i < n_targets; i++)
    g_return_val_if_fail (targets[i] < g->n_values, NULL);

  if (n_inputs != exec->inputs->len)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                   "graph “%s” takes %u input%s, got %u", g->name ? g->name : "",
                   exec->inputs->len, exec->inputs->len == 1 ? "" : "s", n_inputs);
      return NULL;
    }
  for (guint i = 0; i < n_inputs; i++)
    if (!check_input (exec, qs_graph_node (g, qs_exec_get_input_node (exec, i)), inputs[i],
                      error))
      return NULL;

  uses = g_new0 (guint, MAX (g->n_values, 1));
  for (guint i = 0; i < n_targets; i++)
    uses[targets[i]]++;  /* pinned: never dropped */
  needed = plan (exec, targets, n_targets, uses);
  exec->values = g_new0 (QsExecValue *, MAX (g->n_values, 1));
  exec->uses = uses;
  for (QsId n = 0; n < g->n_nodes; n++)
    if (needed[n] && !run_node (exec, n, inputs, uses, error))
      {
        release (exec);
        return NULL;
      }
  results = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);
  for (guint i = 0; i < n_targets; i++)
    g_ptr_array_add (results, export_value (exec, targets[i], exec->values[targets[i]]));
  release (exec);
  return g_steal_pointer (&results);
}

GPtrArray *
qs_exec_run (QsExec             *exec,
             QsExecValue *const *inputs,
             guint               n_inputs,
             GError            **error)
{
  const QsNode *out = NULL;

  g_return_val_if_fail (exec != NULL, NULL);
  for (QsId n = 0; n < exec->graph->n_nodes; n++)
    if (exec->graph->nodes[n].kind == QS_NODE_OUTPUT)
      out = &exec->graph->nodes[n];
  if (out == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_INVALID, "graph has no output node");
      return NULL;
    }
  return qs_exec_run_values (exec, inputs, n_inputs, out->inputs, out->n_inputs, error);
}

GPtrArray *
qs_exec_run_until (QsExec             *exec,
                   QsExecValue *const *inputs,
                   guint               n_inputs,
                   const char *const  *nodes,
                   guint               n_nodes,
                   GError            **error)
{
  g_autoptr(GArray) targets = g_array_new (FALSE, FALSE, sizeof (QsId));

  g_return_val_if_fail (exec != NULL, NULL);
  for (guint i = 0; i < n_nodes; i++)
    {
      QsId id = qs_exec_find_node (exec, nodes[i]);
      const QsNode *node;

      if (id == QS_ID_NONE)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_DANGLING,
                       "graph has no node named “%s” (see quantscope-cli inspect --dump)",
                       nodes[i]);
          return NULL;
        }
      node = qs_graph_node (exec->graph, id);
      if (node->kind == QS_NODE_OUTPUT)
        g_array_append_vals (targets, node->inputs, node->n_inputs);
      else
        g_array_append_vals (targets, node->outputs, node->n_outputs);
    }
  return qs_exec_run_values (exec, inputs, n_inputs, (const QsId *) targets->data,
                             targets->len, error);
}
