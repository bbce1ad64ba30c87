/* test-json.c: the strict JSON reader used for graph files */
#include <string.h>

#include "qs-error.h"
#include "qs-json.h"

static QsJson *
parse (QsArena *arena, const char *text, GError **error)
{
  return qs_json_parse (arena, text, strlen (text), error);
}

static void
test_values (void)
{
  g_autoptr(QsArena) arena = qs_arena_new (4096);
  g_autoptr(GError) error = NULL;
  QsJson *j = parse (arena, "\xEF\xBB\xBF{\"a\": [1, -2, 3.5, 1e3, true, false, null],\n"
                            " \"s\": \"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\", \"big\": 9223372036854775808,"
                            " \"o\": {}}", &error);
  QsJson *a, *s;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (j->type, ==, QS_JSON_OBJECT);
  g_assert_cmpuint (j->n, ==, 4);
  a = qs_json_get (j, "a");
  g_assert_cmpuint (a->n, ==, 7);
  g_assert_cmpint (a->items[0].type, ==, QS_JSON_INT);
  g_assert_cmpint (a->items[1].i, ==, -2);
  g_assert_cmpint (a->items[2].type, ==, QS_JSON_DOUBLE);
  g_assert_cmpfloat (a->items[3].d, ==, 1000.0);
  g_assert_true (a->items[4].b);
  g_assert_cmpint (a->items[6].type, ==, QS_JSON_NULL);
  s = qs_json_get (j, "s");
  g_assert_cmpstr (s->s, ==, "x\"y\\z\n\xC3\xA9\xF0\x9F\x98\x80");
  g_assert_cmpint (qs_json_get (j, "big")->type, ==, QS_JSON_DOUBLE);
  g_assert_cmpuint (qs_json_get (j, "s")->line, ==, 2);
  g_assert_null (qs_json_get (j, "missing"));
  text = qs_json_to_string (a);
  g_assert_cmpstr (text, ==, "[1, -2, 3.5, 1000.0, true, false, null]");
}

static void
test_bad (void)
{
  static const struct { const char *text; const char *needle; } cases[] = {
    { "", "end of file" },
    { "{\"a\": 1", "end of file" },
    { "{\"a\": 1,}", "member name" },
    { "[1 2]", "“,” or “]”" },
    { "{\"a\" 1}", "“:”" },
    { "01", "end of the file" },
    { "1.", "digit after the decimal point" },
    { "-", "digit" },
    { "tru", "JSON value" },
    { "\"abc", "closing quote" },
    { "\"a\x01\"", "control characters" },
    { "\"\\x\"", "valid escape" },
    { "\"\\ud800\"", "low surrogate" },
    { "\"\\u0000\"", "NUL" },
    { "\"\xff\xfe\"", "UTF-8" },
    { "{} {}", "end of the file" },
    { "\n\n  [1, @]", "line 3, column 7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QsArena) arena = qs_arena_new (4096);
      g_autoptr(GError) error = NULL;

      g_assert_null (parse (arena, cases[i].text, &error));
      g_assert_error (error, QS_ERROR, QS_ERROR_PARSE);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].needle);
    }
}

static void
test_depth_bomb (void)
{
  g_autoptr(QsArena) arena = qs_arena_new (4096);
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = g_malloc (200001);

  memset (deep, '[', 100000);
  memset (deep + 100000, ']', 100000);
  deep[200000] = '\0';
  g_assert_null (parse (arena, deep, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "nested"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/values", test_values);
  g_test_add_func ("/json/bad", test_bad);
  g_test_add_func ("/json/depth-bomb", test_depth_bomb);
  return g_test_run ();
}
