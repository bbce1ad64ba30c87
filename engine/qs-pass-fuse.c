/* qs-pass-fuse.c: pattern-based operator fusion
 *
 * A pattern is a chain that starts at a head (conv, linear, bn, matmul) and
 * follows the head's single consumer through optional members. Each
 * pattern is one small function; `patterns` lists them all, and the
 * longest match at a head wins (the first on a tie). A chain step that fails only because
 * of something the user can change (a second consumer, a shared module, a
 * qconfig, a wrapped region) is recorded as a near-miss with its reason.
 *
 * The output is a new graph: a group becomes its last member's position,
 * with the head's name, target and module, the inputs of all members that
 * come from outside the group, the last member's output value, and the
 * absorbed members in node->fused. Value ids are kept, so values map 1:1
 * between input and output. Fused nodes are never fused again, which makes
 * the pass idempotent.
 */
#include "qs-passes.h"

#include <string.h>

#include "qs-error.h"
#include "qs-safetensors.h"

#define MAX_MEMBERS 4

typedef struct
{
  QsGraph            *graph;
  const QsFuseOptions *options;
  guint8             *taken;      /* per node: already in a group */
  gint32             *region_of;  /* per node: outside_stub region containing it, or -1 */
  GArray             *near_misses;
  GHashTable         *seen_misses;
} Ctx;

typedef struct
{
  const char *pattern;
  guint       n;
  QsId        members[MAX_MEMBERS];
} Match;

typedef gboolean (*PatternFunc) (Ctx *ctx, QsId head, Match *m);

static const char * const reason_names[] = {
  "value-shared", "module-shared", "qconfig-differs", "crosses-wrapped",
};
G_STATIC_ASSERT (G_N_ELEMENTS (reason_names) == QS_N_NEAR_MISS_REASONS);

const char *
qs_near_miss_reason_name (QsNearMissReason reason)
{
  g_return_val_if_fail (reason < QS_N_NEAR_MISS_REASONS, "invalid");
  return reason_names[reason];
}

static void
add_near_miss (Ctx              *ctx,
               const char       *pattern,
               QsId              node,
               QsId              next,
               QsNearMissReason  reason,
               char             *detail)
{
  QsNearMiss miss = { pattern, node, next, reason, detail };
  guint64 key = ((guint64) node << 34) | ((guint64) next << 2) | reason;
  guint64 *k;

  if (g_hash_table_contains (ctx->seen_misses, &key))
    {
      g_free (detail);
      return;
    }
  k = g_new (guint64, 1);
  *k = key;
  g_hash_table_add (ctx->seen_misses, k);
  g_array_append_val (ctx->near_misses, miss);
}

static gboolean
module_is_shared (const QsGraph *graph,
                  const QsNode  *node)
{
  const QsModule *m = node->kind == QS_NODE_CALL_MODULE ? qs_graph_node_module (graph, node)
                                                        : NULL;

  /* A stateless module (a ReLU reused twice) is fine to fuse per call. */
  return m != NULL && m->n_calls > 1 && m->n_params > 0;
}

/* An explicit rule (op type or more specific) set a field of @node that
 * differs from @head's qconfig. */
static gboolean
qconfig_conflicts (Ctx  *ctx,
                   QsId  head,
                   QsId  node)
{
  const QsQconfigMap *map = ctx->options ? ctx->options->qconfigs : NULL;
  const QsNodeQconfig *h, *n;

  if (map == NULL)
    return FALSE;
  h = &map->nodes[head];
  n = &map->nodes[node];
  if (qs_qconfig_equal (&h->qconfig, &n->qconfig))
    return FALSE;
  /* Only a field that differs and that a rule chose for this node counts;
   * what the member inherited from defaults follows the head. */
  for (guint f = 0; f < QS_N_QFIELDS; f++)
    {
      gint32 r = n->field_rule[f];

      if (r >= 0 && qs_rule_set_get_rule (map->rules, r)->level >= QS_RULE_OP
          && qs_qconfig_field_differs (&h->qconfig, &n->qconfig, f))
        return TRUE;
    }
  return FALSE;
}

static gboolean
role_in (QsOp        op,
         QsFuseRole  a,
         QsFuseRole  b)
{
  QsFuseRole r = qs_op_fuse_role (op);

  return r == a || r == b;
}

/* The node that the chain continues with after @cur, if its single
 * consumer has role @a or @b. Near-misses are recorded. */
static QsId
follow (Ctx        *ctx,
        const char *pattern,
        QsId        head,
        QsId        cur,
        QsFuseRole  a,
        QsFuseRole  b)
{
  const QsGraph *g = ctx->graph;
  const QsNode *node = &g->nodes[cur];
  const QsId *uses;
  guint n_uses;
  QsId next = QS_ID_NONE;

  if (node->n_outputs != 1)
    return QS_ID_NONE;
  uses = qs_graph_value_uses (g, node->outputs[0], &n_uses);
  for (guint i = 0; i < n_uses; i++)
    if (role_in (g->nodes[uses[i]].op, a, b) && !ctx->taken[uses[i]]
        && g->nodes[uses[i]].n_fused == 0)
      next = uses[i];
  if (next == QS_ID_NONE)
    return QS_ID_NONE;
  if (n_uses > 1)
    {
      add_near_miss (ctx, pattern, cur, next, QS_NEAR_MISS_VALUE_SHARED,
                     g_strdup_printf ("the output of “%s” is also read by %u other node%s, so "
                                      "“%s” can't absorb it", node->name, n_uses - 1,
                                      n_uses > 2 ? "s" : "", g->nodes[next].name));
      return QS_ID_NONE;
    }
  if (g->nodes[next].wrapped != QS_ID_NONE || ctx->region_of[next] != ctx->region_of[cur])
    {
      add_near_miss (ctx, pattern, cur, next, QS_NEAR_MISS_WRAPPED,
                     g_strdup_printf ("“%s” is on the other side of a wrapped region's "
                                      "boundary", g->nodes[next].name));
      return QS_ID_NONE;
    }
  if (module_is_shared (g, &g->nodes[next]))
    {
      add_near_miss (ctx, pattern, cur, next, QS_NEAR_MISS_MODULE_SHARED,
                     g_strdup_printf ("module “%s” is called %u times; fusing one call "
                                      "would change the others", g->nodes[next].target,
                                      qs_graph_node_module (g, &g->nodes[next])->n_calls));
      return QS_ID_NONE;
    }
  if (qconfig_conflicts (ctx, head, next))
    {
      add_near_miss (ctx, pattern, cur, next, QS_NEAR_MISS_QCONFIG,
                     g_strdup_printf ("“%s” has an explicitly chosen qconfig that differs "
                                      "from “%s”'s; members of a fused group share one",
                                      g->nodes[next].name, g->nodes[head].name));
      return QS_ID_NONE;
    }
  return next;
}

/* A head can start a group unless its own module is shared. */
static gboolean
head_ok (Ctx        *ctx,
         const char *pattern,
         QsId        head,
         QsFuseRole  role)
{
  const QsNode *node = &ctx->graph->nodes[head];

  if (qs_op_fuse_role (node->op) != role || ctx->taken[head] || node->n_fused > 0
      || node->wrapped != QS_ID_NONE)
    return FALSE;
  if (module_is_shared (ctx->graph, node))
    {
      /* Only worth reporting when there is something to fuse with. */
      guint n_uses;
      const QsId *uses = node->n_outputs == 1
                         ? qs_graph_value_uses (ctx->graph, node->outputs[0], &n_uses) : NULL;

      if (uses != NULL && n_uses == 1 && qs_op_fuse_role (ctx->graph->nodes[uses[0]].op)
          != QS_FUSE_ROLE_NONE)
        add_near_miss (ctx, pattern, head, uses[0], QS_NEAR_MISS_MODULE_SHARED,
                       g_strdup_printf ("module “%s” is called %u times; fusing one call "
                                        "would change the others", node->target,
                                        qs_graph_node_module (ctx->graph, node)->n_calls));
      return FALSE;
    }
  return TRUE;
}

/* An add fuses only when both operands are same-shape tensors. */
static gboolean
add_is_plain (const QsGraph *g,
              QsId           add)
{
  const QsNode *node = &g->nodes[add];

  return node->n_inputs == 2
         && qs_type_equal (&g->values[node->inputs[0]].type, &g->values[node->inputs[1]].type)
         && qs_type_is_tensor (&g->values[node->inputs[0]].type);
}

static void
push (Match *m,
      QsId   id)
{
  g_assert (m->n < MAX_MEMBERS);
  m->members[m->n++] = id;
}

/* Chain: HEAD (+BN) (+RELU) */
static gboolean
match_head_bn_relu (Ctx        *ctx,
                    QsId        head,
                    QsFuseRole  head_role,
                    const char *pattern,
                    Match      *m)
{
  QsId cur = head, next;

  if (!head_ok (ctx, pattern, head, head_role))
    return FALSE;
  m->pattern = pattern;
  push (m, head);
  if ((next = follow (ctx, pattern, head, cur, QS_FUSE_ROLE_BN, QS_FUSE_ROLE_BN)) != QS_ID_NONE)
    push (m, cur = next);
  if ((next = follow (ctx, pattern, head, cur, QS_FUSE_ROLE_RELU, QS_FUSE_ROLE_RELU))
      != QS_ID_NONE)
    push (m, next);
  return m->n > 1;
}

static gboolean
fuse_conv_bn_relu (Ctx *ctx, QsId head, Match *m)
{
  return match_head_bn_relu (ctx, head, QS_FUSE_ROLE_CONV, "conv_bn_relu", m);
}

static gboolean
fuse_linear_bn_relu (Ctx *ctx, QsId head, Match *m)
{
  return match_head_bn_relu (ctx, head, QS_FUSE_ROLE_LINEAR, "linear_bn_relu", m);
}

static gboolean
fuse_convtranspose_bn_relu (Ctx *ctx, QsId head, Match *m)
{
  return match_head_bn_relu (ctx, head, QS_FUSE_ROLE_CONVT, "convtranspose_bn_relu", m);
}

/* conv (+bn) + add (+relu): the residual block's tail */
static gboolean
fuse_conv_bn_add_relu (Ctx *ctx, QsId head, Match *m)
{
  const char *pattern = "conv_bn_add_relu";
  QsId cur = head, next;

  if (!head_ok (ctx, pattern, head, QS_FUSE_ROLE_CONV))
    return FALSE;
  m->pattern = pattern;
  push (m, head);
  if ((next = follow (ctx, pattern, head, cur, QS_FUSE_ROLE_BN, QS_FUSE_ROLE_BN)) != QS_ID_NONE)
    push (m, cur = next);
  next = follow (ctx, pattern, head, cur, QS_FUSE_ROLE_ADD, QS_FUSE_ROLE_ADD);
  if (next == QS_ID_NONE || !add_is_plain (ctx->graph, next))
    return FALSE;
  push (m, cur = next);
  if ((next = follow (ctx, pattern, head, cur, QS_FUSE_ROLE_RELU, QS_FUSE_ROLE_RELU))
      != QS_ID_NONE)
    push (m, next);
  return TRUE;
}

/* A standalone batch norm (its conv was shared, or it follows an add). */
static gboolean
fuse_bn_relu (Ctx *ctx, QsId head, Match *m)
{
  const char *pattern = "bn_relu";
  QsId next;

  if (!head_ok (ctx, pattern, head, QS_FUSE_ROLE_BN))
    return FALSE;
  next = follow (ctx, pattern, head, head, QS_FUSE_ROLE_RELU, QS_FUSE_ROLE_RELU);
  if (next == QS_ID_NONE)
    return FALSE;
  m->pattern = pattern;
  push (m, head);
  push (m, next);
  return TRUE;
}

/* matmul + add: a linear layer written out, bias added afterwards */
static gboolean
fuse_matmul_add (Ctx *ctx, QsId head, Match *m)
{
  const char *pattern = "matmul_add";
  QsId next;

  if (!head_ok (ctx, pattern, head, QS_FUSE_ROLE_MATMUL))
    return FALSE;
  next = follow (ctx, pattern, head, head, QS_FUSE_ROLE_ADD, QS_FUSE_ROLE_ADD);
  if (next == QS_ID_NONE)
    return FALSE;
  m->pattern = pattern;
  push (m, head);
  push (m, next);
  return TRUE;
}

/* All patterns, tried in this order at every head; the longest match wins. */
static const struct
{
  const char  *name;
  PatternFunc  func;
} patterns[] = {
  { "conv_bn_relu",          fuse_conv_bn_relu },
  { "conv_bn_add_relu",      fuse_conv_bn_add_relu },
  { "linear_bn_relu",        fuse_linear_bn_relu },
  { "convtranspose_bn_relu", fuse_convtranspose_bn_relu },
  { "bn_relu",               fuse_bn_relu },
  { "matmul_add",            fuse_matmul_add },
};

const char * const *
qs_fuse_patterns (void)
{
  static const char *names[G_N_ELEMENTS (patterns) + 1];

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    names[i] = patterns[i].name;
  return names;
}

static void
find_groups (Ctx    *ctx,
             GArray *groups)
{
  for (QsId id = 0; id < ctx->graph->n_nodes; id++)
    {
      Match best = { 0 };

      if (ctx->taken[id] || qs_op_fuse_role (ctx->graph->nodes[id].op) == QS_FUSE_ROLE_NONE)
        continue;
      for (guint p = 0; p < G_N_ELEMENTS (patterns); p++)
        {
          Match m = { 0 };

          if (patterns[p].func (ctx, id, &m) && m.n > best.n)
            best = m;
        }
      if (best.n > 1)
        {
          QsFuseGroup group = { best.pattern, best.n, { 0 }, QS_ID_NONE };

          memcpy (group.members, best.members, best.n * sizeof (QsId));
          for (guint k = 0; k < best.n; k++)
            ctx->taken[best.members[k]] = 1;
          g_array_append_val (groups, group);
        }
    }
}

/* Inputs of the group that come from outside it, in member order. */
static GArray *
group_inputs (const QsGraph     *g,
              const QsFuseGroup *group)
{
  GArray *inputs = g_array_new (FALSE, FALSE, sizeof (QsId));

  for (guint k = 0; k < group->n_members; k++)
    {
      const QsNode *node = &g->nodes[group->members[k]];

      for (guint i = 0; i < node->n_inputs; i++)
        {
          gboolean internal = FALSE;

          for (guint j = 0; j < k; j++)
            internal |= g->nodes[group->members[j]].outputs[0] == node->inputs[i];
          if (!internal)
            g_array_append_val (inputs, node->inputs[i]);
        }
    }
  return inputs;
}

static void
copy_values_and_modules (QsGraph *out,
                         QsGraph *in)
{
  GHashTableIter iter;
  gpointer k, v;

  out->name = g_strdup (in->name);
  out->filename = g_strdup (in->filename);
  out->weights_file = g_strdup (in->weights_file);
  if (in->weights != NULL)
    out->weights = qs_weights_ref (in->weights);
  g_hash_table_iter_init (&iter, in->metadata);
  while (g_hash_table_iter_next (&iter, &k, &v))
    qs_graph_set_metadata (out, k, v);
  for (QsId m = 0; m < in->n_modules; m++)
    {
      QsId id = qs_graph_add_module (out, in->modules[m].path, in->modules[m].type);

      qs_graph_module_set_attrs (out, id, in->modules[m].attrs, in->modules[m].n_attrs);
      qs_graph_module_set_params (out, id, in->modules[m].params, in->modules[m].n_params);
    }
  for (QsId i = 0; i < in->n_values; i++)
    {
      QsId id = qs_graph_add_value (out, &in->values[i].type);

      out->values[id].n_elements = in->values[i].n_elements;
      if (in->values[i].n_elements > 0)
        {
          out->values[id].elements = qs_graph_alloc (out, in->values[i].n_elements
                                                          * sizeof (QsType));
          memcpy (out->values[id].elements, in->values[i].elements,
                  in->values[i].n_elements * sizeof (QsType));
        }
    }
}

static QsId
copy_node (QsGraph      *out,
           const QsNode *src,
           const QsId   *inputs,
           guint         n_inputs,
           const QsId   *outputs,
           guint         n_outputs)
{
  QsId id = qs_graph_add_node (out, src->kind, src->name, src->target, inputs, n_inputs,
                               outputs, n_outputs);

  qs_graph_node_set_attrs (out, id, src->attrs, src->n_attrs);
  if (src->source_file || src->source_code)
    qs_graph_node_set_source (out, id, src->source_file, src->source_line, src->source_code);
  if (src->scope != NULL)
    qs_graph_node_set_scope (out, id, src->scope);
  if (src->n_fused > 0)
    qs_graph_node_set_fused (out, id, src->fused, src->n_fused);
  out->nodes[id].op = src->op;
  return id;
}

/* How many of member @k's inputs come from outside the group. */
static guint32
external_inputs (const QsGraph     *g,
                 const QsFuseGroup *group,
                 guint              k)
{
  const QsNode *node = &g->nodes[group->members[k]];
  guint32 n = 0;

  for (guint i = 0; i < node->n_inputs; i++)
    {
      gboolean internal = FALSE;

      for (guint j = 0; j < k; j++)
        internal |= g->nodes[group->members[j]].outputs[0] == node->inputs[i];
      n += !internal;
    }
  return n;
}

static QsId
emit_group (QsGraph     *out,
            QsGraph     *in,
            QsFuseGroup *group)
{
  const QsNode *head = &in->nodes[group->members[0]];
  const QsNode *last = &in->nodes[group->members[group->n_members - 1]];
  g_autoptr(GArray) inputs = group_inputs (in, group);
  QsFused fused[MAX_MEMBERS];
  QsId id;

  /* The fused node reads the head's non-tensor arguments as they were. */
  id = copy_node (out, head, (QsId *) inputs->data, inputs->len, last->outputs,
                  last->n_outputs);
  for (guint k = 1; k < group->n_members; k++)
    {
      const QsNode *m = &in->nodes[group->members[k]];

      fused[k - 1] = (QsFused) { m->name, m->target, m->kind, m->op, m->module,
                                 external_inputs (in, group, k) };
    }
  qs_graph_node_set_fused (out, id, fused, group->n_members - 1);
  group->fused_node = id;
  return id;
}

static void
copy_wrapped (QsGraph    *out,
              QsGraph    *in,
              const QsId *node_map)
{
  for (QsId w = 0; w < in->n_wrapped; w++)
    {
      QsWrapped copy = in->wrapped[w];
      g_autofree QsId *nodes = g_new (QsId, MAX (copy.n_nodes, 1));
      QsId id;

      for (guint i = 0; i < copy.n_nodes; i++)
        nodes[i] = node_map[copy.nodes[i]];
      copy.nodes = nodes;
      copy.node = copy.node == QS_ID_NONE ? QS_ID_NONE : node_map[copy.node];
      id = qs_graph_add_wrapped (out, &copy);
      if (copy.node != QS_ID_NONE)
        out->nodes[copy.node].wrapped = id;
    }
}

static void
mark_regions (Ctx *ctx)
{
  const QsGraph *g = ctx->graph;

  for (QsId n = 0; n < g->n_nodes; n++)
    ctx->region_of[n] = -1;
  for (QsId w = 0; w < g->n_wrapped; w++)
    for (guint i = 0; i < g->wrapped[w].n_nodes; i++)
      ctx->region_of[g->wrapped[w].nodes[i]] = (gint32) w;
}

/* A near-miss whose next node was absorbed into another group as a
 * non-head member (a residual add taken by the following conv) tells the
 * user nothing they could change: drop it. */
static void
drop_moot_misses (Ctx    *ctx,
                  GArray *groups)
{
  g_autofree guint8 *member = g_new0 (guint8, MAX (ctx->graph->n_nodes, 1));

  for (guint i = 0; i < groups->len; i++)
    {
      const QsFuseGroup *grp = &g_array_index (groups, QsFuseGroup, i);

      for (guint k = 1; k < grp->n_members; k++)
        member[grp->members[k]] = 1;
    }
  for (guint i = ctx->near_misses->len; i > 0; i--)
    {
      QsNearMiss *miss = &g_array_index (ctx->near_misses, QsNearMiss, i - 1);

      if (member[miss->next])
        {
          g_free (miss->detail);
          g_array_remove_index (ctx->near_misses, i - 1);
        }
    }
}

static gint
compare_groups_by_last (gconstpointer a,
                        gconstpointer b)
{
  const QsFuseGroup *ga = a, *gb = b;
  QsId la = ga->members[ga->n_members - 1], lb = gb->members[gb->n_members - 1];

  return la < lb ? -1 : la > lb;
}

QsGraph *
qs_pass_fuse (QsGraph              *graph,
              const QsFuseOptions  *options,
              QsFuseReport        **report,
              GError              **error)
{
  g_autoptr(QsFuseReport) rep = g_new0 (QsFuseReport, 1);
  g_autofree gint32 *group_of_last = NULL;
  g_autoptr(QsGraph) out = NULL;
  Ctx ctx = { 0 };

  g_return_val_if_fail (graph != NULL, NULL);

  if (!graph->analyzed && !qs_graph_analyze (graph, error))
    return NULL;
  g_return_val_if_fail (options == NULL || options->qconfigs == NULL
                        || options->qconfigs->graph == graph, NULL);

  rep->groups = g_array_new (FALSE, FALSE, sizeof (QsFuseGroup));
  rep->near_misses = g_array_new (FALSE, FALSE, sizeof (QsNearMiss));
  rep->n_input_nodes = graph->n_nodes;
  rep->node_map = g_new (QsId, MAX (graph->n_nodes, 1));
  ctx.graph = graph;
  ctx.options = options;
  ctx.taken = g_new0 (guint8, MAX (graph->n_nodes, 1));
  ctx.region_of = g_new (gint32, MAX (graph->n_nodes, 1));
  ctx.near_misses = rep->near_misses;
  ctx.seen_misses = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  mark_regions (&ctx);
  find_groups (&ctx, rep->groups);
  drop_moot_misses (&ctx, rep->groups);
  /* Emit nodes in order; a group appears where its last member was. */
  g_array_sort (rep->groups, compare_groups_by_last);
  group_of_last = g_new (gint32, MAX (graph->n_nodes, 1));
  for (QsId n = 0; n < graph->n_nodes; n++)
    group_of_last[n] = -1;
  for (guint i = 0; i < rep->groups->len; i++)
    {
      QsFuseGroup *grp = &g_array_index (rep->groups, QsFuseGroup, i);

      group_of_last[grp->members[grp->n_members - 1]] = (gint32) i;
    }
  out = qs_graph_new ();
  copy_values_and_modules (out, graph);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      if (group_of_last[n] >= 0)
        {
          QsFuseGroup *grp = &g_array_index (rep->groups, QsFuseGroup, group_of_last[n]);
          QsId id = emit_group (out, graph, grp);

          for (guint k = 0; k < grp->n_members; k++)
            rep->node_map[grp->members[k]] = id;
        }
      else if (!ctx.taken[n])
        rep->node_map[n] = copy_node (out, node, node->inputs, node->n_inputs, node->outputs,
                                      node->n_outputs);
    }
  copy_wrapped (out, graph, rep->node_map);

  g_free (ctx.taken);
  g_free (ctx.region_of);
  g_hash_table_unref (ctx.seen_misses);
  if (!qs_graph_verify (out, error))
    {
      g_prefix_error (error, "fusion produced an invalid graph (a bug): ");
      return NULL;
    }
  if (report != NULL)
    *report = g_steal_pointer (&rep);
  return g_steal_pointer (&out);
}

void
qs_fuse_report_free (QsFuseReport *report)
{
  if (report == NULL)
    return;
  for (guint i = 0; report->near_misses && i < report->near_misses->len; i++)
    g_free (g_array_index (report->near_misses, QsNearMiss, i).detail);
  g_clear_pointer (&report->groups, g_array_unref);
  g_clear_pointer (&report->near_misses, g_array_unref);
  g_free (report->node_map);
  g_free (report);
}
