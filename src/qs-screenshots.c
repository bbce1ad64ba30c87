/* qs-screenshots.c: the pictures of docs/screenshots/, taken by the app
 *
 * Each picture is the window rendered by its own GSK renderer into a
 * texture (no screen grab, so nothing else on the display shows).
 */
#include "config.h"

#include "qs-screenshots.h"

#define SHOT_WIDTH   1280
#define SHOT_HEIGHT  800
#define SETTLE_MS    700

typedef struct
{
  QsWindow *window;
  char     *dir;
  guint     step;
} Walk;

/* The node the inspector picture shows. */
static const char *inspected_node = "backbone_layer2_conv1";

static void
walk_free (Walk *walk)
{
  g_object_unref (walk->window);
  g_free (walk->dir);
  g_free (walk);
}

static gboolean
save_window (QsWindow   *window,
             const char *path)
{
  GtkWidget *widget = GTK_WIDGET (window);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  return gdk_texture_save_to_png (texture, path);
}

static QsId
find_node (QsGraph    *graph,
           const char *name)
{
  for (QsId n = 0; graph != NULL && n < graph->n_nodes; n++)
    if (g_strcmp0 (graph->nodes[n].name, name) == 0)
      return n;
  return QS_ID_NONE;
}

/* Sets up view @step; FALSE past the last. */
static gboolean
set_up (Walk       *walk,
        guint       step,
        const char **name)
{
  QsDocument *document = qs_window_get_document (walk->window);
  GtkWidget *widget = GTK_WIDGET (walk->window);

  switch (step)
    {
    case 0:
      *name = "canvas";
      qs_window_show_panel (walk->window, "rules");
      return TRUE;
    case 1:
      *name = "inspector";
      qs_document_set_selected_node (document, find_node (qs_document_get_graph (document),
                                                          inspected_node));
      qs_window_show_panel (walk->window, "node");
      return TRUE;
    case 2:
      *name = "report";
      qs_window_show_panel (walk->window, "report");
      return TRUE;
    case 3:
      *name = "latency";
      qs_window_show_panel (walk->window, "node");
      g_action_group_change_action_state (G_ACTION_GROUP (widget), "overlay",
                                          g_variant_new_string ("latency"));
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
take_cb (gpointer user_data)
{
  Walk *walk = user_data;
  const char *name = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  /* The step set up a turn ago has drawn by now. */
  set_up (walk, walk->step, &name);
  file = g_strdup_printf ("%s.png", name);
  path = g_build_filename (walk->dir, file, NULL);
  if (!save_window (walk->window, path))
    g_warning ("Could not write %s", path);
  else
    g_print ("%s\n", path);
  if (!set_up (walk, ++walk->step, &name))
    {
      g_application_quit (g_application_get_default ());
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_cb (gpointer user_data)
{
  Walk *walk = user_data;
  QsDocument *document = qs_window_get_document (walk->window);
  const char *name;

  if (qs_window_get_busy (walk->window) || qs_document_get_updating (document)
      || qs_document_get_estimate (document) == NULL)
    return G_SOURCE_CONTINUE;
  set_up (walk, 0, &name);
  g_timeout_add_full (G_PRIORITY_DEFAULT, SETTLE_MS, take_cb, walk, (GDestroyNotify) walk_free);
  return G_SOURCE_REMOVE;
}

void
qs_screenshots_start (QsWindow   *window,
                      const char *dir)
{
  Walk *walk;

  g_return_if_fail (QS_IS_WINDOW (window));
  g_return_if_fail (dir != NULL);

  g_mkdir_with_parents (dir, 0755);
  walk = g_new0 (Walk, 1);
  walk->window = g_object_ref (window);
  walk->dir = g_strdup (dir);
  gtk_window_set_default_size (GTK_WINDOW (window), SHOT_WIDTH, SHOT_HEIGHT);
  g_timeout_add (200, wait_cb, walk);
}
