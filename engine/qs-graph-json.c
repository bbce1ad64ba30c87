/* qs-graph-json.c: the *.qsgraph.json reader (docs/graph-format.md)
 *
 * Files come from other people: every member is type-checked, every id is
 * range-checked, and every error names the file and the JSON path.
 */
#include "qs-graph-json.h"

#include <string.h>

#include "qs-error.h"
#include "qs-json.h"
#include "qs-safetensors.h"

#define MAX_ITEMS (G_GUINT64_CONSTANT (1) << 26)

typedef struct
{
  const char *filename;
  QsGraph    *graph;
  QsArena    *tmp;     /* the JSON tree and scratch, freed after loading */
  GError    **error;
} Reader;

static gboolean
fail (Reader     *r,
      gint        code,
      const char *path,
      const char *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Reader     *r,
      gint        code,
      const char *path,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (path != NULL && *path)
    g_set_error (r->error, QS_ERROR, code, "%s: %s: %s", r->filename, path, msg);
  else
    g_set_error (r->error, QS_ERROR, code, "%s: %s", r->filename, msg);
  return FALSE;
}

static const char *
json_kind (QsJson *node)
{
  return qs_json_type_phrase (node);
}

static gboolean
is_int (QsJson *node)
{
  return qs_json_is (node, QS_JSON_INT);
}

static gboolean
is_string (QsJson *node)
{
  return qs_json_is (node, QS_JSON_STRING);
}

static gboolean
is_number (QsJson *node)
{
  return qs_json_is (node, QS_JSON_INT) || qs_json_is (node, QS_JSON_DOUBLE);
}

static gboolean
is_null (QsJson *node)
{
  return qs_json_is (node, QS_JSON_NULL);
}

static QsJson *
member (QsJson     *obj,
        const char *key)
{
  return qs_json_get (obj, key);
}

static gboolean
qs_json_is_obj (QsJson *node)
{
  return qs_json_is (node, QS_JSON_OBJECT);
}

static gboolean
qs_json_is_arr (QsJson *node)
{
  return qs_json_is (node, QS_JSON_ARRAY);
}

static double
number_value (QsJson *node)
{
  return node->type == QS_JSON_INT ? (double) node->i : node->d;
}

static QsJson *
get_object (Reader     *r,
            QsJson *obj,
            const char *key,
            const char *path,
            gboolean    required)
{
  QsJson *n = member (obj, key);

  if (n == NULL || (!required && is_null (n)))
    {
      if (required)
        fail (r, QS_ERROR_INVALID, path, "the required member “%s” is missing", key);
      return NULL;
    }
  if (!qs_json_is_obj (n))
    return fail (r, QS_ERROR_INVALID, path, "“%s” must be an object, not %s", key,
                 json_kind (n)), NULL;
  return (n);
}

/* Returns the array, or NULL with *ok = FALSE on a type error. A missing
 * optional array is NULL with *ok = TRUE. */
static QsJson *
get_array (Reader     *r,
           QsJson *obj,
           const char *key,
           const char *path,
           gboolean    required,
           gboolean   *ok)
{
  QsJson *n = member (obj, key);

  *ok = TRUE;
  if (n == NULL || (!required && is_null (n)))
    {
      if (required)
        *ok = fail (r, QS_ERROR_INVALID, path, "the required member “%s” is missing", key);
      return NULL;
    }
  if (!qs_json_is_arr (n))
    return *ok = fail (r, QS_ERROR_INVALID, path, "“%s” must be an array, not %s", key,
                       json_kind (n)), NULL;
  if (((n))->n > MAX_ITEMS)
    return *ok = fail (r, QS_ERROR_OVERFLOW, path, "“%s” has more than %" G_GUINT64_FORMAT
                       " entries", key, MAX_ITEMS), NULL;
  return (n);
}

static const char *
get_string (Reader     *r,
            QsJson *obj,
            const char *key,
            const char *path,
            gboolean    required)
{
  QsJson *n = member (obj, key);

  if (n == NULL || (!required && is_null (n)))
    {
      if (required)
        fail (r, QS_ERROR_INVALID, path, "the required member “%s” is missing", key);
      return NULL;
    }
  if (!is_string (n))
    return fail (r, QS_ERROR_INVALID, path, "“%s” must be a string, not %s", key,
                 json_kind (n)), NULL;
  return (n)->s;
}

static gboolean
get_int (Reader     *r,
         QsJson *obj,
         const char *key,
         const char *path,
         gint64      min,
         gint64      max,
         gint64     *out)
{
  QsJson *n = member (obj, key);
  gint64 v;

  if (n == NULL)
    return fail (r, QS_ERROR_INVALID, path, "the required member “%s” is missing", key);
  if (!is_int (n))
    return fail (r, QS_ERROR_INVALID, path, "“%s” must be an integer, not %s", key,
                 json_kind (n));
  v = (n)->i;
  if (v < min || v > max)
    return fail (r, QS_ERROR_OVERFLOW, path, "“%s” is %" G_GINT64_FORMAT ", outside %"
                 G_GINT64_FORMAT "..%" G_GINT64_FORMAT, key, v, min, max);
  *out = v;
  return TRUE;
}

/* An array of value ids, each < limit, copied into the arena. */
static gboolean
read_ids (Reader     *r,
          QsJson *obj,
          const char *key,
          const char *path,
          guint32     limit,
          const char *what,
          QsId      **ids,
          guint32    *n_ids)
{
  gboolean ok;
  QsJson *arr = get_array (r, obj, key, path, FALSE, &ok);
  guint len;

  *ids = NULL;
  *n_ids = 0;
  if (arr == NULL)
    return ok;
  len = (arr)->n;
  *ids = qs_graph_alloc (r->graph, MAX (len, 1) * sizeof (QsId));
  for (guint i = 0; i < len; i++)
    {
      QsJson *n = (&(arr)->items[i]);
      gint64 v;

      if (!is_int (n))
        return fail (r, QS_ERROR_INVALID, path, "%s[%u] must be an integer %s id, not %s",
                     key, i, what, json_kind (n));
      v = (n)->i;
      if (v < 0 || v >= limit)
        return fail (r, QS_ERROR_DANGLING, path, "%s[%u] refers to %s %" G_GINT64_FORMAT
                     ", which does not exist (there are %u)", key, i, what, v, limit);
      (*ids)[i] = (QsId) v;
    }
  *n_ids = len;
  return TRUE;
}

static gboolean
read_type (Reader     *r,
           QsJson *obj,
           const char *path,
           QsType     *type)
{
  const char *dtype = get_string (r, obj, "dtype", path, TRUE);
  gboolean ok;
  QsJson *shape;
  gint64 elements = 1;

  memset (type, 0, sizeof *type);
  if (dtype == NULL)
    return FALSE;
  if (!qs_dtype_from_name (dtype, &type->dtype))
    return fail (r, QS_ERROR_INVALID, path, "unknown dtype “%s”; see docs/graph-format.md "
                 "for the list", dtype);
  shape = get_array (r, obj, "shape", path, FALSE, &ok);
  if (!ok)
    return FALSE;
  if (!qs_dtype_is_tensor (type->dtype))
    return TRUE;
  if (shape == NULL)
    return fail (r, QS_ERROR_INVALID, path, "a %s tensor needs a “shape”", dtype);
  if ((shape)->n > QS_MAX_RANK)
    return fail (r, QS_ERROR_OVERFLOW, path, "the shape has %u dimensions; at most %d are "
                 "supported", (shape)->n, QS_MAX_RANK);
  type->rank = (shape)->n;
  for (guint i = 0; i < type->rank; i++)
    {
      QsJson *n = (&(shape)->items[i]);
      gint64 d;

      if (!is_int (n))
        return fail (r, QS_ERROR_INVALID, path, "shape[%u] must be an integer, not %s", i,
                     json_kind (n));
      d = (n)->i;
      if (d < 0)
        return fail (r, QS_ERROR_SHAPE, path, "shape[%u] is negative (%" G_GINT64_FORMAT ")",
                     i, d);
      if (d > 0 && elements > QS_MAX_ELEMENTS / d)
        return fail (r, QS_ERROR_OVERFLOW, path, "the shape has more than 2^48 elements; "
                     "the size overflows");
      elements *= d;
      type->dims[i] = d;
    }
  return TRUE;
}

/* Compact JSON text of a value, in the scratch arena. */
static const char *
json_text (Reader *r,
           QsJson *n)
{
  g_autofree char *text = qs_json_to_string (n);

  return qs_arena_strdup (r->tmp, text);
}

static gboolean
read_attr (Reader     *r,
           const char *name,
           QsJson *n,
           guint32     n_values,
           const char *path,
           QsAttr     *a)
{
  memset (a, 0, sizeof *a);
  a->name = name;
  if (is_null (n))
    a->kind = QS_ATTR_NONE;
  else if (n->type == QS_JSON_BOOL)
    a->kind = QS_ATTR_BOOL, a->b = n->b;
  else if (n->type == QS_JSON_INT)
    a->kind = QS_ATTR_INT, a->i = n->i;
  else if (n->type == QS_JSON_DOUBLE)
    a->kind = QS_ATTR_FLOAT, a->f = n->d;
  else if (n->type == QS_JSON_STRING)
    a->kind = QS_ATTR_STRING, a->s = n->s;
  else if (qs_json_is_obj (n))
    {
      QsJson *o = (n);
      QsJson *v = member (o, "value");

      if (v != NULL && (o)->n == 1)
        {
          gint64 id = is_int (v) ? (v)->i : -1;

          if (id < 0 || id >= n_values)
            return fail (r, QS_ERROR_DANGLING, path, "argument “%s” refers to value %s, "
                         "which does not exist", name,
                         is_int (v) ? "out of range" : "(not an integer)");
          a->kind = QS_ATTR_VALUE, a->value = (QsId) id;
        }
      else if (is_string (member (o, "repr")) && (o)->n == 1)
        a->kind = QS_ATTR_REPR, a->s = (member (o, "repr"))->s;
      else
        a->kind = QS_ATTR_JSON, a->s = json_text (r, n);
    }
  else
    {
      QsJson *arr = (n);
      guint len = (arr)->n;
      gboolean all_int = TRUE, all_num = TRUE, all_val = TRUE;

      for (guint i = 0; i < len; i++)
        {
          QsJson *e = (&(arr)->items[i]);
          QsJson *o = qs_json_is_obj (e) ? (e) : NULL;

          all_int &= is_int (e);
          all_num &= is_number (e);
          all_val &= o != NULL && (o)->n == 1 && is_int (member (o, "value"))
                     && (member (o, "value"))->i >= 0
                     && (member (o, "value"))->i < n_values;
        }
      a->n = len;
      if (all_int)
        {
          a->kind = QS_ATTR_INTS;
          a->ints = qs_arena_alloc (r->tmp, MAX (len, 1) * sizeof (gint64));
          for (guint i = 0; i < len; i++)
            a->ints[i] = (arr)->items[i].i;
        }
      else if (all_num)
        {
          a->kind = QS_ATTR_FLOATS;
          a->floats = qs_arena_alloc (r->tmp, len * sizeof (double));
          for (guint i = 0; i < len; i++)
            a->floats[i] = number_value (&arr->items[i]);
        }
      else if (all_val)
        {
          a->kind = QS_ATTR_VALUES;
          a->values = qs_arena_alloc (r->tmp, len * sizeof (QsId));
          for (guint i = 0; i < len; i++)
            a->values[i] = (QsId) member (&arr->items[i], "value")->i;
        }
      else
        a->kind = QS_ATTR_JSON, a->s = json_text (r, n), a->n = 0;
    }
  return TRUE;
}

static gboolean
read_object_attrs (Reader     *r,
                   QsJson *obj,
                   guint32     n_values,
                   const char *path,
                   GArray     *out)
{
  /* Members in file order. */
  for (guint32 i = 0; i < obj->n; i++)
    {
      QsAttr a;

      if (!read_attr (r, obj->members[i].key, &obj->members[i].value, n_values, path, &a))
        return FALSE;
      g_array_append_val (out, a);
    }
  return TRUE;
}

static gboolean
read_modules (Reader    *r,
              QsJson *arr)
{
  guint len = (arr)->n;
  g_autoptr(GArray) attrs = g_array_new (FALSE, FALSE, sizeof (QsAttr));
  g_autoptr(GArray) params = g_array_new (FALSE, FALSE, sizeof (QsParam));

  for (guint i = 0; i < len; i++)
    {
      char path[64];
      QsJson *n = (&(arr)->items[i]);
      QsJson *obj, *a;
      const char *mpath, *type;
      static const char * const lists[] = { "params", "buffers" };
      QsId id;
      gboolean ok = TRUE;

      g_snprintf (path, sizeof path, "modules[%u]", i);
      if (!qs_json_is_obj (n))
        return fail (r, QS_ERROR_INVALID, path, "must be an object, not %s", json_kind (n));
      obj = (n);
      if (!(mpath = get_string (r, obj, "path", path, TRUE))
          || !(type = get_string (r, obj, "type", path, TRUE)))
        return FALSE;
      if (qs_graph_lookup_module (r->graph, mpath) != QS_ID_NONE)
        return fail (r, QS_ERROR_INVALID, path, "module “%s” is listed twice", mpath);
      id = qs_graph_add_module (r->graph, mpath, type);

      g_array_set_size (attrs, 0);
      if ((a = get_object (r, obj, "attrs", path, FALSE)) != NULL)
        ok = read_object_attrs (r, a, 0, path, attrs);
      else if (member (obj, "attrs") != NULL && !is_null (member (obj, "attrs")))
        ok = FALSE;
      if (ok)
        qs_graph_module_set_attrs (r->graph, id, (QsAttr *) attrs->data, attrs->len);
      if (!ok)
        return FALSE;

      g_array_set_size (params, 0);
      for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
        {
          QsJson *p = get_array (r, obj, lists[l], path, FALSE, &ok);

          if (!ok)
            return FALSE;
          for (guint k = 0; p != NULL && k < (p)->n; k++)
            {
              char ppath[96];
              QsJson *pn = (&(p)->items[k]);
              QsParam param = { 0 };

              g_snprintf (ppath, sizeof ppath, "%s.%s[%u]", path, lists[l], k);
              if (!qs_json_is_obj (pn))
                return fail (r, QS_ERROR_INVALID, ppath, "must be an object, not %s",
                             json_kind (pn));
              if (!(param.name = get_string (r, (pn), "name", ppath, TRUE))
                  || !read_type (r, (pn), ppath, &param.type))
                return FALSE;
              param.is_buffer = l == 1;
              g_array_append_val (params, param);
            }
        }
      qs_graph_module_set_params (r->graph, id, (QsParam *) params->data, params->len);
    }
  return TRUE;
}

static gboolean
read_values (Reader    *r,
             QsJson *arr)
{
  guint len = (arr)->n;

  for (guint i = 0; i < len; i++)
    {
      char path[64];
      QsJson *n = (&(arr)->items[i]);
      QsJson *obj;
      QsType type;
      gint64 id;
      gboolean ok;
      QsJson *elements;
      QsId v;

      g_snprintf (path, sizeof path, "values[%u]", i);
      if (!qs_json_is_obj (n))
        return fail (r, QS_ERROR_INVALID, path, "must be an object, not %s", json_kind (n));
      obj = (n);
      if (!get_int (r, obj, "id", path, 0, G_MAXUINT32 - 1, &id))
        return FALSE;
      if (id != i)
        return fail (r, QS_ERROR_INVALID, path, "has id %" G_GINT64_FORMAT "; ids must equal "
                     "the position in the array (%u)", id, i);
      if (!read_type (r, obj, path, &type))
        return FALSE;
      v = qs_graph_add_value (r->graph, &type);
      elements = get_array (r, obj, "elements", path, FALSE, &ok);
      if (!ok)
        return FALSE;
      if (elements != NULL)
        {
          guint ne = (elements)->n;
          QsType *types = qs_graph_alloc (r->graph, MAX (ne, 1) * sizeof (QsType));

          for (guint k = 0; k < ne; k++)
            {
              char epath[96];
              QsJson *e = (&(elements)->items[k]);

              g_snprintf (epath, sizeof epath, "%s.elements[%u]", path, k);
              if (!qs_json_is_obj (e))
                return fail (r, QS_ERROR_INVALID, epath, "must be an object, not %s",
                             json_kind (e));
              if (!read_type (r, (e), epath, &types[k]))
                return FALSE;
            }
          r->graph->values[v].elements = types;
          r->graph->values[v].n_elements = ne;
        }
    }
  return TRUE;
}

static gboolean
read_node_args (Reader     *r,
                QsJson *obj,
                QsId        id,
                const char *path)
{
  g_autoptr(GArray) attrs = g_array_new (FALSE, FALSE, sizeof (QsAttr));
  gboolean ok;
  QsJson *args = get_array (r, obj, "args", path, FALSE, &ok);
  QsJson *kwargs;
  static const char * const positions[] = { "0", "1", "2", "3", "4", "5", "6", "7" };

  if (!ok)
    return FALSE;
  for (guint i = 0; args != NULL && i < (args)->n; i++)
    {
      QsAttr a;
      const char *name;

      if (i < G_N_ELEMENTS (positions))
        name = positions[i];
      else
        {
          /* rare: more than 8 positional arguments */
          char buf[16];

          g_snprintf (buf, sizeof buf, "%u", i);
          name = qs_graph_strdup (r->graph, buf);
        }
      ok = read_attr (r, name, (&(args)->items[i]), r->graph->n_values, path, &a);
      if (!ok)
        break;
      g_array_append_val (attrs, a);
    }
  if (ok && (kwargs = get_object (r, obj, "kwargs", path, FALSE)) != NULL)
    ok = read_object_attrs (r, kwargs, r->graph->n_values, path, attrs);
  else if (ok && member (obj, "kwargs") && !is_null (member (obj, "kwargs"))
           && !qs_json_is_obj (member (obj, "kwargs")))
    ok = FALSE;
  if (ok)
    qs_graph_node_set_attrs (r->graph, id, (QsAttr *) attrs->data, attrs->len);
  return ok;
}

static gboolean
read_fused (Reader     *r,
            QsJson     *obj,
            QsId        id,
            const char *path)
{
  gboolean ok;
  QsJson *arr = get_array (r, obj, "fused", path, FALSE, &ok);
  QsFused *fused;

  if (arr == NULL)
    return ok;
  fused = qs_arena_alloc (r->tmp, MAX (arr->n, 1) * sizeof (QsFused));
  for (guint32 i = 0; i < arr->n; i++)
    {
      QsJson *f = &arr->items[i];
      const char *kind;

      if (!qs_json_is (f, QS_JSON_OBJECT))
        return fail (r, QS_ERROR_INVALID, path, "fused[%u] must be an object, not %s", i,
                     json_kind (f));
      if (!(fused[i].name = get_string (r, f, "name", path, TRUE))
          || !(kind = get_string (r, f, "kind", path, TRUE))
          || !(fused[i].target = get_string (r, f, "target", path, TRUE)))
        return FALSE;
      if (!qs_node_kind_from_name (kind, &fused[i].kind))
        return fail (r, QS_ERROR_INVALID, path, "fused[%u] has unknown kind “%s”", i, kind);
      fused[i].op = qs_graph_resolve_op (r->graph, fused[i].kind, fused[i].target,
                                         &fused[i].module);
      if (qs_json_get (f, "inputs") != NULL)
        {
          gint64 n;

          if (!get_int (r, f, "inputs", path, 0, 64, &n))
            return FALSE;
          fused[i].n_inputs = (guint32) n;
        }
    }
  qs_graph_node_set_fused (r->graph, id, fused, arr->n);
  return TRUE;
}

static gboolean
read_node (Reader     *r,
           QsJson *obj,
           guint       index,
           const char *path)
{
  const char *name, *kind_name, *target;
  QsNodeKind kind;
  QsId *inputs, *outputs, id;
  guint32 n_inputs, n_outputs;
  gint64 nid;
  QsJson *source;

  if (!get_int (r, obj, "id", path, 0, G_MAXUINT32 - 1, &nid))
    return FALSE;
  if (nid != index)
    return fail (r, QS_ERROR_INVALID, path, "has id %" G_GINT64_FORMAT "; ids must equal the "
                 "position in the array (%u)", nid, index);
  if (!(name = get_string (r, obj, "name", path, TRUE))
      || !(kind_name = get_string (r, obj, "kind", path, TRUE)))
    return FALSE;
  if (!qs_node_kind_from_name (kind_name, &kind))
    return fail (r, QS_ERROR_INVALID, path, "node “%s” has unknown kind “%s”; expected "
                 "placeholder, get_attr, call_module, call_function, call_method or output",
                 name, kind_name);
  target = get_string (r, obj, "target", path, FALSE);
  if (target == NULL && r->error && *r->error)
    return FALSE;
  if (!read_ids (r, obj, "inputs", path, r->graph->n_values, "value", &inputs, &n_inputs)
      || !read_ids (r, obj, "outputs", path, r->graph->n_values, "value", &outputs, &n_outputs))
    return FALSE;
  if (kind == QS_NODE_CALL_MODULE && target != NULL
      && qs_graph_lookup_module (r->graph, target) == QS_ID_NONE)
    return fail (r, QS_ERROR_DANGLING, path, "node “%s” calls module “%s”, which is not "
                 "listed in “modules”", name, target);
  id = qs_graph_add_node (r->graph, kind, name, target, inputs, n_inputs, outputs, n_outputs);
  if (!read_node_args (r, obj, id, path))
    return FALSE;
  if ((source = get_object (r, obj, "source", path, FALSE)) != NULL)
    {
      QsJson *line = member (source, "line");

      qs_graph_node_set_source (r->graph, id, get_string (r, source, "file", path, FALSE),
                                is_int (line) ? (guint) CLAMP ((line)->i, 0,
                                                               G_MAXUINT32) : 0,
                                get_string (r, source, "code", path, FALSE));
    }
  if (!read_fused (r, obj, id, path))
    return FALSE;
  if (member (obj, "scope") != NULL && !is_null (member (obj, "scope")))
    {
      const char *scope = get_string (r, obj, "scope", path, FALSE);

      if (scope == NULL)
        return FALSE;
      qs_graph_node_set_scope (r->graph, id, scope);
    }
  if (member (obj, "wrapped") != NULL && !is_null (member (obj, "wrapped")))
    {
      gint64 w;

      if (!get_int (r, obj, "wrapped", path, -1, G_MAXUINT32 - 1, &w))
        return FALSE;
      r->graph->nodes[id].wrapped = w < 0 ? QS_ID_NONE : (QsId) w;
    }
  return TRUE;
}

static gboolean
read_nodes (Reader    *r,
            QsJson *arr)
{
  guint len = (arr)->n;

  for (guint i = 0; i < len; i++)
    {
      char path[64];
      QsJson *n = (&(arr)->items[i]);

      g_snprintf (path, sizeof path, "nodes[%u]", i);
      if (!qs_json_is_obj (n))
        return fail (r, QS_ERROR_INVALID, path, "must be an object, not %s", json_kind (n));
      if (!read_node (r, (n), i, path))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_module_paths (Reader     *r,
                   QsJson *obj,
                   const char *path,
                   QsWrapped  *w)
{
  gboolean ok;
  QsJson *arr = get_array (r, obj, "modules", path, FALSE, &ok);
  guint len;

  if (arr == NULL)
    return ok;
  len = (arr)->n;
  w->modules = qs_graph_alloc (r->graph, MAX (len, 1) * sizeof (QsId));
  for (guint i = 0; i < len; i++)
    {
      QsJson *n = (&(arr)->items[i]);
      QsId m;

      if (!is_string (n))
        return fail (r, QS_ERROR_INVALID, path, "modules[%u] must be a module path, not %s",
                     i, json_kind (n));
      m = qs_graph_lookup_module (r->graph, (n)->s);
      if (m == QS_ID_NONE)
        return fail (r, QS_ERROR_DANGLING, path, "modules[%u] is “%s”, which is not listed "
                     "in “modules”", i, (n)->s);
      w->modules[w->n_modules++] = m;
    }
  return TRUE;
}

static gboolean
read_wrapped (Reader    *r,
              QsJson *arr)
{
  for (guint i = 0; arr != NULL && i < (arr)->n; i++)
    {
      char path[64];
      QsJson *n = (&(arr)->items[i]);
      QsJson *obj;
      QsWrapped w = { 0 };
      const char *kind;
      gint64 node = -1;

      g_snprintf (path, sizeof path, "wrapped[%u]", i);
      if (!qs_json_is_obj (n))
        return fail (r, QS_ERROR_INVALID, path, "must be an object, not %s", json_kind (n));
      obj = (n);
      if (!(w.name = get_string (r, obj, "name", path, TRUE))
          || !(kind = get_string (r, obj, "kind", path, TRUE)))
        return FALSE;
      if (!qs_wrap_kind_from_name (kind, &w.kind))
        return fail (r, QS_ERROR_INVALID, path, "unknown kind “%s”; expected function, "
                     "method, leaf_module or outside_stub", kind);
      if (member (obj, "node") != NULL && !is_null (member (obj, "node"))
          && !get_int (r, obj, "node", path, -1, (gint64) r->graph->n_nodes - 1, &node))
        return FALSE;
      w.node = node < 0 ? QS_ID_NONE : (QsId) node;
      if (!read_ids (r, obj, "nodes", path, r->graph->n_nodes, "node", &w.nodes, &w.n_nodes)
          || !read_module_paths (r, obj, path, &w)
          || !read_ids (r, obj, "inputs", path, r->graph->n_values, "value", &w.inputs,
                        &w.n_inputs)
          || !read_ids (r, obj, "outputs", path, r->graph->n_values, "value", &w.outputs,
                        &w.n_outputs))
        return FALSE;
      qs_graph_add_wrapped (r->graph, &w);
      if (w.node != QS_ID_NONE)
        r->graph->nodes[w.node].wrapped = i;
    }
  return TRUE;
}

static void
read_model_info (Reader     *r,
                 QsJson *root)
{
  QsJson *model = get_object (r, root, "model", NULL, FALSE);
  QsJson *meta;
  const char *name;

  g_clear_error (r->error);
  if (model == NULL)
    return;
  if ((name = get_string (r, model, "name", NULL, FALSE)) != NULL)
    qs_graph_set_name (r->graph, name);
  if ((name = get_string (r, model, "factory", NULL, FALSE)) != NULL)
    qs_graph_set_metadata (r->graph, "factory", name);
  g_clear_error (r->error);
  meta = get_object (r, model, "metadata", NULL, FALSE);
  g_clear_error (r->error);
  if (meta == NULL)
    return;
  {
    for (guint32 k = 0; k < meta->n; k++)
      if (is_string (&meta->members[k].value))
        qs_graph_set_metadata (r->graph, meta->members[k].key, meta->members[k].value.s);
  }
}

static gboolean
read_root (Reader   *r,
           QsJson *root_node)
{
  QsJson *root;
  const char *format;
  gint64 version;
  gboolean ok;
  QsJson *modules, *values, *nodes, *wrapped;

  if (root_node == NULL || !qs_json_is_obj (root_node))
    return fail (r, QS_ERROR_INVALID, NULL, "the top level must be a JSON object; is this a "
                 "Quantscope graph file?");
  root = (root_node);
  if (!(format = get_string (r, root, "format", NULL, TRUE)))
    return FALSE;
  if (strcmp (format, "quantscope-graph") != 0)
    return fail (r, QS_ERROR_INVALID, "format", "is “%s”, expected “quantscope-graph”",
                 format);
  if (!get_int (r, root, "version", NULL, 0, G_MAXINT32, &version))
    return FALSE;
  if (version > QS_GRAPH_FORMAT_VERSION)
    return fail (r, QS_ERROR_VERSION, "version", "the file has format version %" G_GINT64_FORMAT
                 " but this Quantscope reads up to version %d; update Quantscope",
                 version, QS_GRAPH_FORMAT_VERSION);
  if (version < 1)
    return fail (r, QS_ERROR_VERSION, "version", "version %" G_GINT64_FORMAT " is not a "
                 "valid format version", version);
  read_model_info (r, root);
  if (member (root, "weights") != NULL && !is_null (member (root, "weights")))
    {
      const char *w = get_string (r, root, "weights", NULL, FALSE);

      if (w == NULL)
        return FALSE;
      r->graph->weights_file = g_strdup (w);
    }

  if (!(modules = get_array (r, root, "modules", NULL, TRUE, &ok))
      || !(values = get_array (r, root, "values", NULL, TRUE, &ok))
      || !(nodes = get_array (r, root, "nodes", NULL, TRUE, &ok)))
    return FALSE;
  wrapped = get_array (r, root, "wrapped", NULL, FALSE, &ok);
  if (!ok)
    return FALSE;
  return read_modules (r, modules)
         && read_values (r, values)
         && read_nodes (r, nodes)
         && read_wrapped (r, wrapped);
}

static gboolean
load_weights (QsGraph     *graph,
              const char  *filename,
              GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local = NULL;

  if (g_path_is_absolute (graph->weights_file))
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "%s: “weights” is the absolute path “%s”; it must be relative to the "
                        "graph file's folder so the two can move together",
                        filename, graph->weights_file), FALSE;
  dir = g_path_get_dirname (filename);
  path = g_build_filename (dir, graph->weights_file, NULL);
  graph->weights = qs_weights_open (path, &local);
  if (graph->weights == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
          || g_error_matches (local, QS_ERROR, QS_ERROR_IO))
        return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                            "%s: the weights file “%s” could not be read (%s); put it next "
                            "to the graph file or re-run quantscope-trace",
                            filename, graph->weights_file, local->message), FALSE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", filename);
      return FALSE;
    }
  if (!qs_weights_check_graph (graph->weights, graph, &local))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", filename);
      return FALSE;
    }
  return TRUE;
}

QsGraph *
qs_graph_load_from_data (const char        *data,
                         gsize              length,
                         const char        *filename,
                         QsGraphLoadFlags   flags,
                         GError           **error)
{
  g_autoptr(QsArena) tmp = NULL;
  g_autoptr(QsGraph) graph = NULL;
  QsJson *root;
  g_autoptr(GError) local = NULL;
  Reader r;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (filename != NULL, NULL);

  if (length == 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                        "%s: the file is empty; it should hold a Quantscope graph (JSON)",
                        filename), NULL;
  if (length > QS_GRAPH_MAX_FILE_SIZE)
    return g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                        "%s: the file is %" G_GSIZE_FORMAT " bytes; graph files are limited "
                        "to %" G_GSIZE_FORMAT " bytes", filename, length,
                        QS_GRAPH_MAX_FILE_SIZE), NULL;

  /* The tree takes about three times the text; grow in big steps. */
  tmp = qs_arena_new (CLAMP (length, 64 * 1024, 16 * 1024 * 1024));
  root = qs_json_parse (tmp, data, length, &local);
  if (root == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                        "%s: not valid JSON: %s", filename, local->message), NULL;

  graph = qs_graph_new ();
  graph->filename = g_strdup (filename);
  r.filename = filename;
  r.graph = graph;
  r.tmp = tmp;
  r.error = &local;
  if (!read_root (&r, root))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  g_clear_error (&local);
  if (graph->name == NULL)
    {
      g_autofree char *base = g_path_get_basename (filename);
      char *dot = strstr (base, ".qsgraph");

      if (dot != NULL)
        *dot = '\0';
      qs_graph_set_name (graph, base);
    }
  if (!qs_graph_analyze (graph, &local)
      || (!(flags & QS_GRAPH_LOAD_NO_VERIFY) && !qs_graph_verify (graph, &local)))
    {
      g_set_error (error, QS_ERROR, local->code, "%s: %s", filename, local->message);
      return NULL;
    }
  if (graph->weights_file != NULL && !(flags & QS_GRAPH_LOAD_NO_WEIGHTS)
      && !load_weights (graph, filename, error))
    return NULL;
  return g_steal_pointer (&graph);
}

QsGraph *
qs_graph_load (const char        *filename,
               QsGraphLoadFlags   flags,
               GError           **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (filename != NULL, NULL);

  mapped = g_mapped_file_new (filename, FALSE, &local);
  if (mapped == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot open the graph file: %s",
                        filename, local->message), NULL;
  return qs_graph_load_from_data (g_mapped_file_get_contents (mapped),
                                  g_mapped_file_get_length (mapped),
                                  filename, flags, error);
}
