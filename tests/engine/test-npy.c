/* test-npy.c: .npy/.npz round trips and a corpus of bad files */
#include <string.h>

#include <glib/gstdio.h>

#include "qs-error.h"
#include "qs-npy.h"

/* A .npy file: magic, version, header length (as claimed), header, data. */
static GBytes *
make_npy (guint8 major, const char *header, gint64 claimed_len, gsize data_len)
{
  GByteArray *a = g_byte_array_new ();
  const guint8 magic[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', major, 0 };
  gsize hlen = claimed_len >= 0 ? (gsize) claimed_len : strlen (header);
  guint8 len[4] = { (guint8) hlen, (guint8) (hlen >> 8), (guint8) (hlen >> 16),
                    (guint8) (hlen >> 24) };

  g_byte_array_append (a, magic, sizeof magic);
  g_byte_array_append (a, len, major == 1 ? 2 : 4);
  g_byte_array_append (a, (const guint8 *) header, strlen (header));
  for (gsize i = 0; i < data_len; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  return g_byte_array_free_to_bytes (a);
}

static QsTensor *
load_bytes (GBytes *b, GError **error)
{
  gsize len;
  gconstpointer d = g_bytes_get_data (b, &len);

  return qs_npy_load_from_data (d, len, "t.npy", error);
}

static void
test_round_trip (void)
{
  const QsDtype dtypes[] = { QS_DTYPE_FLOAT32, QS_DTYPE_FLOAT64, QS_DTYPE_INT64, QS_DTYPE_INT32,
                             QS_DTYPE_INT8, QS_DTYPE_UINT8, QS_DTYPE_BOOL };
  const gint64 shapes[][3] = { { 2, 3, 4 }, { 5, 0, 0 }, { 0, 0, 0 } };
  const guint ranks[] = { 3, 1, 0 };

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    for (guint s = 0; s < G_N_ELEMENTS (ranks); s++)
      {
        g_autoptr(QsTensor) t = qs_tensor_new (dtypes[d], ranks[s], shapes[s]);
        g_autoptr(QsTensor) back = NULL;
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GError) error = NULL;
        gsize len;
        const guint8 *p;

        for (gsize i = 0; i < t->n_bytes; i++)
          ((guint8 *) t->data)[i] = dtypes[d] == QS_DTYPE_BOOL ? i % 2 : (guint8) (i * 7);
        bytes = qs_npy_save_to_bytes (t);
        p = g_bytes_get_data (bytes, &len);
        /* numpy's layout: data 64-byte aligned, header ends in '\n' */
        g_assert_cmpuint ((len - t->n_bytes) % 64, ==, 0);
        g_assert_cmpint (p[len - t->n_bytes - 1], ==, '\n');
        back = load_bytes (bytes, &error);
        g_assert_no_error (error);
        g_assert_cmpint (back->dtype, ==, t->dtype);
        g_assert_cmpuint (back->rank, ==, t->rank);
        g_assert_cmpmem (back->dims, back->rank * sizeof (gint64), t->dims, t->rank * sizeof (gint64));
        g_assert_cmpmem (back->data, back->n_bytes, t->data, t->n_bytes);
      }
}

static void
test_numpy_header_forms (void)
{
  /* what numpy writes, and a v2 header with double quotes */
  g_autoptr(GBytes) a = make_npy (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
                                  "    \n", -1, 12);
  g_autoptr(GBytes) b = make_npy (2, "{\"shape\": (2, 2), \"descr\": \"|u1\", "
                                  "\"fortran_order\": False}\n", -1, 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) ta = load_bytes (a, &error);
  g_autoptr(QsTensor) tb = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (ta->dims[0], ==, 3);
  tb = load_bytes (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb->dtype, ==, QS_DTYPE_UINT8);
  g_assert_cmpint (tb->rank, ==, 2);
}

typedef struct
{
  const char *name;
  guint8      major;
  const char *header;
  gint64      claimed_len;
  gsize       data_len;
  int         code;
  const char *message;
} BadCase;

static const BadCase bad_cases[] = {
  { "bad-magic", 0, NULL, 0, 0, QS_ERROR_PARSE, "not a NumPy .npy file" },
  { "version", 4, "{}", -1, 0, QS_ERROR_VERSION, "version 4.0" },
  { "huge-header", 2, "{'descr': '<f4'", 1 << 30, 0, QS_ERROR_OVERFLOW, "exceeds the limit" },
  { "truncated-header", 1, "{'descr': '<f4'", 200, 0, QS_ERROR_PARSE, "truncated .npy header" },
  { "truncated-data", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", -1, 15,
    QS_ERROR_PARSE, "truncated .npy data" },
  { "fortran", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", -1, 16,
    QS_ERROR_UNSUPPORTED, "Fortran-order" },
  { "big-endian", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", -1, 4,
    QS_ERROR_UNSUPPORTED, "big-endian" },
  { "dtype", 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", -1, 8,
    QS_ERROR_UNSUPPORTED, "dtype '<c8'" },
  { "object", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", -1, 8,
    QS_ERROR_UNSUPPORTED, "not supported" },
  { "overflow-dim", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n",
    -1, 0, QS_ERROR_OVERFLOW, "exceeds 2^48" },
  { "overflow-shape", 1, "{'descr': '<f4', 'fortran_order': False, "
    "'shape': (100000000, 100000000, 100000000), }\n", -1, 0, QS_ERROR_OVERFLOW, "2^48" },
  { "too-many-dims", 1, "{'descr': '<f4', 'fortran_order': False, "
    "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }\n", -1, 4, QS_ERROR_OVERFLOW, "dimensions" },
  { "negative-dim", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n", -1, 0,
    QS_ERROR_PARSE, "non-negative" },
  { "missing-key", 1, "{'descr': '<f4', 'shape': (1,), }\n", -1, 4, QS_ERROR_PARSE, "missing" },
  { "unknown-key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", -1, 4,
    QS_ERROR_PARSE, "unknown key" },
  { "not-a-dict", 1, "[1, 2]\n", -1, 0, QS_ERROR_PARSE, "not a dict" },
  { "unterminated", 1, "{'descr: <f4\n", -1, 0, QS_ERROR_PARSE, "unterminated" },
  { "trailing", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x\n", -1, 4,
    QS_ERROR_PARSE, "trailing" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) t = NULL;

  if (c->major == 0)
    b = g_bytes_new_static ("\x93NUMPX\x01\x00\x00\x00", 10);
  else
    b = make_npy (c->major, c->header, c->claimed_len, c->data_len);
  t = load_bytes (b, &error);
  g_assert_null (t);
  g_assert_error (error, QS_ERROR, c->code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "t.npy"));
  g_assert_nonnull (strstr (error->message, c->message));
}

static void
test_truncated_everywhere (void)
{
  g_autoptr(QsTensor) t = qs_tensor_new (QS_DTYPE_FLOAT32, 2, (gint64[]) { 3, 5 });
  g_autoptr(GBytes) full = qs_npy_save_to_bytes (t);
  gsize len;
  const guint8 *d = g_bytes_get_data (full, &len);

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (d, cut);
      QsTensor *r = qs_npy_load_from_data (copy, cut, "t.npy", &error);

      g_assert_null (r);
      g_assert_nonnull (error);
    }
}

static void
test_npz (void)
{
  g_autoptr(QsTensor) a = qs_tensor_new (QS_DTYPE_FLOAT32, 2, (gint64[]) { 2, 3 });
  g_autoptr(QsTensor) b = qs_tensor_new (QS_DTYPE_INT64, 0, NULL);
  const char *names[] = { "logits", "arr_1" };
  QsTensor *tensors[] = { a, b };
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GPtrArray) rnames = NULL, rtensors = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *d;

  for (guint i = 0; i < 6; i++)
    qs_tensor_f32 (a)[i] = i * 0.5f;
  *(gint64 *) b->data = 42;
  zip = qs_npz_save_to_bytes (names, tensors, 2, &error);
  g_assert_no_error (error);
  d = g_bytes_get_data (zip, &len);
  g_assert_cmpmem (d, 4, "PK\x03\x04", 4);
  g_assert_true (qs_npz_load_from_data (d, len, "t.npz", &rnames, &rtensors, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rnames->len, ==, 2);
  g_assert_cmpstr (rnames->pdata[0], ==, "logits");
  g_assert_cmpstr (rnames->pdata[1], ==, "arr_1");
  g_assert_cmpmem (((QsTensor *) rtensors->pdata[0])->data, 24, a->data, 24);
  g_assert_cmpint (*(gint64 *) ((QsTensor *) rtensors->pdata[1])->data, ==, 42);

  /* a flipped data byte fails the CRC; a cut archive has no directory */
  {
    g_autofree guint8 *bad = g_memdup2 (d, len);
    GPtrArray *n = NULL, *t = NULL;

    bad[100] ^= 0xff;
    g_assert_false (qs_npz_load_from_data (bad, len, "t.npz", &n, &t, &error));
    g_assert_error (error, QS_ERROR, QS_ERROR_PARSE);
    g_clear_error (&error);
    g_assert_false (qs_npz_load_from_data (bad, len / 2, "t.npz", &n, &t, &error));
    g_assert_error (error, QS_ERROR, QS_ERROR_PARSE);
  }
}

static void
test_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qs-npy-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "x.npy", NULL);
  g_autoptr(QsTensor) t = qs_tensor_new (QS_DTYPE_FLOAT32, 1, (gint64[]) { 4 });
  g_autoptr(QsTensor) back = NULL;

  g_assert_true (qs_npy_save (path, t, &error));
  back = qs_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->dims[0], ==, 4);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_null (qs_npy_load (path, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/round-trip", test_round_trip);
  g_test_add_func ("/npy/header-forms", test_numpy_header_forms);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/npy/bad/", bad_cases[i].name, NULL);

      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/npy/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/npz/round-trip", test_npz);
  g_test_add_func ("/npy/files", test_files);
  return g_test_run ();
}
