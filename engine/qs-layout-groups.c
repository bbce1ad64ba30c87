/* qs-layout-groups.c: module groups and wrapped regions over a layout
 *
 * Groups are found in two passes over the nodes' module paths: count the
 * nodes under every path prefix, then create a group for each prefix with
 * at least two nodes, parents before children, so a group's index is
 * always larger than its parent's and frames can be built bottom-up by
 * walking the groups backwards.
 */
#include "qs-layout-groups.h"

#include <string.h>

#define FRAME_PAD    8.0
#define FRAME_LABEL  18.0
#define BOX_MAX_W    220.0

struct _QsLayoutGroups
{
  QsLayout      *layout;
  GArray        *groups;       /* QsLayoutGroup */
  GStringChunk  *strings;
  GHashTable    *by_path;      /* module path -> index + 1 */
  guint32       *node_group;   /* per node: innermost module group */
  guint32       *node_wrapped; /* per node: wrapped group */
  guint32       *owner;        /* per node: collapsed group hiding it */
  guint          serial;
  guint          n_collapsed;
};

static void
rect_union (QsLayoutRect       *r,
            const QsLayoutRect *a)
{
  double x0, y0, x1, y1;

  if (r->width <= 0)
    {
      *r = *a;
      return;
    }
  x0 = MIN (r->x, a->x);
  y0 = MIN (r->y, a->y);
  x1 = MAX (r->x + r->width, a->x + a->width);
  y1 = MAX (r->y + r->height, a->y + a->height);
  *r = (QsLayoutRect) { x0, y0, x1 - x0, y1 - y0 };
}

static gboolean
rects_meet (const QsLayoutRect *a,
            const QsLayoutRect *b)
{
  return a->x <= b->x + b->width && b->x <= a->x + a->width
         && a->y <= b->y + b->height && b->y <= a->y + a->height;
}

static gboolean
rect_contains (const QsLayoutRect *r,
               double              x,
               double              y)
{
  return x >= r->x && x <= r->x + r->width && y >= r->y && y <= r->y + r->height;
}

/* Counts one node under every prefix of @path ("a", "a.b", ...). */
static void
count_prefixes (GHashTable *counts,
                const char *path)
{
  for (const char *p = path; ; p++)
    if (*p == '.' || *p == '\0')
      {
        char *prefix = g_strndup (path, p - path);
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, prefix));

        g_hash_table_replace (counts, prefix, GUINT_TO_POINTER (n + 1));
        if (*p == '\0')
          break;
      }
}

static guint
add_group (QsLayoutGroups    *self,
           QsLayoutGroupKind  kind,
           const char        *path,
           const char        *label,
           guint32            parent)
{
  QsLayoutGroup g = { 0 };

  g.kind = kind;
  g.path = g_string_chunk_insert (self->strings, path);
  g.label = g_string_chunk_insert (self->strings, label);
  g.parent = parent;
  g.depth = parent == QS_LAYOUT_GROUP_NONE ? 0
            : g_array_index (self->groups, QsLayoutGroup, parent).depth + 1;
  g.wrapped = QS_ID_NONE;
  g_array_append_val (self->groups, g);
  return self->groups->len - 1;
}

/* The groups along @path, creating those that hold two nodes or more;
 * returns the innermost. */
static guint32
module_groups_for (QsLayoutGroups *self,
                   GHashTable     *counts,
                   const char     *path)
{
  guint32 group = QS_LAYOUT_GROUP_NONE;

  for (const char *p = path; ; p++)
    if (*p == '.' || *p == '\0')
      {
        g_autofree char *prefix = g_strndup (path, p - path);
        guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_path, prefix));

        if (index == 0 && GPOINTER_TO_UINT (g_hash_table_lookup (counts, prefix)) >= 2)
          {
            index = add_group (self, QS_LAYOUT_GROUP_MODULE, prefix, prefix, group) + 1;
            g_hash_table_insert (self->by_path,
                                 (char *) g_array_index (self->groups, QsLayoutGroup,
                                                         index - 1).path,
                                 GUINT_TO_POINTER (index));
          }
        if (index > 0)
          group = index - 1;
        if (*p == '\0')
          break;
      }
  return group;
}

static void
find_module_groups (QsLayoutGroups *self)
{
  const QsGraph *graph = qs_layout_get_graph (self->layout);
  g_autoptr (GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const char *path = qs_node_module_path (&graph->nodes[n]);

      if (path != NULL && *path != '\0')
        count_prefixes (counts, path);
    }
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      const char *path = qs_node_module_path (&graph->nodes[n]);

      self->node_group[n] = path != NULL && *path != '\0'
                            ? module_groups_for (self, counts, path) : QS_LAYOUT_GROUP_NONE;
    }
}

static void
find_wrapped_groups (QsLayoutGroups *self)
{
  const QsGraph *graph = qs_layout_get_graph (self->layout);

  for (QsId w = 0; w < graph->n_wrapped; w++)
    {
      const QsWrapped *wrapped = &graph->wrapped[w];
      guint n_ids = wrapped->n_nodes > 0 ? wrapped->n_nodes : 1;
      const QsId *ids = wrapped->n_nodes > 0 ? wrapped->nodes : &wrapped->node;
      g_autofree char *label = NULL;
      QsLayoutGroup *g;
      guint index;

      label = g_strdup_printf ("%s: %s", qs_wrap_kind_name (wrapped->kind),
                               wrapped->name ? wrapped->name : "");
      index = add_group (self, QS_LAYOUT_GROUP_WRAPPED, wrapped->name ? wrapped->name : "",
                         label, QS_LAYOUT_GROUP_NONE);
      g = &g_array_index (self->groups, QsLayoutGroup, index);
      g->wrapped = w;
      for (guint k = 0; k < n_ids; k++)
        if (ids[k] < graph->n_nodes)
          {
            self->node_wrapped[ids[k]] = index;
            g->n_nodes++;
          }
    }
}

static void
pad_frame (QsLayoutRect *r)
{
  *r = (QsLayoutRect) {
    r->x - FRAME_PAD, r->y - FRAME_PAD - FRAME_LABEL,
    r->width + 2 * FRAME_PAD, r->height + 2 * FRAME_PAD + FRAME_LABEL
  };
}

/* Frames bottom-up; each collapsed box sits at the top of its frame where
 * the first members were, as tall as a node and no wider than the frame. */
static void
build_frames (QsLayoutGroups *self)
{
  QsLayout *layout = self->layout;
  const QsLayoutOptions *opts = qs_layout_get_options (layout);
  guint n_nodes = qs_layout_get_n_nodes (layout);
  QsLayoutGroup *groups = (QsLayoutGroup *) (gpointer) self->groups->data;

  for (QsId n = 0; n < n_nodes; n++)
    {
      QsLayoutRect r;

      qs_layout_get_node_rect (layout, n, &r);
      if (self->node_group[n] != QS_LAYOUT_GROUP_NONE)
        rect_union (&groups[self->node_group[n]].frame, &r);
      if (self->node_wrapped[n] != QS_LAYOUT_GROUP_NONE)
        rect_union (&groups[self->node_wrapped[n]].frame, &r);
    }
  for (guint i = self->groups->len; i-- > 0;)
    {
      QsLayoutGroup *g = &groups[i];
      double w, top;

      if (g->frame.width <= 0)
        continue;
      top = g->frame.y;
      pad_frame (&g->frame);
      w = MIN (MAX (g->frame.width - 2 * FRAME_PAD, 1), BOX_MAX_W);
      g->box = (QsLayoutRect) { g->frame.x + (g->frame.width - w) / 2, top, w,
                                opts->node_height };
      if (g->parent != QS_LAYOUT_GROUP_NONE)
        {
          rect_union (&groups[g->parent].frame, &g->frame);
          groups[g->parent].n_nodes += g->n_nodes;
        }
    }
}

QsLayoutGroups *
qs_layout_groups_new (QsLayout *layout)
{
  QsLayoutGroups *self;
  guint n_nodes;

  g_return_val_if_fail (layout != NULL, NULL);

  n_nodes = qs_layout_get_n_nodes (layout);
  self = g_new0 (QsLayoutGroups, 1);
  self->layout = qs_layout_ref (layout);
  self->groups = g_array_new (FALSE, FALSE, sizeof (QsLayoutGroup));
  self->strings = g_string_chunk_new (4096);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  self->node_group = g_new (guint32, MAX (n_nodes, 1));
  self->node_wrapped = g_new (guint32, MAX (n_nodes, 1));
  self->owner = g_new (guint32, MAX (n_nodes, 1));
  for (guint n = 0; n < n_nodes; n++)
    self->node_wrapped[n] = self->owner[n] = QS_LAYOUT_GROUP_NONE;

  find_module_groups (self);
  /* Direct members only so far; build_frames adds the children's. */
  for (guint n = 0; n < n_nodes; n++)
    if (self->node_group[n] != QS_LAYOUT_GROUP_NONE)
      g_array_index (self->groups, QsLayoutGroup, self->node_group[n]).n_nodes++;
  find_wrapped_groups (self);
  build_frames (self);
  return self;
}

void
qs_layout_groups_free (QsLayoutGroups *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->layout, qs_layout_free);
  g_array_unref (self->groups);
  g_string_chunk_free (self->strings);
  g_hash_table_unref (self->by_path);
  g_free (self->node_group);
  g_free (self->node_wrapped);
  g_free (self->owner);
  g_free (self);
}

QsLayout *
qs_layout_groups_get_layout (const QsLayoutGroups *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->layout;
}

guint
qs_layout_groups_get_n_groups (const QsLayoutGroups *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->groups->len;
}

const QsLayoutGroup *
qs_layout_groups_get_group (const QsLayoutGroups *self,
                            guint                 group)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (group < self->groups->len, NULL);
  return &g_array_index (self->groups, QsLayoutGroup, group);
}

guint
qs_layout_groups_lookup (const QsLayoutGroups *self,
                         const char           *path)
{
  g_return_val_if_fail (self != NULL && path != NULL, QS_LAYOUT_GROUP_NONE);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->by_path, path)) - 1;
}

guint
qs_layout_groups_node_group (const QsLayoutGroups *self,
                             QsId                  node)
{
  g_return_val_if_fail (self != NULL, QS_LAYOUT_GROUP_NONE);
  g_return_val_if_fail (node < qs_layout_get_n_nodes (self->layout), QS_LAYOUT_GROUP_NONE);
  return self->node_group[node];
}

/* The outermost collapsed module group on the node's chain, else its
 * wrapped region when that is collapsed. */
static void
update_owners (QsLayoutGroups *self)
{
  const QsLayoutGroup *groups = (const QsLayoutGroup *) (gconstpointer) self->groups->data;
  guint n_nodes = qs_layout_get_n_nodes (self->layout);

  for (guint n = 0; n < n_nodes; n++)
    {
      guint32 owner = QS_LAYOUT_GROUP_NONE;

      if (self->n_collapsed > 0)
        {
          for (guint32 g = self->node_group[n]; g != QS_LAYOUT_GROUP_NONE; g = groups[g].parent)
            if (groups[g].collapsed)
              owner = g;
          if (owner == QS_LAYOUT_GROUP_NONE && self->node_wrapped[n] != QS_LAYOUT_GROUP_NONE
              && groups[self->node_wrapped[n]].collapsed)
            owner = self->node_wrapped[n];
        }
      self->owner[n] = owner;
    }
}

void
qs_layout_groups_set_collapsed (QsLayoutGroups *self,
                                guint           group,
                                gboolean        collapsed)
{
  QsLayoutGroup *g;

  g_return_if_fail (self != NULL);
  g_return_if_fail (group < self->groups->len);

  g = &g_array_index (self->groups, QsLayoutGroup, group);
  if (!g->collapsed == !collapsed)
    return;
  g->collapsed = !!collapsed;
  self->n_collapsed += collapsed ? 1 : -1;
  self->serial++;
  update_owners (self);
}

void
qs_layout_groups_expand_all (QsLayoutGroups *self)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->groups->len; i++)
    g_array_index (self->groups, QsLayoutGroup, i).collapsed = FALSE;
  self->n_collapsed = 0;
  self->serial++;
  update_owners (self);
}

guint
qs_layout_groups_get_serial (const QsLayoutGroups *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->serial;
}

guint
qs_layout_groups_node_owner (const QsLayoutGroups *self,
                             QsId                  node)
{
  g_return_val_if_fail (self != NULL, QS_LAYOUT_GROUP_NONE);
  g_return_val_if_fail (node < qs_layout_get_n_nodes (self->layout), QS_LAYOUT_GROUP_NONE);
  return self->owner[node];
}

gboolean
qs_layout_groups_is_shown (const QsLayoutGroups *self,
                           guint                 group)
{
  const QsLayoutGroup *groups;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (group < self->groups->len, FALSE);

  groups = (const QsLayoutGroup *) (gconstpointer) self->groups->data;
  for (guint32 g = groups[group].parent; g != QS_LAYOUT_GROUP_NONE; g = groups[g].parent)
    if (groups[g].collapsed)
      return FALSE;
  return groups[group].frame.width > 0;
}

/* Routed edges are pairs (leave a layer, enter the next); dummies come as
 * (top, bottom) pairs between them, so dropping whole pairs keeps that. */
guint
qs_layout_groups_route_edge (const QsLayoutGroups *self,
                             guint                 edge,
                             QsLayoutPoint        *points)
{
  const QsLayoutEdge *e;
  const QsLayoutGroup *gs = NULL, *gt = NULL;
  guint32 os, ot;
  guint n = 0;

  g_return_val_if_fail (self != NULL && points != NULL, 0);

  e = qs_layout_get_edge (self->layout, edge);
  os = self->owner[e->source];
  ot = self->owner[e->target];
  if (os == ot && os != QS_LAYOUT_GROUP_NONE)
    return 0;
  if (os == QS_LAYOUT_GROUP_NONE && ot == QS_LAYOUT_GROUP_NONE)
    {
      memcpy (points, e->points, e->n_points * sizeof (QsLayoutPoint));
      return e->n_points;
    }
  if (os != QS_LAYOUT_GROUP_NONE)
    gs = &g_array_index (self->groups, QsLayoutGroup, os);
  if (ot != QS_LAYOUT_GROUP_NONE)
    gt = &g_array_index (self->groups, QsLayoutGroup, ot);

  if (e->flags & QS_LAYOUT_EDGE_STUB)
    {
      double len = e->points[1].y - e->points[0].y;

      memcpy (points, e->points, 4 * sizeof (QsLayoutPoint));
      if (gs != NULL)
        {
          points[0] = (QsLayoutPoint) { gs->box.x + gs->box.width / 2, gs->box.y + gs->box.height };
          points[1] = (QsLayoutPoint) { points[0].x, points[0].y + len };
        }
      if (gt != NULL)
        {
          points[3] = (QsLayoutPoint) { gt->box.x + gt->box.width / 2, gt->box.y };
          points[2] = (QsLayoutPoint) { points[3].x, points[3].y - len };
        }
      return 4;
    }

  points[n++] = gs != NULL
                ? (QsLayoutPoint) { gs->box.x + gs->box.width / 2, gs->box.y + gs->box.height }
                : e->points[0];
  for (guint i = 1; i + 2 < e->n_points; i += 2)
    {
      const QsLayoutPoint *top = &e->points[i], *bottom = &e->points[i + 1];

      if (gs != NULL && bottom->y <= gs->box.y + gs->box.height)
        continue;
      if (gt != NULL && top->y >= gt->box.y)
        continue;
      points[n++] = *top;
      points[n++] = *bottom;
    }
  points[n++] = gt != NULL ? (QsLayoutPoint) { gt->box.x + gt->box.width / 2, gt->box.y }
                           : e->points[e->n_points - 1];
  return n;
}

QsId
qs_layout_groups_hit (const QsLayoutGroups *self,
                      double                x,
                      double                y,
                      guint                *group)
{
  guint hit = QS_LAYOUT_GROUP_NONE;
  QsId node;

  g_return_val_if_fail (self != NULL, QS_ID_NONE);

  /* Boxes and label strips; inner groups are later, so the last hit wins. */
  for (guint i = 0; i < self->groups->len; i++)
    {
      const QsLayoutGroup *g = &g_array_index (self->groups, QsLayoutGroup, i);
      QsLayoutRect strip = { g->frame.x, g->frame.y, g->frame.width, FRAME_LABEL };

      if (!qs_layout_groups_is_shown (self, i))
        continue;
      if (g->collapsed ? rect_contains (&g->box, x, y) : rect_contains (&strip, x, y))
        hit = i;
    }
  if (group != NULL)
    *group = hit;
  if (hit != QS_LAYOUT_GROUP_NONE)
    return QS_ID_NONE;
  node = qs_layout_node_at (self->layout, x, y);
  if (node != QS_ID_NONE && self->owner[node] != QS_LAYOUT_GROUP_NONE)
    return QS_ID_NONE;
  return node;
}

void
qs_layout_groups_nodes_in_rect (const QsLayoutGroups *self,
                                const QsLayoutRect   *rect,
                                GArray               *ids)
{
  guint k, start;

  g_return_if_fail (self != NULL && rect != NULL && ids != NULL);

  start = ids->len;
  qs_layout_nodes_in_rect (self->layout, rect, ids);
  if (self->n_collapsed == 0)
    return;
  for (guint i = k = start; i < ids->len; i++)
    {
      QsId n = g_array_index (ids, QsId, i);

      if (self->owner[n] == QS_LAYOUT_GROUP_NONE)
        g_array_index (ids, QsId, k++) = n;
    }
  g_array_set_size (ids, k);
}

void
qs_layout_groups_in_rect (const QsLayoutGroups *self,
                          const QsLayoutRect   *rect,
                          GArray               *out)
{
  g_return_if_fail (self != NULL && rect != NULL && out != NULL);

  for (guint i = 0; i < self->groups->len; i++)
    {
      const QsLayoutGroup *g = &g_array_index (self->groups, QsLayoutGroup, i);

      if (rects_meet (g->collapsed ? &g->box : &g->frame, rect)
          && qs_layout_groups_is_shown (self, i))
        g_array_append_val (out, i);
    }
}

void
qs_layout_fusion_outlines (const QsLayout     *layout,
                           const QsFuseReport *report,
                           GArray             *rects)
{
  guint n_nodes;

  g_return_if_fail (layout != NULL && report != NULL && rects != NULL);

  n_nodes = qs_layout_get_n_nodes (layout);
  for (guint i = 0; i < report->groups->len; i++)
    {
      const QsFuseGroup *fg = &g_array_index (report->groups, QsFuseGroup, i);
      QsLayoutRect outline = { 0, 0, 0, 0 };

      for (guint k = 0; k < fg->n_members; k++)
        {
          QsLayoutRect r;

          if (fg->members[k] >= n_nodes)
            {
              outline.width = 0;
              break;
            }
          qs_layout_get_node_rect (layout, fg->members[k], &r);
          rect_union (&outline, &r);
        }
      if (outline.width > 0)
        outline = (QsLayoutRect) { outline.x - 4, outline.y - 4,
                                   outline.width + 8, outline.height + 8 };
      g_array_append_val (rects, outline);
    }
}
