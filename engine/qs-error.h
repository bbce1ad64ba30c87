/* qs-error.h: the QS_ERROR domain for what a user or a file can cause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QS_ERROR (qs_error_quark ())

typedef enum
{
  QS_ERROR_IO,          /* a file could not be read or written */
  QS_ERROR_PARSE,       /* not well-formed JSON / XML / binary */
  QS_ERROR_VERSION,     /* a format version this build does not know */
  QS_ERROR_INVALID,     /* well-formed but structurally wrong */
  QS_ERROR_DANGLING,    /* a reference to something that does not exist */
  QS_ERROR_CYCLE,       /* the dataflow graph has a cycle or is out of order */
  QS_ERROR_SHAPE,       /* shapes are inconsistent */
  QS_ERROR_WEIGHTS,     /* weights missing, of the wrong shape or dtype */
  QS_ERROR_OVERFLOW,    /* a size or offset overflows or exceeds a limit */
  QS_ERROR_UNSUPPORTED, /* valid, but not supported by this operation */
  QS_ERROR_NO_MARCH,    /* a target march is required */
  QS_ERROR_CANCELLED,
} QsError;

GQuark qs_error_quark (void);

G_END_DECLS
