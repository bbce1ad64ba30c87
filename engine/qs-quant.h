/* qs-quant.h: observers, calibration, fake-quant and integer execution,
 * convert, accuracy reports (docs/quantization.md, "Calibration and convert")
 *
 *   QsObserverState  one observer: min-max, moving average, percentile,
 *                    MSE or fixed scale; updated per batch
 *   QsCalibData      calibration inputs: .npy / .npz / safetensors, a folder
 *                    of .npy or PPM/PGM images, or seeded synthetic data
 *   QsQModel         a prepared (fused) graph with its quantization
 *                    parameters: activation scales, folded and quantized
 *                    weights, int32 biases, requantization multipliers
 *   QsQExec          runs a QsQModel in float, fake-quant or integer mode
 *
 * All quantization is symmetric and rounds as kernels/qsk-quant.h defines.
 */
#pragma once

#include <gio/gio.h>

#include "qsk-quant.h"

#include "qs-exec.h"
#include "qs-passes.h"

G_BEGIN_DECLS

/* ---- observers ------------------------------------------------------------------ */

#define QS_OBSERVER_HIST_BINS 2048
#define QS_OBSERVER_AVERAGING 0.01  /* moving-average constant, as torch's */

typedef struct
{
  QsObserver kind;
  QsQdtype   dtype;
  double     percentile;   /* QS_OBSERVER_PERCENTILE */
  double     fixed_scale;  /* QS_OBSERVER_FIXED_SCALE */
  guint64    n_batches;
  guint64    n_values;
  double     min, max;     /* min-max: over all batches; moving average: averaged */
  double     hist_max;     /* histogram of |x| over [0, hist_max] */
  guint64   *hist;         /* QS_OBSERVER_HIST_BINS, for percentile and MSE */
} QsObserverState;

QsObserverState *qs_observer_state_new  (QsObserver        kind,
                                         QsQdtype          dtype,
                                         double            percentile,
                                         double            fixed_scale);
void             qs_observer_state_free (QsObserverState  *o);
/* One batch of @n values (finite; the caller checks). */
void             qs_observer_update     (QsObserverState  *o,
                                         const float      *x,
                                         gsize             n);
/* The clipping range chosen: scale = amax / qmax. */
double           qs_observer_amax       (const QsObserverState *o);
/* The symmetric scale; 0 when nothing was observed. */
double           qs_observer_scale      (const QsObserverState *o);
/* The largest quantized value: 127, 32767; 0 for float / fp16. */
gint32           qs_qdtype_qmax         (QsQdtype          dtype);
/* amax / qmax, with a floor so that an all-zero tensor gets a usable scale. */
double           qs_scale_from_amax     (double            amax,
                                         QsQdtype          dtype);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsObserverState, qs_observer_state_free)

/* ---- calibration data --------------------------------------------------------------- */

typedef struct _QsCalibData QsCalibData;

typedef struct
{
  float mean[4];       /* image folders: per channel, applied after / 255 */
  float std[4];        /* 0 means 1 */
} QsCalibImageOptions;

/* @path: a .npy (one model input; leading axis = samples), .npz or
 * .safetensors (arrays named after the inputs: placeholder or dict key),
 * or a folder of per-sample .npy files or binary PPM/PGM images. */
QsCalibData  *qs_calib_data_open          (const char                *path,
                                           const QsCalibImageOptions *image,
                                           GError                   **error);
/* Seeded standard-normal data, @n_samples per input: labelled synthetic. */
QsCalibData  *qs_calib_data_new_synthetic (guint                      n_samples,
                                           guint64                    seed);
void          qs_calib_data_free          (QsCalibData               *data);
gboolean      qs_calib_data_is_synthetic  (const QsCalibData         *data);
/* "random normal, seed 1 (synthetic)", "calib.npy", "images/ (12 files)" */
const char   *qs_calib_data_describe      (const QsCalibData         *data);
/* The batches the data gives for @exec's inputs (the traced batch size),
 * at most @max_batches (0: all). Fails on an empty set, a wrong shape,
 * NaN/Inf or a missing input, naming the file. Returns a GPtrArray of
 * GPtrArray of QsExecValue (one per placeholder). */
GPtrArray    *qs_calib_data_batches       (QsCalibData               *data,
                                           QsExec                    *exec,
                                           guint                      max_batches,
                                           GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsCalibData, qs_calib_data_free)

/* ---- the quantized model --------------------------------------------------------------- */

/* Per node with quantized weights (conv2d, linear, with BN folded in). */
typedef struct
{
  QsDtype    w_dtype;       /* QS_DTYPE_INT8 or INT16 */
  QsTensor  *w_q;           /* quantized weights, the weight's shape */
  QsTensor  *w_scale;       /* float32 [oc] (per tensor: all equal) */
  QsTensor  *w_fq;          /* float32: w_q * w_scale, for fake-quant */
  QsTensor  *bias;          /* float32 [oc]: the folded float bias */
  QsTensor  *bias_q;        /* int32 [oc] in units of x_scale * w_scale[o], or NULL */
  QsTensor  *rq;            /* int32 [oc, 2]: multiplier, shift; or NULL */
} QsQWeights;

typedef struct
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public, read-only >*/
  QsGraph     *graph;         /* the prepared, fused graph (owned ref) */
  QsWeights   *weights;       /* float weights (owned ref) */
  char        *march;
  char        *data_label;    /* calibration data, "synthetic" when it was */
  guint        n_batches;
  /* per node of @graph, for outputs[0]: */
  QsQdtype    *act_dtype;     /* QS_QDTYPE_FLOAT: not quantized */
  float       *act_scale;
  float       *act_amax;      /* the clipping range chosen (scale * qmax) */
  float       *pre_add_scale; /* fused add: the conv's output before the add; 0 none */
  QsQWeights **w;             /* or NULL */
} QsQModel;

typedef void (*QsProgressFunc) (guint    done,
                                guint    total,
                                gpointer user_data);

/* Calibrates @prepared: runs the float model on the data, updates the
 * observers per batch, then folds BN into conv/linear weights and
 * quantizes them (convert). @progress is called after each batch;
 * @cancellable stops between batches with G_IO_ERROR_CANCELLED. */
QsQModel     *qs_calibrate                (QsPrepared                *prepared,
                                           QsWeights                 *weights,
                                           QsCalibData               *data,
                                           guint                      max_batches,
                                           int                        n_threads,
                                           QsProgressFunc             progress,
                                           gpointer                   user_data,
                                           GCancellable              *cancellable,
                                           GError                   **error);
QsQModel     *qs_qmodel_ref               (QsQModel                  *model);
void          qs_qmodel_unref             (QsQModel                  *model);
/* The scale of a value (looking through reshape/flatten/getitem), or 0. */
float         qs_qmodel_value_scale       (const QsQModel            *model,
                                           QsId                       value,
                                           QsQdtype                  *dtype);
/* Calibration results as JSON (ranges, scales, weight scales). */
char         *qs_qmodel_to_json           (const QsQModel            *model);
/* Writes GRAPH.qsgraph.json + GRAPH.safetensors: the float parameters, and
 * per quantized node "quant.NODE.weight" (int8/int16), ".w_scale", ".bias"
 * (int32), ".rq" (int32 [oc, 2]); activation scales "quant.NODE.act"
 * (float32 [3]: scale, dtype, pre-add scale). */
gboolean      qs_qmodel_save              (QsQModel                  *model,
                                           const char                *filename,
                                           GError                   **error);
/* Loads a converted graph written by qs_qmodel_save (). */
QsQModel     *qs_qmodel_load              (const char                *filename,
                                           GError                   **error);
/* Whether a loaded graph is a converted one. */
gboolean      qs_graph_is_converted       (QsGraph                   *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsQModel, qs_qmodel_unref)

/* ---- execution ------------------------------------------------------------------------- */

typedef enum
{
  QS_QMODE_FLOAT,      /* the fused graph in float (BN not folded) */
  QS_QMODE_FAKEQUANT,  /* float arithmetic on quantized values */
  QS_QMODE_INT,        /* integer kernels where the op has one */
  QS_N_QMODES
} QsQMode;

const char   *qs_qmode_name               (QsQMode                    mode);
gboolean      qs_qmode_from_name          (const char                *name,
                                           QsQMode                   *mode);

/* A QsExec over model->graph running in @mode; run it with qs_exec_run*
 * and quantized inputs (qs_qexec_quantize_inputs ()). */
QsExec       *qs_qexec_new                (QsQModel                  *model,
                                           QsQMode                    mode,
                                           const QsExecOptions       *options,
                                           GError                   **error);
/* Fake-quantizes input tensors that the model observes (fakequant / int);
 * returns new references. */
GPtrArray    *qs_qexec_quantize_inputs    (QsExec                    *exec,
                                           QsExecValue *const        *inputs,
                                           guint                      n_inputs);
/* Runs all of: quantize inputs, qs_exec_run / qs_exec_run_until. */
GPtrArray    *qs_qexec_run                (QsExec                    *exec,
                                           QsExecValue *const        *inputs,
                                           guint                      n_inputs,
                                           const char *const         *until,
                                           guint                      n_until,
                                           GError                   **error);

/* ---- accuracy ---------------------------------------------------------------------------- */

typedef struct
{
  double cosine;
  double sqnr_db;          /* 10 log10 (sum ref^2 / sum err^2); +inf when exact */
  double max_abs;
  gint64 n;
} QsErrorStats;

void          qs_error_stats_compute      (const float               *ref,
                                           const float               *got,
                                           gint64                     n,
                                           QsErrorStats              *out);

typedef struct
{
  QsId         node;
  const char  *name;        /* borrowed from the graph */
  gboolean     is_output;   /* a model output */
  QsQdtype     dtype;
  double       scale;
  QsErrorStats fq;          /* fake-quant vs float */
  QsErrorStats q;           /* integer vs float */
  QsErrorStats q_vs_fq;     /* integer vs fake-quant */
  double       lsb_within1; /* fraction of elements |int - fq| <= 1 LSB */
  double       clipped;     /* fraction of float values beyond the range */
  double       clip_energy, round_energy;  /* local error of quantizing the float value */
  const char  *cause;       /* "clipping", "rounding" or "-" (static) */
} QsAccuracyEntry;

typedef struct
{
  GArray *entries;          /* QsAccuracyEntry, graph order */
} QsAccuracyReport;

/* Runs the three modes on @inputs and compares every quantized node's
 * output and every model output. */
QsAccuracyReport *qs_accuracy_report_new  (QsQModel                  *model,
                                           QsExecValue *const        *inputs,
                                           guint                      n_inputs,
                                           int                        n_threads,
                                           GError                   **error);
void          qs_accuracy_report_free     (QsAccuracyReport          *report);
char         *qs_accuracy_report_to_text  (const QsAccuracyReport    *report);
char         *qs_accuracy_report_to_json  (const QsAccuracyReport    *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsAccuracyReport, qs_accuracy_report_free)

G_END_DECLS
