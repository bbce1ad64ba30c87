/* qs-window.h: a main window showing one graph */
#pragma once

#include <adwaita.h>

#include "qs-application.h"
#include "qs-document.h"
#include "qs-graph-view.h"

G_BEGIN_DECLS

#define QS_TYPE_WINDOW (qs_window_get_type ())

G_DECLARE_FINAL_TYPE (QsWindow, qs_window, QS, WINDOW, AdwApplicationWindow)

QsWindow    *qs_window_new            (QsApplication *application);
/* Loads @file in the background; errors show as a toast. */
void         qs_window_open_file      (QsWindow      *self,
                                       GFile         *file);
/* TRUE while a file is loading. */
gboolean     qs_window_get_busy       (QsWindow      *self);
/* Borrowed. */
QsGraphView *qs_window_get_graph_view (QsWindow      *self);
/* The open project or graph, its edits and results; borrowed. */
QsDocument  *qs_window_get_document   (QsWindow      *self);
GtkSearchEntry *qs_window_get_search_entry (QsWindow *self);
/* Data for an overlay of the dropdown: "latency", "error" or "bound"
 * ("macs" is computed); referenced. Shown at once if it is the one on. */
void         qs_window_set_overlay    (QsWindow      *self,
                                       const char    *name,
                                       QsOverlay     *overlay);
/* Shows the side panel's page @name: "node", "rules" or "report". */
void         qs_window_show_panel     (QsWindow      *self,
                                       const char    *name);
/* Exports the view to @filename (.png, .svg or .pdf) and says so. */
gboolean     qs_window_export         (QsWindow      *self,
                                       const char    *filename,
                                       GError       **error);

G_END_DECLS
