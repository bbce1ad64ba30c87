/* qs-npy.c: NumPy .npy and stored .npz, bounds-checked
 *
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * A .npy file is "\x93NUMPY", a version byte pair, a little-endian header
 * length (2 bytes in 1.0, 4 bytes in 2.0 and 3.0), a Python dict literal
 * padded with spaces and ended by '\n', then the raw data. The data start
 * is 64-byte aligned when written by numpy and by us.
 */
#include "qs-npy.h"

#include <string.h>

#include "qs-error.h"

G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

static const guint8 npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

typedef struct
{
  const char *name;     /* for messages */
  const char *p, *end;  /* the header dict */
} Scan;

static gboolean
scan_fail (Scan       *s,
           GError    **error,
           const char *what)
{
  g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: bad .npy header: %s", s->name, what);
  return FALSE;
}

static void
skip_ws (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
accept (Scan *s,
        char  c)
{
  skip_ws (s);
  if (s->p < s->end && *s->p == c)
    {
      s->p++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted string without escapes, into @buf. */
static gboolean
scan_string (Scan   *s,
             char   *buf,
             gsize   size,
             GError **error)
{
  char q;
  gsize n = 0;

  skip_ws (s);
  if (s->p >= s->end || (*s->p != '\'' && *s->p != '"'))
    return scan_fail (s, error, "expected a quoted string");
  q = *s->p++;
  while (s->p < s->end && *s->p != q)
    {
      if (*s->p == '\\' || n + 1 >= size)
        return scan_fail (s, error, "unexpected string (too long or escaped)");
      buf[n++] = *s->p++;
    }
  if (s->p >= s->end)
    return scan_fail (s, error, "unterminated string");
  s->p++;
  buf[n] = '\0';
  return TRUE;
}

static gboolean
scan_word (Scan       *s,
           const char *word)
{
  gsize len = strlen (word);

  skip_ws (s);
  if ((gsize) (s->end - s->p) >= len && memcmp (s->p, word, len) == 0)
    {
      s->p += len;
      return TRUE;
    }
  return FALSE;
}

static gboolean
scan_shape (Scan    *s,
            guint   *rank,
            gint64  *dims,
            GError **error)
{
  *rank = 0;
  if (!accept (s, '('))
    return scan_fail (s, error, "'shape' is not a tuple");
  while (!accept (s, ')'))
    {
      gint64 d = 0;

      skip_ws (s);
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        return scan_fail (s, error, "'shape' holds something other than non-negative integers");
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        {
          if (d > (QS_MAX_ELEMENTS - 9) / 10)
            {
              g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                           "%s: a dimension in 'shape' exceeds 2^48", s->name);
              return FALSE;
            }
          d = d * 10 + (*s->p++ - '0');
        }
      if (*rank >= QS_MAX_RANK)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                       "%s: more than %d dimensions are not supported", s->name, QS_MAX_RANK);
          return FALSE;
        }
      dims[(*rank)++] = d;
      if (!accept (s, ',') && !(skip_ws (s), s->p < s->end && *s->p == ')'))
        return scan_fail (s, error, "expected ',' or ')' in 'shape'");
    }
  return TRUE;
}

static gboolean
parse_descr (const char *name,
             const char *descr,
             QsDtype    *dtype,
             GError    **error)
{
  static const struct { const char *code; QsDtype dtype; } codes[] = {
    { "f4", QS_DTYPE_FLOAT32 }, { "f8", QS_DTYPE_FLOAT64 }, { "i8", QS_DTYPE_INT64 },
    { "i4", QS_DTYPE_INT32 }, { "i2", QS_DTYPE_INT16 }, { "i1", QS_DTYPE_INT8 },
    { "u1", QS_DTYPE_UINT8 }, { "b1", QS_DTYPE_BOOL },
  };
  char order = descr[0];

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strlen (descr) == 3 && strcmp (descr + 1, codes[i].code) == 0)
      {
        *dtype = codes[i].dtype;
        if (order == '>' && qs_dtype_size (*dtype) > 1)
          {
            g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                         "%s: big-endian data ('%s') is not supported: save it with "
                         "arr.astype(arr.dtype.newbyteorder('<'))", name, descr);
            return FALSE;
          }
        if (order == '<' || order == '|' || order == '=' || order == '>')
          return TRUE;
      }
  g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
               "%s: dtype '%s' is not supported: use float32, float64, int64, int32, "
               "int16, int8, uint8 or bool", name, descr);
  return FALSE;
}

typedef struct
{
  QsDtype  dtype;
  gboolean fortran;
  guint    rank;
  gint64   dims[QS_MAX_RANK];
} NpyHeader;

static gboolean
parse_header (Scan      *s,
              NpyHeader *h,
              GError   **error)
{
  guint seen = 0;

  if (!accept (s, '{'))
    return scan_fail (s, error, "not a dict");
  while (!accept (s, '}'))
    {
      char key[32], descr[32];

      if (!scan_string (s, key, sizeof key, error))
        return FALSE;
      if (!accept (s, ':'))
        return scan_fail (s, error, "expected ':'");
      if (strcmp (key, "descr") == 0)
        {
          if (!scan_string (s, descr, sizeof descr, error)
              || !parse_descr (s->name, descr, &h->dtype, error))
            return FALSE;
          seen |= 1;
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (scan_word (s, "True"))
            h->fortran = TRUE;
          else if (scan_word (s, "False"))
            h->fortran = FALSE;
          else
            return scan_fail (s, error, "'fortran_order' is not True or False");
          seen |= 2;
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (!scan_shape (s, &h->rank, h->dims, error))
            return FALSE;
          seen |= 4;
        }
      else
        return scan_fail (s, error, "unknown key (expected 'descr', 'fortran_order', 'shape')");
      if (!accept (s, ',') && !(skip_ws (s), s->p < s->end && *s->p == '}'))
        return scan_fail (s, error, "expected ',' or '}'");
    }
  if (seen != 7)
    return scan_fail (s, error, "'descr', 'fortran_order' or 'shape' is missing");
  skip_ws (s);
  if (s->p != s->end)
    return scan_fail (s, error, "trailing characters after the dict");
  if (h->fortran)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                   "%s: Fortran-order arrays are not supported: save "
                   "np.ascontiguousarray(arr) instead", s->name);
      return FALSE;
    }
  return TRUE;
}

QsTensor *
qs_npy_load_from_data (gconstpointer data,
                       gsize         length,
                       const char   *name,
                       GError      **error)
{
  const guint8 *d = data;
  NpyHeader h = { 0 };
  Scan s = { .name = name };
  gsize hlen, start, need;
  gint64 n = 1;
  QsTensor *t;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (length < 10 || memcmp (d, npy_magic, sizeof npy_magic) != 0)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                   "%s: not a NumPy .npy file (bad magic or too short)", name);
      return NULL;
    }
  if (d[6] == 1)
    hlen = d[8] | (gsize) d[9] << 8, start = 10;
  else if ((d[6] == 2 || d[6] == 3) && length >= 12)
    hlen = d[8] | (gsize) d[9] << 8 | (gsize) d[10] << 16 | (gsize) d[11] << 24, start = 12;
  else
    {
      g_set_error (error, QS_ERROR, QS_ERROR_VERSION,
                   "%s: .npy format version %u.%u is not supported (1.0 to 3.0 are)",
                   name, d[6], d[7]);
      return NULL;
    }
  if (hlen > QS_NPY_MAX_HEADER)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                   "%s: .npy header of %" G_GSIZE_FORMAT " bytes exceeds the limit of %d",
                   name, hlen, QS_NPY_MAX_HEADER);
      return NULL;
    }
  if (hlen > length - start)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: truncated .npy header", name);
      return NULL;
    }
  s.p = (const char *) d + start;
  s.end = s.p + hlen;
  if (!parse_header (&s, &h, error))
    return NULL;
  start += hlen;
  for (guint i = 0; i < h.rank; i++)
    {
      if (h.dims[i] > 0 && n > QS_MAX_ELEMENTS / h.dims[i])
        {
          g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                       "%s: the shape has more than 2^48 elements", name);
          return NULL;
        }
      n *= h.dims[i];
    }
  need = (gsize) n * qs_dtype_size (h.dtype);
  if (need > length - start)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                   "%s: truncated .npy data: the shape needs %" G_GSIZE_FORMAT
                   " bytes, the file holds %" G_GSIZE_FORMAT, name, need, length - start);
      return NULL;
    }
  t = qs_tensor_try_new (h.dtype, h.rank, h.dims, error);
  if (t == NULL)
    return NULL;
  memcpy (t->data, d + start, need);
  if (h.dtype == QS_DTYPE_BOOL)
    for (gsize i = 0; i < need; i++)
      ((guint8 *) t->data)[i] = ((guint8 *) t->data)[i] != 0;
  return t;
}

QsTensor *
qs_npy_load (const char *filename,
             GError    **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (filename != NULL, NULL);
  file = g_mapped_file_new (filename, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return qs_npy_load_from_data (g_mapped_file_get_contents (file),
                                g_mapped_file_get_length (file), filename, error);
}

static const char *
descr_of (QsDtype dtype)
{
  switch (dtype)
    {
    case QS_DTYPE_FLOAT32: return "<f4";
    case QS_DTYPE_FLOAT64: return "<f8";
    case QS_DTYPE_INT64:   return "<i8";
    case QS_DTYPE_INT32:   return "<i4";
    case QS_DTYPE_INT16:   return "<i2";
    case QS_DTYPE_INT8:    return "|i1";
    case QS_DTYPE_UINT8:   return "|u1";
    case QS_DTYPE_BOOL:    return "|b1";
    default:               return NULL;
    }
}

GBytes *
qs_npy_save_to_bytes (const QsTensor *tensor)
{
  GString *h = g_string_new (NULL);
  GByteArray *out;
  const char *descr;
  gsize total;
  guint8 pre[12];
  gboolean v2;

  g_return_val_if_fail (tensor != NULL, NULL);
  descr = descr_of (tensor->dtype);
  g_return_val_if_fail (descr != NULL, (g_string_free (h, TRUE), NULL));

  g_string_append_printf (h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (guint i = 0; i < tensor->rank; i++)
    g_string_append_printf (h, "%s%" G_GINT64_FORMAT, i ? ", " : "", tensor->dims[i]);
  g_string_append (h, tensor->rank == 1 ? ",), }" : "), }");
  v2 = h->len + 11 > 65535;
  total = (v2 ? 12 : 10) + h->len + 1;
  g_string_append_len (h, "                                                                ",
                       (64 - total % 64) % 64);
  g_string_append_c (h, '\n');

  memcpy (pre, npy_magic, 6);
  pre[6] = v2 ? 2 : 1;
  pre[7] = 0;
  for (guint i = 0; i < (v2 ? 4u : 2u); i++)
    pre[8 + i] = (guint8) (h->len >> (8 * i));
  out = g_byte_array_sized_new ((v2 ? 12 : 10) + h->len + tensor->n_bytes);
  g_byte_array_append (out, pre, v2 ? 12 : 10);
  g_byte_array_append (out, (const guint8 *) h->str, h->len);
  g_byte_array_append (out, tensor->data, tensor->n_bytes);
  g_string_free (h, TRUE);
  return g_byte_array_free_to_bytes (out);
}

static gboolean
save_bytes (const char *filename,
            GBytes     *bytes,
            GError    **error)
{
  g_autoptr(GError) local = NULL;
  gsize len;
  gconstpointer d = g_bytes_get_data (bytes, &len);

  if (!g_file_set_contents (filename, d, len, &local))
    {
      g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
qs_npy_save (const char     *filename,
             const QsTensor *tensor,
             GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (filename != NULL && tensor != NULL, FALSE);
  if (descr_of (tensor->dtype) == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                   "%s: cannot write %s tensors as .npy", filename,
                   qs_dtype_name (tensor->dtype));
      return FALSE;
    }
  bytes = qs_npy_save_to_bytes (tensor);
  return save_bytes (filename, bytes, error);
}

/* ---- .npz: a zip archive of .npy members, stored ------------------------------ */

static guint32 crc_table[256];

static guint32
crc32_update (guint32       crc,
              const guint8 *p,
              gsize         n)
{
  static gsize init = 0;

  if (g_once_init_enter (&init))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;

          for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
          crc_table[i] = c;
        }
      g_once_init_leave (&init, 1);
    }
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void
put16 (GByteArray *a,
       guint       v)
{
  guint8 b[2] = { (guint8) v, (guint8) (v >> 8) };

  g_byte_array_append (a, b, 2);
}

static void
put32 (GByteArray *a,
       guint32     v)
{
  guint8 b[4] = { (guint8) v, (guint8) (v >> 8), (guint8) (v >> 16), (guint8) (v >> 24) };

  g_byte_array_append (a, b, 4);
}

/* The fields local and central headers share, from "version needed" on. */
static void
put_entry_fields (GByteArray *a,
                  guint32     crc,
                  guint32     size,
                  guint       name_len)
{
  put16 (a, 20);          /* version needed: 2.0 */
  put16 (a, 0);           /* flags */
  put16 (a, 0);           /* method: stored */
  put16 (a, 0);           /* time 00:00:00 */
  put16 (a, 0x21);        /* date 1980-01-01: output is reproducible */
  put32 (a, crc);
  put32 (a, size);        /* compressed */
  put32 (a, size);        /* uncompressed */
  put16 (a, name_len);
  put16 (a, 0);           /* extra field length */
}

GBytes *
qs_npz_save_to_bytes (const char *const *names,
                      QsTensor *const   *tensors,
                      guint              n,
                      GError           **error)
{
  g_autoptr(GByteArray) zip = g_byte_array_new ();
  g_autoptr(GByteArray) dir = g_byte_array_new ();
  guint32 dir_offset;

  g_return_val_if_fail (n == 0 || (names != NULL && tensors != NULL), NULL);
  if (n > 0xffff)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                   "%u arrays are too many for an .npz without zip64", n);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *member = g_strconcat (names[i], ".npy", NULL);
      g_autoptr(GBytes) npy = NULL;
      gsize len, name_len = strlen (member);
      const guint8 *d;
      guint32 crc, offset = zip->len;

      if (descr_of (tensors[i]->dtype) == NULL)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED, "cannot write %s array “%s”",
                       qs_dtype_name (tensors[i]->dtype), names[i]);
          return NULL;
        }
      npy = qs_npy_save_to_bytes (tensors[i]);
      d = g_bytes_get_data (npy, &len);
      if (len >= 0xffffffffu - zip->len || name_len > 0xffff)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                       "array “%s” makes the .npz larger than 4 GiB, which needs zip64 "
                       "(not supported): write it as a separate .npy", names[i]);
          return NULL;
        }
      crc = crc32_update (0, d, len);
      put32 (zip, 0x04034b50);
      put_entry_fields (zip, crc, (guint32) len, (guint) name_len);
      g_byte_array_append (zip, (const guint8 *) member, (guint) name_len);
      g_byte_array_append (zip, d, (guint) len);

      put32 (dir, 0x02014b50);
      put16 (dir, 20);    /* version made by */
      put_entry_fields (dir, crc, (guint32) len, (guint) name_len);
      put16 (dir, 0);     /* comment length */
      put16 (dir, 0);     /* disk */
      put16 (dir, 0);     /* internal attributes */
      put32 (dir, 0);     /* external attributes */
      put32 (dir, offset);
      g_byte_array_append (dir, (const guint8 *) member, (guint) name_len);
    }
  dir_offset = zip->len;
  g_byte_array_append (zip, dir->data, dir->len);
  put32 (zip, 0x06054b50);
  put16 (zip, 0);
  put16 (zip, 0);
  put16 (zip, n);
  put16 (zip, n);
  put32 (zip, dir->len);
  put32 (zip, dir_offset);
  put16 (zip, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&zip));
}

gboolean
qs_npz_save (const char         *filename,
             const char *const  *names,
             QsTensor *const    *tensors,
             guint               n,
             GError            **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (filename != NULL, FALSE);
  bytes = qs_npz_save_to_bytes (names, tensors, n, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", filename);
      return FALSE;
    }
  return save_bytes (filename, bytes, error);
}

static guint
get16 (const guint8 *p)
{
  return p[0] | (guint) p[1] << 8;
}

static guint32
get32 (const guint8 *p)
{
  return p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static gboolean
npz_fail (GError    **error,
          const char *name,
          const char *what)
{
  g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: bad .npz: %s", name, what);
  return FALSE;
}

/* Reads central directory entry @e (46 bytes checked by the caller). */
static gboolean
npz_read_member (const guint8 *d,
                 gsize         length,
                 const guint8 *e,
                 const char   *name,
                 GPtrArray    *names,
                 GPtrArray    *tensors,
                 GError      **error)
{
  guint flags = get16 (e + 8), method = get16 (e + 10), name_len = get16 (e + 28);
  guint32 crc = get32 (e + 16), csize = get32 (e + 20), usize = get32 (e + 24);
  gsize off = get32 (e + 42);
  g_autofree char *member = g_strndup ((const char *) e + 46, name_len);
  g_autofree char *display = NULL;
  const guint8 *data;
  QsTensor *t;

  if (method != 0 || (flags & 1))
    {
      g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                   "%s: member “%s” is compressed or encrypted: only np.savez (stored) "
                   "archives are supported, not np.savez_compressed", name, member);
      return FALSE;
    }
  if (csize != usize || csize == 0xffffffffu || off == 0xffffffffu)
    return npz_fail (error, name, "zip64 or inconsistent member sizes are not supported");
  if (off > length || length - off < 30 || get32 (d + off) != 0x04034b50)
    return npz_fail (error, name, "a member's local header is out of range");
  off += 30 + get16 (d + off + 26) + get16 (d + off + 28);
  if (off > length || csize > length - off)
    return npz_fail (error, name, "a member's data is out of range");
  data = d + off;
  if (crc32_update (0, data, csize) != crc)
    return npz_fail (error, name, "CRC mismatch");
  if (!g_str_has_suffix (member, ".npy"))
    return npz_fail (error, name, "a member is not a .npy file");
  display = g_strdup_printf ("%s:%s", name, member);
  t = qs_npy_load_from_data (data, csize, display, error);
  if (t == NULL)
    return FALSE;
  member[name_len - 4] = '\0';
  g_ptr_array_add (names, g_steal_pointer (&member));
  g_ptr_array_add (tensors, t);
  return TRUE;
}

gboolean
qs_npz_load_from_data (gconstpointer data,
                       gsize         length,
                       const char   *name,
                       GPtrArray   **names_out,
                       GPtrArray   **tensors_out,
                       GError      **error)
{
  const guint8 *d = data, *eocd = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  guint n;
  guint32 dir_size, dir_off, pos;

  g_return_val_if_fail (names_out != NULL && tensors_out != NULL, FALSE);
  for (gsize i = length >= 22 ? length - 22 : 0; length >= 22; i--)
    {
      if (get32 (d + i) == 0x06054b50 && get16 (d + i + 20) == length - i - 22)
        {
          eocd = d + i;
          break;
        }
      if (i == 0 || length - i > 22 + 0xffff)
        break;
    }
  if (eocd == NULL)
    return npz_fail (error, name, "no zip end-of-directory record");
  n = get16 (eocd + 10);
  dir_size = get32 (eocd + 12);
  dir_off = get32 (eocd + 16);
  if (dir_off > length || dir_size > length - dir_off)
    return npz_fail (error, name, "the central directory is out of range");
  pos = dir_off;
  for (guint i = 0; i < n; i++)
    {
      const guint8 *e = d + pos;
      gsize entry_len;

      if (dir_off + dir_size - pos < 46 || get32 (e) != 0x02014b50)
        return npz_fail (error, name, "truncated central directory");
      entry_len = 46 + (gsize) get16 (e + 28) + get16 (e + 30) + get16 (e + 32);
      if (entry_len > dir_off + dir_size - pos)
        return npz_fail (error, name, "truncated central directory");
      if (!npz_read_member (d, length, e, name, names, tensors, error))
        return FALSE;
      pos += (guint32) entry_len;
    }
  *names_out = g_steal_pointer (&names);
  *tensors_out = g_steal_pointer (&tensors);
  return TRUE;
}

gboolean
qs_npz_load (const char *filename,
             GPtrArray **names,
             GPtrArray **tensors,
             GError    **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (filename != NULL, FALSE);
  file = g_mapped_file_new (filename, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return qs_npz_load_from_data (g_mapped_file_get_contents (file),
                                g_mapped_file_get_length (file), filename, names,
                                tensors, error);
}
