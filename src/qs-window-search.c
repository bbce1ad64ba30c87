/* qs-window-search.c: Ctrl+F over node names, ops and module paths, with
 * next and previous */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-window-private.h"

/* Search */

static void
update_match_label (QsWindow *self,
                    guint     n_matches)
{
  g_autofree char *text = NULL;
  int index = qs_graph_view_get_search_index (self->graph_view);

  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) == '\0')
    text = g_strdup ("");
  else if (n_matches == 0)
    text = g_strdup (_("No match"));
  else if (index < 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u match", "%u matches", n_matches),
                            n_matches);
  else
    /* TRANSLATORS: the current search match, then how many there are */
    text = g_strdup_printf (_("%d of %u"), index + 1, n_matches);
  gtk_label_set_text (self->match_label, text);
}

static guint
current_match_count (QsWindow *self)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->search_entry), "qs-n-matches"));
}

static void
on_search_entry_search_changed_cb (GtkSearchEntry *entry,
                                   QsWindow       *self)
{
  guint n = qs_graph_view_search (self->graph_view,
                                  gtk_editable_get_text (GTK_EDITABLE (entry)));

  g_object_set_data (G_OBJECT (entry), "qs-n-matches", GUINT_TO_POINTER (n));
  /* The first hit shows as you type. */
  if (n > 0)
    qs_graph_view_search_step (self->graph_view, 1);
  update_match_label (self, n);
}

static void
find_step (QsWindow *self,
           int       step)
{
  qs_graph_view_search_step (self->graph_view, step);
  update_match_label (self, current_match_count (self));
}

static void
on_search_entry_activate_cb (GtkSearchEntry *entry,
                             QsWindow       *self)
{
  find_step (self, 1);
}

static void
on_search_entry_next_match_cb (GtkSearchEntry *entry,
                               QsWindow       *self)
{
  find_step (self, 1);
}

static void
on_search_entry_previous_match_cb (GtkSearchEntry *entry,
                                   QsWindow       *self)
{
  find_step (self, -1);
}

static void
on_search_entry_stop_search_cb (GtkSearchEntry *entry,
                                QsWindow       *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->graph_view));
}

/* Shift+Enter: GtkSearchEntry only has Enter (activate). */
gboolean
qs_window_on_search_key_pressed_cb (GtkEventControllerKey *controller,
                                    guint                  keyval,
                                    guint                  keycode,
                                    GdkModifierType        state,
                                    QsWindow              *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_SHIFT_MASK))
    {
      find_step (self, -1);
      return TRUE;
    }
  return FALSE;
}

void
qs_window_find_activated_cb (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  QsWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "find-next"))
    find_step (self, 1);
  else if (g_str_equal (name, "find-previous"))
    find_step (self, -1);
  else
    {
      gtk_search_bar_set_search_mode (self->search_bar, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
    }
}

void
qs_window_class_init_search (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_previous_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search_cb);
}
