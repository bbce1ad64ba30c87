/* qs-exec.h: run a float graph on the CPU
 *
 * QsExec runs a QsGraph with its weights through the kernels library
 * (kernels/qsk.h) on a thread pool. Values are QsExecValue: tensors and the
 * other things an FX node produces (ints from x.size(), tuples, lists,
 * dicts, strings, None), so shape arithmetic such as x.view(x.size(0), -1)
 * runs as traced.
 *
 * Nodes that call wrapped regions (op "wrapped") run Python code and
 * nodes with unknown targets have no C implementation: running them fails
 * with an error naming the node. qs_exec_run_values () and
 * qs_exec_run_until () run only the nodes needed for the requested values,
 * so a model's tensors before its wrapped post-processing can still be
 * computed. Nothing is folded: batch norm runs as batch norm.
 */
#pragma once

#include "qs-graph.h"
#include "qs-safetensors.h"
#include "qs-tensor.h"

G_BEGIN_DECLS

typedef enum
{
  QS_EXEC_VALUE_NONE,
  QS_EXEC_VALUE_TENSOR,
  QS_EXEC_VALUE_INT,
  QS_EXEC_VALUE_FLOAT,
  QS_EXEC_VALUE_BOOL,
  QS_EXEC_VALUE_STRING,
  QS_EXEC_VALUE_TUPLE,
  QS_EXEC_VALUE_LIST,
  QS_EXEC_VALUE_DICT,
} QsExecValueKind;

typedef struct _QsExecValue QsExecValue;

/* Immutable once built; reference counted. */
struct _QsExecValue
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public, read-only >*/
  QsExecValueKind kind;
  union
  {
    QsTensor *tensor;    /* owned */
    gint64    i;
    double    f;
    gboolean  b;
    char     *s;         /* owned */
  };
  guint         n_items;  /* tuple, list, dict */
  QsExecValue **items;    /* owned references */
  char        **keys;     /* dict only: owned, n_items of them */
};

/* Takes ownership of @tensor. */
QsExecValue   *qs_exec_value_new_tensor   (QsTensor          *tensor);
QsExecValue   *qs_exec_value_new_int      (gint64             i);
QsExecValue   *qs_exec_value_new_float    (double             f);
QsExecValue   *qs_exec_value_new_bool     (gboolean           b);
QsExecValue   *qs_exec_value_new_string   (const char        *s);
QsExecValue   *qs_exec_value_new_none     (void);
/* TUPLE or LIST; takes ownership of the @n references in @items. */
QsExecValue   *qs_exec_value_new_sequence (QsExecValueKind    kind,
                                           QsExecValue      **items,
                                           guint              n);
/* Takes ownership of the @n references in @items; copies @keys. */
QsExecValue   *qs_exec_value_new_dict     (const char *const *keys,
                                           QsExecValue      **items,
                                           guint              n);
QsExecValue   *qs_exec_value_ref          (QsExecValue       *value);
void           qs_exec_value_unref        (QsExecValue       *value);
/* A dict's item, borrowed, or NULL. */
QsExecValue   *qs_exec_value_lookup       (const QsExecValue *dict,
                                           const char        *key);
/* "float32[1,3]", "int 7", "tuple(int 1, int 64)" (owned) */
char          *qs_exec_value_describe     (const QsExecValue *value);

typedef struct _QsExec QsExec;

typedef struct
{
  int n_threads;      /* <= 0: one per online CPU */
} QsExecOptions;

/* Called after each node runs, with the node's (borrowed) output value;
 * NULL for the output node. Values may be freed once the call returns:
 * take a reference to keep one. */
typedef void (*QsExecNodeFunc) (QsExec            *exec,
                                QsId               node,
                                const QsExecValue *value,
                                gpointer           user_data);

/* @weights: NULL for the graph's own (graph->weights). Weights are read
 * when a node first needs them; a missing parameter fails that run. */
QsExec        *qs_exec_new                (QsGraph              *graph,
                                           QsWeights            *weights,
                                           const QsExecOptions  *options,
                                           GError              **error);
void           qs_exec_free               (QsExec               *exec);
QsGraph       *qs_exec_get_graph          (QsExec               *exec);
int            qs_exec_get_n_threads      (QsExec               *exec);
void           qs_exec_set_node_callback  (QsExec               *exec,
                                           QsExecNodeFunc        func,
                                           gpointer              user_data);

/* The placeholders, in graph order: what qs_exec_run* take as @inputs. */
guint          qs_exec_get_n_inputs       (QsExec               *exec);
QsId           qs_exec_get_input_node     (QsExec               *exec,
                                           guint                 index);
/* For a dict placeholder (forward(data) reading data["img"]), the string
 * keys the graph reads from it with getitem, in node order; otherwise an
 * empty array. Owned. */
GStrv          qs_exec_dup_input_keys     (QsExec               *exec,
                                           guint                 index);

/* Runs the graph on @inputs (one per placeholder; tensors must match the
 * recorded dtype and shape and be finite). Returns the model outputs (the
 * output node's inputs, in order) as a GPtrArray of QsExecValue. */
GPtrArray     *qs_exec_run                (QsExec               *exec,
                                           QsExecValue *const   *inputs,
                                           guint                 n_inputs,
                                           GError              **error);
/* Same, computing only the values @values and what they need. */
GPtrArray     *qs_exec_run_values         (QsExec               *exec,
                                           QsExecValue *const   *inputs,
                                           guint                 n_inputs,
                                           const QsId           *values,
                                           guint                 n_values,
                                           GError              **error);
/* Same, for the outputs of the nodes named @nodes (FX node names). */
GPtrArray     *qs_exec_run_until          (QsExec               *exec,
                                           QsExecValue *const   *inputs,
                                           guint                 n_inputs,
                                           const char *const    *nodes,
                                           guint                 n_nodes,
                                           GError              **error);

/* The node named @name, or QS_ID_NONE. */
QsId           qs_exec_find_node          (QsExec               *exec,
                                           const char           *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsExecValue, qs_exec_value_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsExec, qs_exec_free)

G_END_DECLS
