/* qs-ops.h: canonical ops, generated from qs-ops.inc */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  QS_OPF_QUANT      = 1 << 0, /* has a quantized counterpart */
  QS_OPF_WEIGHTS    = 1 << 1, /* reads parameters (weights, bias, affine) */
  QS_OPF_NO_COMPUTE = 1 << 2, /* bookkeeping only: shapes, views, identity */
} QsOpFlags;

typedef enum
{
  QS_OP_CLASS_OTHER,
  QS_OP_CLASS_IO,
  QS_OP_CLASS_CONV,
  QS_OP_CLASS_LINEAR,
  QS_OP_CLASS_MATMUL,
  QS_OP_CLASS_NORM,
  QS_OP_CLASS_ACTIVATION,
  QS_OP_CLASS_SOFTMAX,
  QS_OP_CLASS_ELEMENTWISE,
  QS_OP_CLASS_POOL,
  QS_OP_CLASS_REDUCE,
  QS_OP_CLASS_RESIZE,
  QS_OP_CLASS_MOVE,
  QS_OP_CLASS_RESHAPE,
  QS_OP_CLASS_IDENTITY,
  QS_OP_CLASS_SHAPE,
  QS_OP_CLASS_WRAPPED,
  QS_N_OP_CLASSES
} QsOpClass;

/* Role of an op in fusion patterns (see engine passes). */
typedef enum
{
  QS_FUSE_ROLE_NONE,
  QS_FUSE_ROLE_CONV,
  QS_FUSE_ROLE_CONVT,
  QS_FUSE_ROLE_LINEAR,
  QS_FUSE_ROLE_MATMUL,
  QS_FUSE_ROLE_BN,
  QS_FUSE_ROLE_RELU,
  QS_FUSE_ROLE_ADD,
} QsFuseRole;

/* The NASH engine an op runs on. */
typedef enum
{
  QS_ENGINE_NONE,
  QS_ENGINE_TAE,
  QS_ENGINE_VEC,
  QS_ENGINE_MOVE,
  QS_ENGINE_CPU,
} QsEngine;

typedef enum
{
#define QS_OP(e, name, cls, flags, role, engine) QS_OP_##e,
#include "qs-ops.inc"
  QS_N_OPS
} QsOp;

typedef enum
{
  QS_TARGET_MODULE,
  QS_TARGET_FUNCTION,
  QS_TARGET_METHOD,
} QsTargetKind;

const char *qs_op_name          (QsOp         op);
QsOpClass   qs_op_class         (QsOp         op);
QsOpFlags   qs_op_flags         (QsOp         op);
QsFuseRole  qs_op_fuse_role     (QsOp         op);
QsEngine    qs_op_engine        (QsOp         op);
QsOp        qs_op_from_name     (const char  *name);
QsOp        qs_op_from_target   (QsTargetKind kind,
                                 const char  *target);
const char *qs_op_class_name    (QsOpClass    cls);
const char *qs_engine_name      (QsEngine     engine);

G_END_DECLS
