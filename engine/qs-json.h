/* qs-json.h: a small, strict, fast JSON reader for graph files
 *
 * json-glib builds a GObject-heavy tree through GScanner: on a 50,000-node
 * graph (17 MB) its parse alone takes about twice the import budget. This
 * reader parses RFC 8259 JSON into one arena: values are plain structs,
 * arrays are contiguous, object members keep file order. It enforces a
 * nesting limit, validates UTF-8, rejects trailing garbage and reports
 * errors with line and column.
 */
#pragma once

#include <glib.h>

#include "qs-arena.h"

G_BEGIN_DECLS

typedef enum
{
  QS_JSON_NULL,
  QS_JSON_BOOL,
  QS_JSON_INT,     /* an integer that fits in gint64 */
  QS_JSON_DOUBLE,  /* any other number */
  QS_JSON_STRING,
  QS_JSON_ARRAY,
  QS_JSON_OBJECT,
} QsJsonType;

typedef struct _QsJson       QsJson;
typedef struct _QsJsonMember QsJsonMember;

struct _QsJson
{
  QsJsonType type;
  guint32    n;      /* elements, members, or string bytes */
  guint32    line;   /* 1-based line where the value starts */
  union
  {
    gboolean      b;
    gint64        i;
    double        d;
    const char   *s;       /* NUL-terminated, valid UTF-8 */
    QsJson       *items;   /* n values */
    QsJsonMember *members; /* n members */
  };
};

struct _QsJsonMember
{
  const char *key;
  QsJson      value;
};

#define QS_JSON_MAX_DEPTH 128

/* Parses @data into @arena. On error returns NULL and sets a QS_ERROR_PARSE
 * error "line L, column C: what" (the caller prefixes the file name). */
QsJson       *qs_json_parse        (QsArena      *arena,
                                    const char   *data,
                                    gsize         length,
                                    GError      **error);
/* The member @key of an object, or NULL (also when @obj is no object). */
QsJson       *qs_json_get          (QsJson       *obj,
                                    const char   *key);
/* "an integer", "a string", ... for messages */
const char   *qs_json_type_phrase  (const QsJson *json);
/* Compact JSON text of a value (owned). */
char         *qs_json_to_string    (const QsJson *json);

static inline gboolean
qs_json_is (const QsJson *json, QsJsonType type)
{
  return json != NULL && json->type == type;
}

G_END_DECLS
