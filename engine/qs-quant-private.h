/* qs-quant-private.h: shared by qs-calib*.c, qs-qexec.c, qs-convert.c, qs-accuracy.c */
#pragma once

#include "qs-exec-private.h"
#include "qs-quant.h"

G_BEGIN_DECLS

/* An empty model over @graph (all float). */
QsQModel     *qs_qmodel_new_empty        (QsGraph          *graph,
                                          QsWeights        *weights);
void          qs_qweights_free           (QsQWeights       *w);
/* The first fused op of @node of type @op, or -1. */
gint          qs_node_fused_index        (const QsNode     *node,
                                          QsOp              op);
/* Per-channel BN affine of a batch-norm module: row 0 scale, row 1 shift. */
QsTensor     *qs_qexec_bn_affine         (QsExec           *exec,
                                          const QsNode     *node,
                                          QsId              module,
                                          GError          **error);
/* Folds BN (when fused) into the node's weights, quantizes them, fills
 * model->w[node]; needs the activation scales. */
gboolean      qs_qmodel_quantize_weights (QsQModel         *model,
                                          QsExec           *exec,
                                          QsId              node,
                                          QsQdtype          dtype,
                                          gboolean          per_channel,
                                          GError          **error);
/* Recomputes the int32 biases and requant multipliers from the scales. */
void          qs_qmodel_finish_requant   (QsQModel         *model,
                                          QsId              node);

/* Observers a float-mode QsExec updates as it runs (calibration):
 * per node, for outputs[0] and for the pre-add value; NULL entries skip. */
void          qs_qexec_set_observers     (QsExec           *exec,
                                          QsObserverState **act,
                                          QsObserverState **pre_add);
/* The float-mode runner itself (for the accuracy report's callbacks). */
QsQModel     *qs_qexec_get_model         (QsExec           *exec);

G_END_DECLS

G_BEGIN_DECLS
/* Appends @s as a JSON string literal. */
void          qs_quant_json_string       (GString          *out,
                                          const char       *s);
/* Appends a number; NaN and infinities as null. */
void          qs_quant_json_number       (GString          *out,
                                          double            v);
G_END_DECLS
