/* qs-pass-prepare.c: prepare a graph for calibration or QAT
 *
 * As Horizon's prepare and torch's prepare_fx: a march must be set; the
 * graph is fused (again, even if it was fused: fusion is idempotent); every
 * eligible node is marked as replaced by its calibration or QAT version;
 * observers (fake-quant points) go on graph inputs, on the outputs of
 * quantized nodes (fusion groups are one node, so nothing is observed inside
 * a group), and on weights. Wrapped regions stay opaque, but the modules
 * called inside them get qconfigs and replacements too.
 */
#include "qs-passes.h"

#include <string.h>

#include "qs-error.h"

#define PREPARED_KEY "quantscope.prepared"

/* Markers of a model that went through eager-mode or FX preparation. */
static const char *
prepared_marker (const QsGraph *graph,
                 gboolean      *eager)
{
  static const char * const eager_prefixes[] = {
    "torch.nn.qat.", "torch.ao.nn.qat.", "torch.nn.intrinsic.qat.", "torch.ao.nn.intrinsic.qat.",
    "horizon_plugin_pytorch.nn.qat.", "torch.nn.quantized.", "torch.ao.nn.quantized.",
  };

  for (QsId m = 0; m < graph->n_modules; m++)
    {
      const QsModule *mod = &graph->modules[m];
      const char *leaf = strrchr (mod->path, '.');

      leaf = leaf ? leaf + 1 : mod->path;
      for (guint i = 0; i < G_N_ELEMENTS (eager_prefixes); i++)
        if (g_str_has_prefix (mod->type, eager_prefixes[i]))
          return *eager = TRUE, mod->path;
      if (strstr (mod->type, "FakeQuantize") || strstr (mod->type, "Observer")
          || g_str_has_prefix (leaf, "activation_post_process"))
        {
          /* FX puts observers at the root as call_module nodes; eager
           * mode hangs them under each quantized module. */
          *eager = strchr (mod->path, '.') != NULL;
          return mod->path;
        }
    }
  return NULL;
}

static gboolean
check_not_prepared (QsGraph  *graph,
                    GError  **error)
{
  gboolean eager = FALSE;
  const char *marker;

  if (g_hash_table_contains (graph->metadata, PREPARED_KEY))
    return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                        "%s: the graph was already prepared (for %s) by Quantscope; prepare the "
                        "float graph instead", graph->name,
                        (char *) g_hash_table_lookup (graph->metadata, PREPARED_KEY)), FALSE;
  marker = prepared_marker (graph, &eager);
  if (marker != NULL && eager)
    return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                        "%s: module “%s” (%s) shows the model was prepared in eager mode; "
                        "eager-mode and FX flows can't be mixed: trace the float model",
                        graph->name, marker,
                        graph->modules[qs_graph_lookup_module (graph, marker)].type), FALSE;
  if (marker != NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                        "%s: module “%s” (%s) shows the model was already prepared (FX "
                        "observers are in the graph); trace the float model instead",
                        graph->name, marker,
                        graph->modules[qs_graph_lookup_module (graph, marker)].type), FALSE;
  return TRUE;
}

/* Calibration and QAT qconfigs can't be mixed: name the offending nodes. */
static gboolean
check_kinds (const QsQconfigMap *map,
             QsQconfigKind       kind,
             GError            **error)
{
  g_autoptr(GString) names = g_string_new (NULL);
  guint n = 0;
  gint rule = -1;

  for (QsId id = 0; id < map->graph->n_nodes; id++)
    if (map->nodes[id].qconfig.kind != kind)
      {
        if (n++ < 8)
          g_string_append_printf (names, "%s“%s”", n > 1 ? ", " : "",
                                  map->graph->nodes[id].name);
        if (rule < 0)
          rule = map->nodes[id].field_rule[QS_QFIELD_KIND];
      }
  if (n == 0)
    return TRUE;
  {
    g_autofree char *why = qs_rule_describe (map->rules, rule);

    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s: calibration and QAT qconfigs can't be mixed: %u node%s (%s%s) "
                        "get a %s qconfig from %s while the rules are for %s; make every "
                        "rule the same kind", map->graph->name, n, n == 1 ? "" : "s",
                        names->str, n > 8 ? ", …" : "",
                        qs_qkind_name (kind == QS_QKIND_QAT ? QS_QKIND_CALIBRATION
                                                            : QS_QKIND_QAT),
                        why, qs_qkind_name (kind)), FALSE;
  }
}

/* Something about the op is quantized: its output, or its weights. */
static gboolean
is_quantized (QsOp             op,
              const QsQconfig *q)
{
  return q->activation != QS_QDTYPE_FLOAT
         || ((qs_op_flags (op) & QS_OPF_WEIGHTS) && q->weight != QS_QDTYPE_FLOAT);
}

/* "calib.conv2d_bn_relu", "qat.linear" */
static const char *
replacement_name (QsPrepared   *p,
                  const QsNode *node,
                  QsQconfigKind kind)
{
  g_autoptr(GString) s = g_string_new (kind == QS_QKIND_QAT ? "qat." : "calib.");

  g_string_append (s, qs_op_name (node->op));
  for (guint i = 0; i < node->n_fused; i++)
    g_string_append_printf (s, "_%s", qs_op_name (node->fused[i].op));
  return qs_graph_strdup (p->graph, s->str);
}

static void
add_observer (QsPrepared      *p,
              QsObservePoint   point,
              QsId             node,
              QsId             value,
              const char      *param,
              const QsQconfig *q)
{
  QsObserverSpec spec = { point, node, value, param, 0, q->observer, FALSE, q->fixed_scale,
                          q->percentile };

  if (point == QS_OBSERVE_WEIGHT)
    {
      spec.dtype = q->weight;
      spec.observer = QS_OBSERVER_MINMAX;
      spec.per_channel = q->per_channel;
    }
  else
    spec.dtype = q->activation;
  g_array_append_val (p->observers, spec);
}

/* Looks through bookkeeping (getitem, reshape, flatten, ...) to the node
 * that computed a value: a quantized value stays quantized through them. */
static QsId
real_producer (const QsGraph *g,
               QsId           value)
{
  QsId n = g->values[value].producer;

  while ((qs_op_flags (g->nodes[n].op) & QS_OPF_NO_COMPUTE) && g->nodes[n].n_inputs > 0
         && g->nodes[n].kind != QS_NODE_PLACEHOLDER
         && qs_type_is_tensor (&g->values[g->nodes[n].inputs[0]].type))
    n = g->values[g->nodes[n].inputs[0]].producer;
  return n;
}

static void
mark_nodes (QsPrepared *p,
            QsMarch     march,
            QsQconfigKind kind)
{
  QsGraph *g = p->graph;
  /* per node: its output is observed (activation or input observer) */
  g_autofree guint8 *observed = g_new0 (guint8, MAX (g->n_nodes, 1));

  for (QsId id = 0; id < g->n_nodes; id++)
    {
      const QsNode *node = &g->nodes[id];
      const QsQconfig *q = &p->qconfigs->nodes[id].qconfig;

      if (!(qs_op_flags (node->op) & QS_OPF_QUANT) || node->wrapped != QS_ID_NONE
          || !is_quantized (node->op, q))
        continue;
      if (!qs_march_supports_op (march, node->op))
        {
          g_ptr_array_add (p->notes, g_strdup_printf ("“%s” (%s) can't run on the %s BPU; it "
                                                      "stays float on the CPU", node->name,
                                                      qs_op_name (node->op),
                                                      qs_march_name (march)));
          continue;
        }
      p->replaced[id] = (char *) replacement_name (p, node, kind);
      /* Inputs that no upstream observer covers (graph inputs, CPU ops,
       * wrapped regions) are observed once, where they enter. */
      for (guint i = 0; i < node->n_inputs; i++)
        {
          QsId v = node->inputs[i];
          QsId src = real_producer (g, v);

          if (!qs_type_is_tensor (&g->values[v].type) || observed[src])
            continue;
          observed[src] = 1;
          add_observer (p, QS_OBSERVE_INPUT, src, g->nodes[src].outputs[0], NULL,
                        &p->qconfigs->nodes[id].qconfig);
        }
      if (q->activation != QS_QDTYPE_FLOAT)
        {
          observed[id] = 1;
          add_observer (p, QS_OBSERVE_ACTIVATION, id, node->outputs[0], NULL, q);
        }
      if ((qs_op_flags (node->op) & QS_OPF_WEIGHTS) && q->weight != QS_QDTYPE_FLOAT
          && node->module != QS_ID_NONE
          && qs_module_find_param (&g->modules[node->module], "weight") != NULL)
        add_observer (p, QS_OBSERVE_WEIGHT, id, QS_ID_NONE, "weight", q);
    }
}

/* Modules called inside wrapped regions keep their qconfig. */
static void
mark_wrapped_modules (QsPrepared       *p,
                      const QsRuleSet  *rules,
                      QsMarch           march,
                      QsQconfigKind     kind)
{
  QsGraph *g = p->graph;

  for (QsId w = 0; w < g->n_wrapped; w++)
    for (guint i = 0; i < g->wrapped[w].n_modules; i++)
      {
        const QsModule *m = &g->modules[g->wrapped[w].modules[i]];
        QsNode stand_in = { 0 };
        QsNodeQconfig nq;
        QsWrappedModuleQconfig wm = { g->wrapped[w].modules[i], w, { 0 }, -1, NULL };

        stand_in.name = m->path;
        stand_in.target = m->path;
        stand_in.kind = QS_NODE_CALL_MODULE;
        stand_in.op = m->op;
        stand_in.module = wm.module;
        stand_in.wrapped = QS_ID_NONE;
        qs_qconfig_resolve_one (rules, march, g, &stand_in, &nq);
        wm.qconfig = nq.qconfig;
        for (guint k = nq.n_matched; k > 0 && wm.rule < 0; k--)
          for (guint f = 0; f < QS_N_QFIELDS; f++)
            if (nq.field_rule[f] == (gint32) nq.matched[k - 1])
              wm.rule = (gint) nq.matched[k - 1];
        g_free (nq.matched);
        if ((qs_op_flags (m->op) & QS_OPF_QUANT) && is_quantized (m->op, &wm.qconfig)
            && qs_march_supports_op (march, m->op))
          {
            g_autofree char *name = g_strconcat (kind == QS_QKIND_QAT ? "qat." : "calib.",
                                                 qs_op_name (m->op), NULL);

            wm.replaced = qs_graph_strdup (g, name);
          }
        g_array_append_val (p->wrapped_modules, wm);
      }
}

static void
note_fusion_conflicts (QsPrepared *p)
{
  for (guint i = 0; i < p->fusion->near_misses->len; i++)
    {
      const QsNearMiss *miss = &g_array_index (p->fusion->near_misses, QsNearMiss, i);

      if (miss->reason == QS_NEAR_MISS_QCONFIG)
        g_ptr_array_add (p->notes, g_strdup_printf ("qconfig conflict: %s", miss->detail));
    }
}

QsPrepared *
qs_pass_prepare (QsGraph                 *graph,
                 const QsPrepareOptions  *options,
                 GError                 **error)
{
  g_autoptr(QsPrepared) p = NULL;
  g_autoptr(QsRuleSet) defaults = NULL;
  g_autoptr(QsQconfigMap) input_map = NULL;
  const QsRuleSet *rules;
  QsFuseOptions fuse_options = { NULL };

  g_return_val_if_fail (graph != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (options->march < 0 || options->march >= QS_N_MARCHES)
    return g_set_error (error, QS_ERROR, QS_ERROR_NO_MARCH,
                        "%s: prepare needs the target march; set it first (--march NAME on "
                        "the command line, the march selector in the window): one of %s",
                        graph->name ? graph->name : "graph", qs_march_list ()), NULL;
  if (!graph->analyzed && !qs_graph_analyze (graph, error))
    return NULL;
  if (!check_not_prepared (graph, error))
    return NULL;
  rules = options->rules;
  if (rules == NULL)
    {
      defaults = qs_rule_set_new (options->kind);
      qs_rule_set_add_template (defaults, options->kind == QS_QKIND_QAT ? "default_qat"
                                                                        : "default_calibration",
                                NULL);
      rules = defaults;
    }
  if (qs_rule_set_get_kind (rules) != options->kind)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s: the rules are for %s but prepare was asked for %s; calibration "
                        "and QAT qconfigs can't be mixed", graph->name,
                        qs_qkind_name (qs_rule_set_get_kind (rules)),
                        qs_qkind_name (options->kind)), NULL;

  input_map = qs_qconfig_resolve (graph, rules, options->march);
  if (!check_kinds (input_map, options->kind, error))
    return NULL;

  p = g_new0 (QsPrepared, 1);
  p->observers = g_array_new (FALSE, FALSE, sizeof (QsObserverSpec));
  p->wrapped_modules = g_array_new (FALSE, FALSE, sizeof (QsWrappedModuleQconfig));
  p->notes = g_ptr_array_new_with_free_func (g_free);
  fuse_options.qconfigs = input_map;
  p->graph = qs_pass_fuse (graph, &fuse_options, &p->fusion, error);
  if (p->graph == NULL)
    return NULL;
  qs_graph_set_metadata (p->graph, PREPARED_KEY, qs_qkind_name (options->kind));
  qs_graph_set_metadata (p->graph, "quantscope.march", qs_march_name (options->march));
  p->qconfigs = qs_qconfig_resolve (p->graph, rules, options->march);
  p->replaced = g_new0 (char *, MAX (p->graph->n_nodes, 1));
  mark_nodes (p, options->march, options->kind);
  mark_wrapped_modules (p, rules, options->march, options->kind);
  note_fusion_conflicts (p);
  return g_steal_pointer (&p);
}

void
qs_prepared_free (QsPrepared *prepared)
{
  if (prepared == NULL)
    return;
  g_clear_pointer (&prepared->qconfigs, qs_qconfig_map_free);
  g_clear_pointer (&prepared->fusion, qs_fuse_report_free);
  g_clear_pointer (&prepared->observers, g_array_unref);
  g_clear_pointer (&prepared->wrapped_modules, g_array_unref);
  g_clear_pointer (&prepared->notes, g_ptr_array_unref);
  g_free (prepared->replaced); /* strings live in the graph's arena */
  g_clear_pointer (&prepared->graph, qs_graph_unref);
  g_free (prepared);
}
