/* qs-qconfig.h: per-node quantization configs, the rules that set them,
 * and where each setting came from.
 *
 * Precedence, lowest first (docs/qconfig.md):
 *   0 global default    the march's default for the kind (calibration / QAT)
 *   1 templates         built-in setters, in the order listed
 *   2 by op type        "conv2d", or a class/function name "torch.nn.Conv2d"
 *   3 by module prefix  longer prefixes win
 *   4 by regex          on the module path or the node name
 *   5 by exact node     the node name
 * Within a level, a later rule wins. A rule sets only the fields it names;
 * the rest come from lower levels.
 */
#pragma once

#include <glib.h>

#include "qs-graph.h"
#include "qs-march.h"

G_BEGIN_DECLS

typedef enum
{
  QS_QKIND_CALIBRATION,
  QS_QKIND_QAT,
} QsQconfigKind;

typedef enum
{
  QS_QDTYPE_QINT8,
  QS_QDTYPE_QINT16,
  QS_QDTYPE_FP16,
  QS_QDTYPE_FLOAT,   /* not quantized */
  QS_N_QDTYPES
} QsQdtype;

typedef enum
{
  QS_OBSERVER_MINMAX,
  QS_OBSERVER_MOVING_AVERAGE_MINMAX,
  QS_OBSERVER_PERCENTILE,
  QS_OBSERVER_MSE,
  QS_OBSERVER_FIXED_SCALE,
  QS_N_OBSERVERS
} QsObserver;

typedef enum
{
  QS_QFIELD_KIND,
  QS_QFIELD_ACTIVATION,
  QS_QFIELD_WEIGHT,
  QS_QFIELD_OBSERVER,
  QS_QFIELD_PER_CHANNEL,
  QS_QFIELD_PERCENTILE,
  QS_QFIELD_FIXED_SCALE,
  QS_N_QFIELDS
} QsQfield;

/* Quantization is symmetric (zero point 0), as on NASH. */
typedef struct
{
  QsQconfigKind kind;
  QsQdtype      activation;
  QsQdtype      weight;
  QsObserver    observer;     /* for activations; weights use min-max */
  gboolean      per_channel;  /* weights: one scale per output channel */
  double        percentile;   /* QS_OBSERVER_PERCENTILE, e.g. 99.99 */
  double        fixed_scale;  /* QS_OBSERVER_FIXED_SCALE: the scale */
} QsQconfig;

typedef enum
{
  QS_RULE_GLOBAL,
  QS_RULE_TEMPLATE,
  QS_RULE_OP,
  QS_RULE_PREFIX,
  QS_RULE_REGEX,
  QS_RULE_NODE,
  QS_N_RULE_LEVELS
} QsRuleLevel;

typedef struct
{
  QsRuleLevel level;
  char       *pattern;   /* op, prefix, regex or node; NULL for global/templates */
  char       *template_name; /* QS_RULE_TEMPLATE: the template */
  guint       fields;    /* 1 << QsQfield for each field the rule sets */
  QsQconfig   values;
  char       *origin;    /* where it came from: "rules.json: rules[3]", "window" */
  GRegex     *regex;     /* compiled pattern of QS_RULE_REGEX */
} QsRule;

typedef struct _QsRuleSet QsRuleSet;

QsRuleSet   *qs_rule_set_new          (QsQconfigKind kind);
QsRuleSet   *qs_rule_set_copy         (const QsRuleSet *set);
/* Makes @dst equal to @src (kind and rules). */
void         qs_rule_set_assign       (QsRuleSet    *dst,
                                       const QsRuleSet *src);
void         qs_rule_set_set_kind     (QsRuleSet    *set,
                                       QsQconfigKind kind);
void         qs_rule_set_free         (QsRuleSet    *set);
QsQconfigKind qs_rule_set_get_kind    (const QsRuleSet *set);
guint        qs_rule_set_get_n_rules  (const QsRuleSet *set);
const QsRule *qs_rule_set_get_rule    (const QsRuleSet *set,
                                       guint         index);
/* Appends a rule; copies @rule. Fails on a bad regex or unknown template. */
gboolean     qs_rule_set_add          (QsRuleSet    *set,
                                       const QsRule *rule,
                                       GError      **error);
gboolean     qs_rule_set_add_template (QsRuleSet    *set,
                                       const char   *name,
                                       GError      **error);
void         qs_rule_set_remove       (QsRuleSet    *set,
                                       guint         index);
void         qs_rule_set_move         (QsRuleSet    *set,
                                       guint         from,
                                       guint         to);
/* Loads a rules file (JSON, docs/qconfig.md). */
QsRuleSet   *qs_rule_set_load         (const char   *filename,
                                       GError      **error);
QsRuleSet   *qs_rule_set_load_from_data (const char *data,
                                       gsize         length,
                                       const char   *filename,
                                       GError      **error);
/* Built-in template names, NULL-terminated. */
const char * const *qs_qconfig_templates (void);
const char  *qs_qconfig_template_description (const char *name);

/* The qconfig of every node of a graph, with provenance. */
typedef struct
{
  QsQconfig  qconfig;
  gint32     field_rule[QS_N_QFIELDS]; /* the rule that set each field; -1: global default */
  guint32    n_matched;
  guint32   *matched;                  /* every matching rule, in application order */
} QsNodeQconfig;

typedef struct
{
  QsGraph       *graph;     /* borrowed ref */
  QsRuleSet     *rules;     /* owned copy */
  QsMarch        march;
  QsNodeQconfig *nodes;     /* graph->n_nodes */
} QsQconfigMap;

/* The march's default qconfig for @kind. */
void          qs_qconfig_default        (QsMarch        march,
                                         QsQconfigKind  kind,
                                         QsQconfig     *out);
QsQconfigMap *qs_qconfig_resolve        (QsGraph       *graph,
                                         const QsRuleSet *rules,
                                         QsMarch        march);
void          qs_qconfig_map_free       (QsQconfigMap  *map);
/* Resolves one node (or a stand-in for a module); free out->matched. */
void          qs_qconfig_resolve_one    (const QsRuleSet *rules,
                                         QsMarch        march,
                                         const QsGraph *graph,
                                         const QsNode  *node,
                                         QsNodeQconfig *out);
/* The rule that decided the node's activation dtype (the field users care
 * about most), or -1 for the global default. */
gint          qs_qconfig_map_deciding_rule (const QsQconfigMap *map,
                                            QsId           node);
/* Rules that matched the node but whose every field was overridden. */
GArray       *qs_qconfig_map_overridden (const QsQconfigMap *map,
                                         QsId           node);
/* "rule 3 (prefix backbone.layer1, rules.json: rules[2])" */
char         *qs_rule_describe          (const QsRuleSet *rules,
                                         gint           index);

gboolean      qs_qconfig_equal          (const QsQconfig *a,
                                         const QsQconfig *b);
gboolean      qs_qconfig_field_differs  (const QsQconfig *a,
                                         const QsQconfig *b,
                                         QsQfield       field);
/* "qint8/qint8 per-channel minmax" */
void          qs_qconfig_append         (const QsQconfig *q,
                                         GString       *out);
const char   *qs_qdtype_name            (QsQdtype       dtype);
gboolean      qs_qdtype_from_name       (const char    *name,
                                         QsQdtype      *out);
const char   *qs_observer_name          (QsObserver     observer);
gboolean      qs_observer_from_name     (const char    *name,
                                         QsObserver    *out);
const char   *qs_qkind_name             (QsQconfigKind  kind);
gboolean      qs_qkind_from_name        (const char    *name,
                                         QsQconfigKind *out);
const char   *qs_rule_level_name        (QsRuleLevel    level);
const char   *qs_qfield_name            (QsQfield       field);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsRuleSet, qs_rule_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsQconfigMap, qs_qconfig_map_free)

G_END_DECLS
