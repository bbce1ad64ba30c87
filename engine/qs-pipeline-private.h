/* qs-pipeline-private.h: what the pipeline keeps, for its report writers */
#pragma once

#include "qs-pipeline.h"
#include "qs-quant.h"

struct _QsPipelineResult
{
  char             *project_file;
  char             *name;
  QsProject        *project;
  QsGraph          *graph;
  QsPrepared       *prepared;
  QsQModel         *model;
  QsAccuracyReport *accuracy;
  QsCostEstimate   *estimate;
  GPtrArray        *outputs;      /* char* */
  GPtrArray        *warnings;     /* char* */
  double            seconds[QS_N_STEPS];
  gboolean          synthetic;
  char             *data_label;
};
