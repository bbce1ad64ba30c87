/* qs-qconfig.c: qconfig rules, templates and their resolution per node */
#include "qs-qconfig.h"

#include <string.h>

#include "qs-error.h"

struct _QsRuleSet
{
  QsQconfigKind kind;
  GPtrArray    *rules; /* QsRule*, owned */
};

static const char * const qdtype_names[] = { "qint8", "qint16", "fp16", "float" };
static const char * const observer_names[] = {
  "minmax", "moving_average_minmax", "percentile", "mse", "fixed_scale",
};
static const char * const level_names[] = {
  "global", "template", "op", "prefix", "regex", "node",
};
static const char * const field_names[] = {
  "kind", "activation", "weight", "observer", "per_channel", "percentile", "fixed_scale",
};

G_STATIC_ASSERT (G_N_ELEMENTS (qdtype_names) == QS_N_QDTYPES);
G_STATIC_ASSERT (G_N_ELEMENTS (observer_names) == QS_N_OBSERVERS);
G_STATIC_ASSERT (G_N_ELEMENTS (level_names) == QS_N_RULE_LEVELS);
G_STATIC_ASSERT (G_N_ELEMENTS (field_names) == QS_N_QFIELDS);

#define F(f) (1u << QS_QFIELD_##f)

/* Templates: built-in setters after Horizon's qconfig templates. */

typedef gboolean (*TemplateMatch) (const QsGraph *graph, const QsNode *node);

typedef struct
{
  const char   *name;
  const char   *description;
  guint         fields;
  QsQconfig     values;
  TemplateMatch match;
} Template;

static gboolean
match_all (const QsGraph *graph,
           const QsNode  *node)
{
  return TRUE;
}

/* Ops whose output range or resolution needs more than 8 bits: softmax and
 * normalisations divide by data-dependent sums, exp and div amplify error. */
static gboolean
match_sensitive (const QsGraph *graph,
                 const QsNode  *node)
{
  switch (node->op)
    {
    case QS_OP_SOFTMAX:
    case QS_OP_LAYER_NORM:
    case QS_OP_GROUP_NORM:
    case QS_OP_EXP:
    case QS_OP_DIV:
    case QS_OP_MATMUL:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Nodes whose value is a model output (read by the output node). */
static gboolean
match_model_output (const QsGraph *graph,
                    const QsNode  *node)
{
  const QsNode *out;

  if (graph->n_nodes == 0 || node->n_outputs == 0 || node->kind == QS_NODE_OUTPUT)
    return FALSE;
  out = &graph->nodes[graph->n_nodes - 1];
  for (guint i = 0; i < out->n_inputs; i++)
    if (out->inputs[i] == node->outputs[0])
      return TRUE;
  return FALSE;
}

static gboolean
match_bounded_activation (const QsGraph *graph,
                          const QsNode  *node)
{
  return node->op == QS_OP_SIGMOID || node->op == QS_OP_TANH || node->op == QS_OP_HARDSIGMOID;
}

static const Template templates[] = {
  { "default_calibration", "int8 activations and per-channel int8 weights, min-max observers",
    F (KIND) | F (ACTIVATION) | F (WEIGHT) | F (OBSERVER) | F (PER_CHANNEL),
    { QS_QKIND_CALIBRATION, QS_QDTYPE_QINT8, QS_QDTYPE_QINT8, QS_OBSERVER_MINMAX, TRUE, 0, 0 },
    match_all },
  { "default_qat", "int8 fake-quant, per-channel weights, moving-average min-max observers",
    F (KIND) | F (ACTIVATION) | F (WEIGHT) | F (OBSERVER) | F (PER_CHANNEL),
    { QS_QKIND_QAT, QS_QDTYPE_QINT8, QS_QDTYPE_QINT8, QS_OBSERVER_MOVING_AVERAGE_MINMAX, TRUE,
      0, 0 },
    match_all },
  { "sensitive_int16", "int16 activations for softmax, layer/group norm, exp, div and matmul",
    F (ACTIVATION), { 0, QS_QDTYPE_QINT16, 0, 0, 0, 0, 0 }, match_sensitive },
  { "high_precision_outputs", "model outputs stay in float (the last layer dequantizes)",
    F (ACTIVATION), { 0, QS_QDTYPE_FLOAT, 0, 0, 0, 0, 0 }, match_model_output },
  { "fixed_scale_bounded", "sigmoid, tanh and hardsigmoid outputs use the fixed scale 1/128",
    F (OBSERVER) | F (FIXED_SCALE),
    { 0, 0, 0, QS_OBSERVER_FIXED_SCALE, 0, 0, 1.0 / 128.0 }, match_bounded_activation },
};

static const Template *
find_template (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    if (g_strcmp0 (templates[i].name, name) == 0)
      return &templates[i];
  return NULL;
}

const char * const *
qs_qconfig_templates (void)
{
  static const char *names[G_N_ELEMENTS (templates) + 1];

  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    names[i] = templates[i].name;
  return names;
}

const char *
qs_qconfig_template_description (const char *name)
{
  const Template *t = find_template (name);

  return t ? t->description : NULL;
}

/* Names */

#define NAME_LOOKUP(fn, type, table)                                  \
  gboolean fn (const char *name, type *out)                           \
  {                                                                   \
    for (guint i = 0; i < G_N_ELEMENTS (table); i++)                  \
      if (g_strcmp0 (table[i], name) == 0)                            \
        return *out = (type) i, TRUE;                                 \
    return FALSE;                                                     \
  }

NAME_LOOKUP (qs_qdtype_from_name, QsQdtype, qdtype_names)
NAME_LOOKUP (qs_observer_from_name, QsObserver, observer_names)

const char *
qs_qdtype_name (QsQdtype dtype)
{
  g_return_val_if_fail (dtype < QS_N_QDTYPES, "invalid");
  return qdtype_names[dtype];
}

const char *
qs_observer_name (QsObserver observer)
{
  g_return_val_if_fail (observer < QS_N_OBSERVERS, "invalid");
  return observer_names[observer];
}

const char *
qs_qkind_name (QsQconfigKind kind)
{
  return kind == QS_QKIND_QAT ? "qat" : "calibration";
}

gboolean
qs_qkind_from_name (const char    *name,
                    QsQconfigKind *out)
{
  if (g_strcmp0 (name, "calibration") == 0)
    return *out = QS_QKIND_CALIBRATION, TRUE;
  if (g_strcmp0 (name, "qat") == 0)
    return *out = QS_QKIND_QAT, TRUE;
  return FALSE;
}

const char *
qs_rule_level_name (QsRuleLevel level)
{
  g_return_val_if_fail (level < QS_N_RULE_LEVELS, "invalid");
  return level_names[level];
}

const char *
qs_qfield_name (QsQfield field)
{
  g_return_val_if_fail (field < QS_N_QFIELDS, "invalid");
  return field_names[field];
}

/* Qconfigs */

void
qs_qconfig_default (QsMarch        march,
                    QsQconfigKind  kind,
                    QsQconfig     *out)
{
  const Template *t = find_template (kind == QS_QKIND_QAT ? "default_qat"
                                                          : "default_calibration");

  *out = t->values;
  out->percentile = 99.99;
}

gboolean
qs_qconfig_equal (const QsQconfig *a,
                  const QsQconfig *b)
{
  return a->kind == b->kind && a->activation == b->activation && a->weight == b->weight
         && a->observer == b->observer && a->per_channel == b->per_channel
         && (a->observer != QS_OBSERVER_PERCENTILE || a->percentile == b->percentile)
         && (a->observer != QS_OBSERVER_FIXED_SCALE || a->fixed_scale == b->fixed_scale);
}

gboolean
qs_qconfig_field_differs (const QsQconfig *a,
                          const QsQconfig *b,
                          QsQfield         field)
{
  switch (field)
    {
    case QS_QFIELD_KIND: return a->kind != b->kind;
    case QS_QFIELD_ACTIVATION: return a->activation != b->activation;
    case QS_QFIELD_WEIGHT: return a->weight != b->weight;
    case QS_QFIELD_OBSERVER: return a->observer != b->observer;
    case QS_QFIELD_PER_CHANNEL: return a->per_channel != b->per_channel;
    case QS_QFIELD_PERCENTILE: return a->percentile != b->percentile;
    case QS_QFIELD_FIXED_SCALE: return a->fixed_scale != b->fixed_scale;
    case QS_N_QFIELDS:
    default: return FALSE;
    }
}

void
qs_qconfig_append (const QsQconfig *q,
                   GString         *out)
{
  g_string_append_printf (out, "%s act=%s weight=%s%s obs=%s", qs_qkind_name (q->kind),
                          qs_qdtype_name (q->activation), qs_qdtype_name (q->weight),
                          q->per_channel ? "/channel" : "/tensor",
                          qs_observer_name (q->observer));
  if (q->observer == QS_OBSERVER_PERCENTILE)
    g_string_append_printf (out, "(%g)", q->percentile);
  else if (q->observer == QS_OBSERVER_FIXED_SCALE)
    g_string_append_printf (out, "(%g)", q->fixed_scale);
}

/* Rule sets */

static void
rule_free (QsRule *rule)
{
  g_free (rule->pattern);
  g_free (rule->template_name);
  g_free (rule->origin);
  g_clear_pointer (&rule->regex, g_regex_unref);
  g_free (rule);
}

QsRuleSet *
qs_rule_set_new (QsQconfigKind kind)
{
  QsRuleSet *set = g_new0 (QsRuleSet, 1);

  set->kind = kind;
  set->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  return set;
}

void
qs_rule_set_free (QsRuleSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->rules);
  g_free (set);
}

QsRuleSet *
qs_rule_set_copy (const QsRuleSet *set)
{
  QsRuleSet *copy = qs_rule_set_new (set->kind);

  for (guint i = 0; i < set->rules->len; i++)
    if (!qs_rule_set_add (copy, set->rules->pdata[i], NULL))
      g_assert_not_reached ();
  return copy;
}

void
qs_rule_set_assign (QsRuleSet       *dst,
                    const QsRuleSet *src)
{
  g_return_if_fail (dst != NULL && src != NULL);
  if (dst == src)
    return;
  g_ptr_array_set_size (dst->rules, 0);
  dst->kind = src->kind;
  for (guint i = 0; i < src->rules->len; i++)
    if (!qs_rule_set_add (dst, src->rules->pdata[i], NULL))
      g_assert_not_reached ();
}

void
qs_rule_set_set_kind (QsRuleSet     *set,
                      QsQconfigKind  kind)
{
  g_return_if_fail (set != NULL);
  set->kind = kind;
}

QsQconfigKind
qs_rule_set_get_kind (const QsRuleSet *set)
{
  return set->kind;
}

guint
qs_rule_set_get_n_rules (const QsRuleSet *set)
{
  return set->rules->len;
}

const QsRule *
qs_rule_set_get_rule (const QsRuleSet *set,
                      guint            index)
{
  g_return_val_if_fail (index < set->rules->len, NULL);
  return set->rules->pdata[index];
}

gboolean
qs_rule_set_add (QsRuleSet    *set,
                 const QsRule *rule,
                 GError      **error)
{
  QsRule *copy;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (rule->level < QS_N_RULE_LEVELS, FALSE);

  if (rule->level == QS_RULE_TEMPLATE && find_template (rule->template_name) == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "unknown qconfig template “%s”; the templates are default_calibration, "
                        "default_qat, sensitive_int16, high_precision_outputs and "
                        "fixed_scale_bounded", rule->template_name ? rule->template_name : ""),
           FALSE;
  if (rule->level >= QS_RULE_OP && rule->pattern == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "a rule by %s needs a pattern", level_names[rule->level]), FALSE;
  copy = g_new0 (QsRule, 1);
  *copy = *rule;
  copy->pattern = g_strdup (rule->pattern);
  copy->template_name = g_strdup (rule->template_name);
  copy->origin = g_strdup (rule->origin);
  copy->regex = NULL;
  if (rule->level == QS_RULE_REGEX)
    {
      copy->regex = g_regex_new (rule->pattern, G_REGEX_OPTIMIZE, 0, &local);
      if (copy->regex == NULL)
        {
          rule_free (copy);
          return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                              "the regex “%s” is invalid: %s", rule->pattern, local->message),
                 FALSE;
        }
    }
  g_ptr_array_add (set->rules, copy);
  return TRUE;
}

gboolean
qs_rule_set_add_template (QsRuleSet  *set,
                          const char *name,
                          GError    **error)
{
  const Template *t = find_template (name);
  QsRule rule = { .level = QS_RULE_TEMPLATE, .template_name = (char *) name };

  if (t != NULL)
    {
      rule.fields = t->fields;
      rule.values = t->values;
    }
  rule.origin = g_strdup_printf ("template %s", name);
  if (!qs_rule_set_add (set, &rule, error))
    return g_free (rule.origin), FALSE;
  g_free (rule.origin);
  return TRUE;
}

void
qs_rule_set_remove (QsRuleSet *set,
                    guint      index)
{
  g_return_if_fail (index < set->rules->len);
  g_ptr_array_remove_index (set->rules, index);
}

void
qs_rule_set_move (QsRuleSet *set,
                  guint      from,
                  guint      to)
{
  gpointer rule;

  g_return_if_fail (from < set->rules->len && to < set->rules->len);
  rule = g_ptr_array_steal_index (set->rules, from);
  g_ptr_array_insert (set->rules, to, rule);
}

/* Resolution */

static gboolean
path_has_prefix (const char *path,
                 const char *prefix)
{
  gsize n = strlen (prefix);

  if (n == 0)
    return TRUE;
  return strncmp (path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

static gboolean
rule_matches (const QsRule  *rule,
              const QsGraph *graph,
              const QsNode  *node)
{
  const char *path = qs_node_module_path (node);

  switch (rule->level)
    {
    case QS_RULE_GLOBAL:
      return TRUE;
    case QS_RULE_TEMPLATE:
      return find_template (rule->template_name)->match (graph, node);
    case QS_RULE_OP:
      if (strchr (rule->pattern, '.') == NULL)
        return strcmp (qs_op_name (node->op), rule->pattern) == 0;
      if (node->kind == QS_NODE_CALL_MODULE && node->module != QS_ID_NONE)
        return strcmp (graph->modules[node->module].type, rule->pattern) == 0;
      return strcmp (node->target, rule->pattern) == 0;
    case QS_RULE_PREFIX:
      return path_has_prefix (path, rule->pattern);
    case QS_RULE_REGEX:
      return g_regex_match (rule->regex, path, 0, NULL)
             || g_regex_match (rule->regex, node->name, 0, NULL);
    case QS_RULE_NODE:
      if (strcmp (node->name, rule->pattern) == 0)
        return TRUE;
      for (guint i = 0; i < node->n_fused; i++)
        if (strcmp (node->fused[i].name, rule->pattern) == 0)
          return TRUE;
      return FALSE;
    case QS_N_RULE_LEVELS:
    default:
      return FALSE;
    }
}

static void
apply_fields (QsQconfig       *q,
              const QsQconfig *v,
              guint            fields)
{
  if (fields & F (KIND))
    q->kind = v->kind;
  if (fields & F (ACTIVATION))
    q->activation = v->activation;
  if (fields & F (WEIGHT))
    q->weight = v->weight;
  if (fields & F (OBSERVER))
    q->observer = v->observer;
  if (fields & F (PER_CHANNEL))
    q->per_channel = v->per_channel;
  if (fields & F (PERCENTILE))
    q->percentile = v->percentile;
  if (fields & F (FIXED_SCALE))
    q->fixed_scale = v->fixed_scale;
}

typedef struct
{
  const QsRuleSet *set;
} SortCtx;

/* Precedence order: by level, then (prefixes) by length, then file order. */
static gint
compare_rules (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  const SortCtx *ctx = data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;
  const QsRule *ra = ctx->set->rules->pdata[ia], *rb = ctx->set->rules->pdata[ib];

  if (ra->level != rb->level)
    return ra->level < rb->level ? -1 : 1;
  if (ra->level == QS_RULE_PREFIX && strlen (ra->pattern) != strlen (rb->pattern))
    return strlen (ra->pattern) < strlen (rb->pattern) ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

static guint *
precedence_order (const QsRuleSet *rules)
{
  guint n = rules->rules->len;
  guint *order = g_new (guint, MAX (n, 1));
  SortCtx ctx = { rules };

  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, n, sizeof (guint), compare_rules, &ctx);
  return order;
}

static void
resolve_node (const QsRuleSet *rules,
              const guint     *order,
              const QsQconfig *base,
              const QsGraph   *graph,
              const QsNode    *node,
              GArray          *scratch,
              QsNodeQconfig   *nq)
{
  nq->qconfig = *base;
  for (guint f = 0; f < QS_N_QFIELDS; f++)
    nq->field_rule[f] = -1;
  g_array_set_size (scratch, 0);
  for (guint k = 0; k < rules->rules->len; k++)
    {
      const QsRule *rule = rules->rules->pdata[order[k]];

      if (!rule_matches (rule, graph, node))
        continue;
      apply_fields (&nq->qconfig, &rule->values, rule->fields);
      for (guint f = 0; f < QS_N_QFIELDS; f++)
        if (rule->fields & (1u << f))
          nq->field_rule[f] = (gint32) order[k];
      g_array_append_val (scratch, order[k]);
    }
  nq->n_matched = scratch->len;
  nq->matched = g_memdup2 (scratch->data, scratch->len * sizeof (guint32));
}

void
qs_qconfig_resolve_one (const QsRuleSet *rules,
                        QsMarch          march,
                        const QsGraph   *graph,
                        const QsNode    *node,
                        QsNodeQconfig   *out)
{
  g_autofree guint *order = precedence_order (rules);
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint32));
  QsQconfig base;

  qs_qconfig_default (march, rules->kind, &base);
  resolve_node (rules, order, &base, graph, node, scratch, out);
}

QsQconfigMap *
qs_qconfig_resolve (QsGraph         *graph,
                    const QsRuleSet *rules,
                    QsMarch          march)
{
  QsQconfigMap *map;
  g_autofree guint *order = NULL;
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint32));
  QsQconfig base;

  g_return_val_if_fail (graph != NULL, NULL);

  map = g_new0 (QsQconfigMap, 1);
  map->graph = qs_graph_ref (graph);
  map->rules = qs_rule_set_copy (rules);
  map->march = march;
  map->nodes = g_new0 (QsNodeQconfig, MAX (graph->n_nodes, 1));
  order = precedence_order (rules);
  qs_qconfig_default (march, rules->kind, &base);
  for (QsId id = 0; id < graph->n_nodes; id++)
    resolve_node (rules, order, &base, graph, &graph->nodes[id], scratch, &map->nodes[id]);
  return map;
}

void
qs_qconfig_map_free (QsQconfigMap *map)
{
  if (map == NULL)
    return;
  for (QsId i = 0; i < map->graph->n_nodes; i++)
    g_free (map->nodes[i].matched);
  g_free (map->nodes);
  qs_rule_set_free (map->rules);
  qs_graph_unref (map->graph);
  g_free (map);
}

gint
qs_qconfig_map_deciding_rule (const QsQconfigMap *map,
                              QsId                node)
{
  const QsNodeQconfig *nq;

  g_return_val_if_fail (node < map->graph->n_nodes, -1);
  nq = &map->nodes[node];
  /* The most specific rule that still contributes a field. */
  for (guint k = nq->n_matched; k > 0; k--)
    for (guint f = 0; f < QS_N_QFIELDS; f++)
      if (nq->field_rule[f] == (gint32) nq->matched[k - 1])
        return (gint) nq->matched[k - 1];
  return -1;
}

GArray *
qs_qconfig_map_overridden (const QsQconfigMap *map,
                           QsId                node)
{
  const QsNodeQconfig *nq = &map->nodes[node];
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint k = 0; k < nq->n_matched; k++)
    {
      gboolean survives = FALSE;

      for (guint f = 0; f < QS_N_QFIELDS; f++)
        survives |= nq->field_rule[f] == (gint32) nq->matched[k];
      if (!survives)
        g_array_append_val (out, nq->matched[k]);
    }
  return out;
}

char *
qs_rule_describe (const QsRuleSet *rules,
                  gint             index)
{
  const QsRule *r;

  if (index < 0)
    return g_strdup ("the global default");
  r = rules->rules->pdata[index];
  if (r->level == QS_RULE_TEMPLATE)
    return g_strdup_printf ("rule %d (template %s)", index + 1, r->template_name);
  if (r->level == QS_RULE_GLOBAL)
    return g_strdup_printf ("rule %d (global%s%s)", index + 1, r->origin ? ", " : "",
                            r->origin ? r->origin : "");
  return g_strdup_printf ("rule %d (%s %s%s%s)", index + 1, level_names[r->level], r->pattern,
                          r->origin ? ", " : "", r->origin ? r->origin : "");
}
