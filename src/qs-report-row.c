/* qs-report-row.c: one kernel in the per-node report table */
#include "config.h"

#include "qs-report-row.h"

struct _QsReportRow
{
  GObject  parent_instance;

  /* owned */
  char    *name;
  char    *op;
  char    *dtype;
  char    *bound;

  QsId     node;
  double   latency_us;
  guint64  macs;
  double   sqnr_db;
  double   cosine;
};

G_DEFINE_FINAL_TYPE (QsReportRow, qs_report_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NODE,
  PROP_NAME,
  PROP_OP,
  PROP_DTYPE,
  PROP_BOUND,
  PROP_LATENCY,
  PROP_MACS,
  PROP_SQNR,
  PROP_COSINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qs_report_row_finalize (GObject *object)
{
  QsReportRow *self = QS_REPORT_ROW (object);

  g_free (self->name);
  g_free (self->op);
  g_free (self->dtype);
  g_free (self->bound);
  G_OBJECT_CLASS (qs_report_row_parent_class)->finalize (object);
}

static void
qs_report_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QsReportRow *self = QS_REPORT_ROW (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_uint (value, self->node); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_OP: g_value_set_string (value, self->op); break;
    case PROP_DTYPE: g_value_set_string (value, self->dtype); break;
    case PROP_BOUND: g_value_set_string (value, self->bound); break;
    case PROP_LATENCY: g_value_set_double (value, self->latency_us); break;
    case PROP_MACS: g_value_set_uint64 (value, self->macs); break;
    case PROP_SQNR: g_value_set_double (value, self->sqnr_db); break;
    case PROP_COSINE: g_value_set_double (value, self->cosine); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_report_row_class_init (QsReportRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = qs_report_row_finalize;
  object_class->get_property = qs_report_row_get_property;

  properties[PROP_NODE] = g_param_spec_uint ("node", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_OP] = g_param_spec_string ("op", NULL, NULL, NULL, flags);
  properties[PROP_DTYPE] = g_param_spec_string ("dtype", NULL, NULL, NULL, flags);
  properties[PROP_BOUND] = g_param_spec_string ("bound", NULL, NULL, NULL, flags);
  properties[PROP_LATENCY] =
    g_param_spec_double ("latency", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_MACS] = g_param_spec_uint64 ("macs", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SQNR] =
    g_param_spec_double ("sqnr", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_COSINE] =
    g_param_spec_double ("cosine", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qs_report_row_init (QsReportRow *self)
{
}

QsReportRow *
qs_report_row_new (const QsReportRowData *data)
{
  QsReportRow *self = g_object_new (QS_TYPE_REPORT_ROW, NULL);

  self->node = data->node;
  self->name = g_strdup (data->name);
  self->op = g_strdup (data->op);
  self->dtype = g_strdup (data->dtype);
  self->bound = g_strdup (data->bound);
  self->latency_us = data->latency_us;
  self->macs = data->macs;
  self->sqnr_db = data->sqnr_db;
  self->cosine = data->cosine;
  return self;
}

QsId
qs_report_row_get_node (QsReportRow *self)
{
  g_return_val_if_fail (QS_IS_REPORT_ROW (self), QS_ID_NONE);
  return self->node;
}

const char *
qs_report_row_get_name (QsReportRow *self)
{
  g_return_val_if_fail (QS_IS_REPORT_ROW (self), NULL);
  return self->name;
}

double
qs_report_row_get_latency (QsReportRow *self)
{
  g_return_val_if_fail (QS_IS_REPORT_ROW (self), 0);
  return self->latency_us;
}
