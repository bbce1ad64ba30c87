/* qs-pipeline.h: one project through fuse, prepare, calibrate, convert,
 * accuracy and estimate, with its outputs and reports
 *
 * Used by `quantscope-cli batch`; runs in any thread (no global state), so
 * several projects can run at once. Progress is reported per step and the
 * run stops between steps (and between calibration batches) when
 * @cancellable fires.
 */
#pragma once

#include <gio/gio.h>

#include "qs-cost.h"
#include "qs-passes.h"
#include "qs-project.h"

G_BEGIN_DECLS

typedef enum
{
  QS_STEP_LOAD,
  QS_STEP_PREPARE,      /* fuse + prepare */
  QS_STEP_CALIBRATE,
  QS_STEP_CONVERT,
  QS_STEP_ACCURACY,
  QS_STEP_ESTIMATE,
  QS_STEP_WRITE,
  QS_N_STEPS
} QsStep;

typedef void (*QsPipelineProgress) (QsStep      step,
                                    double      fraction,  /* of the step, 0..1 */
                                    gpointer    user_data);

typedef struct
{
  const char *output_dir;   /* NULL: the project's own output folder */
  int         n_threads;    /* per project; 0: all cores */
  const char *cost_file;    /* NULL: the parameters built into the engine */
  guint       max_batches;  /* 0: as the project says */
  guint       est_threads;  /* inference threads for the FPS estimate; 0: the march's cores */
} QsPipelineOptions;

typedef struct _QsPipelineResult QsPipelineResult;

/* Runs @project_file. On failure returns NULL; the error message starts
 * with the step that failed ("calibrate: ..."). */
QsPipelineResult *qs_pipeline_run          (const char              *project_file,
                                            const QsPipelineOptions *options,
                                            QsPipelineProgress       progress,
                                            gpointer                 user_data,
                                            GCancellable            *cancellable,
                                            GError                 **error);
void              qs_pipeline_result_free  (QsPipelineResult        *result);

const char       *qs_pipeline_result_get_name     (const QsPipelineResult *result);
/* Seconds spent in each step, and in all of them. */
double            qs_pipeline_result_get_seconds  (const QsPipelineResult *result,
                                                   QsStep                  step);
double            qs_pipeline_result_get_work_seconds (const QsPipelineResult *result);
/* Files written (owned by the result), in order. */
const char * const *qs_pipeline_result_get_outputs (const QsPipelineResult *result);
const QsCostEstimate *qs_pipeline_result_get_estimate (const QsPipelineResult *result);
/* The lowest SQNR over the model outputs (integer vs float), dB. */
double            qs_pipeline_result_get_output_sqnr (const QsPipelineResult *result);
gboolean          qs_pipeline_result_is_synthetic (const QsPipelineResult *result);

char             *qs_pipeline_result_to_json (const QsPipelineResult *result);
/* A self-contained HTML page: no scripts, no external files. */
char             *qs_pipeline_result_to_html (const QsPipelineResult *result);
const char       *qs_step_name               (QsStep                  step);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsPipelineResult, qs_pipeline_result_free)

G_END_DECLS
