/* qs-report-row.h: one kernel in the per-node report table */
#pragma once

#include <glib-object.h>

#include "qs-graph.h"

G_BEGIN_DECLS

#define QS_TYPE_REPORT_ROW (qs_report_row_get_type ())

G_DECLARE_FINAL_TYPE (QsReportRow, qs_report_row, QS, REPORT_ROW, GObject)

/* Numbers not measured (SQNR, cosine before convert) hold this value, which
 * sorts first and shows as a dash. */
#define QS_REPORT_ROW_UNKNOWN (-G_MAXDOUBLE)

typedef struct
{
  QsId        node;        /* source graph: what selecting the row selects */
  const char *name;
  const char *op;
  const char *dtype;
  const char *bound;
  double      latency_us;
  guint64     macs;
  double      sqnr_db;
  double      cosine;
} QsReportRowData;

QsReportRow *qs_report_row_new        (const QsReportRowData *data);
QsId         qs_report_row_get_node   (QsReportRow           *self);
const char  *qs_report_row_get_name   (QsReportRow           *self);
double       qs_report_row_get_latency (QsReportRow          *self);

G_END_DECLS
