/* qs-exec-value.c: the values an executor passes between nodes */
#include "qs-exec.h"

static QsExecValue *
value_new (QsExecValueKind kind)
{
  QsExecValue *v = g_new0 (QsExecValue, 1);

  g_atomic_ref_count_init (&v->ref_count);
  v->kind = kind;
  return v;
}

QsExecValue *
qs_exec_value_new_tensor (QsTensor *tensor)
{
  QsExecValue *v;

  g_return_val_if_fail (tensor != NULL, NULL);
  v = value_new (QS_EXEC_VALUE_TENSOR);
  v->tensor = tensor;
  return v;
}

QsExecValue *
qs_exec_value_new_int (gint64 i)
{
  QsExecValue *v = value_new (QS_EXEC_VALUE_INT);

  v->i = i;
  return v;
}

QsExecValue *
qs_exec_value_new_float (double f)
{
  QsExecValue *v = value_new (QS_EXEC_VALUE_FLOAT);

  v->f = f;
  return v;
}

QsExecValue *
qs_exec_value_new_bool (gboolean b)
{
  QsExecValue *v = value_new (QS_EXEC_VALUE_BOOL);

  v->b = !!b;
  return v;
}

QsExecValue *
qs_exec_value_new_string (const char *s)
{
  QsExecValue *v = value_new (QS_EXEC_VALUE_STRING);

  v->s = g_strdup (s);
  return v;
}

QsExecValue *
qs_exec_value_new_none (void)
{
  return value_new (QS_EXEC_VALUE_NONE);
}

QsExecValue *
qs_exec_value_new_sequence (QsExecValueKind kind,
                            QsExecValue   **items,
                            guint           n)
{
  QsExecValue *v;

  g_return_val_if_fail (kind == QS_EXEC_VALUE_TUPLE || kind == QS_EXEC_VALUE_LIST, NULL);
  g_return_val_if_fail (n == 0 || items != NULL, NULL);
  v = value_new (kind);
  v->n_items = n;
  v->items = g_new0 (QsExecValue *, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    v->items[i] = items[i];
  return v;
}

QsExecValue *
qs_exec_value_new_dict (const char *const *keys,
                        QsExecValue      **items,
                        guint              n)
{
  QsExecValue *v;

  g_return_val_if_fail (n == 0 || (keys != NULL && items != NULL), NULL);
  v = value_new (QS_EXEC_VALUE_DICT);
  v->n_items = n;
  v->items = g_new0 (QsExecValue *, MAX (n, 1));
  v->keys = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      v->items[i] = items[i];
      v->keys[i] = g_strdup (keys[i]);
    }
  return v;
}

QsExecValue *
qs_exec_value_ref (QsExecValue *value)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_atomic_ref_count_inc (&value->ref_count);
  return value;
}

void
qs_exec_value_unref (QsExecValue *value)
{
  g_return_if_fail (value != NULL);
  if (!g_atomic_ref_count_dec (&value->ref_count))
    return;
  if (value->kind == QS_EXEC_VALUE_TENSOR)
    qs_tensor_unref (value->tensor);
  else if (value->kind == QS_EXEC_VALUE_STRING)
    g_free (value->s);
  for (guint i = 0; i < value->n_items; i++)
    qs_exec_value_unref (value->items[i]);
  g_free (value->items);
  g_strfreev (value->keys);
  g_free (value);
}

QsExecValue *
qs_exec_value_lookup (const QsExecValue *dict,
                      const char        *key)
{
  g_return_val_if_fail (dict != NULL && key != NULL, NULL);
  if (dict->kind != QS_EXEC_VALUE_DICT)
    return NULL;
  for (guint i = 0; i < dict->n_items; i++)
    if (g_strcmp0 (dict->keys[i], key) == 0)
      return dict->items[i];
  return NULL;
}

static void
describe (const QsExecValue *v,
          GString           *out)
{
  QsType type;

  switch (v->kind)
    {
    case QS_EXEC_VALUE_NONE:   g_string_append (out, "None"); break;
    case QS_EXEC_VALUE_INT:    g_string_append_printf (out, "int %" G_GINT64_FORMAT, v->i); break;
    case QS_EXEC_VALUE_FLOAT:  g_string_append_printf (out, "float %g", v->f); break;
    case QS_EXEC_VALUE_BOOL:   g_string_append (out, v->b ? "True" : "False"); break;
    case QS_EXEC_VALUE_STRING: g_string_append_printf (out, "'%s'", v->s); break;
    case QS_EXEC_VALUE_TENSOR:
      qs_tensor_get_type (v->tensor, &type);
      qs_type_append (&type, out);
      break;
    case QS_EXEC_VALUE_TUPLE:
    case QS_EXEC_VALUE_LIST:
    case QS_EXEC_VALUE_DICT:
      g_string_append (out, v->kind == QS_EXEC_VALUE_TUPLE ? "tuple("
                            : v->kind == QS_EXEC_VALUE_LIST ? "list(" : "dict(");
      for (guint i = 0; i < v->n_items; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          if (v->keys != NULL)
            g_string_append_printf (out, "'%s': ", v->keys[i]);
          describe (v->items[i], out);
        }
      g_string_append_c (out, ')');
      break;
    default:
      g_assert_not_reached ();
    }
}

char *
qs_exec_value_describe (const QsExecValue *value)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (value != NULL, NULL);
  describe (value, out);
  return g_string_free (out, FALSE);
}
