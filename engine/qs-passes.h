/* qs-passes.h: graph passes of the FX quantization flow
 *
 * Each pass takes a graph and returns a new one; inputs are never modified.
 *   qs_pass_fuse ()     fuses conv/linear/bn/add/relu patterns
 *   qs_pass_prepare ()  fuses, assigns qconfigs, marks replacements, places observers
 */
#pragma once

#include <glib.h>

#include "qs-graph.h"
#include "qs-qconfig.h"

G_BEGIN_DECLS

typedef enum
{
  QS_NEAR_MISS_VALUE_SHARED,   /* the intermediate value has another consumer */
  QS_NEAR_MISS_MODULE_SHARED,  /* a member's module (with weights) is called more than once */
  QS_NEAR_MISS_QCONFIG,        /* members have different, explicitly chosen qconfigs */
  QS_NEAR_MISS_WRAPPED,        /* the pattern crosses a wrapped region */
  QS_N_NEAR_MISS_REASONS
} QsNearMissReason;

typedef struct
{
  const char *pattern;     /* "conv_bn_relu", ... (static) */
  guint       n_members;
  QsId        members[4];  /* node ids in the input graph, head first */
  QsId        fused_node;  /* the node in the output graph */
} QsFuseGroup;

typedef struct
{
  const char       *pattern;
  QsId              node;   /* the last node that could be fused (input graph) */
  QsId              next;   /* the node it could not absorb */
  QsNearMissReason  reason;
  char             *detail; /* a sentence for the user */
} QsNearMiss;

typedef struct
{
  GArray *groups;       /* QsFuseGroup */
  GArray *near_misses;  /* QsNearMiss */
  QsId   *node_map;     /* input node id -> output node id (absorbed: the fused node) */
  guint   n_input_nodes;
} QsFuseReport;

typedef struct
{
  /* Optional: qconfigs of the input graph; members whose explicitly chosen
   * qconfigs differ are not fused (QS_NEAR_MISS_QCONFIG). */
  const QsQconfigMap *qconfigs;
} QsFuseOptions;

/* Returns the fused graph; fills @report when non-NULL. Never fails on a
 * verified graph; returns NULL with @error on one that is not. */
QsGraph      *qs_pass_fuse              (QsGraph             *graph,
                                         const QsFuseOptions *options,
                                         QsFuseReport       **report,
                                         GError             **error);
void          qs_fuse_report_free       (QsFuseReport        *report);
const char   *qs_near_miss_reason_name  (QsNearMissReason     reason);
/* The pattern names, NULL-terminated, in matching order. */
const char * const *qs_fuse_patterns    (void);

typedef enum
{
  QS_OBSERVE_INPUT,       /* a graph input feeding quantized ops */
  QS_OBSERVE_ACTIVATION,  /* the output of a (fused) quantized node */
  QS_OBSERVE_WEIGHT,      /* a node's weight */
} QsObservePoint;

typedef struct
{
  QsObservePoint point;
  QsId           node;      /* prepared graph: the observed node (or placeholder) */
  QsId           value;     /* the observed value; QS_ID_NONE for weights */
  const char    *param;     /* weights: the parameter name (static) */
  QsQdtype       dtype;
  QsObserver     observer;
  gboolean       per_channel;
  double         fixed_scale;
  double         percentile;
} QsObserverSpec;

typedef struct
{
  QsId        module;       /* prepared graph module id */
  QsId        region;       /* wrapped region id */
  QsQconfig   qconfig;
  gint        rule;         /* deciding rule or -1 */
  const char *replaced;     /* replacement, or NULL (static) */
} QsWrappedModuleQconfig;

typedef struct
{
  QsMarch        march;
  QsQconfigKind  kind;
  const QsRuleSet *rules;   /* NULL: the default template for the kind */
} QsPrepareOptions;

typedef struct
{
  QsGraph       *graph;        /* fused and prepared (owned) */
  QsFuseReport  *fusion;
  QsQconfigMap  *qconfigs;     /* over @graph */
  GArray        *observers;    /* QsObserverSpec */
  char         **replaced;     /* per node of @graph: "calib.conv2d_bn_relu" or NULL */
  GArray        *wrapped_modules; /* QsWrappedModuleQconfig */
  GPtrArray     *notes;        /* strings: CPU fallbacks, fusion conflicts */
} QsPrepared;

QsPrepared   *qs_pass_prepare           (QsGraph                *graph,
                                         const QsPrepareOptions *options,
                                         GError                **error);
void          qs_prepared_free          (QsPrepared             *prepared);

/* Text and JSON reports for the CLI and tests. */
char         *qs_fuse_report_to_text    (const QsFuseReport *report,
                                         QsGraph            *input,
                                         QsGraph            *output);
char         *qs_fuse_report_to_json    (const QsFuseReport *report,
                                         QsGraph            *input,
                                         QsGraph            *output);
char         *qs_prepared_to_text       (const QsPrepared   *prepared,
                                         QsGraph            *input);
char         *qs_prepared_to_json       (const QsPrepared   *prepared,
                                         QsGraph            *input);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsFuseReport, qs_fuse_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsPrepared, qs_prepared_free)

G_END_DECLS
