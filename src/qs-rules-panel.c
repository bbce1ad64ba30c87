/* qs-rules-panel.c: the project's qconfig rules and overrides, in order */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-application.h"
#include "qs-rules-panel.h"

struct _QsRulesPanel
{
  AdwBin       parent_instance;

  /* template widgets */
  GtkListBox  *rules_list;
  GtkListBox  *overrides_list;

  /* owned */
  QsDocument  *document;

  guint        n_rules;
};

G_DEFINE_FINAL_TYPE (QsRulesPanel, qs_rules_panel, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "activation qint16, per-channel" */
static char *
describe_fields (const QsRule *rule)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint f = 0; f < QS_N_QFIELDS; f++)
    {
      if (!(rule->fields & (1u << f)))
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "%s ", qs_qfield_name (f));
      switch (f)
        {
        case QS_QFIELD_KIND:
          g_string_append (s, qs_qkind_name (rule->values.kind));
          break;
        case QS_QFIELD_ACTIVATION:
          g_string_append (s, qs_qdtype_name (rule->values.activation));
          break;
        case QS_QFIELD_WEIGHT:
          g_string_append (s, qs_qdtype_name (rule->values.weight));
          break;
        case QS_QFIELD_OBSERVER:
          g_string_append (s, qs_observer_name (rule->values.observer));
          break;
        case QS_QFIELD_PER_CHANNEL:
          g_string_append (s, rule->values.per_channel ? _("yes") : _("no"));
          break;
        case QS_QFIELD_PERCENTILE:
          g_string_append_printf (s, "%g", rule->values.percentile);
          break;
        case QS_QFIELD_FIXED_SCALE:
        default:
          g_string_append_printf (s, "%g", rule->values.fixed_scale);
          break;
        }
    }
  if (rule->level == QS_RULE_TEMPLATE)
    return g_strdup (qs_qconfig_template_description (rule->template_name));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
rule_title (const QsRule *rule)
{
  switch (rule->level)
    {
    case QS_RULE_TEMPLATE:
      return g_strdup_printf (_("Template %s"), rule->template_name);
    case QS_RULE_OP:
      return g_strdup_printf (_("Every %s"), rule->pattern);
    case QS_RULE_PREFIX:
      return g_strdup_printf (_("Module %s"), rule->pattern);
    case QS_RULE_REGEX:
      return g_strdup_printf (_("Matching /%s/"), rule->pattern);
    case QS_RULE_NODE:
      return g_strdup_printf (_("Node %s"), rule->pattern);
    case QS_RULE_GLOBAL:
    default:
      return g_strdup (_("Everything"));
    }
}

static void
on_button_clicked_cb (GtkButton    *button,
                      QsRulesPanel *self)
{
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));

  if (g_str_equal (what, "up"))
    qs_document_move_rule (self->document, index, index - 1);
  else if (g_str_equal (what, "down"))
    qs_document_move_rule (self->document, index, index + 1);
  else if (g_str_equal (what, "remove"))
    qs_document_remove_rule (self->document, FALSE, index);
  else
    qs_document_remove_rule (self->document, TRUE, index);
}

static void
add_button (QsRulesPanel *self,
            AdwActionRow *row,
            const char   *icon,
            const char   *tooltip,
            const char   *what,
            guint         index,
            gboolean      sensitive)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (button, sensitive);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data (G_OBJECT (button), "what", (gpointer) what);
  g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (index));
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_button_clicked_cb), self, 0);
  adw_action_row_add_suffix (row, button);
}

/* ---- drag and drop to reorder ------------------------------------------------------------- */

static GdkContentProvider *
on_drag_prepare_cb (GtkDragSource *source,
                    double         x,
                    double         y,
                    GtkWidget     *row)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index"));

  return gdk_content_provider_new_typed (G_TYPE_UINT, index);
}

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            QsRulesPanel  *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  guint to = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index"));
  guint from = g_value_get_uint (value);

  if (from == to || from >= self->n_rules)
    return FALSE;
  qs_document_move_rule (self->document, from, to);
  return TRUE;
}

static void
make_draggable (QsRulesPanel *self,
                GtkWidget    *row)
{
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_UINT, GDK_ACTION_MOVE);

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare_cb), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
  g_signal_connect_object (target, "drop", G_CALLBACK (on_drop_cb), self, 0);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
}

/* ---- contents ------------------------------------------------------------------------------- */

static GtkWidget *
make_row (QsRulesPanel    *self,
          const QsRuleSet *set,
          guint            index,
          gboolean         override)
{
  const QsRule *rule = qs_rule_set_get_rule (set, index);
  g_autofree char *title = rule_title (rule);
  g_autofree char *subtitle = describe_fields (rule);
  GtkWidget *row = adw_action_row_new ();
  guint n = qs_rule_set_get_n_rules (set);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle ? subtitle : "");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  g_object_set_data (G_OBJECT (row), "index", GUINT_TO_POINTER (index));
  if (rule->origin != NULL)
    gtk_widget_set_tooltip_text (row, rule->origin);
  if (!override)
    {
      GtkWidget *handle = gtk_image_new_from_icon_name ("list-drag-handle-symbolic");

      adw_action_row_add_prefix (ADW_ACTION_ROW (row), handle);
      add_button (self, ADW_ACTION_ROW (row), "go-up-symbolic", _("Move Up"), "up", index,
                  index > 0);
      add_button (self, ADW_ACTION_ROW (row), "go-down-symbolic", _("Move Down"), "down", index,
                  index + 1 < n);
      add_button (self, ADW_ACTION_ROW (row), "user-trash-symbolic", _("Remove Rule"), "remove",
                  index, TRUE);
      make_draggable (self, row);
    }
  else
    add_button (self, ADW_ACTION_ROW (row), "user-trash-symbolic", _("Remove Override"),
                "remove-override", index, TRUE);
  return row;
}

static void
remove_all (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    {
      if (GTK_IS_LIST_BOX_ROW (child))
        gtk_list_box_remove (list, child);
      else
        break;
    }
}

static void
fill (QsRulesPanel *self)
{
  QsProject *project = self->document ? qs_document_get_project (self->document) : NULL;

  remove_all (self->rules_list);
  remove_all (self->overrides_list);
  self->n_rules = 0;
  if (project == NULL)
    return;
  self->n_rules = qs_rule_set_get_n_rules (project->rules);
  for (guint i = 0; i < self->n_rules; i++)
    gtk_list_box_append (self->rules_list, make_row (self, project->rules, i, FALSE));
  for (guint i = 0; i < qs_rule_set_get_n_rules (project->overrides); i++)
    gtk_list_box_append (self->overrides_list, make_row (self, project->overrides, i, TRUE));
}

static void
on_document_rules_changed_cb (QsDocument   *document,
                              QsRulesPanel *self)
{
  fill (self);
}

static GtkWidget *
make_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  return label;
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
qs_rules_panel_dispose (GObject *object)
{
  QsRulesPanel *self = QS_RULES_PANEL (object);

  qs_rules_panel_set_document (self, NULL);
  /* AdwBin unparents its child itself. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QS_TYPE_RULES_PANEL);
  G_OBJECT_CLASS (qs_rules_panel_parent_class)->dispose (object);
}

static void
qs_rules_panel_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, QS_RULES_PANEL (object)->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_rules_panel_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_DOCUMENT:
      qs_rules_panel_set_document (QS_RULES_PANEL (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_rules_panel_class_init (QsRulesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qs_rules_panel_dispose;
  object_class->get_property = qs_rules_panel_get_property;
  object_class->set_property = qs_rules_panel_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, QS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  qs_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/quantscope/Quantscope/qs-rules-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, QsRulesPanel, rules_list);
  gtk_widget_class_bind_template_child (widget_class, QsRulesPanel, overrides_list);
}

static void
qs_rules_panel_init (QsRulesPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_placeholder (self->rules_list,
                                make_placeholder (_("No rules: the march's defaults apply")));
  gtk_list_box_set_placeholder (self->overrides_list, make_placeholder (_("No overrides")));
}

GtkWidget *
qs_rules_panel_new (void)
{
  return g_object_new (QS_TYPE_RULES_PANEL, NULL);
}

QsDocument *
qs_rules_panel_get_document (QsRulesPanel *self)
{
  g_return_val_if_fail (QS_IS_RULES_PANEL (self), NULL);
  return self->document;
}

void
qs_rules_panel_set_document (QsRulesPanel *self,
                             QsDocument   *document)
{
  g_return_if_fail (QS_IS_RULES_PANEL (self));
  g_return_if_fail (document == NULL || QS_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    g_signal_connect_object (document, "rules-changed",
                             G_CALLBACK (on_document_rules_changed_cb), self, 0);
  if (self->rules_list != NULL)
    fill (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

guint
qs_rules_panel_get_n_rules (QsRulesPanel *self)
{
  g_return_val_if_fail (QS_IS_RULES_PANEL (self), 0);
  return self->n_rules;
}
