/* qs-layout-groups.h: module groups and wrapped regions over a layout
 *
 * Groups are the module hierarchy of the graph (every module path holding
 * at least two nodes) and its wrapped regions. Each group has a frame
 * around its members and can be collapsed into one box.
 *
 * The property collapsing keeps: the layout is computed once, with every
 * group expanded, and never changes. Collapsing a group hides its members
 * and shows one box at the top of its frame, no larger than the frame;
 * every node outside the group keeps exactly its rectangle, and expanding
 * restores the group's members to where they were. Edges into or out of a
 * collapsed group are re-routed to its box; edges inside it are hidden.
 *
 * A QsLayoutGroups keeps a reference on its layout. It is not thread safe:
 * one owner (the view, or an export) changes the collapsed state.
 */
#pragma once

#include <glib.h>

#include "qs-layout.h"
#include "qs-passes.h"

G_BEGIN_DECLS

#define QS_LAYOUT_GROUP_NONE G_MAXUINT32

typedef enum
{
  QS_LAYOUT_GROUP_MODULE,
  QS_LAYOUT_GROUP_WRAPPED,
} QsLayoutGroupKind;

typedef struct
{
  QsLayoutGroupKind kind;
  const char  *path;      /* module path, or the wrapped region's name */
  const char  *label;     /* what the frame says: the path, or "kind: name" */
  guint32      parent;    /* enclosing module group, or QS_LAYOUT_GROUP_NONE */
  guint32      depth;     /* 0 for top-level groups */
  guint32      n_nodes;   /* nodes inside, at every depth */
  QsId         wrapped;   /* the wrapped region, or QS_ID_NONE */
  gboolean     collapsed;
  QsLayoutRect frame;     /* around the members, with a label strip on top */
  QsLayoutRect box;       /* what a collapsed group shows */
} QsLayoutGroup;

typedef struct _QsLayoutGroups QsLayoutGroups;

/* Finds the groups of @layout's graph; all expanded. */
QsLayoutGroups      *qs_layout_groups_new           (QsLayout             *layout);
void                 qs_layout_groups_free          (QsLayoutGroups       *groups);
/* Borrowed. */
QsLayout            *qs_layout_groups_get_layout    (const QsLayoutGroups *groups);

guint                qs_layout_groups_get_n_groups  (const QsLayoutGroups *groups);
/* Borrowed; valid as long as @groups. */
const QsLayoutGroup *qs_layout_groups_get_group     (const QsLayoutGroups *groups,
                                                     guint                 group);
/* The module group of @path, or QS_LAYOUT_GROUP_NONE. */
guint                qs_layout_groups_lookup        (const QsLayoutGroups *groups,
                                                     const char           *path);
/* The innermost module group holding @node, or QS_LAYOUT_GROUP_NONE. */
guint                qs_layout_groups_node_group    (const QsLayoutGroups *groups,
                                                     QsId                  node);

void                 qs_layout_groups_set_collapsed (QsLayoutGroups       *groups,
                                                     guint                 group,
                                                     gboolean              collapsed);
void                 qs_layout_groups_expand_all    (QsLayoutGroups       *groups);
/* A counter that changes on every collapse or expand (for caches). */
guint                qs_layout_groups_get_serial    (const QsLayoutGroups *groups);

/* The outermost collapsed group hiding @node, or QS_LAYOUT_GROUP_NONE when
 * the node shows. */
guint                qs_layout_groups_node_owner    (const QsLayoutGroups *groups,
                                                     QsId                  node);
/* TRUE when @group shows: no enclosing group is collapsed. */
gboolean             qs_layout_groups_is_shown      (const QsLayoutGroups *groups,
                                                     guint                 group);

/* The polyline of edge @edge with collapsed groups taken into account,
 * written to @points (room for the edge's n_points). Returns the number of
 * points, or 0 when the edge is hidden inside a collapsed group. */
guint                qs_layout_groups_route_edge    (const QsLayoutGroups *groups,
                                                     guint                 edge,
                                                     QsLayoutPoint        *points);

/* The shown node under (x, y), or QS_ID_NONE; when the point is on a
 * collapsed box or a frame's label strip, @group gets that group. */
QsId                 qs_layout_groups_hit           (const QsLayoutGroups *groups,
                                                     double                x,
                                                     double                y,
                                                     guint                *group);
/* Appends shown nodes meeting @rect to @ids (QsId). */
void                 qs_layout_groups_nodes_in_rect (const QsLayoutGroups *groups,
                                                     const QsLayoutRect   *rect,
                                                     GArray               *ids);
/* Appends shown groups whose frame (or box) meets @rect to @out (guint),
 * outer groups first. */
void                 qs_layout_groups_in_rect       (const QsLayoutGroups *groups,
                                                     const QsLayoutRect   *rect,
                                                     GArray               *out);

/* One outline per fusion group of @report whose members are nodes of the
 * layout's graph (the report's input graph): @rects gets a QsLayoutRect
 * per report group, width 0 when a member is not in the layout. */
void                 qs_layout_fusion_outlines      (const QsLayout       *layout,
                                                     const QsFuseReport   *report,
                                                     GArray               *rects);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsLayoutGroups, qs_layout_groups_free)

G_END_DECLS
