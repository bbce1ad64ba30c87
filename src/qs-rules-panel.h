/* qs-rules-panel.h: the project's qconfig rules and overrides, in order */
#pragma once

#include <adwaita.h>

#include "qs-document.h"

G_BEGIN_DECLS

#define QS_TYPE_RULES_PANEL (qs_rules_panel_get_type ())

G_DECLARE_FINAL_TYPE (QsRulesPanel, qs_rules_panel, QS, RULES_PANEL, AdwBin)

GtkWidget  *qs_rules_panel_new          (void);
QsDocument *qs_rules_panel_get_document (QsRulesPanel *self);
void        qs_rules_panel_set_document (QsRulesPanel *self,
                                         QsDocument   *document);
/* Rows shown for rules (not counting overrides). */
guint       qs_rules_panel_get_n_rules  (QsRulesPanel *self);

G_END_DECLS
