/* qs-graph.h: the Quantscope graph IR
 *
 * A flat-array IR in the spirit of torch.fx. The graph owns every node,
 * value, module and wrapped region in arrays, linked by integer ids (QsId,
 * an index into the owning array). Strings and small arrays live in the
 * graph's arena and are freed with the graph.
 *
 * Producers and uses are derived data: qs_graph_analyze () rebuilds them
 * from the nodes' input and output lists. Passes build new graphs and never
 * modify their input, so a QsGraph is reference counted and treated as
 * immutable once analysed.
 */
#pragma once

#include <glib.h>

#include "qs-ops.h"

G_BEGIN_DECLS

typedef guint32 QsId;
#define QS_ID_NONE G_MAXUINT32
#define QS_MAX_RANK 8
/* Largest element count of one tensor: 2^48. */
#define QS_MAX_ELEMENTS (G_GINT64_CONSTANT (1) << 48)

typedef enum
{
  QS_NODE_PLACEHOLDER,
  QS_NODE_GET_ATTR,
  QS_NODE_CALL_MODULE,
  QS_NODE_CALL_FUNCTION,
  QS_NODE_CALL_METHOD,
  QS_NODE_OUTPUT,
  QS_N_NODE_KINDS
} QsNodeKind;

typedef enum
{
  QS_DTYPE_UNKNOWN,
  /* tensors */
  QS_DTYPE_FLOAT32,
  QS_DTYPE_FLOAT16,
  QS_DTYPE_BFLOAT16,
  QS_DTYPE_FLOAT64,
  QS_DTYPE_INT64,
  QS_DTYPE_INT32,
  QS_DTYPE_INT16,
  QS_DTYPE_INT8,
  QS_DTYPE_UINT8,
  QS_DTYPE_BOOL,
  /* everything else an FX node can produce */
  QS_DTYPE_TUPLE,
  QS_DTYPE_LIST,
  QS_DTYPE_DICT,
  QS_DTYPE_INT_SCALAR,
  QS_DTYPE_FLOAT_SCALAR,
  QS_DTYPE_BOOL_SCALAR,
  QS_DTYPE_NONE,
  QS_N_DTYPES
} QsDtype;

typedef struct
{
  QsDtype dtype;
  guint32 rank;               /* tensors only */
  gint64  dims[QS_MAX_RANK];  /* elements along each axis */
} QsType;

typedef enum
{
  QS_ATTR_NONE,
  QS_ATTR_BOOL,
  QS_ATTR_INT,
  QS_ATTR_FLOAT,
  QS_ATTR_STRING,
  QS_ATTR_INTS,
  QS_ATTR_FLOATS,
  QS_ATTR_VALUE,   /* a reference to a value */
  QS_ATTR_VALUES,  /* a list of value references */
  QS_ATTR_REPR,    /* a Python object by its repr, e.g. torch.float32 */
  QS_ATTR_JSON,    /* anything else, kept as compact JSON text */
} QsAttrKind;

/* A named constant: a module attribute or an FX argument. Positional FX
 * arguments are named "0", "1", ...; keyword arguments by their name. */
typedef struct
{
  const char *name;
  QsAttrKind  kind;
  guint32     n;         /* length of ints / floats / values */
  union
  {
    gboolean    b;
    gint64      i;
    double      f;
    const char *s;       /* STRING, REPR, JSON */
    gint64     *ints;
    double     *floats;
    QsId        value;
    QsId       *values;
  };
} QsAttr;

typedef struct
{
  const char *name;       /* own name, e.g. "weight" */
  QsType      type;
  gboolean    is_buffer;
} QsParam;

typedef struct
{
  const char *path;       /* "" for the root */
  const char *type;       /* public class name, e.g. "torch.nn.Conv2d" */
  QsId        parent;     /* QS_ID_NONE for the root */
  QsOp        op;         /* from the type; QS_OP_UNKNOWN for containers */
  guint32     n_attrs;
  QsAttr     *attrs;
  guint32     n_params;
  QsParam    *params;
  guint32     n_calls;    /* call_module nodes on it; set by analyze */
} QsModule;

/* A node absorbed into another by fusion (conv absorbs bn, relu, add). */
typedef struct
{
  const char *name;
  const char *target;
  QsNodeKind  kind;
  QsOp        op;
  QsId        module;     /* the module it called, or QS_ID_NONE */
  guint32     n_inputs;   /* inputs it reads from outside the group */
} QsFused;

typedef struct
{
  const char *name;
  const char *target;
  QsNodeKind  kind;
  QsOp        op;
  guint32     n_fused;
  QsFused    *fused;      /* absorbed nodes in dataflow order, or NULL; the
                           * node's inputs are the head's, then each absorbed
                           * node's n_inputs outside ones, in this order */
  guint32     n_inputs;
  guint32     n_outputs;
  QsId       *inputs;     /* value ids, in argument order */
  QsId       *outputs;    /* value ids */
  guint32     n_attrs;
  QsAttr     *attrs;      /* FX args and kwargs */
  QsId        module;     /* call_module / get_attr: the module; else NONE */
  QsId        wrapped;    /* the wrapped region this node calls, or NONE */
  const char *scope;      /* module path the call was made in ("" root), or NULL */
  const char *source_file;
  const char *source_code;
  guint32     source_line; /* 1-based; 0 when unknown */
} QsNode;

typedef struct
{
  QsType      type;
  QsId        producer;   /* set by analyze */
  guint32     n_elements; /* tuple / list items with known types */
  QsType     *elements;
} QsValue;

typedef enum
{
  QS_WRAP_FUNCTION,
  QS_WRAP_METHOD,
  QS_WRAP_LEAF_MODULE,
  QS_WRAP_OUTSIDE_STUB,
  QS_N_WRAP_KINDS
} QsWrapKind;

typedef struct
{
  QsWrapKind  kind;
  const char *name;
  QsId        node;       /* the calling node, or QS_ID_NONE */
  guint32     n_nodes;
  QsId       *nodes;      /* outside_stub: the nodes inside */
  guint32     n_modules;
  QsId       *modules;    /* module ids called inside */
  guint32     n_inputs;
  QsId       *inputs;
  guint32     n_outputs;
  QsId       *outputs;
} QsWrapped;

typedef struct _QsWeights QsWeights;

typedef struct
{
  /*< private >*/
  gatomicrefcount ref_count;
  struct _QsArena *arena;
  GHashTable *module_index;   /* path -> id + 1 */

  /*< public, read-only >*/
  char       *name;
  char       *filename;       /* where it was loaded from, or NULL */
  GHashTable *metadata;       /* string -> string */
  char       *weights_file;   /* as written in the file, or NULL */
  QsWeights  *weights;        /* mapped weights, or NULL */

  QsNode     *nodes;
  QsValue    *values;
  QsModule   *modules;
  QsWrapped  *wrapped;
  guint32     n_nodes, n_values, n_modules, n_wrapped;
  guint32     nodes_cap, values_cap, modules_cap, wrapped_cap;

  /* Uses, rebuilt by qs_graph_analyze (): the nodes reading value v are
   * use_nodes[use_start[v] .. use_start[v + 1]). */
  guint32    *use_start;
  QsId       *use_nodes;
  gboolean    analyzed;
} QsGraph;

QsGraph      *qs_graph_new              (void);
QsGraph      *qs_graph_ref              (QsGraph      *graph);
void          qs_graph_unref            (QsGraph      *graph);
/* A deep copy (weights shared); the copy is not analysed. */
QsGraph      *qs_graph_copy             (QsGraph      *graph);

void          qs_graph_set_name         (QsGraph      *graph,
                                         const char   *name);
void          qs_graph_set_metadata     (QsGraph      *graph,
                                         const char   *key,
                                         const char   *value);
/* Arena helpers: memory lives as long as the graph. */
gpointer      qs_graph_alloc            (QsGraph      *graph,
                                         gsize         size);
const char   *qs_graph_strdup           (QsGraph      *graph,
                                         const char   *str);

QsId          qs_graph_add_value        (QsGraph      *graph,
                                         const QsType *type);
/* Adds a node; inputs and outputs are existing value ids (copied). The op
 * is looked up from kind and target (call_module: from the module type). */
QsId          qs_graph_add_node         (QsGraph      *graph,
                                         QsNodeKind    kind,
                                         const char   *name,
                                         const char   *target,
                                         const QsId   *inputs,
                                         guint         n_inputs,
                                         const QsId   *outputs,
                                         guint         n_outputs);
/* Convenience: adds a node with one new output value of @type (NULL for
 * the output node). Returns the node id. */
QsId          qs_graph_add_op           (QsGraph      *graph,
                                         QsNodeKind    kind,
                                         const char   *name,
                                         const char   *target,
                                         const QsId   *inputs,
                                         guint         n_inputs,
                                         const QsType *type);
void          qs_graph_node_set_attrs   (QsGraph      *graph,
                                         QsId          node,
                                         const QsAttr *attrs,
                                         guint         n_attrs);
/* The canonical op of an FX call, and for call_module / get_attr the
 * module it names (QS_ID_NONE otherwise or when unknown). */
QsOp          qs_graph_resolve_op       (QsGraph      *graph,
                                         QsNodeKind    kind,
                                         const char   *target,
                                         QsId         *module);
void          qs_graph_node_set_scope   (QsGraph      *graph,
                                         QsId          node,
                                         const char   *scope);
/* The module path a node belongs to, for rules by prefix: its scope when
 * the tracer recorded one, else the module it calls, else "". */
const char   *qs_node_module_path       (const QsNode *node);
/* Records nodes absorbed by fusion (copied). */
void          qs_graph_node_set_fused   (QsGraph      *graph,
                                         QsId          node,
                                         const QsFused *fused,
                                         guint         n_fused);
void          qs_graph_node_set_source  (QsGraph      *graph,
                                         QsId          node,
                                         const char   *file,
                                         guint         line,
                                         const char   *code);

/* Modules: parents must be added before children. */
QsId          qs_graph_add_module       (QsGraph      *graph,
                                         const char   *path,
                                         const char   *type);
void          qs_graph_module_set_attrs (QsGraph      *graph,
                                         QsId          module,
                                         const QsAttr *attrs,
                                         guint         n_attrs);
void          qs_graph_module_set_params(QsGraph      *graph,
                                         QsId          module,
                                         const QsParam *params,
                                         guint         n_params);
QsId          qs_graph_lookup_module    (QsGraph      *graph,
                                         const char   *path);

QsId          qs_graph_add_wrapped      (QsGraph      *graph,
                                         const QsWrapped *wrapped);

/* Rebuilds producers, uses, module call counts and node ops. Fails when a
 * value is produced twice or an id is out of range. */
gboolean      qs_graph_analyze          (QsGraph      *graph,
                                         GError      **error);
/* Checks ids, acyclicity, shapes against op semantics, that every use has
 * a producer, wrapped regions and modules. Analyses first if needed. */
gboolean      qs_graph_verify           (QsGraph      *graph,
                                         GError      **error);
/* A stable text dump for golden tests. */
char         *qs_graph_dump             (QsGraph      *graph);

/* Accessors */
static inline const QsNode *
qs_graph_node (const QsGraph *graph, QsId id)
{
  g_assert (id < graph->n_nodes);
  return &graph->nodes[id];
}

static inline const QsValue *
qs_graph_value (const QsGraph *graph, QsId id)
{
  g_assert (id < graph->n_values);
  return &graph->values[id];
}

guint         qs_graph_value_n_uses     (const QsGraph *graph,
                                         QsId          value);
const QsId   *qs_graph_value_uses       (const QsGraph *graph,
                                         QsId          value,
                                         guint        *n_uses);

const QsAttr *qs_attrs_find             (const QsAttr *attrs,
                                         guint         n_attrs,
                                         const char   *name);
gint64        qs_module_get_int         (const QsModule *module,
                                         const char   *name,
                                         gint64        fallback);
/* Returns the number of ints copied into @out (a scalar int is
 * broadcast to @n_out), or 0 when the attribute is missing. */
guint         qs_module_get_ints        (const QsModule *module,
                                         const char   *name,
                                         gint64       *out,
                                         guint         n_out);
gboolean      qs_module_get_bool        (const QsModule *module,
                                         const char   *name,
                                         gboolean      fallback);
const QsParam *qs_module_find_param     (const QsModule *module,
                                         const char   *name);
/* The module whose call this node is, or NULL. */
const QsModule *qs_graph_node_module    (const QsGraph *graph,
                                         const QsNode  *node);

const char   *qs_node_kind_name         (QsNodeKind    kind);
gboolean      qs_node_kind_from_name    (const char   *name,
                                         QsNodeKind   *kind);
const char   *qs_dtype_name             (QsDtype       dtype);
gboolean      qs_dtype_from_name        (const char   *name,
                                         QsDtype      *dtype);
gboolean      qs_dtype_is_tensor        (QsDtype       dtype);
/* Bytes per element; 0 for non-tensors. */
guint         qs_dtype_size             (QsDtype       dtype);
const char   *qs_wrap_kind_name         (QsWrapKind    kind);
gboolean      qs_wrap_kind_from_name    (const char   *name,
                                         QsWrapKind   *kind);

gboolean      qs_type_is_tensor         (const QsType *type);
/* Element count, or -1 for non-tensors. */
gint64        qs_type_n_elements        (const QsType *type);
gboolean      qs_type_equal             (const QsType *a,
                                         const QsType *b);
/* "float32[1,3,224,224]" */
void          qs_type_append            (const QsType *type,
                                         GString      *out);
void          qs_type_set_tensor        (QsType       *type,
                                         QsDtype       dtype,
                                         guint         rank,
                                         const gint64 *dims);

/* Bytes held by the graph (arena and arrays), for benchmarks. */
gsize         qs_graph_memory_size      (const QsGraph *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsGraph, qs_graph_unref)

G_END_DECLS
