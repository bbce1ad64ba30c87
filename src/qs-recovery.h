/* qs-recovery.h: offering to recover unsaved changes after a crash */
#pragma once

#include <adwaita.h>

#include "qs-document.h"

G_BEGIN_DECLS

/* When @document has an autosave newer than its file, asks (an
 * AdwMessageDialog on @parent) whether to recover it or discard it, and
 * does that. Returns the dialog (borrowed) or NULL when nothing to ask. */
GtkWidget *qs_recovery_offer (GtkWindow  *parent,
                              QsDocument *document);

G_END_DECLS
