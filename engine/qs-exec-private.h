/* qs-exec-private.h: shared by the executor's files */
#pragma once

#include "qsk.h"

#include "qs-error.h"
#include "qs-exec.h"

G_BEGIN_DECLS

/* Replaces qs_exec_node () for every node when set (engine/qs-qexec.c). */
typedef QsExecValue *(*QsExecRunnerFunc) (QsExec       *exec,
                                          const QsNode *node,
                                          gpointer      data,
                                          GError      **error);
/* The value a caller or a node callback sees for value @value: a new reference
 * (the runner may keep its own representation, e.g. int8, between nodes). */
typedef QsExecValue *(*QsExecRunnerExportFunc) (QsExec      *exec,
                                                QsId         value,
                                                QsExecValue *v,
                                                gpointer     data);
/* Takes @v (value @value's last reference from the run), e.g. to recycle its buffer. */
typedef void (*QsExecRunnerReleaseFunc) (QsExec      *exec,
                                         QsId         value,
                                         QsExecValue *v,
                                         gpointer     data);

struct _QsExec
{
  QsGraph          *graph;     /* owned reference */
  QsWeights        *weights;   /* owned reference, or NULL */
  QskThreadPool    *pool;      /* owned, or NULL (inline) */
  const QskKernels *k;
  int               n_threads;
  GHashTable       *params;    /* "module.param" -> QsTensor float32, owned */
  GArray           *inputs;    /* placeholder node ids */
  QsExecNodeFunc    func;
  gpointer          user_data;
  QsExecValue     **values;    /* by value id, during a run */
  /* float fast paths (qs-exec-ops.c), during a run: the remaining uses per value
   * (qs_exec_run_values' count, pinned targets included) and the nodes folded into
   * their producer (conv + batch-norm + relu), which then pass their input through */
  const guint      *uses;
  guint8           *folded;
  QsExecRunnerFunc  runner;    /* or NULL: qs_exec_node () */
  gpointer          runner_data;
  GDestroyNotify    runner_free;
  QsExecRunnerExportFunc  runner_export;   /* or NULL: values as they are */
  QsExecRunnerReleaseFunc runner_release;  /* or NULL: unref */
};

/* Sets "node “NAME”: MESSAGE" and returns NULL (for any pointer return). */
gpointer       qs_exec_fail         (GError      **error,
                                     const QsNode *node,
                                     QsError       code,
                                     const char   *format,
                                     ...) G_GNUC_PRINTF (4, 5);

/* Arguments: positional @pos ("0", "1", ...) or keyword @kwarg (may be
 * NULL). A node without any recorded arguments (built by hand) reads its
 * inputs as positional values. */
const QsAttr  *qs_exec_arg          (const QsNode *node,
                                     guint         pos,
                                     const char   *kwarg);
/* The value an argument refers to, borrowed, or NULL. */
QsExecValue   *qs_exec_arg_value    (QsExec       *exec,
                                     const QsNode *node,
                                     guint         pos,
                                     const char   *kwarg);
/* A float32 tensor argument (borrowed); errors name the node. */
QsTensor      *qs_exec_arg_tensor   (QsExec       *exec,
                                     const QsNode *node,
                                     guint         pos,
                                     const char   *kwarg,
                                     GError      **error);
/* An int (constant or an int value); @fallback when absent or None. */
gboolean       qs_exec_attr_int     (QsExec       *exec,
                                     const QsNode *node,
                                     const QsAttr *attr,
                                     gint64        fallback,
                                     gint64       *out,
                                     GError      **error);
gboolean       qs_exec_attr_double  (QsExec       *exec,
                                     const QsNode *node,
                                     const QsAttr *attr,
                                     double        fallback,
                                     double       *out,
                                     GError      **error);
/* A list of ints: INT (broadcast to @n_max when @broadcast), INTS, a list
 * of int values, a mixed JSON list or a tuple value. Sets *n (0 when
 * absent or None). None items (adaptive pool sizes) read as -1. */
gboolean       qs_exec_attr_ints    (QsExec       *exec,
                                     const QsNode *node,
                                     const QsAttr *attr,
                                     gboolean      broadcast,
                                     gint64       *out,
                                     guint         n_max,
                                     guint        *n,
                                     GError      **error);
gboolean       qs_exec_attr_bool    (const QsAttr *attr,
                                     gboolean      fallback);
const char    *qs_exec_attr_string  (const QsAttr *attr,
                                     const char   *fallback);
/* Module attribute @name for call_module nodes, else the argument. */
const QsAttr  *qs_exec_param_attr   (const QsNode   *node,
                                     const QsModule *module,
                                     const char     *name,
                                     guint           pos);

/* A module parameter as a float32 tensor (cached), or NULL: when @required,
 * with an error naming the parameter; else without error when absent. */
QsTensor      *qs_exec_param        (QsExec         *exec,
                                     const QsNode   *node,
                                     const QsModule *module,
                                     const char     *name,
                                     gboolean        required,
                                     GError        **error);
/* An optional parameter: *out = NULL when the module lists no @name;
 * FALSE with an error when it lists it but the weights lack it. */
gboolean       qs_exec_param_opt    (QsExec         *exec,
                                     const QsNode   *node,
                                     const QsModule *module,
                                     const char     *name,
                                     QsTensor      **out,
                                     GError        **error);
/* Caches a derived tensor under @key (takes ownership); returns it. */
QsTensor      *qs_exec_cache        (QsExec         *exec,
                                     const char     *key,
                                     QsTensor       *tensor);
QsTensor      *qs_exec_cached       (QsExec         *exec,
                                     const char     *key);
/* A get_attr node's tensor from the weights. */
QsTensor      *qs_exec_weight       (QsExec         *exec,
                                     const QsNode   *node,
                                     const char     *key,
                                     GError        **error);

/* Runs one node (qs-exec-ops.c); returns its new output value. */
QsExecValue   *qs_exec_node         (QsExec       *exec,
                                     const QsNode *node,
                                     GError      **error);
/* A max/avg pool node's geometry for input @x (any dtype, 4-D). */
gboolean       qs_exec_pool_geom    (QsExec       *exec,
                                     const QsNode *node,
                                     const QsTensor *x,
                                     QskPoolGeom  *g,
                                     GError      **error);
/* Structural ops (qs-exec-shape.c): getitem, size, views, cat, ... Returns
 * FALSE (and nothing) when @node is not one of them. */
gboolean       qs_exec_shape_node   (QsExec       *exec,
                                     const QsNode *node,
                                     QsExecValue **out,
                                     GError      **error);

/* "conv2d" module node → a short description for errors. */
char          *qs_exec_describe_node (QsExec      *exec,
                                      const QsNode *node);

/* Normalises a possibly negative dim against @rank; FALSE when out of range. */
gboolean       qs_exec_dim          (gint64        dim,
                                     guint         rank,
                                     guint        *out);

G_END_DECLS
