/* qs-inspector.c: the selected node, its qconfig and its provenance; edits */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-application.h"
#include "qs-inspector.h"

struct _QsInspector
{
  AdwBin         parent_instance;

  /* template widgets */
  GtkStack      *stack;
  GtkLabel      *name_label;
  GtkLabel      *op_label;
  GtkGrid       *details_grid;
  GtkLabel      *qconfig_label;
  GtkLabel      *provenance_label;
  GtkLabel      *estimate_label;
  AdwComboRow   *activation_row;
  AdwComboRow   *weight_row;
  AdwComboRow   *observer_row;
  GtkSwitch     *per_channel_switch;
  GtkSpinButton *fixed_scale_spin;
  AdwComboRow   *scope_row;
  GtkStringList *dtypes;
  GtkStringList *observers;
  GtkStringList *scopes;
  GtkButton     *apply_button;

  /* owned */
  QsDocument    *document;

  QsId           node;
  QsQconfig      shown;      /* the node's qconfig the editors started from */
};

G_DEFINE_FINAL_TYPE (QsInspector, qs_inspector, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- details ---------------------------------------------------------------------------- */

static void
add_detail (QsInspector *self,
            int          row,
            const char  *key,
            const char  *value)
{
  GtkWidget *k = gtk_label_new (key);
  GtkWidget *v = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (k), 1);
  gtk_label_set_yalign (GTK_LABEL (k), 0);
  gtk_widget_add_css_class (k, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_selectable (GTK_LABEL (v), TRUE);
  gtk_label_set_wrap (GTK_LABEL (v), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (v), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_hexpand (v, TRUE);
  gtk_grid_attach (self->details_grid, k, 0, row, 1, 1);
  gtk_grid_attach (self->details_grid, v, 1, row, 1, 1);
}

static void
append_type (GString      *s,
             const QsType *type)
{
  static const char * const dtypes[] = {
    "?", "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8",
    "uint8", "bool", "tuple", "list", "dict", "int", "float", "bool", "None",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (dtypes) == QS_N_DTYPES);
  g_string_append (s, type->dtype < QS_N_DTYPES ? dtypes[type->dtype] : "?");
  if (type->dtype < QS_DTYPE_TUPLE)
    {
      g_string_append_c (s, '[');
      for (guint d = 0; d < type->rank; d++)
        g_string_append_printf (s, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT,
                                type->dims[d]);
      g_string_append_c (s, ']');
    }
}

static char *
describe_values (const QsGraph *graph,
                 const QsId    *values,
                 guint          n)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, "\n");
      append_type (s, &qs_graph_value (graph, values[i])->type);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
describe_module (const QsGraph *graph,
                 const QsNode  *node)
{
  const QsModule *m;
  g_autoptr (GString) s = NULL;

  if (node->module == QS_ID_NONE)
    return NULL;
  m = &graph->modules[node->module];
  s = g_string_new (m->type);
  for (guint i = 0; i < m->n_attrs; i++)
    {
      const QsAttr *a = &m->attrs[i];

      g_string_append_printf (s, i == 0 ? "\n%s=" : ", %s=", a->name);
      switch (a->kind)
        {
        case QS_ATTR_BOOL: g_string_append (s, a->b ? "True" : "False"); break;
        case QS_ATTR_INT: g_string_append_printf (s, "%" G_GINT64_FORMAT, a->i); break;
        case QS_ATTR_FLOAT: g_string_append_printf (s, "%g", a->f); break;
        case QS_ATTR_INTS:
          g_string_append_c (s, '(');
          for (guint j = 0; j < a->n; j++)
            g_string_append_printf (s, j ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT,
                                    a->ints[j]);
          g_string_append_c (s, ')');
          break;
        case QS_ATTR_STRING:
        case QS_ATTR_REPR:
        case QS_ATTR_JSON:
          g_string_append (s, a->s);
          break;
        default:
          g_string_append (s, "…");
          break;
        }
    }
  for (guint i = 0; i < m->n_params; i++)
    {
      g_string_append_printf (s, i == 0 ? "\n%s " : ", %s ", m->params[i].name);
      append_type (s, &m->params[i].type);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
fill_details (QsInspector   *self,
              const QsGraph *graph,
              const QsNode  *node)
{
  g_autofree char *inputs = describe_values (graph, node->inputs, node->n_inputs);
  g_autofree char *outputs = describe_values (graph, node->outputs, node->n_outputs);
  g_autofree char *module = describe_module (graph, node);
  g_autofree char *source = NULL;
  GtkWidget *child;
  int row = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_grid))) != NULL)
    gtk_grid_remove (self->details_grid, child);
  if (node->n_inputs > 0)
    add_detail (self, row++, _("Inputs"), inputs);
  if (node->n_outputs > 0)
    add_detail (self, row++, _("Outputs"), outputs);
  if (module != NULL)
    add_detail (self, row++, _("Module"), module);
  if (node->scope != NULL && *node->scope != '\0')
    add_detail (self, row++, _("Called in"), node->scope);
  if (node->n_fused > 0)
    {
      g_autoptr (GString) fused = g_string_new (NULL);

      for (guint i = 0; i < node->n_fused; i++)
        g_string_append_printf (fused, i ? ", %s" : "%s", node->fused[i].name);
      add_detail (self, row++, _("Fused"), fused->str);
    }
  if (node->source_file != NULL)
    {
      source = node->source_line > 0
               ? g_strdup_printf ("%s:%u", node->source_file, node->source_line)
               : g_strdup (node->source_file);
      add_detail (self, row++, _("Source"), source);
      if (node->source_code != NULL)
        add_detail (self, row++, "", node->source_code);
    }
}

/* ---- qconfig and provenance -------------------------------------------------------------- */

static void
fill_qconfig (QsInspector *self)
{
  const QsQconfigMap *map = qs_document_get_qconfigs (self->document);
  QsProject *project = qs_document_get_project (self->document);
  g_autoptr (GString) q = g_string_new (NULL);
  g_autoptr (GString) why = g_string_new (NULL);
  g_autoptr (QsRuleSet) rules = NULL;
  g_autoptr (GArray) overridden = NULL;
  double time_us;
  gint rule;

  if (map == NULL || self->node >= map->graph->n_nodes)
    {
      gtk_label_set_text (self->qconfig_label, _("Not prepared yet"));
      gtk_label_set_text (self->provenance_label, "");
      gtk_label_set_text (self->estimate_label, "");
      return;
    }
  self->shown = map->nodes[self->node].qconfig;
  qs_qconfig_append (&self->shown, q);
  gtk_label_set_text (self->qconfig_label, q->str);

  /* The map's rules are the project's rules followed by the overrides. */
  rules = qs_project_dup_rule_set (project);
  rule = qs_qconfig_map_deciding_rule (map, self->node);
  if (rule < 0)
    g_string_append_printf (why, _("Set by the default of %s"),
                            qs_document_get_march (self->document) == QS_MARCH_NONE
                            ? _("the flow") : qs_march_name (qs_document_get_march (self->document)));
  else
    {
      g_autofree char *text = qs_rule_describe (rules, rule);

      g_string_append_printf (why, _("Set by %s"), text);
    }
  overridden = qs_qconfig_map_overridden (map, self->node);
  for (guint i = 0; overridden != NULL && i < overridden->len; i++)
    {
      g_autofree char *text = qs_rule_describe (rules, g_array_index (overridden, guint32, i));

      g_string_append (why, "\n");
      g_string_append_printf (why, _("Overridden: %s"), text);
    }
  gtk_label_set_text (self->provenance_label, why->str);

  time_us = qs_document_get_node_time (self->document, self->node);
  if (time_us >= 0)
    {
      g_autofree char *text = g_strdup_printf (_("Kernel estimate: %.1f µs"), time_us);

      gtk_label_set_text (self->estimate_label, text);
    }
  else
    gtk_label_set_text (self->estimate_label, "");
}

static void
fill_editors (QsInspector *self)
{
  const QsNode *node = qs_graph_node (qs_document_get_graph (self->document), self->node);
  g_autofree char *module = qs_document_dup_module_scope (self->document, self->node);
  g_autofree char *by_op = g_strdup_printf (_("Every %s Node"), qs_op_name (node->op));
  g_autofree char *by_module = g_strdup_printf (_("Module %s"), module ? module : "—");
  guint n_selected = 0;
  g_autofree char *selection = NULL;
  const char *scopes[4];

  qs_document_get_selection (self->document, &n_selected);
  selection = n_selected > 1
              ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The %u Selected Node",
                                              "The %u Selected Nodes", n_selected), n_selected)
              : g_strdup (_("This Node"));
  scopes[0] = selection;
  scopes[1] = by_op;
  scopes[2] = by_module;
  scopes[3] = NULL;
  gtk_string_list_splice (self->scopes, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->scopes)), scopes);
  adw_combo_row_set_selected (self->scope_row, 0);

  adw_combo_row_set_selected (self->activation_row, self->shown.activation);
  adw_combo_row_set_selected (self->weight_row, self->shown.weight);
  adw_combo_row_set_selected (self->observer_row, self->shown.observer);
  gtk_switch_set_active (self->per_channel_switch, self->shown.per_channel);
  gtk_spin_button_set_value (self->fixed_scale_spin, self->shown.fixed_scale);
}

static void
refresh (QsInspector *self)
{
  QsGraph *graph = self->document ? qs_document_get_graph (self->document) : NULL;
  const QsNode *node;
  g_autofree char *op = NULL;

  self->node = self->document ? qs_document_get_selected_node (self->document) : QS_ID_NONE;
  if (graph == NULL || self->node == QS_ID_NONE)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  node = qs_graph_node (graph, self->node);
  op = g_strdup_printf ("%s · %s", qs_op_name (node->op), node->target ? node->target : "");
  gtk_label_set_text (self->name_label, node->name);
  gtk_label_set_text (self->op_label, op);
  fill_details (self, graph, node);
  fill_qconfig (self);
  fill_editors (self);
  gtk_stack_set_visible_child_name (self->stack, "node");
}

/* ---- editing --------------------------------------------------------------------------- */

static guint
edited_fields (QsInspector *self,
               QsQconfig   *values)
{
  guint fields = 0;

  *values = self->shown;
  values->activation = adw_combo_row_get_selected (self->activation_row);
  values->weight = adw_combo_row_get_selected (self->weight_row);
  values->observer = adw_combo_row_get_selected (self->observer_row);
  values->per_channel = gtk_switch_get_active (self->per_channel_switch);
  values->fixed_scale = gtk_spin_button_get_value (self->fixed_scale_spin);
  for (guint f = QS_QFIELD_ACTIVATION; f < QS_N_QFIELDS; f++)
    if (qs_qconfig_field_differs (&self->shown, values, f))
      fields |= 1u << f;
  return fields;
}

static void
on_apply_button_clicked_cb (GtkButton   *button,
                            QsInspector *self)
{
  g_autoptr (GError) error = NULL;
  QsDocumentScope scope = adw_combo_row_get_selected (self->scope_row);
  const QsId *nodes = &self->node;
  guint n_nodes = 1;
  QsQconfig values;
  guint fields;

  if (self->document == NULL || self->node == QS_ID_NONE)
    return;
  if ((fields = edited_fields (self, &values)) == 0)
    return;
  if (scope == QS_DOCUMENT_SCOPE_SELECTION)
    {
      nodes = qs_document_get_selection (self->document, &n_nodes);
      if (n_nodes == 0)
        nodes = &self->node, n_nodes = 1;
    }
  if (!qs_document_apply_qconfig (self->document, scope, nodes, n_nodes, fields, &values, &error))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                  _("Could Not Apply"), error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
on_document_changed_cb (QsDocument  *document,
                        QsInspector *self)
{
  refresh (self);
}

static void
on_document_selected_node_notify_cb (QsDocument  *document,
                                     GParamSpec  *pspec,
                                     QsInspector *self)
{
  refresh (self);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
qs_inspector_dispose (GObject *object)
{
  QsInspector *self = QS_INSPECTOR (object);

  qs_inspector_set_document (self, NULL);
  /* AdwBin unparents its child itself. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_INSPECTOR);
  G_OBJECT_CLASS (qs_inspector_parent_class)->dispose (object);
}

static void
qs_inspector_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, QS_INSPECTOR (object)->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_inspector_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      qs_inspector_set_document (QS_INSPECTOR (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_inspector_class_init (QsInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_inspector_dispose;
  object_class->get_property = qs_inspector_get_property;
  object_class->set_property = qs_inspector_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, QS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  qs_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/quantscope/Quantscope/qs-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, QsInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, name_label);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, op_label);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, details_grid);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, qconfig_label);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, provenance_label);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, estimate_label);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, activation_row);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, weight_row);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, observer_row);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, per_channel_switch);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, fixed_scale_spin);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, scope_row);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, dtypes);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, observers);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, scopes);
  gtk_widget_class_bind_template_child (widget_class, QsInspector, apply_button);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_button_clicked_cb);
}

static void
qs_inspector_init (QsInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Indices are the engine's enum values. */
  for (guint i = 0; i < QS_N_QDTYPES; i++)
    gtk_string_list_append (self->dtypes, qs_qdtype_name (i));
  for (guint i = 0; i < QS_N_OBSERVERS; i++)
    gtk_string_list_append (self->observers, qs_observer_name (i));
  self->node = QS_ID_NONE;
}

GtkWidget *
qs_inspector_new (void)
{
  return g_object_new (QS_TYPE_INSPECTOR, NULL);
}

QsDocument *
qs_inspector_get_document (QsInspector *self)
{
  g_return_val_if_fail (QS_IS_INSPECTOR (self), NULL);
  return self->document;
}

void
qs_inspector_set_document (QsInspector *self,
                           QsDocument  *document)
{
  g_return_if_fail (QS_IS_INSPECTOR (self));
  g_return_if_fail (document == NULL || QS_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      g_signal_connect_object (document, "results-changed",
                               G_CALLBACK (on_document_changed_cb), self, 0);
      g_signal_connect_object (document, "notify::selected-node",
                               G_CALLBACK (on_document_selected_node_notify_cb), self, 0);
    }
  if (self->stack != NULL)
    refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}
