/* qs-ops.c: lookups generated from the op table */
#include "qs-ops.h"

#include <string.h>

typedef struct
{
  const char *name;
  QsOpClass   cls;
  QsOpFlags   flags;
  QsFuseRole  role;
  QsEngine    engine;
} QsOpInfo;

static const QsOpInfo op_info[QS_N_OPS] = {
#define QS_OP(e, n, c, f, r, eng) \
  [QS_OP_##e] = { n, QS_OP_CLASS_##c, (QsOpFlags) (f), QS_FUSE_ROLE_##r, QS_ENGINE_##eng },
#include "qs-ops.inc"
};

typedef struct
{
  QsTargetKind kind;
  const char  *target;
  QsOp         op;
} QsTargetInfo;

static const QsTargetInfo target_info[] = {
#define QS_TARGET(k, t, o) { QS_TARGET_##k, t, QS_OP_##o },
#include "qs-op-targets.inc"
};

static const char * const class_names[QS_N_OP_CLASSES] = {
  [QS_OP_CLASS_OTHER] = "other",
  [QS_OP_CLASS_IO] = "io",
  [QS_OP_CLASS_CONV] = "conv",
  [QS_OP_CLASS_LINEAR] = "linear",
  [QS_OP_CLASS_MATMUL] = "matmul",
  [QS_OP_CLASS_NORM] = "norm",
  [QS_OP_CLASS_ACTIVATION] = "activation",
  [QS_OP_CLASS_SOFTMAX] = "softmax",
  [QS_OP_CLASS_ELEMENTWISE] = "elementwise",
  [QS_OP_CLASS_POOL] = "pool",
  [QS_OP_CLASS_REDUCE] = "reduce",
  [QS_OP_CLASS_RESIZE] = "resize",
  [QS_OP_CLASS_MOVE] = "data-movement",
  [QS_OP_CLASS_RESHAPE] = "reshape",
  [QS_OP_CLASS_IDENTITY] = "identity",
  [QS_OP_CLASS_SHAPE] = "shape",
  [QS_OP_CLASS_WRAPPED] = "wrapped",
};

static GHashTable *target_tables[3];

static gpointer
build_target_tables (gpointer data)
{
  for (guint k = 0; k < 3; k++)
    target_tables[k] = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS (target_info); i++)
    g_hash_table_insert (target_tables[target_info[i].kind],
                         (gpointer) target_info[i].target,
                         GINT_TO_POINTER (target_info[i].op + 1));
  return NULL;
}

const char *
qs_op_name (QsOp op)
{
  g_return_val_if_fail (op < QS_N_OPS, "invalid");
  return op_info[op].name;
}

QsOpClass
qs_op_class (QsOp op)
{
  g_return_val_if_fail (op < QS_N_OPS, QS_OP_CLASS_OTHER);
  return op_info[op].cls;
}

QsOpFlags
qs_op_flags (QsOp op)
{
  g_return_val_if_fail (op < QS_N_OPS, 0);
  return op_info[op].flags;
}

QsFuseRole
qs_op_fuse_role (QsOp op)
{
  g_return_val_if_fail (op < QS_N_OPS, QS_FUSE_ROLE_NONE);
  return op_info[op].role;
}

QsEngine
qs_op_engine (QsOp op)
{
  g_return_val_if_fail (op < QS_N_OPS, QS_ENGINE_CPU);
  return op_info[op].engine;
}

const char *
qs_op_class_name (QsOpClass cls)
{
  g_return_val_if_fail (cls < QS_N_OP_CLASSES, "invalid");
  return class_names[cls];
}

const char *
qs_engine_name (QsEngine engine)
{
  static const char * const names[] = { "none", "tae", "vector", "move", "cpu" };

  g_return_val_if_fail (engine < G_N_ELEMENTS (names), "invalid");
  return names[engine];
}

QsOp
qs_op_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, QS_OP_UNKNOWN);
  for (guint i = 0; i < QS_N_OPS; i++)
    if (strcmp (op_info[i].name, name) == 0)
      return (QsOp) i;
  return QS_OP_UNKNOWN;
}

/* Module targets may be spelled with their defining module
 * ("torch.nn.modules.conv.Conv2d"); map that to the public name. */
static const char *
strip_torch_nn_module (const char *target,
                       char       *buf,
                       gsize       buf_len)
{
  const char *prefix = "torch.nn.modules.";
  const char *last_dot;

  if (!g_str_has_prefix (target, prefix))
    return target;
  last_dot = strrchr (target, '.');
  g_snprintf (buf, buf_len, "torch.nn%s", last_dot);
  return buf;
}

QsOp
qs_op_from_target (QsTargetKind kind,
                   const char  *target)
{
  static GOnce once = G_ONCE_INIT;
  char buf[256];
  gpointer found;

  g_return_val_if_fail (kind <= QS_TARGET_METHOD, QS_OP_UNKNOWN);
  g_return_val_if_fail (target != NULL, QS_OP_UNKNOWN);

  g_once (&once, build_target_tables, NULL);
  if (kind == QS_TARGET_MODULE)
    target = strip_torch_nn_module (target, buf, sizeof buf);
  found = g_hash_table_lookup (target_tables[kind], target);
  return found ? (QsOp) (GPOINTER_TO_INT (found) - 1) : QS_OP_UNKNOWN;
}
