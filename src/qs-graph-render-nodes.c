/* qs-graph-render-nodes.c: group frames, fusion outlines, nodes, labels,
 * markers and the selection
 *
 * Each function draws what collect_visible () found for the frame; fills
 * of one colour go in one path.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-graph-render-private.h"

/* Groups */

void
qs_graph_render_draw_group_frames (QsGraphRender      *self,
                                   cairo_t            *cr,
                                   const QsRenderView *view,
                                   gboolean            text)
{
  static const double dash[] = { 6, 4 };

  for (guint i = 0; i < self->visible_groups->len; i++)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups,
                                                           g_array_index (self->visible_groups,
                                                                          guint, i));
      gboolean wrapped = g->kind == QS_LAYOUT_GROUP_WRAPPED;

      if (g->collapsed)
        continue;
      /* Frames on screen smaller than a few pixels are noise. */
      if (g->frame.width * view->zoom < 6 || g->frame.height * view->zoom < 6)
        continue;
      qs_render_rounded_rect (cr, &g->frame, QS_RENDER_NODE_RADIUS + 4);
      /* Only wrapped regions are tinted: a large module frame's fill would
       * cost a full-screen blend per nesting level. */
      if (wrapped)
        {
          cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.07);
          cairo_fill_preserve (cr);
        }
      if (wrapped)
        {
          cairo_set_source_rgba (cr, 0.57, 0.25, 0.67, 0.9);
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
        }
      else
        qs_render_set_color (cr, &view->foreground, 0.25);
      /* At least a device pixel, so frames show at overview zooms. */
      cairo_set_line_width (cr, MAX (wrapped ? 1.5 : 1, 1 / view->zoom));
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (!text)
        continue;
      if (wrapped)
        cairo_set_source_rgba (cr, 0.47, 0.18, 0.57, 1);
      else
        qs_render_set_color (cr, &view->foreground, 0.7);
      qs_graph_render_show_text (self, cr, QS_RENDER_FONT_PATH, g->label, g->frame.x + 8, g->frame.y + 2, NULL, NULL);
    }
}

void
qs_graph_render_draw_collapsed_boxes (QsGraphRender      *self,
                                      cairo_t            *cr,
                                      const QsRenderView *view,
                                      gboolean            text)
{
  static const double dash[] = { 6, 4 };

  for (guint i = 0; i < self->visible_groups->len; i++)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups,
                                                           g_array_index (self->visible_groups,
                                                                          guint, i));
      QsLayoutRect inner = { g->box.x + 3, g->box.y + 3, g->box.width - 6, g->box.height - 6 };
      g_autofree char *count = NULL;

      if (!g->collapsed)
        continue;
      qs_render_rounded_rect (cr, &g->box, QS_RENDER_NODE_RADIUS);
      cairo_set_source_rgba (cr, 0.82, 0.86, 0.92, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.2, 0.25, 0.35, 0.8);
      if (g->kind == QS_LAYOUT_GROUP_WRAPPED)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      /* A second outline: a box that holds more boxes. */
      qs_render_rounded_rect (cr, &inner, QS_RENDER_NODE_RADIUS - 2);
      cairo_set_line_width (cr, 0.75);
      cairo_stroke (cr);
      if (!text)
        continue;
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 1);
      qs_graph_render_show_text (self, cr, QS_RENDER_FONT_TITLE, g->label, g->box.x + 10, g->box.y + 8, NULL, NULL);
      count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "▸ %u node", "▸ %u nodes",
                                            g->n_nodes), g->n_nodes);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 0.7);
      qs_graph_render_show_text (self, cr, QS_RENDER_FONT_PATH, count, g->box.x + 10, g->box.y + 28, NULL, NULL);
    }
}

/* Members of a fusion group are outlined one by one and tied by a thick
 * line: a box around all of them would cover whatever sits between. */
void
qs_graph_render_draw_fusion_outlines (QsGraphRender      *self,
                                      cairo_t            *cr,
                                      const QsLayoutRect *visible)
{
  gboolean any = FALSE;

  cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.35);
  cairo_set_line_width (cr, 6);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->fusion_rects->len; i++)
        {
          const QsLayoutRect *r = &g_array_index (self->fusion_rects, QsLayoutRect, i);
          const QsFuseGroup *fg = &g_array_index (self->fusion->groups, QsFuseGroup, i);

          if (r->width <= 0 || r->x > visible->x + visible->width || r->x + r->width < visible->x
              || r->y > visible->y + visible->height || r->y + r->height < visible->y
              || qs_layout_groups_node_owner (self->groups, fg->members[0]) != QS_LAYOUT_GROUP_NONE)
            continue;
          for (guint k = 0; k < fg->n_members; k++)
            {
              QsLayoutRect m;

              qs_layout_get_node_rect (self->layout, fg->members[k], &m);
              if (pass == 0)
                {
                  /* members[0] is the head: tie each member to it. */
                  QsLayoutRect h;

                  qs_layout_get_node_rect (self->layout, fg->members[0], &h);
                  cairo_move_to (cr, h.x + h.width / 2, h.y + h.height / 2);
                  cairo_line_to (cr, m.x + m.width / 2, m.y + m.height / 2);
                }
              else
                {
                  m = (QsLayoutRect) { m.x - 4, m.y - 4, m.width + 8, m.height + 8 };
                  qs_render_rounded_rect (cr, &m, QS_RENDER_NODE_RADIUS + 4);
                }
              any = TRUE;
            }
        }
      if (pass == 0 && any)
        cairo_stroke (cr);
      cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.85);
      cairo_set_line_width (cr, 2);
    }
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  if (any)
    cairo_stroke (cr);
}

/* Nodes */

void
qs_graph_render_draw_node_fills (QsGraphRender *self,
                                 cairo_t       *cr,
                                 gboolean       detail)
{
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    g_array_set_size (self->per_bucket[b], 0);
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);

      g_array_append_val (self->per_bucket[self->bucket[n]], n);
    }
  for (guint b = 0; b < QS_RENDER_N_BUCKETS; b++)
    {
      GArray *ids = self->per_bucket[b];

      if (ids->len == 0)
        continue;
      for (guint i = 0; i < ids->len; i++)
        {
          QsLayoutRect r;

          qs_layout_get_node_rect (self->layout, g_array_index (ids, QsId, i), &r);
          if (detail)
            qs_render_rounded_rect (cr, &r, QS_RENDER_NODE_RADIUS);
          else
            cairo_rectangle (cr, r.x, r.y, r.width, r.height);
        }
      qs_render_set_color (cr, &self->bucket_colors[b], 1);
      cairo_fill (cr);
    }
  if (!detail)
    return;
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (self->layout, g_array_index (self->visible_nodes, QsId, i), &r);
      qs_render_rounded_rect (cr, &r, QS_RENDER_NODE_RADIUS);
    }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

void
qs_graph_render_draw_node_labels (QsGraphRender *self,
                                  cairo_t       *cr)
{
  static const double alpha[] = { 1, 0.75, 0.75 };

  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      QsNodeText *text;
      QsLayoutRect r;
      double y;

      qs_layout_get_node_rect (self->layout, n, &r);
      text = qs_graph_render_node_text (self, n, r.width - 8);
      y = r.y + QS_RENDER_NODE_PAD;
      for (guint k = 0; k < 3; k++)
        {
          cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, alpha[k]);
          cairo_move_to (cr, r.x + 4, y);
          pango_cairo_show_layout (cr, text->lines[k]);
          y += text->heights[k];
        }
    }
}

void
qs_graph_render_draw_markers (QsGraphRender *self,
                              cairo_t       *cr)
{
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      guint8 m = self->markers[n];
      QsLayoutRect r;

      if (m == 0)
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      if (m & MARK_FUSED)
        {
          QsLayoutRect outer = { r.x - 3, r.y - 3, r.width + 6, r.height + 6 };

          qs_render_rounded_rect (cr, &outer, QS_RENDER_NODE_RADIUS + 3);
          cairo_set_source_rgba (cr, 0.10, 0.37, 0.71, 0.85);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
      if (m & MARK_OBSERVED)
        {
          /* A diamond on the output edge, just below the node. */
          double cx = r.x + r.width / 2, cy = r.y + r.height + 8;

          cairo_move_to (cr, cx, cy - 5);
          cairo_line_to (cr, cx + 5, cy);
          cairo_line_to (cr, cx, cy + 5);
          cairo_line_to (cr, cx - 5, cy);
          cairo_close_path (cr);
          cairo_set_source_rgba (cr, 0.11, 0.53, 0.24, 1);
          cairo_fill (cr);
        }
      if (m & MARK_WEIGHT_OBS)
        {
          cairo_rectangle (cr, r.x + 4, r.y + 4, 6, 6);
          cairo_set_source_rgba (cr, 0.11, 0.53, 0.24, 1);
          cairo_fill (cr);
        }
      if (m & MARK_NEAR_MISS)
        {
          double cx = r.x + r.width - 2, cy = r.y + 2;

          cairo_arc (cr, cx, cy, 7, 0, 2 * G_PI);
          cairo_set_source_rgba (cr, 0.90, 0.38, 0.0, 1);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, 1, 1, 1, 1);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, cx, cy - 4);
          cairo_line_to (cr, cx, cy + 1);
          cairo_move_to (cr, cx, cy + 3);
          cairo_line_to (cr, cx, cy + 4.5);
          cairo_stroke (cr);
        }
    }
}

void
qs_graph_render_draw_selection (QsGraphRender *self,
                                cairo_t       *cr,
                                double         zoom)
{
  gboolean any = FALSE;

  if (self->selected == NULL)
    return;
  for (guint i = 0; i < self->visible_nodes->len; i++)
    {
      QsId n = g_array_index (self->visible_nodes, QsId, i);
      QsLayoutRect r;

      if (!self->selected[n])
        continue;
      qs_layout_get_node_rect (self->layout, n, &r);
      r = (QsLayoutRect) { r.x - 2, r.y - 2, r.width + 4, r.height + 4 };
      qs_render_rounded_rect (cr, &r, QS_RENDER_NODE_RADIUS + 2);
      any = TRUE;
    }
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
  cairo_set_line_width (cr, MAX (3, 2 / zoom));
  if (any)
    cairo_stroke (cr);
  if (self->focus < self->graph->n_nodes
      && qs_layout_groups_node_owner (self->groups, self->focus) == QS_LAYOUT_GROUP_NONE)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (self->layout, self->focus, &r);
      r = (QsLayoutRect) { r.x - 6, r.y - 6, r.width + 12, r.height + 12 };
      qs_render_rounded_rect (cr, &r, QS_RENDER_NODE_RADIUS + 6);
      cairo_set_line_width (cr, MAX (2, 1.5 / zoom));
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.6);
      cairo_stroke (cr);
    }
}
