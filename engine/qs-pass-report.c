/* qs-pass-report.c: text and JSON reports of fusion and prepare */
#include "qs-passes.h"

#include <json-glib/json-glib.h>

static const char * const observe_names[] = { "input", "activation", "weight" };

static void
append_group (GString           *s,
              QsGraph           *input,
              const QsFuseGroup *grp)
{
  g_string_append_printf (s, "  %-22s ", grp->pattern);
  for (guint k = 0; k < grp->n_members; k++)
    g_string_append_printf (s, "%s%s", k ? " + " : "", input->nodes[grp->members[k]].name);
  g_string_append_c (s, '\n');
}

static void
append_fusion (GString            *s,
               const QsFuseReport *r,
               QsGraph            *input,
               QsGraph            *output)
{
  g_string_append_printf (s, "fusion: %u nodes -> %u nodes, %u groups, %u near-misses\n",
                          input->n_nodes, output->n_nodes, r->groups->len,
                          r->near_misses->len);
  g_string_append (s, "groups\n");
  for (guint i = 0; i < r->groups->len; i++)
    append_group (s, input, &g_array_index (r->groups, QsFuseGroup, i));
  g_string_append (s, "near-misses\n");
  for (guint i = 0; i < r->near_misses->len; i++)
    {
      const QsNearMiss *m = &g_array_index (r->near_misses, QsNearMiss, i);

      g_string_append_printf (s, "  %-22s %s -> %s: %s: %s\n", m->pattern,
                              input->nodes[m->node].name, input->nodes[m->next].name,
                              qs_near_miss_reason_name (m->reason), m->detail);
    }
}

char *
qs_fuse_report_to_text (const QsFuseReport *report,
                        QsGraph            *input,
                        QsGraph            *output)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "graph %s\n", input->name ? input->name : "");
  append_fusion (s, report, input, output);
  return g_string_free (s, FALSE);
}

static void
add_fusion_json (JsonBuilder        *b,
                 const QsFuseReport *r,
                 QsGraph            *input,
                 QsGraph            *output)
{
  json_builder_set_member_name (b, "nodes_before");
  json_builder_add_int_value (b, input->n_nodes);
  json_builder_set_member_name (b, "nodes_after");
  json_builder_add_int_value (b, output->n_nodes);
  json_builder_set_member_name (b, "groups");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->groups->len; i++)
    {
      const QsFuseGroup *grp = &g_array_index (r->groups, QsFuseGroup, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "pattern");
      json_builder_add_string_value (b, grp->pattern);
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, output->nodes[grp->fused_node].name);
      json_builder_set_member_name (b, "members");
      json_builder_begin_array (b);
      for (guint k = 0; k < grp->n_members; k++)
        json_builder_add_string_value (b, input->nodes[grp->members[k]].name);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "near_misses");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->near_misses->len; i++)
    {
      const QsNearMiss *m = &g_array_index (r->near_misses, QsNearMiss, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "pattern");
      json_builder_add_string_value (b, m->pattern);
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, input->nodes[m->node].name);
      json_builder_set_member_name (b, "next");
      json_builder_add_string_value (b, input->nodes[m->next].name);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, qs_near_miss_reason_name (m->reason));
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, m->detail);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static char *
finish_json (JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

char *
qs_fuse_report_to_json (const QsFuseReport *report,
                        QsGraph            *input,
                        QsGraph            *output)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "graph");
  json_builder_add_string_value (b, input->name ? input->name : "");
  add_fusion_json (b, report, input, output);
  json_builder_end_object (b);
  return finish_json (b);
}

static void
append_rules (GString         *s,
              const QsRuleSet *rules)
{
  g_string_append_printf (s, "rules (%s)\n", qs_qkind_name (qs_rule_set_get_kind (rules)));
  for (guint i = 0; i < qs_rule_set_get_n_rules (rules); i++)
    {
      g_autofree char *d = qs_rule_describe (rules, i);
      const QsRule *r = qs_rule_set_get_rule (rules, i);
      g_autoptr(GString) fields = g_string_new (NULL);

      for (guint f = 0; f < QS_N_QFIELDS; f++)
        if (r->fields & (1u << f))
          g_string_append_printf (fields, " %s", qs_qfield_name (f));
      g_string_append_printf (s, "  %s sets%s\n", d, fields->str);
    }
}

static void
append_node (GString          *s,
             const QsPrepared *p,
             QsId              id)
{
  const QsNode *node = &p->graph->nodes[id];
  gint rule = qs_qconfig_map_deciding_rule (p->qconfigs, id);
  g_autofree char *why = qs_rule_describe (p->qconfigs->rules, rule);
  g_autoptr(GArray) over = qs_qconfig_map_overridden (p->qconfigs, id);

  g_string_append_printf (s, "  %-28s %-34s ", node->name,
                          p->replaced[id] ? p->replaced[id] : "-");
  qs_qconfig_append (&p->qconfigs->nodes[id].qconfig, s);
  g_string_append_printf (s, "  <- %s", why);
  for (guint i = 0; i < over->len; i++)
    {
      g_autofree char *o = qs_rule_describe (p->qconfigs->rules,
                                             g_array_index (over, guint32, i));

      g_string_append_printf (s, "%s%s", i ? ", " : "; overrides ", o);
    }
  g_string_append_c (s, '\n');
}

static void
append_observer (GString              *s,
                 const QsPrepared     *p,
                 const QsObserverSpec *o)
{
  const QsNode *node = &p->graph->nodes[o->node];

  g_string_append_printf (s, "  %-10s %s%s%s %s%s %s", observe_names[o->point], node->name,
                          o->param ? "." : "", o->param ? o->param : "",
                          qs_qdtype_name (o->dtype), o->per_channel ? "/channel" : "",
                          qs_observer_name (o->observer));
  if (o->observer == QS_OBSERVER_FIXED_SCALE)
    g_string_append_printf (s, "(%g)", o->fixed_scale);
  else if (o->observer == QS_OBSERVER_PERCENTILE)
    g_string_append_printf (s, "(%g)", o->percentile);
  g_string_append_c (s, '\n');
}

char *
qs_prepared_to_text (const QsPrepared *p,
                     QsGraph          *input)
{
  GString *s = g_string_new (NULL);
  guint n_replaced = 0;

  for (QsId id = 0; id < p->graph->n_nodes; id++)
    n_replaced += p->replaced[id] != NULL;
  g_string_append_printf (s, "graph %s prepared for %s (%s): %u nodes, %u replaced, %u "
                          "observers\n", input->name ? input->name : "",
                          qs_march_name (p->qconfigs->march),
                          qs_qkind_name (qs_rule_set_get_kind (p->qconfigs->rules)),
                          p->graph->n_nodes, n_replaced, p->observers->len);
  append_fusion (s, p->fusion, input, p->graph);
  append_rules (s, p->qconfigs->rules);
  g_string_append (s, "nodes\n");
  for (QsId id = 0; id < p->graph->n_nodes; id++)
    if (p->graph->nodes[id].kind != QS_NODE_OUTPUT)
      append_node (s, p, id);
  g_string_append (s, "observers\n");
  for (guint i = 0; i < p->observers->len; i++)
    append_observer (s, p, &g_array_index (p->observers, QsObserverSpec, i));
  g_string_append (s, "wrapped-region modules\n");
  for (guint i = 0; i < p->wrapped_modules->len; i++)
    {
      const QsWrappedModuleQconfig *wm = &g_array_index (p->wrapped_modules,
                                                         QsWrappedModuleQconfig, i);
      g_autofree char *why = qs_rule_describe (p->qconfigs->rules, wm->rule);

      g_string_append_printf (s, "  %-28s %-34s ", p->graph->modules[wm->module].path,
                              wm->replaced ? wm->replaced : "-");
      qs_qconfig_append (&wm->qconfig, s);
      g_string_append_printf (s, "  <- %s (in %s)\n", why,
                              p->graph->wrapped[wm->region].name);
    }
  g_string_append (s, "notes\n");
  for (guint i = 0; i < p->notes->len; i++)
    g_string_append_printf (s, "  %s\n", (char *) p->notes->pdata[i]);
  return g_string_free (s, FALSE);
}

static void
add_qconfig_json (JsonBuilder     *b,
                  const QsQconfig *q)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, qs_qkind_name (q->kind));
  json_builder_set_member_name (b, "activation");
  json_builder_add_string_value (b, qs_qdtype_name (q->activation));
  json_builder_set_member_name (b, "weight");
  json_builder_add_string_value (b, qs_qdtype_name (q->weight));
  json_builder_set_member_name (b, "observer");
  json_builder_add_string_value (b, qs_observer_name (q->observer));
  json_builder_set_member_name (b, "per_channel");
  json_builder_add_boolean_value (b, q->per_channel);
  if (q->observer == QS_OBSERVER_PERCENTILE)
    {
      json_builder_set_member_name (b, "percentile");
      json_builder_add_double_value (b, q->percentile);
    }
  if (q->observer == QS_OBSERVER_FIXED_SCALE)
    {
      json_builder_set_member_name (b, "fixed_scale");
      json_builder_add_double_value (b, q->fixed_scale);
    }
  json_builder_end_object (b);
}

static void
add_provenance_json (JsonBuilder      *b,
                     const QsPrepared *p,
                     QsId              id)
{
  const QsNodeQconfig *nq = &p->qconfigs->nodes[id];
  g_autoptr(GArray) over = qs_qconfig_map_overridden (p->qconfigs, id);
  g_autofree char *why = qs_rule_describe (p->qconfigs->rules,
                                           qs_qconfig_map_deciding_rule (p->qconfigs, id));

  json_builder_set_member_name (b, "set_by");
  json_builder_add_string_value (b, why);
  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  for (guint f = 0; f < QS_N_QFIELDS; f++)
    {
      json_builder_set_member_name (b, qs_qfield_name (f));
      json_builder_add_int_value (b, nq->field_rule[f] < 0 ? 0 : nq->field_rule[f] + 1);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "overrides");
  json_builder_begin_array (b);
  for (guint i = 0; i < over->len; i++)
    json_builder_add_int_value (b, g_array_index (over, guint32, i) + 1);
  json_builder_end_array (b);
}

char *
qs_prepared_to_json (const QsPrepared *p,
                     QsGraph          *input)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "graph");
  json_builder_add_string_value (b, input->name ? input->name : "");
  json_builder_set_member_name (b, "march");
  json_builder_add_string_value (b, qs_march_name (p->qconfigs->march));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, qs_qkind_name (qs_rule_set_get_kind (p->qconfigs->rules)));
  add_fusion_json (b, p->fusion, input, p->graph);
  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (QsId id = 0; id < p->graph->n_nodes; id++)
    {
      const QsNode *node = &p->graph->nodes[id];

      if (node->kind == QS_NODE_OUTPUT)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, node->name);
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, qs_op_name (node->op));
      json_builder_set_member_name (b, "replaced_by");
      if (p->replaced[id])
        json_builder_add_string_value (b, p->replaced[id]);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "qconfig");
      add_qconfig_json (b, &p->qconfigs->nodes[id].qconfig);
      add_provenance_json (b, p, id);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "observers");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->observers->len; i++)
    {
      const QsObserverSpec *o = &g_array_index (p->observers, QsObserverSpec, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "point");
      json_builder_add_string_value (b, observe_names[o->point]);
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, p->graph->nodes[o->node].name);
      if (o->param)
        {
          json_builder_set_member_name (b, "param");
          json_builder_add_string_value (b, o->param);
        }
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, qs_qdtype_name (o->dtype));
      json_builder_set_member_name (b, "observer");
      json_builder_add_string_value (b, qs_observer_name (o->observer));
      json_builder_set_member_name (b, "per_channel");
      json_builder_add_boolean_value (b, o->per_channel);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->notes->len; i++)
    json_builder_add_string_value (b, p->notes->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish_json (b);
}
