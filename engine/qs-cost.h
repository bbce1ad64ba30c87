/* qs-cost.h: a NASH latency model per fused kernel (docs/nash-cost-model.md)
 *
 * Every node of a prepared graph (qs_pass_prepare ()) is one kernel the
 * compiler emits. Its time is
 *
 *   time = max (compute, memory) + fixed
 *
 * compute on the engine that runs it (TAE, vector, data movement, or the
 * CPU for fallbacks), memory the DDR traffic of weights and of activations
 * that don't fit on chip, fixed a per-kernel launch cost. A model adds host
 * and I/O time once per inference. Times are in microseconds, sizes in bytes.
 *
 * The parameters of each march live in one data file,
 * data/cost/nash-cost.json, compiled into the engine; a user calibration
 * file (same format, tools/fit-cost writes it) replaces it.
 */
#pragma once

#include <glib.h>

#include "qs-march.h"
#include "qs-passes.h"

G_BEGIN_DECLS

typedef enum
{
  QS_BOUND_NONE,     /* bookkeeping: no time */
  QS_BOUND_COMPUTE,  /* tensor engine (TAE) */
  QS_BOUND_VECTOR,   /* vector engines (VAE/VPU): depthwise, elementwise, LUT, ... */
  QS_BOUND_MOVE,     /* data movement: cat, permute, slice, pad */
  QS_BOUND_DDR,      /* weights and spilled activations over DDR */
  QS_BOUND_FIXED,    /* the per-kernel cost dominates */
  QS_BOUND_HOST,     /* host and I/O, once per model */
  QS_BOUND_CPU,      /* CPU fallback and the BPU<->CPU boundary */
  QS_N_BOUNDS
} QsBound;

/* The parameters of one march. Rates are per BPU core. */
typedef struct
{
  double clock_mhz;            /* BPU clock */
  double tae_macs_per_cycle;   /* peak int8 MACs per cycle of one core */
  double tae_eff;              /* sustained fraction of peak on large convs */
  double tae_k_half;           /* reduction size (cin x kernel area) at half efficiency */
  double tae_n_half;           /* output channels at half efficiency */
  double ratio_int16_one;      /* TAE cost of int16 on one side, relative to int8 */
  double ratio_int16_both;     /* TAE cost of int16 x int16 */
  double ratio_fp16;           /* TAE cost of fp16 */
  double vec_elems_per_cycle;  /* int8 vector elements per cycle and pass */
  double vec_ratio_16;         /* vector cost of int16 / fp16 elements */
  double lut_passes;           /* passes of a lookup-table activation (relu: 1) */
  double move_bytes_per_cycle; /* data movement */
  double fixed_cycles;         /* per kernel */
  double ddr_gbps;             /* theoretical DDR bandwidth, all cores */
  double ddr_eff;              /* sustained fraction of it */
  double onchip_kib;           /* activations up to this size stay on chip */
  double align;                /* channel alignment */
  double host_us;              /* host and I/O per inference, fixed part */
  double host_us_per_mib;      /* host and I/O per MiB of model input + output */
  double cpu_gmacs;            /* CPU fallback: MACs per ns */
  double cpu_gbps;             /* CPU fallback: elementwise bytes per ns */
  double boundary_us;          /* each BPU<->CPU crossing */
  double cores;                /* BPU cores */
} QsCostParams;

/* The parameter names, in QsCostParams order; NULL-terminated. */
const char * const *qs_cost_param_names (void);
/* The parameter @index of @params, by position in qs_cost_param_names (). */
double       *qs_cost_params_slot      (QsCostParams *params,
                                        guint         index);

typedef struct _QsCostModel QsCostModel;

/* Loads a parameter file; NULL loads the copy compiled into the engine. */
QsCostModel  *qs_cost_model_load       (const char    *filename,
                                        GError       **error);
QsCostModel  *qs_cost_model_load_from_data (const char *data,
                                        gsize          length,
                                        const char    *filename,
                                        GError       **error);
void          qs_cost_model_free       (QsCostModel   *model);
/* Borrowed; NULL with @error when the file has no parameters for @march. */
const QsCostParams *qs_cost_model_get  (QsCostModel   *model,
                                        QsMarch        march,
                                        GError       **error);
/* Is @march calibrated on measurements (else its parameters are priors)? */
gboolean      qs_cost_model_is_calibrated (QsCostModel *model,
                                        QsMarch        march);
/* The source recorded for a parameter ("fitted", a fact, ...); borrowed. */
const char   *qs_cost_model_get_source (QsCostModel   *model,
                                        QsMarch        march,
                                        const char    *param);
/* For the fitting tool: replaces a parameter's value. */
void          qs_cost_model_set        (QsCostModel   *model,
                                        QsMarch        march,
                                        const char    *param,
                                        double         value);
/* Writes the model back in the file format (values, sources, notes). */
char         *qs_cost_model_to_data    (QsCostModel   *model);

typedef struct
{
  QsId      node;        /* in the prepared graph */
  QsOpClass op_class;
  QsBound   bound;
  QsQdtype  activation;  /* the kernel's output dtype */
  QsQdtype  weight;      /* QS_QDTYPE_FLOAT when it has none */
  double    time_us;     /* max (compute, memory) + fixed (+ requantize, boundary) */
  double    compute_us;
  double    memory_us;
  double    fixed_us;
  double    extra_us;    /* requantize of inputs and BPU<->CPU crossings */
  guint64   macs;        /* unpadded */
  guint64   ddr_bytes;   /* weights + spilled activations */
  gboolean  on_cpu;
} QsNodeCost;

typedef struct
{
  QsMarch  march;
  guint    threads;
  GArray  *nodes;                      /* QsNodeCost, kernels with time only */
  double   total_us;                   /* one inference, one thread */
  double   bpu_us;                     /* kernels on the BPU */
  double   cpu_us;                     /* CPU fallback and crossings */
  double   host_us;
  double   class_us[QS_N_OP_CLASSES];
  double   bound_us[QS_N_BOUNDS];
  guint64  ddr_bytes;
  guint64  macs;
  guint64  macs_int8;                  /* both sides int8 */
  guint64  macs_int16;                 /* int16 on either side */
  guint64  macs_fp16;
  guint64  macs_float;                 /* on the CPU */
  guint64  io_bytes;                   /* model inputs + outputs */
  double   fps_1;                      /* one thread */
  double   fps_n;                      /* @threads threads */
  gboolean calibrated;
} QsCostEstimate;

/* Estimates a prepared graph on @params (its march is prepared->qconfigs->march).
 * @threads >= 1: the FPS of that many inference threads. */
QsCostEstimate *qs_cost_estimate       (const QsPrepared   *prepared,
                                        const QsCostParams *params,
                                        guint               threads);
void          qs_cost_estimate_free    (QsCostEstimate     *estimate);
char         *qs_cost_estimate_to_text (const QsCostEstimate *estimate,
                                        const QsGraph      *graph);
char         *qs_cost_estimate_to_json (const QsCostEstimate *estimate,
                                        const QsGraph      *graph);
const char   *qs_bound_name            (QsBound             bound);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsCostModel, qs_cost_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsCostEstimate, qs_cost_estimate_free)

G_END_DECLS
