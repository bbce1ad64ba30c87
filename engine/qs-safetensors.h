/* qs-safetensors.h: read-only, bounds-checked safetensors weights */
#pragma once

#include "qs-graph.h"

G_BEGIN_DECLS

/* A borrowed view of one tensor in a mapped file. */
typedef struct
{
  const char    *name;
  QsDtype        dtype;
  guint          rank;
  gint64         dims[QS_MAX_RANK];
  gconstpointer  data;     /* little-endian, contiguous, unaligned */
  gsize          n_bytes;
} QsTensorView;

/* Largest safetensors JSON header accepted. */
#define QS_SAFETENSORS_MAX_HEADER ((gsize) 100 << 20)

QsWeights    *qs_weights_open          (const char   *filename,
                                        GError      **error);
/* Takes its own copy of @data. */
QsWeights    *qs_weights_new_from_data (gconstpointer data,
                                        gsize         length,
                                        const char   *filename,
                                        GError      **error);
QsWeights    *qs_weights_ref           (QsWeights    *weights);
void          qs_weights_unref         (QsWeights    *weights);
const char   *qs_weights_get_filename  (QsWeights    *weights);
guint         qs_weights_get_n_tensors (QsWeights    *weights);
gboolean      qs_weights_get_nth       (QsWeights    *weights,
                                        guint         index,
                                        QsTensorView *view);
gboolean      qs_weights_lookup        (QsWeights    *weights,
                                        const char   *name,
                                        QsTensorView *view);
/* Metadata value from "__metadata__", or NULL. */
const char   *qs_weights_get_metadata  (QsWeights    *weights,
                                        const char   *key);
/* Every parameter and buffer the graph lists must be present, with its
 * dtype and shape. Errors name the parameter and the module. */
gboolean      qs_weights_check_graph   (QsWeights    *weights,
                                        QsGraph      *graph,
                                        GError      **error);
/* Writes a safetensors file atomically. */
gboolean      qs_weights_save          (const char   *filename,
                                        const QsTensorView *tensors,
                                        guint         n_tensors,
                                        GHashTable   *metadata,
                                        GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsWeights, qs_weights_unref)

G_END_DECLS
