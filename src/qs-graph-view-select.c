/* qs-graph-view-select.c: the selection, clicks, keyboard navigation from
 * a node to its producers, consumers and siblings, and search */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "qs-graph-view-private.h"

/* Selection */

static void
set_selected (QsGraphView *self,
              QsId         node,
              gboolean     selected)
{
  if (!self->selected[node] == !selected)
    return;
  self->selected[node] = !!selected;
  self->n_selected += selected ? 1 : -1;
}

static void
clear_selection (QsGraphView *self)
{
  if (self->n_selected > 0)
    memset (self->selected, 0, qs_layout_get_n_nodes (self->layout));
  self->n_selected = 0;
}

void
qs_graph_view_select_node (QsGraphView *self,
                           QsId         node,
                           gboolean     add)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (self->layout != NULL);
  g_return_if_fail (node < qs_layout_get_n_nodes (self->layout));

  if (!add)
    clear_selection (self);
  set_selected (self, node, TRUE);
  self->focus = node;
  qs_graph_view_selection_changed (self);
}

void
qs_graph_view_unselect_all (QsGraphView *self)
{
  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (self->layout == NULL)
    return;
  clear_selection (self);
  self->focus = QS_ID_NONE;
  qs_graph_view_selection_changed (self);
}

void
qs_graph_view_select_rect (QsGraphView        *self,
                           const QsLayoutRect *rect,
                           gboolean            add)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (QsId));

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));
  g_return_if_fail (rect != NULL);

  if (self->layout == NULL)
    return;
  if (!add)
    clear_selection (self);
  qs_layout_groups_nodes_in_rect (self->groups, rect, ids);
  for (guint i = 0; i < ids->len; i++)
    set_selected (self, g_array_index (ids, QsId, i), TRUE);
  if (ids->len > 0)
    self->focus = g_array_index (ids, QsId, 0);
  qs_graph_view_selection_changed (self);
}

gboolean
qs_graph_view_is_selected (QsGraphView *self,
                           QsId         node)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);
  return self->layout != NULL && node < qs_layout_get_n_nodes (self->layout)
         && self->selected[node];
}

guint
qs_graph_view_get_n_selected (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 0);
  return self->n_selected;
}

GArray *
qs_graph_view_dup_selection (QsGraphView *self)
{
  GArray *ids;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), NULL);

  ids = g_array_sized_new (FALSE, FALSE, sizeof (QsId), self->n_selected);
  for (QsId n = 0; self->layout != NULL && n < qs_layout_get_n_nodes (self->layout); n++)
    if (self->selected[n])
      g_array_append_val (ids, n);
  return ids;
}

QsId
qs_graph_view_get_focus (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), QS_ID_NONE);
  return self->focus;
}

void
qs_graph_view_click (QsGraphView     *self,
                     double           x,
                     double           y,
                     GdkModifierType  state)
{
  double lx, ly;
  guint group;
  QsId node;

  g_return_if_fail (QS_IS_GRAPH_VIEW (self));

  if (self->layout == NULL)
    return;
  lx = (x - self->offset_x) / self->zoom;
  ly = (y - self->offset_y) / self->zoom;
  node = qs_layout_groups_hit (self->groups, lx, ly, &group);
  if (group != QS_LAYOUT_GROUP_NONE)
    {
      const QsLayoutGroup *g = qs_layout_groups_get_group (self->groups, group);

      qs_layout_groups_set_collapsed (self->groups, group, !g->collapsed);
      qs_graph_view_content_changed (self);
      return;
    }
  if (node == QS_ID_NONE)
    {
      if (!(state & GDK_SHIFT_MASK))
        qs_graph_view_unselect_all (self);
      return;
    }
  if (state & GDK_SHIFT_MASK)
    {
      set_selected (self, node, !self->selected[node]);
      self->focus = self->selected[node] ? node : QS_ID_NONE;
      qs_graph_view_selection_changed (self);
    }
  else
    qs_graph_view_select_node (self, node, FALSE);
  self->nav_from = QS_ID_NONE;
}

/* Navigation */

static QsId
neighbour (QsGraphView *self,
           QsId         node,
           int          dir,
           guint        index,
           guint       *n_out)
{
  const guint32 *edges;
  guint n;

  edges = dir < 0 ? qs_layout_node_in_edges (self->layout, node, &n)
                  : qs_layout_node_out_edges (self->layout, node, &n);
  *n_out = n;
  if (n == 0)
    return QS_ID_NONE;
  index %= n;
  return dir < 0 ? qs_layout_get_edge (self->layout, edges[index])->source
                 : qs_layout_get_edge (self->layout, edges[index])->target;
}

static void
move_focus (QsGraphView *self,
            QsId         node)
{
  clear_selection (self);
  set_selected (self, node, TRUE);
  self->focus = node;
  if (qs_layout_groups_node_owner (self->groups, node) == QS_LAYOUT_GROUP_NONE)
    {
      QsLayoutRect r, visible;

      qs_layout_get_node_rect (self->layout, node, &r);
      qs_graph_view_visible_rect (self, &visible);
      if (r.x < visible.x || r.y < visible.y || r.x + r.width > visible.x + visible.width
          || r.y + r.height > visible.y + visible.height || self->zoom < QS_RENDER_TEXT_ZOOM)
        qs_graph_view_center_on_node (self, node);
    }
  qs_graph_view_selection_changed (self);
}

gboolean
qs_graph_view_navigate (QsGraphView          *self,
                        QsGraphViewDirection  direction,
                        gboolean              cycle)
{
  gboolean vertical = direction == QS_GRAPH_VIEW_UP || direction == QS_GRAPH_VIEW_DOWN;
  QsId next;
  guint n;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), FALSE);

  if (self->layout == NULL || self->focus == QS_ID_NONE)
    return FALSE;
  if (vertical)
    {
      int dir = direction == QS_GRAPH_VIEW_UP ? -1 : 1;

      next = neighbour (self, self->focus, dir, 0, &n);
      if (next == QS_ID_NONE)
        return FALSE;
      self->nav_from = self->focus;
      self->nav_dir = dir;
      self->nav_index = 0;
    }
  else if (cycle && self->nav_from != QS_ID_NONE)
    {
      /* Siblings: the other producers (or consumers) of where we came from. */
      neighbour (self, self->nav_from, self->nav_dir, 0, &n);
      if (n < 2)
        return FALSE;
      self->nav_index = (self->nav_index + (direction == QS_GRAPH_VIEW_RIGHT ? 1 : n - 1)) % n;
      next = neighbour (self, self->nav_from, self->nav_dir, self->nav_index, &n);
    }
  else
    {
      next = qs_layout_node_beside (self->layout, self->focus,
                                    direction == QS_GRAPH_VIEW_RIGHT ? 1 : -1);
      if (next == QS_ID_NONE)
        return FALSE;
      self->nav_from = QS_ID_NONE;
    }
  move_focus (self, next);
  return TRUE;
}

/* Search */

static gboolean
contains (const char *haystack,
          const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL || *haystack == '\0')
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static int
compare_by_position (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  QsLayout *layout = user_data;
  QsLayoutRect ra, rb;

  qs_layout_get_node_rect (layout, *(const QsId *) a, &ra);
  qs_layout_get_node_rect (layout, *(const QsId *) b, &rb);
  if (ra.y != rb.y)
    return ra.y < rb.y ? -1 : 1;
  return (ra.x > rb.x) - (ra.x < rb.x);
}

guint
qs_graph_view_search (QsGraphView *self,
                      const char  *text)
{
  g_autofree char *needle = NULL;
  QsGraph *graph;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), 0);

  g_array_set_size (self->matches, 0);
  self->match_index = -1;
  graph = qs_graph_view_get_graph (self);
  if (graph == NULL || text == NULL || *text == '\0')
    return 0;
  needle = g_utf8_casefold (text, -1);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const QsNode *node = &graph->nodes[n];

      gboolean hit = contains (node->name, needle) || contains (qs_op_name (node->op), needle)
                     || contains (node->target, needle)
                     || contains (qs_node_module_path (node), needle);

      /* A fused node is found by what it absorbed, too. */
      for (guint k = 0; !hit && k < node->n_fused; k++)
        hit = contains (node->fused[k].name, needle) || contains (node->fused[k].target, needle);
      if (hit)
        g_array_append_val (self->matches, n);
    }
  g_array_sort_with_data (self->matches, compare_by_position, self->layout);
  return self->matches->len;
}

QsId
qs_graph_view_search_step (QsGraphView *self,
                           int          step)
{
  QsId node;
  guint group;

  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), QS_ID_NONE);

  if (self->matches->len == 0)
    return QS_ID_NONE;
  if (self->match_index < 0)
    self->match_index = step >= 0 ? 0 : (int) self->matches->len - 1;
  else
    self->match_index = (self->match_index + step + (int) self->matches->len)
                        % (int) self->matches->len;
  node = g_array_index (self->matches, QsId, self->match_index);
  /* A hit inside a collapsed group opens it: a search should show. */
  while ((group = qs_layout_groups_node_owner (self->groups, node)) != QS_LAYOUT_GROUP_NONE)
    qs_layout_groups_set_collapsed (self->groups, group, FALSE);
  qs_graph_view_content_changed (self);
  qs_graph_view_select_node (self, node, FALSE);
  qs_graph_view_center_on_node (self, node);
  return node;
}

int
qs_graph_view_get_search_index (QsGraphView *self)
{
  g_return_val_if_fail (QS_IS_GRAPH_VIEW (self), -1);
  return self->match_index;
}
