/* qs-window-overlays.c: the canvas colourings a window offers (op class
 * or dtype, MACs, latency, error, bound) and the fusion report behind the
 * outlines, computed in a thread */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-window-private.h"

/* The dropdown's entries, in order; "class" is the default colouring (op
 * class, or activation dtype once a prepared graph is shown). */
static const char * const overlay_names[] = { "class", "macs", "latency", "error", "bound" };
#define N_OVERLAYS G_N_ELEMENTS (overlay_names)

/* Overlays */

void
qs_window_reset_overlays (QsWindow *self)
{
  for (guint i = 0; i < N_OVERLAYS; i++)
    g_clear_pointer (&self->overlays[i], qs_overlay_unref);
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                          "overlay")),
                             g_variant_new_string ("class"));
  gtk_drop_down_set_selected (self->overlay_dropdown, 0);
  qs_graph_view_set_overlay (self->graph_view, NULL);
}

static guint
overlay_index (const char *name)
{
  for (guint i = 0; i < N_OVERLAYS; i++)
    if (g_str_equal (overlay_names[i], name))
      return i;
  return 0;
}

/* The overlay to show for @index: the data given so far, the MACs stand-in
 * computed on demand, or an empty one that says what is missing. */
QsOverlay *
qs_window_ensure_overlay (QsWindow *self,
                          guint     index)
{
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);

  if (index == 0 || graph == NULL)
    return NULL;
  if (self->overlays[index] != NULL
      && qs_overlay_get_n_nodes (self->overlays[index]) == graph->n_nodes)
    return self->overlays[index];
  g_clear_pointer (&self->overlays[index], qs_overlay_unref);
  if (g_str_equal (overlay_names[index], "macs"))
    self->overlays[index] = qs_overlay_new_macs (graph);
  else if (g_str_equal (overlay_names[index], "latency"))
    self->overlays[index] = qs_overlay_new (_("Latency (run Estimate)"), "us",
                                            QS_COLOR_SCALE_HEAT_LOG, graph->n_nodes);
  else if (g_str_equal (overlay_names[index], "error"))
    self->overlays[index] = qs_overlay_new (_("SQNR (run Calibrate)"), "dB",
                                            QS_COLOR_SCALE_HEAT_INVERSE, graph->n_nodes);
  else
    {
      static const char * const bounds[] = { "compute", "DDR", "vector", NULL };

      self->overlays[index] = qs_overlay_new (_("Bound (run Estimate)"), NULL,
                                              QS_COLOR_SCALE_CATEGORY, graph->n_nodes);
      qs_overlay_set_categories (self->overlays[index], bounds);
    }
  return self->overlays[index];
}

void
qs_window_overlay_change_state_cb (GSimpleAction *action,
                                   GVariant      *state,
                                   gpointer       user_data)
{
  QsWindow *self = user_data;
  guint index = overlay_index (g_variant_get_string (state, NULL));

  g_simple_action_set_state (action, g_variant_new_string (overlay_names[index]));
  qs_graph_view_set_overlay (self->graph_view, qs_window_ensure_overlay (self, index));
  if (gtk_drop_down_get_selected (self->overlay_dropdown) != index)
    gtk_drop_down_set_selected (self->overlay_dropdown, index);
}

void
qs_window_on_overlay_dropdown_selected_notify_cb (GtkDropDown *dropdown,
                                                  GParamSpec  *pspec,
                                                  QsWindow    *self)
{
  guint index = gtk_drop_down_get_selected (dropdown);

  if (index < N_OVERLAYS)
    g_action_group_change_action_state (G_ACTION_GROUP (self), "overlay",
                                        g_variant_new_string (overlay_names[index]));
}

void
qs_window_set_overlay (QsWindow   *self,
                       const char *name,
                       QsOverlay  *overlay)
{
  guint index;
  GVariant *state;

  g_return_if_fail (QS_IS_WINDOW (self));
  g_return_if_fail (name != NULL && overlay_index (name) > 0);

  index = overlay_index (name);
  if (overlay != NULL)
    qs_overlay_ref (overlay);
  g_clear_pointer (&self->overlays[index], qs_overlay_unref);
  self->overlays[index] = overlay;
  state = g_action_group_get_action_state (G_ACTION_GROUP (self), "overlay");
  if (g_str_equal (g_variant_get_string (state, NULL), name))
    qs_graph_view_set_overlay (self->graph_view, qs_window_ensure_overlay (self, index));
  g_variant_unref (state);
}

/* Fusion runs in a thread as soon as a graph shows: the canvas outlines
 * what will fuse and marks the near-misses before anyone asks. */

static void
fuse_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  QsFuseReport *report = NULL;
  QsGraph *fused;

  fused = qs_pass_fuse (task_data, NULL, &report, &error);
  if (fused == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  qs_graph_unref (fused);
  g_task_return_pointer (task, report, (GDestroyNotify) qs_fuse_report_free);
}

static void
on_fused_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (QsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  QsFuseReport *report = g_task_propagate_pointer (G_TASK (result), &error);
  QsGraph *graph = g_task_get_task_data (G_TASK (result));

  if (report == NULL)
    {
      /* An unverifiable graph shows without fusion outlines. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No fusion outlines: %s", error->message);
      return;
    }
  if (graph != qs_graph_view_get_graph (self->graph_view))
    {
      qs_fuse_report_free (report);
      return;
    }
  g_clear_object (&self->fuse_cancellable);
  qs_graph_view_take_fusion (self->graph_view, report);
}

void
qs_window_start_fusion (QsWindow *self)
{
  QsGraph *graph = qs_graph_view_get_graph (self->graph_view);
  g_autoptr (GTask) task = NULL;

  g_cancellable_cancel (self->fuse_cancellable);
  g_clear_object (&self->fuse_cancellable);
  if (graph == NULL)
    return;
  self->fuse_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->fuse_cancellable, on_fused_cb, g_object_ref (self));
  g_task_set_task_data (task, qs_graph_ref (graph), (GDestroyNotify) qs_graph_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, fuse_thread);
}

/* The document: a project or graph, its panels and its results */

void
qs_window_update_document_overlays (QsWindow *self)
{
  static const char * const names[] = { "latency", "error", "bound" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (QsOverlay) overlay = NULL;

      overlay = qs_document_dup_overlay (self->document, names[i],
                                         qs_graph_view_get_graph (self->graph_view));

      if (overlay != NULL)
        qs_window_set_overlay (self, names[i], overlay);
    }
}

/* The index of the overlay the action shows. */
guint
qs_window_current_overlay (QsWindow *self)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self),
                                                                "overlay");

  return overlay_index (g_variant_get_string (state, NULL));
}
