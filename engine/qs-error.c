#include "qs-error.h"

G_DEFINE_QUARK (qs-error-quark, qs_error)
