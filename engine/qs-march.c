/* qs-march.c: lookups over the march catalog */
#include "qs-march.h"

#include <string.h>

static const QsMarchInfo marches[QS_N_MARCHES] = {
#define QS_MARCH(e, n, chip, fam, cores, clock, tops, ddr, fp16, align, min_alloc, cpu) \
  [QS_MARCH_##e] = { n, chip, QS_MARCH_FAMILY_##fam, cores, clock, tops, ddr, fp16, align,  \
                     min_alloc, cpu },
#include "qs-marches.inc"
};

const QsMarchInfo *
qs_march_info (QsMarch march)
{
  g_return_val_if_fail (march >= 0 && march < QS_N_MARCHES, NULL);
  return &marches[march];
}

const char *
qs_march_name (QsMarch march)
{
  if (march < 0 || march >= QS_N_MARCHES)
    return "none";
  return marches[march].name;
}

QsMarch
qs_march_from_name (const char *name)
{
  for (int i = 0; i < QS_N_MARCHES; i++)
    if (g_strcmp0 (marches[i].name, name) == 0)
      return (QsMarch) i;
  return QS_MARCH_NONE;
}

static gpointer
build_list (gpointer data)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < QS_N_MARCHES; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", marches[i].name);
  return g_string_free (s, FALSE);
}

const char *
qs_march_list (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, build_list, NULL);
}

gboolean
qs_march_supports_op (QsMarch march,
                      QsOp    op)
{
  const char *list, *name, *hit;
  gsize len;

  g_return_val_if_fail (march >= 0 && march < QS_N_MARCHES, FALSE);
  if (op == QS_OP_UNKNOWN || op == QS_OP_WRAPPED)
    return FALSE;
  if (qs_op_flags (op) & QS_OPF_NO_COMPUTE)
    return TRUE;
  list = marches[march].cpu_ops;
  name = qs_op_name (op);
  len = strlen (name);
  for (hit = strstr (list, name); hit != NULL; hit = strstr (hit + 1, name))
    if ((hit == list || hit[-1] == ' ') && (hit[len] == '\0' || hit[len] == ' '))
      return FALSE;
  return TRUE;
}

gboolean
qs_march_supports_dtype (QsMarch march,
                         QsDtype dtype)
{
  g_return_val_if_fail (march >= 0 && march < QS_N_MARCHES, FALSE);
  switch (dtype)
    {
    case QS_DTYPE_INT8:
    case QS_DTYPE_INT16:
    case QS_DTYPE_FLOAT32: /* float means "not quantized": runs on the CPU */
      return TRUE;
    case QS_DTYPE_FLOAT16:
      return marches[march].fp16;
    default:
      return FALSE;
    }
}
