/* qs-graph-render-text.c: labels, their measures and their layouts
 *
 * Node sizes for the layout come from per-character advances measured
 * once per font (no Pango per node); drawn labels are PangoLayouts built
 * once per node and kept, and other text (frame labels, stub notes,
 * counts) is kept by its font and string, so a frame shapes no text it
 * has shaped before.
 */
#include "config.h"

#include <math.h>

#include "qs-graph-render-private.h"

#define NODE_MIN_W   96.0
#define NODE_MAX_W   280.0
#define TEXT_CACHE_MAX 4096

static const char * const font_names[QS_RENDER_N_FONTS] = {
  "Sans Bold 10", "Sans 9", "Monospace 8", "Sans 7",
};

static void
set_unhinted (PangoContext *context)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
}

static const char *
node_title (const QsNode *node,
            GString      *out)
{
  g_string_assign (out, node->op == QS_OP_UNKNOWN && node->target != NULL
                        ? node->target : qs_op_name (node->op));
  /* A fused node says what it absorbed: conv+bn+relu. */
  for (guint i = 0; i < node->n_fused; i++)
    g_string_append_printf (out, "+%s", qs_op_name (node->fused[i].op));
  return out->str;
}

static const char *
node_path (const QsNode *node)
{
  const char *path = qs_node_module_path (node);

  if (path != NULL && *path != '\0')
    return path;
  return node->name ? node->name : "";
}

static const char *
node_type (const QsGraph *graph,
           const QsNode  *node,
           GString       *out)
{
  g_string_truncate (out, 0);
  if (node->n_outputs == 0 || node->outputs[0] >= graph->n_values)
    return " ";
  qs_type_append (&graph->values[node->outputs[0]].type, out);
  if (node->n_outputs > 1)
    g_string_append_printf (out, " +%u", node->n_outputs - 1);
  return out->str;
}

static void
node_lines (const QsGraph *graph,
            QsId           id,
            GString       *title,
            GString       *type,
            const char   **lines)
{
  const QsNode *node = &graph->nodes[id];

  lines[0] = node_title (node, title);
  lines[1] = node_path (node);
  lines[2] = node_type (graph, node, type);
}

/* Text widths for sizing nodes: per font, the advance of every printable
 * ASCII character and the line height, measured once. Summing advances
 * ignores kerning, which only matters for the ellipsis that labels have
 * anyway; other text goes through Pango. */
typedef struct
{
  PangoLayout *layout;   /* borrowed: the measure layout holds this */
  double       advance[3][128];
  int          line_height[3];
} TextMetrics;

static TextMetrics *
text_metrics_new (PangoLayout *pl)
{
  TextMetrics *m = g_new0 (TextMetrics, 1);

  m->layout = pl;
  for (guint f = 0; f < 3; f++)
    {
      g_autoptr (PangoFontDescription) desc = pango_font_description_from_string (font_names[f]);
      PangoRectangle logical;

      pango_layout_set_font_description (pl, desc);
      for (guint c = 32; c < 127; c++)
        {
          char text[2] = { (char) c, 0 };

          pango_layout_set_text (pl, text, 1);
          pango_layout_get_extents (pl, NULL, &logical);
          m->advance[f][c] = (double) logical.width / PANGO_SCALE;
        }
      pango_layout_set_text (pl, "Ag", -1);
      pango_layout_get_pixel_size (pl, NULL, &m->line_height[f]);
    }
  return m;
}

static double
text_width (TextMetrics *m,
            guint        font,
            const char  *text)
{
  double w = 0;

  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (*p < 32 || *p >= 127)
        {
          g_autoptr (PangoFontDescription) desc =
            pango_font_description_from_string (font_names[font]);
          int pw;

          pango_layout_set_font_description (m->layout, desc);
          pango_layout_set_text (m->layout, text, -1);
          pango_layout_get_pixel_size (m->layout, &pw, NULL);
          return pw;
        }
      w += m->advance[font][*p];
    }
  return ceil (w);
}

static void
measure_node_cb (const QsGraph *graph,
                 QsId           id,
                 double        *width,
                 double        *height,
                 gpointer       user_data)
{
  TextMetrics *m = user_data;
  g_autoptr (GString) title = g_string_new (NULL);
  g_autoptr (GString) type = g_string_new (NULL);
  const char *lines[3];
  double w = 0;
  int h = 0;

  node_lines (graph, id, title, type, lines);
  for (guint i = 0; i < 3; i++)
    {
      w = MAX (w, text_width (m, i, lines[i]));
      h += m->line_height[i];
    }
  *width = CLAMP (w + 2 * QS_RENDER_NODE_PAD + 4, NODE_MIN_W, NODE_MAX_W);
  *height = h + 2 * QS_RENDER_NODE_PAD;
}

void
qs_graph_render_init_layout_options (QsLayoutOptions *opts,
                                     PangoLayout     *measure)
{
  g_return_if_fail (opts != NULL);
  g_return_if_fail (PANGO_IS_LAYOUT (measure));

  set_unhinted (pango_layout_get_context (measure));
  pango_layout_context_changed (measure);
  qs_layout_options_init (opts);
  opts->size_func = measure_node_cb;
  opts->size_data = g_object_get_data (G_OBJECT (measure), "qs-text-metrics");
  if (opts->size_data == NULL)
    {
      opts->size_data = text_metrics_new (measure);
      g_object_set_data_full (G_OBJECT (measure), "qs-text-metrics", opts->size_data, g_free);
    }
}

PangoLayout *
qs_graph_render_new_measure_layout (void)
{
  g_autoptr (PangoFontMap) font_map = pango_cairo_font_map_new ();
  PangoContext *context;
  PangoLayout *layout;

  pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (font_map), 96);
  context = pango_font_map_create_context (font_map);
  layout = pango_layout_new (context);
  g_object_unref (context);
  return layout;
}

static void
node_text_free (gpointer data)
{
  QsNodeText *text = data;

  for (guint i = 0; i < 3; i++)
    g_clear_object (&text->lines[i]);
  g_free (text);
}

QsNodeText *
qs_graph_render_node_text (QsGraphRender *self,
                           QsId           id,
                           double         width)
{
  g_autoptr (GString) title = NULL, type = NULL;
  const char *lines[3];
  QsNodeText *text;

  text = g_hash_table_lookup (self->texts, GUINT_TO_POINTER (id));
  if (text != NULL)
    return text;
  if (g_hash_table_size (self->texts) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all (self->texts);

  title = g_string_new (NULL);
  type = g_string_new (NULL);
  node_lines (self->graph, id, title, type, lines);
  text = g_new0 (QsNodeText, 1);
  for (guint i = 0; i < 3; i++)
    {
      PangoLayout *pl = pango_layout_new (self->context);

      pango_layout_set_font_description (pl, self->fonts[i]);
      pango_layout_set_width (pl, (int) (width * PANGO_SCALE));
      pango_layout_set_ellipsize (pl, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment (pl, PANGO_ALIGN_CENTER);
      pango_layout_set_text (pl, lines[i], -1);
      pango_layout_get_pixel_size (pl, NULL, &text->heights[i]);
      text->lines[i] = pl;
    }
  g_hash_table_insert (self->texts, GUINT_TO_POINTER (id), text);
  return text;
}

/* Borrowed from the cache; one layout per font and string. */
static PangoLayout *
text_layout (QsGraphRender *self,
             guint          font,
             const char    *text)
{
  g_autofree char *key = g_strdup_printf ("%u:%s", font, text);
  PangoLayout *pl = g_hash_table_lookup (self->notes, key);

  if (pl != NULL)
    return pl;
  if (g_hash_table_size (self->notes) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all (self->notes);
  pl = pango_layout_new (self->context);
  pango_layout_set_font_description (pl, self->fonts[font]);
  pango_layout_set_text (pl, text, -1);
  g_hash_table_insert (self->notes, g_steal_pointer (&key), pl);
  return pl;
}

void
qs_graph_render_show_text (QsGraphRender *self,
                           cairo_t       *cr,
                           guint          font,
                           const char    *text,
                           double         x,
                           double         y,
                           int           *width,
                           int           *height)
{
  PangoLayout *pl = text_layout (self, font, text);

  pango_layout_get_pixel_size (pl, width, height);
  if (cr != NULL)
    {
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, pl);
    }
}

void
qs_graph_render_init_text (QsGraphRender *self)
{
  self->font_map = pango_cairo_font_map_new ();
  pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (self->font_map), 96);
  self->context = pango_font_map_create_context (self->font_map);
  set_unhinted (self->context);
  for (guint i = 0; i < QS_RENDER_N_FONTS; i++)
    self->fonts[i] = pango_font_description_from_string (font_names[i]);
  self->texts = g_hash_table_new_full (NULL, NULL, NULL, node_text_free);
  self->notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

void
qs_graph_render_clear_text (QsGraphRender *self)
{
  g_hash_table_unref (self->texts);
  g_hash_table_unref (self->notes);
  g_object_unref (self->context);
  g_object_unref (self->font_map);
  for (guint i = 0; i < QS_RENDER_N_FONTS; i++)
    pango_font_description_free (self->fonts[i]);
}

void
qs_graph_render_forget_text (QsGraphRender *self)
{
  g_hash_table_remove_all (self->texts);
  g_hash_table_remove_all (self->notes);
}
