/* qs-report-view.h: the per-node table and the whole-model summary */
#pragma once

#include <adwaita.h>

#include "qs-document.h"

G_BEGIN_DECLS

#define QS_TYPE_REPORT_VIEW (qs_report_view_get_type ())

G_DECLARE_FINAL_TYPE (QsReportView, qs_report_view, QS, REPORT_VIEW, AdwBin)

GtkWidget  *qs_report_view_new          (void);
QsDocument *qs_report_view_get_document (QsReportView *self);
void        qs_report_view_set_document (QsReportView *self,
                                         QsDocument   *document);
/* The rows shown (filtered and sorted), a GListModel of QsReportRow. */
GListModel *qs_report_view_get_model    (QsReportView *self);
/* Filters rows by node name or op. */
void        qs_report_view_set_filter   (QsReportView *self,
                                         const char   *text);

G_END_DECLS
