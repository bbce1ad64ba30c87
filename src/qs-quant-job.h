/* qs-quant-job.h: calibration, convert and accuracy for the window
 *
 * The one file in src/ that includes qs-quant.h: it speaks in plain types,
 * so the window needs no quantization internals, and it is the one place to
 * adapt when the quantization API moves.
 */
#pragma once

#include <gio/gio.h>

#include "qs-passes.h"

G_BEGIN_DECLS

typedef enum
{
  QS_QUANT_DATA_FILE = 1,   /* .npy / .npz / .safetensors (same values as QsCalibDataKind) */
  QS_QUANT_DATA_IMAGES,     /* a folder of images or per-sample .npy files */
  QS_QUANT_DATA_SYNTHETIC,  /* seeded random normal inputs */
} QsQuantDataKind;

typedef struct
{
  QsQuantDataKind kind;
  const char     *path;      /* FILE, IMAGES: a usable path */
  float           mean[4];   /* IMAGES: per channel, after / 255 */
  float           std[4];    /* 0 means 1 */
  guint64         seed;      /* SYNTHETIC */
  guint           count;     /* SYNTHETIC: samples */
  guint           batches;   /* at most this many batches; 0: all */
  int             n_threads;
} QsQuantDataSpec;

typedef void (*QsQuantProgressFunc) (guint    done,
                                     guint    total,
                                     gpointer user_data);

/* A calibrated model and, after convert, its accuracy report. */
typedef struct _QsQuantResult QsQuantResult;

/* Calibrates @prepared (its graph is the one node ids refer to) on the data
 * of @spec, folding and quantizing weights. Runs in a worker thread; stops
 * between batches when @cancellable is cancelled (G_IO_ERROR_CANCELLED). */
QsQuantResult *qs_quant_calibrate            (QsPrepared            *prepared,
                                              QsWeights             *weights,
                                              const QsQuantDataSpec *spec,
                                              QsQuantProgressFunc    progress,
                                              gpointer               user_data,
                                              GCancellable          *cancellable,
                                              GError               **error);
/* Compares integer and fake-quant execution with float on the first batch
 * of @spec's data and, when @filename is not NULL, writes the converted
 * model there. */
gboolean       qs_quant_convert              (QsQuantResult         *result,
                                              const QsQuantDataSpec *spec,
                                              const char            *filename,
                                              GCancellable          *cancellable,
                                              GError               **error);
/* Has convert run? */
gboolean       qs_quant_result_has_accuracy  (const QsQuantResult   *result);
/* Integer vs float at @node (prepared graph); FALSE when not measured. */
gboolean       qs_quant_result_get_error     (const QsQuantResult   *result,
                                              QsId                   node,
                                              double                *sqnr_db,
                                              double                *cosine);
/* "random normal, seed 1 (synthetic)"; borrowed. */
const char    *qs_quant_result_describe_data (const QsQuantResult   *result);
guint          qs_quant_result_get_n_batches (const QsQuantResult   *result);
void           qs_quant_result_free          (QsQuantResult         *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsQuantResult, qs_quant_result_free)

G_END_DECLS
