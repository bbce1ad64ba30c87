/* qs-safetensors.c: read-only, bounds-checked safetensors weights
 *
 * Layout: u64 little-endian header length N, N bytes of JSON, then data.
 * Every offset and size is checked against the file before a view is
 * handed out, and element counts are multiplied without overflow.
 */
#include "qs-safetensors.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "qs-error.h"

struct _QsWeights
{
  gatomicrefcount ref_count;
  char           *filename;
  GBytes         *bytes;     /* the whole file: mapped or copied */
  GArray         *views;     /* QsTensorView, names owned by name_chunk */
  GStringChunk   *name_chunk;
  GHashTable     *index;     /* name -> index + 1 */
  GHashTable     *metadata;  /* string -> string */
};

static const struct
{
  const char *name;
  QsDtype     dtype;
} st_dtypes[] = {
  { "F32", QS_DTYPE_FLOAT32 }, { "F16", QS_DTYPE_FLOAT16 }, { "BF16", QS_DTYPE_BFLOAT16 },
  { "F64", QS_DTYPE_FLOAT64 }, { "I64", QS_DTYPE_INT64 }, { "I32", QS_DTYPE_INT32 },
  { "I16", QS_DTYPE_INT16 }, { "I8", QS_DTYPE_INT8 }, { "U8", QS_DTYPE_UINT8 },
  { "BOOL", QS_DTYPE_BOOL },
};

static gboolean
dtype_from_st (const char *name,
               QsDtype    *dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (st_dtypes); i++)
    if (strcmp (st_dtypes[i].name, name) == 0)
      return *dtype = st_dtypes[i].dtype, TRUE;
  return FALSE;
}

static const char *
dtype_to_st (QsDtype dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (st_dtypes); i++)
    if (st_dtypes[i].dtype == dtype)
      return st_dtypes[i].name;
  return NULL;
}

static void
weights_free (QsWeights *w)
{
  g_free (w->filename);
  g_clear_pointer (&w->bytes, g_bytes_unref);
  g_clear_pointer (&w->views, g_array_unref);
  g_clear_pointer (&w->name_chunk, g_string_chunk_free);
  g_clear_pointer (&w->index, g_hash_table_unref);
  g_clear_pointer (&w->metadata, g_hash_table_unref);
  g_free (w);
}

QsWeights *
qs_weights_ref (QsWeights *weights)
{
  g_return_val_if_fail (weights != NULL, NULL);
  g_atomic_ref_count_inc (&weights->ref_count);
  return weights;
}

void
qs_weights_unref (QsWeights *weights)
{
  g_return_if_fail (weights != NULL);
  if (g_atomic_ref_count_dec (&weights->ref_count))
    weights_free (weights);
}

static gboolean
bad (GError    **error,
     QsWeights  *w,
     const char *tensor,
     const char *format,
     ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad (GError    **error,
     QsWeights  *w,
     const char *tensor,
     const char *format,
     ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (tensor != NULL)
    g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS, "%s: tensor “%s”: %s", w->filename,
                 tensor, msg);
  else
    g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS, "%s: %s", w->filename, msg);
  return FALSE;
}

static gboolean
parse_tensor (QsWeights    *w,
              const char   *name,
              JsonNode     *node,
              const guint8 *data,
              guint64       data_len,
              GError      **error)
{
  JsonObject *obj;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  JsonArray *shape, *offsets;
  QsTensorView view = { 0 };
  guint64 count = 1, begin, end, size;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, w, name, "the header entry must be an object");
  obj = json_node_get_object (node);
  dtype_node = json_object_get_member (obj, "dtype");
  shape_node = json_object_get_member (obj, "shape");
  offsets_node = json_object_get_member (obj, "data_offsets");
  if (dtype_node == NULL || json_node_get_value_type (dtype_node) != G_TYPE_STRING
      || !dtype_from_st (json_node_get_string (dtype_node), &view.dtype))
    return bad (error, w, name, "missing or unsupported dtype (expected F32, F16, BF16, F64, "
                "I64, I32, I16, I8, U8 or BOOL)");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    return bad (error, w, name, "“shape” must be an array");
  shape = json_node_get_array (shape_node);
  if (json_array_get_length (shape) > QS_MAX_RANK)
    return bad (error, w, name, "more than %d dimensions", QS_MAX_RANK);
  view.rank = json_array_get_length (shape);
  for (guint i = 0; i < view.rank; i++)
    {
      JsonNode *d = json_array_get_element (shape, i);
      gint64 v;

      if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64
          || (v = json_node_get_int (d)) < 0)
        return bad (error, w, name, "shape[%u] must be a non-negative integer", i);
      if (v > 0 && count > (guint64) QS_MAX_ELEMENTS / (guint64) v)
        return bad (error, w, name, "the element count overflows");
      count *= (guint64) v;
      view.dims[i] = v;
    }
  if (offsets_node == NULL || !JSON_NODE_HOLDS_ARRAY (offsets_node)
      || json_array_get_length (offsets = json_node_get_array (offsets_node)) != 2)
    return bad (error, w, name, "“data_offsets” must be [begin, end]");
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *o = json_array_get_element (offsets, i);

      if (!JSON_NODE_HOLDS_VALUE (o) || json_node_get_value_type (o) != G_TYPE_INT64
          || json_node_get_int (o) < 0)
        return bad (error, w, name, "data_offsets[%u] must be a non-negative integer", i);
    }
  begin = (guint64) json_array_get_int_element (offsets, 0);
  end = (guint64) json_array_get_int_element (offsets, 1);
  size = count * qs_dtype_size (view.dtype);
  if (begin > end || end > data_len)
    return bad (error, w, name, "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                "] lie outside the %" G_GUINT64_FORMAT " bytes of data; the file is "
                "truncated or corrupt", begin, end, data_len);
  if (end - begin != size)
    return bad (error, w, name, "holds %" G_GUINT64_FORMAT " bytes but its shape and dtype "
                "need %" G_GUINT64_FORMAT, end - begin, size);
  view.name = g_string_chunk_insert (w->name_chunk, name);
  view.data = data + begin;
  view.n_bytes = size;
  g_array_append_val (w->views, view);
  g_hash_table_insert (w->index, (gpointer) view.name, GUINT_TO_POINTER (w->views->len));
  return TRUE;
}

static gboolean
parse_metadata (QsWeights  *w,
                JsonNode   *node,
                GError    **error)
{
  JsonObject *obj;
  g_autoptr(GList) keys = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, w, NULL, "“__metadata__” must be an object of strings");
  obj = json_node_get_object (node);
  keys = json_object_get_members (obj);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (obj, l->data);

      if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
        g_hash_table_insert (w->metadata, g_strdup (l->data),
                             g_strdup (json_node_get_string (v)));
    }
  return TRUE;
}

static gboolean
parse (QsWeights  *w,
       GError    **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (w->bytes, &len);
  guint64 header_len = 0;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GList) keys = NULL;
  JsonObject *root;

  if (len < 8)
    return bad (error, w, NULL, "the file is %" G_GSIZE_FORMAT " bytes, too short for a "
                "safetensors header; it is truncated", len);
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | p[i];
  if (header_len > QS_SAFETENSORS_MAX_HEADER)
    return bad (error, w, NULL, "the header claims %" G_GUINT64_FORMAT " bytes, more than "
                "the %" G_GSIZE_FORMAT " allowed; this is not a safetensors file",
                header_len, QS_SAFETENSORS_MAX_HEADER);
  if (header_len > len - 8)
    return bad (error, w, NULL, "the header claims %" G_GUINT64_FORMAT " bytes but only %"
                G_GSIZE_FORMAT " follow; the file is truncated", header_len, len - 8);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) p + 8, header_len, &local))
    return bad (error, w, NULL, "the header is not valid JSON (%s)", local->message);
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return bad (error, w, NULL, "the header must be a JSON object");
  root = json_node_get_object (json_parser_get_root (parser));
  keys = json_object_get_members (root);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (root, l->data);

      if (strcmp (l->data, "__metadata__") == 0)
        {
          if (!parse_metadata (w, node, error))
            return FALSE;
        }
      else if (!parse_tensor (w, l->data, node, p + 8 + header_len, len - 8 - header_len,
                              error))
        return FALSE;
    }
  return TRUE;
}

static QsWeights *
weights_new (GBytes     *bytes,
             const char *filename,
             GError    **error)
{
  QsWeights *w = g_new0 (QsWeights, 1);

  g_atomic_ref_count_init (&w->ref_count);
  w->filename = g_strdup (filename);
  w->bytes = bytes;
  w->views = g_array_new (FALSE, FALSE, sizeof (QsTensorView));
  w->name_chunk = g_string_chunk_new (4096);
  w->index = g_hash_table_new (g_str_hash, g_str_equal);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!parse (w, error))
    {
      weights_free (w);
      return NULL;
    }
  return w;
}

QsWeights *
qs_weights_open (const char  *filename,
                 GError     **error)
{
  g_autoptr(GError) local = NULL;
  GMappedFile *mapped;
  GBytes *bytes;

  g_return_val_if_fail (filename != NULL, NULL);

  mapped = g_mapped_file_new (filename, FALSE, &local);
  if (mapped == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: %s", filename, local->message),
           NULL;
  bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  return weights_new (bytes, filename, error);
}

QsWeights *
qs_weights_new_from_data (gconstpointer  data,
                          gsize          length,
                          const char    *filename,
                          GError       **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  return weights_new (g_bytes_new (data, length), filename ? filename : "<memory>", error);
}

const char *
qs_weights_get_filename (QsWeights *weights)
{
  return weights->filename;
}

guint
qs_weights_get_n_tensors (QsWeights *weights)
{
  return weights->views->len;
}

gboolean
qs_weights_get_nth (QsWeights    *weights,
                    guint         index,
                    QsTensorView *view)
{
  if (index >= weights->views->len)
    return FALSE;
  *view = g_array_index (weights->views, QsTensorView, index);
  return TRUE;
}

gboolean
qs_weights_lookup (QsWeights    *weights,
                   const char   *name,
                   QsTensorView *view)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (weights->index, name));

  return i > 0 && qs_weights_get_nth (weights, i - 1, view);
}

const char *
qs_weights_get_metadata (QsWeights  *weights,
                         const char *key)
{
  return g_hash_table_lookup (weights->metadata, key);
}

gboolean
qs_weights_check_graph (QsWeights  *weights,
                        QsGraph    *graph,
                        GError    **error)
{
  for (QsId m = 0; m < graph->n_modules; m++)
    {
      const QsModule *mod = &graph->modules[m];

      for (guint i = 0; i < mod->n_params; i++)
        {
          const QsParam *p = &mod->params[i];
          g_autofree char *key = *mod->path ? g_strdup_printf ("%s.%s", mod->path, p->name)
                                            : g_strdup (p->name);
          QsTensorView view;
          QsType actual;

          if (!qs_weights_lookup (weights, key, &view))
            return bad (error, weights, key, "missing; module “%s” (%s) lists it. Re-export "
                        "the weights with quantscope-trace", mod->path, mod->type);
          qs_type_set_tensor (&actual, view.dtype, view.rank, view.dims);
          if (!qs_type_equal (&actual, &p->type))
            {
              g_autoptr(GString) a = g_string_new (NULL);
              g_autoptr(GString) e = g_string_new (NULL);

              qs_type_append (&actual, a);
              qs_type_append (&p->type, e);
              return bad (error, weights, key, "is %s but the graph expects %s", a->str,
                          e->str);
            }
        }
    }
  return TRUE;
}

gboolean
qs_weights_save (const char          *filename,
                 const QsTensorView  *tensors,
                 guint                n_tensors,
                 GHashTable          *metadata,
                 GError             **error)
{
  g_autoptr(GString) header = g_string_new ("{");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) local = NULL;
  guint64 offset = 0, hlen;
  guint8 len_bytes[8];

  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      GHashTableIter iter;
      gpointer k, v;

      json_builder_begin_object (b);
      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &k, &v))
        {
          json_builder_set_member_name (b, k);
          json_builder_add_string_value (b, v);
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, NULL);
      g_string_append_printf (header, "\"__metadata__\":%s", text);
    }
  for (guint i = 0; i < n_tensors; i++)
    {
      const QsTensorView *t = &tensors[i];
      g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (), t->name);
      g_autofree char *quoted = json_to_string (name, FALSE);

      g_return_val_if_fail (dtype_to_st (t->dtype) != NULL, FALSE);
      g_string_append_printf (header, "%s%s:{\"dtype\":\"%s\",\"shape\":[",
                              header->len > 1 ? "," : "", quoted, dtype_to_st (t->dtype));
      for (guint d = 0; d < t->rank; d++)
        g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? "," : "", t->dims[d]);
      g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%"
                              G_GUINT64_FORMAT "]}", offset, offset + t->n_bytes);
      offset += t->n_bytes;
    }
  g_string_append_c (header, '}');
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  hlen = header->len;
  for (int i = 0; i < 8; i++)
    len_bytes[i] = (guint8) (hlen >> (8 * i));
  g_byte_array_append (out, len_bytes, 8);
  g_byte_array_append (out, (guint8 *) header->str, header->len);
  for (guint i = 0; i < n_tensors; i++)
    g_byte_array_append (out, tensors[i].data, tensors[i].n_bytes);
  if (!g_file_set_contents_full (filename, (char *) out->data, out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot save the weights: %s",
                        filename, local->message), FALSE;
  return TRUE;
}
