/* qs-run-bar.h: march, calibration data and the pipeline buttons, with
 * progress and Cancel */
#pragma once

#include <adwaita.h>

#include "qs-document.h"

G_BEGIN_DECLS

#define QS_TYPE_RUN_BAR (qs_run_bar_get_type ())

G_DECLARE_FINAL_TYPE (QsRunBar, qs_run_bar, QS, RUN_BAR, AdwBin)

GtkWidget  *qs_run_bar_new          (void);
QsDocument *qs_run_bar_get_document (QsRunBar   *self);
void        qs_run_bar_set_document (QsRunBar   *self,
                                     QsDocument *document);

G_END_DECLS
