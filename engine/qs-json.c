/* qs-json.c: a small, strict, fast JSON reader (see qs-json.h) */
#include "qs-json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qs-error.h"

typedef struct
{
  const char *p, *end, *start;
  QsArena    *arena;
  GArray     *stack;     /* QsJson scratch for arrays */
  GArray     *mstack;    /* QsJsonMember scratch for objects */
  GString    *buf;       /* string unescaping */
  guint32     line;
  const char *line_start;
  GError    **error;
} Parser;

static gboolean
parse_error (Parser     *ps,
             const char *what)
{
  if (ps->p >= ps->end)
    g_set_error (ps->error, QS_ERROR, QS_ERROR_PARSE,
                 "line %u: unexpected end of file while reading %s; the file is truncated",
                 ps->line, what);
  else
    g_set_error (ps->error, QS_ERROR, QS_ERROR_PARSE, "line %u, column %u: expected %s",
                 ps->line, (guint) (ps->p - ps->line_start) + 1, what);
  return FALSE;
}

static inline void
skip_ws (Parser *ps)
{
  while (ps->p < ps->end)
    {
      char c = *ps->p;

      if (c == '\n')
        {
          ps->line++;
          ps->line_start = ps->p + 1;
        }
      else if (c != ' ' && c != '\t' && c != '\r')
        return;
      ps->p++;
    }
}

static gboolean parse_value (Parser *ps, QsJson *out, guint depth);

static int
hex4 (const char *p)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      int c = p[i], d;

      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        return -1;
      v = v * 16 + d;
    }
  return v;
}

static gboolean
parse_escape (Parser *ps)
{
  char c;
  int u, lo;

  if (ps->end - ps->p < 2)
    return ps->p = ps->end, parse_error (ps, "an escape sequence");
  c = ps->p[1];
  ps->p += 2;
  switch (c)
    {
    case '"': g_string_append_c (ps->buf, '"'); return TRUE;
    case '\\': g_string_append_c (ps->buf, '\\'); return TRUE;
    case '/': g_string_append_c (ps->buf, '/'); return TRUE;
    case 'b': g_string_append_c (ps->buf, '\b'); return TRUE;
    case 'f': g_string_append_c (ps->buf, '\f'); return TRUE;
    case 'n': g_string_append_c (ps->buf, '\n'); return TRUE;
    case 'r': g_string_append_c (ps->buf, '\r'); return TRUE;
    case 't': g_string_append_c (ps->buf, '\t'); return TRUE;
    case 'u':
      if (ps->end - ps->p < 4 || (u = hex4 (ps->p)) < 0)
        return parse_error (ps, "four hex digits after \\u");
      ps->p += 4;
      if (u >= 0xD800 && u <= 0xDBFF)
        {
          if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u'
              || (lo = hex4 (ps->p + 2)) < 0xDC00 || lo > 0xDFFF)
            return parse_error (ps, "a low surrogate after a high surrogate");
          ps->p += 6;
          u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
      else if (u >= 0xDC00 && u <= 0xDFFF)
        return parse_error (ps, "a high surrogate before a low surrogate");
      if (u == 0)
        return parse_error (ps, "no NUL characters in strings");
      g_string_append_unichar (ps->buf, (gunichar) u);
      return TRUE;
    default:
      ps->p--;
      return parse_error (ps, "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
    }
}

/* Strings without escapes are copied straight into the arena. */
static gboolean
parse_string (Parser      *ps,
              const char **out,
              guint32     *len)
{
  const char *s = ++ps->p; /* after the quote */
  const char *run;
  char *copy;

  while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (guchar) *ps->p >= 0x20)
    ps->p++;
  if (ps->p < ps->end && *ps->p == '"')
    {
      gsize n = ps->p - s;

      if (!g_utf8_validate (s, n, NULL))
        return parse_error (ps, "valid UTF-8 in the string before this point");
      if (n > G_MAXUINT32)
        return parse_error (ps, "a shorter string");
      copy = qs_arena_alloc (ps->arena, n + 1);
      memcpy (copy, s, n);
      ps->p++;
      *out = copy;
      *len = (guint32) n;
      return TRUE;
    }
  g_string_truncate (ps->buf, 0);
  g_string_append_len (ps->buf, s, ps->p - s);
  while (ps->p < ps->end)
    {
      run = ps->p;
      while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (guchar) *ps->p >= 0x20)
        ps->p++;
      g_string_append_len (ps->buf, run, ps->p - run);
      if (ps->p >= ps->end)
        break;
      if (*ps->p == '"')
        {
          ps->p++;
          if (!g_utf8_validate (ps->buf->str, ps->buf->len, NULL))
            return parse_error (ps, "valid UTF-8 in the string before this point");
          *out = qs_arena_memdup (ps->arena, ps->buf->str, ps->buf->len + 1);
          if (*out == NULL)
            *out = qs_arena_strdup (ps->arena, "");
          *len = (guint32) ps->buf->len;
          return TRUE;
        }
      if (*ps->p == '\\')
        {
          if (!parse_escape (ps))
            return FALSE;
        }
      else
        return parse_error (ps, "no control characters in strings (escape them)");
    }
  return parse_error (ps, "the closing quote of a string");
}

static gboolean
parse_number (Parser *ps,
              QsJson *out)
{
  const char *s = ps->p;
  gboolean is_int = TRUE;
  char buf[64];

  if (ps->p < ps->end && *ps->p == '-')
    ps->p++;
  if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
    return parse_error (ps, "a digit");
  if (*ps->p == '0')
    ps->p++;
  else
    while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
      ps->p++;
  if (ps->p < ps->end && *ps->p == '.')
    {
      is_int = FALSE;
      ps->p++;
      if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
        return parse_error (ps, "a digit after the decimal point");
      while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        ps->p++;
    }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E'))
    {
      is_int = FALSE;
      ps->p++;
      if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
        ps->p++;
      if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
        return parse_error (ps, "a digit in the exponent");
      while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        ps->p++;
    }
  if (ps->p - s >= (gssize) sizeof buf)
    return parse_error (ps, "a number of fewer than 64 characters");
  memcpy (buf, s, ps->p - s);
  buf[ps->p - s] = '\0';
  if (is_int)
    {
      char *endp;
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (buf, &endp, 10);
      if (errno == 0)
        {
          out->type = QS_JSON_INT;
          out->i = v;
          return TRUE;
        }
    }
  out->type = QS_JSON_DOUBLE;
  out->d = g_ascii_strtod (buf, NULL);
  return TRUE;
}

static gboolean
parse_literal (Parser     *ps,
               const char *word,
               QsJson     *out)
{
  gsize n = strlen (word);

  if ((gsize) (ps->end - ps->p) < n || memcmp (ps->p, word, n) != 0)
    return parse_error (ps, "a JSON value");
  ps->p += n;
  if (word[0] == 'n')
    out->type = QS_JSON_NULL;
  else
    out->type = QS_JSON_BOOL, out->b = word[0] == 't';
  return TRUE;
}

static gboolean
parse_array (Parser *ps,
             QsJson *out,
             guint   depth)
{
  guint base = ps->stack->len;
  guint n;

  ps->p++;
  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == ']')
    ps->p++;
  else
    for (;;)
      {
        QsJson item;

        if (!parse_value (ps, &item, depth + 1))
          return FALSE;
        g_array_append_val (ps->stack, item);
        skip_ws (ps);
        if (ps->p < ps->end && *ps->p == ',')
          {
            ps->p++;
            continue;
          }
        if (ps->p < ps->end && *ps->p == ']')
          {
            ps->p++;
            break;
          }
        return parse_error (ps, "“,” or “]” in an array");
      }
  n = ps->stack->len - base;
  out->type = QS_JSON_ARRAY;
  out->n = n;
  out->items = qs_arena_memdup (ps->arena, &g_array_index (ps->stack, QsJson, base),
                                n * sizeof (QsJson));
  g_array_set_size (ps->stack, base);
  return TRUE;
}

static gboolean
parse_object (Parser *ps,
              QsJson *out,
              guint   depth)
{
  guint base = ps->mstack->len;
  guint n;

  ps->p++;
  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == '}')
    ps->p++;
  else
    for (;;)
      {
        QsJsonMember m;
        guint32 klen;

        skip_ws (ps);
        if (ps->p >= ps->end || *ps->p != '"')
          return parse_error (ps, "a member name in quotes");
        if (!parse_string (ps, &m.key, &klen))
          return FALSE;
        skip_ws (ps);
        if (ps->p >= ps->end || *ps->p != ':')
          return parse_error (ps, "“:” after a member name");
        ps->p++;
        if (!parse_value (ps, &m.value, depth + 1))
          return FALSE;
        g_array_append_val (ps->mstack, m);
        skip_ws (ps);
        if (ps->p < ps->end && *ps->p == ',')
          {
            ps->p++;
            continue;
          }
        if (ps->p < ps->end && *ps->p == '}')
          {
            ps->p++;
            break;
          }
        return parse_error (ps, "“,” or “}” in an object");
      }
  n = ps->mstack->len - base;
  out->type = QS_JSON_OBJECT;
  out->n = n;
  out->members = qs_arena_memdup (ps->arena, &g_array_index (ps->mstack, QsJsonMember, base),
                                  n * sizeof (QsJsonMember));
  g_array_set_size (ps->mstack, base);
  return TRUE;
}

static gboolean
parse_value (Parser *ps,
             QsJson *out,
             guint   depth)
{
  memset (out, 0, sizeof *out);
  if (depth > QS_JSON_MAX_DEPTH)
    return parse_error (ps, "less deeply nested values (at most 128 levels)");
  skip_ws (ps);
  out->line = ps->line;
  if (ps->p >= ps->end)
    return parse_error (ps, "a JSON value");
  switch (*ps->p)
    {
    case '{':
      return parse_object (ps, out, depth);
    case '[':
      return parse_array (ps, out, depth);
    case '"':
      out->type = QS_JSON_STRING;
      return parse_string (ps, &out->s, &out->n);
    case 't':
      return parse_literal (ps, "true", out);
    case 'f':
      return parse_literal (ps, "false", out);
    case 'n':
      return parse_literal (ps, "null", out);
    default:
      return parse_number (ps, out);
    }
}

QsJson *
qs_json_parse (QsArena     *arena,
               const char  *data,
               gsize        length,
               GError     **error)
{
  Parser ps = { 0 };
  QsJson *root = qs_arena_alloc (arena, sizeof (QsJson));
  gboolean ok;

  ps.p = ps.start = ps.line_start = data;
  ps.end = data + length;
  ps.arena = arena;
  ps.stack = g_array_new (FALSE, FALSE, sizeof (QsJson));
  ps.mstack = g_array_new (FALSE, FALSE, sizeof (QsJsonMember));
  ps.buf = g_string_new (NULL);
  ps.line = 1;
  ps.error = error;
  /* A UTF-8 byte order mark is tolerated. */
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    ps.p += 3;
  ok = parse_value (&ps, root, 0);
  if (ok)
    {
      skip_ws (&ps);
      if (ps.p < ps.end)
        ok = parse_error (&ps, "the end of the file after the top-level value");
    }
  g_array_unref (ps.stack);
  g_array_unref (ps.mstack);
  g_string_free (ps.buf, TRUE);
  return ok ? root : NULL;
}

QsJson *
qs_json_get (QsJson     *obj,
             const char *key)
{
  if (obj == NULL || obj->type != QS_JSON_OBJECT)
    return NULL;
  for (guint32 i = 0; i < obj->n; i++)
    if (strcmp (obj->members[i].key, key) == 0)
      return &obj->members[i].value;
  return NULL;
}

const char *
qs_json_type_phrase (const QsJson *json)
{
  if (json == NULL)
    return "missing";
  switch (json->type)
    {
    case QS_JSON_NULL: return "null";
    case QS_JSON_BOOL: return "a boolean";
    case QS_JSON_INT: return "an integer";
    case QS_JSON_DOUBLE: return "a number";
    case QS_JSON_STRING: return "a string";
    case QS_JSON_ARRAY: return "an array";
    case QS_JSON_OBJECT: return "an object";
    default: return "a value";
    }
}

static void
append_escaped (GString    *s,
                const char *str)
{
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_c (s, '\\'), g_string_append_c (s, (char) c);
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

static void
append_json (GString      *s,
             const QsJson *j)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (j->type)
    {
    case QS_JSON_NULL:
      g_string_append (s, "null");
      break;
    case QS_JSON_BOOL:
      g_string_append (s, j->b ? "true" : "false");
      break;
    case QS_JSON_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, j->i);
      break;
    case QS_JSON_DOUBLE:
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.17g", j->d));
      if (strpbrk (buf, ".eEn") == NULL)
        g_string_append (s, ".0");
      break;
    case QS_JSON_STRING:
      append_escaped (s, j->s);
      break;
    case QS_JSON_ARRAY:
      g_string_append_c (s, '[');
      for (guint32 i = 0; i < j->n; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_json (s, &j->items[i]);
        }
      g_string_append_c (s, ']');
      break;
    case QS_JSON_OBJECT:
      g_string_append_c (s, '{');
      for (guint32 i = 0; i < j->n; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_escaped (s, j->members[i].key);
          g_string_append (s, ": ");
          append_json (s, &j->members[i].value);
        }
      g_string_append_c (s, '}');
      break;
    default:
      break;
    }
}

char *
qs_json_to_string (const QsJson *json)
{
  GString *s = g_string_new (NULL);

  append_json (s, json);
  return g_string_free (s, FALSE);
}
