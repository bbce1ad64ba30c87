/* qs-inspector.h: the selected node, its qconfig, where it came from, and
 * editing it for the selection, the op type or the module subtree */
#pragma once

#include <adwaita.h>

#include "qs-document.h"

G_BEGIN_DECLS

#define QS_TYPE_INSPECTOR (qs_inspector_get_type ())

G_DECLARE_FINAL_TYPE (QsInspector, qs_inspector, QS, INSPECTOR, AdwBin)

GtkWidget  *qs_inspector_new          (void);
QsDocument *qs_inspector_get_document (QsInspector *self);
void        qs_inspector_set_document (QsInspector *self,
                                       QsDocument  *document);

G_END_DECLS
