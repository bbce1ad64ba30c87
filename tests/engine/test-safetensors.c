/* test-safetensors.c: the bounds-checked weights reader and writer */
#include <string.h>

#include "qs-error.h"
#include <glib/gstdio.h>

#include "qs-safetensors.h"

/* Builds a file: 8-byte length, header, data. */
static GBytes *
make_file (const char *header,
           gsize       data_len,
           gint64      claimed_header_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 hlen = claimed_header_len >= 0 ? (guint64) claimed_header_len : strlen (header);
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) (hlen >> (8 * i));
  g_byte_array_append (a, len, 8);
  g_byte_array_append (a, (const guint8 *) header, strlen (header));
  for (gsize i = 0; i < data_len; i++)
    {
      guint8 b = (guint8) i;

      g_byte_array_append (a, &b, 1);
    }
  return g_byte_array_free_to_bytes (a);
}

static QsWeights *
open_bytes (GBytes *b, GError **error)
{
  gsize len;
  gconstpointer d = g_bytes_get_data (b, &len);

  return qs_weights_new_from_data (d, len, "w.safetensors", error);
}

static void
test_valid (void)
{
  g_autoptr(GBytes) b = make_file ("{\"__metadata__\":{\"seed\":\"0\"},"
                                   "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                                   "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}}",
                                   32, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsWeights) w = open_bytes (b, &error);
  QsTensorView v;

  g_assert_no_error (error);
  g_assert_cmpuint (qs_weights_get_n_tensors (w), ==, 2);
  g_assert_true (qs_weights_lookup (w, "a", &v));
  g_assert_cmpint (v.dtype, ==, QS_DTYPE_FLOAT32);
  g_assert_cmpuint (v.rank, ==, 2);
  g_assert_cmpint (v.dims[1], ==, 3);
  g_assert_cmpuint (v.n_bytes, ==, 24);
  g_assert_true (qs_weights_lookup (w, "b", &v));
  g_assert_cmpuint (v.rank, ==, 0);
  g_assert_cmpuint (((const guint8 *) v.data)[0], ==, 24);
  g_assert_false (qs_weights_lookup (w, "c", &v));
  g_assert_cmpstr (qs_weights_get_metadata (w, "seed"), ==, "0");
}

typedef struct
{
  const char *name;
  const char *header;
  gsize       data_len;
  gint64      claimed;
  const char *needle;
} BadCase;

static const BadCase bad_cases[] = {
  { "too-short", "", 0, -2, "too short" },
  { "header-too-large", "{}", 0, G_GINT64_CONSTANT (1) << 40, "allowed" },
  { "header-past-end", "{}", 0, 4096, "truncated" },
  { "not-json", "{\"a\":", 0, -1, "not valid JSON" },
  { "not-object", "[1]", 0, -1, "JSON object" },
  { "bad-dtype", "{\"a\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, -1,
    "unsupported dtype" },
  { "offsets-past-end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8,
    -1, "outside" },
  { "offsets-reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
    -1, "outside" },
  { "size-mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1,
    "need 12" },
  { "overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                "\"data_offsets\":[0,8]}}", 8, -1, "overflows" },
  { "negative-dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, -1,
    "non-negative" },
  { "negative-offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
    -1, "non-negative" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsWeights) w = NULL;

  if (c->claimed == -2)
    b = g_bytes_new ("abc", 3);
  else
    b = make_file (c->header, c->data_len, c->claimed);
  w = open_bytes (b, &error);
  g_assert_null (w);
  g_assert_error (error, QS_ERROR, QS_ERROR_WEIGHTS);
  g_assert_nonnull (strstr (error->message, "w.safetensors"));
  if (strstr (error->message, c->needle) == NULL)
    g_error ("“%s” lacks “%s”", error->message, c->needle);
}

static void
test_save_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  float data[6] = { 1, 2, 3, 4, 5, 6 };
  gint8 q[3] = { -128, 0, 127 };
  QsTensorView t[2] = {
    { .name = "layer.weight", .dtype = QS_DTYPE_FLOAT32, .rank = 2, .dims = { 2, 3 },
      .data = data, .n_bytes = sizeof data },
    { .name = "layer.q", .dtype = QS_DTYPE_INT8, .rank = 1, .dims = { 3 },
      .data = q, .n_bytes = sizeof q },
  };
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsWeights) w = NULL;
  QsTensorView v;

  g_hash_table_insert (meta, "format", "pt");
  g_assert_true (qs_weights_save (path, t, 2, meta, &error));
  g_assert_no_error (error);
  w = qs_weights_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qs_weights_lookup (w, "layer.weight", &v));
  g_assert_cmpmem (v.data, v.n_bytes, data, sizeof data);
  g_assert_true (qs_weights_lookup (w, "layer.q", &v));
  g_assert_cmpmem (v.data, v.n_bytes, q, sizeof q);
  g_assert_cmpstr (qs_weights_get_metadata (w, "format"), ==, "pt");
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/valid", test_valid);
  g_test_add_func ("/safetensors/save-round-trip", test_save_round_trip);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/safetensors/bad/%s", bad_cases[i].name);

      g_test_add_data_func (name, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
