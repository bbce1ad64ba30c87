/* qs-cost-private.h: the kernel features behind qs_cost_estimate (), for
 * tests and the fitting tool, which evaluate the same formulas many times
 * on features extracted once. */
#pragma once

#include "qs-cost.h"

G_BEGIN_DECLS

typedef enum
{
  QS_KERNEL_NONE,
  QS_KERNEL_TAE,
  QS_KERNEL_VEC,
  QS_KERNEL_MOVE,
  QS_KERNEL_CPU,
} QsKernelKind;

/* TAE dtype pairs, for the fitted cost ratios. */
typedef enum
{
  QS_TAE_INT8,
  QS_TAE_INT16_ONE,
  QS_TAE_INT16_BOTH,
  QS_TAE_FP16,
} QsTaeDtype;

#define QS_COST_MAX_TENSORS 4

/* What one kernel does, independent of the parameters (except alignment,
 * which is a fact per march and fixed at extraction). Counts are doubles:
 * they feed floating-point formulas only. */
typedef struct
{
  QsId         node;
  QsKernelKind kind;
  QsOpClass    op_class;
  QsTaeDtype   tae_dtype;
  gboolean     vec_wide;        /* vector elements are 16-bit */
  double       macs;            /* unpadded */
  double       tae_macs;        /* TAE: padded MACs */
  double       tae_k;           /* TAE: padded reduction (cin/groups x kernel area) */
  double       tae_n;           /* TAE: padded output channels */
  double       vec_elems;       /* vector: padded elements x plain passes */
  double       lut_elems;       /* vector: padded elements needing a LUT pass */
  double       move_bytes;      /* data movement */
  double       weight_bytes;
  guint        n_tensors;
  double       tensor_bytes[QS_COST_MAX_TENSORS]; /* activations read and written */
  double       requant_elems;   /* inputs converted from a neighbour's dtype */
  guint        crossings;       /* BPU<->CPU boundaries on this kernel's inputs */
  double       cpu_bytes;       /* CPU fallback: float bytes read and written */
} QsCostKernel;

typedef struct
{
  GArray  *kernels;    /* QsCostKernel */
  double   io_bytes;   /* model inputs and outputs */
  guint64  macs_int8, macs_int16, macs_fp16, macs_float;
} QsCostKernels;

QsCostKernels *qs_cost_kernels_extract (const QsPrepared   *prepared,
                                        const QsCostParams *params);
void           qs_cost_kernels_free    (QsCostKernels      *kernels);

/* One kernel's time, in µs, with its parts; @ddr_share divides the DDR
 * bandwidth (active cores). Returns the time. */
double         qs_cost_kernel_time     (const QsCostKernel *kernel,
                                        const QsCostParams *params,
                                        double              ddr_share,
                                        QsNodeCost         *out);
/* Host and I/O time of one inference, µs. */
double         qs_cost_host_us         (const QsCostParams *params,
                                        double              io_bytes);
/* Sum of kernel times (µs) with the BPU part in @bpu_us and the CPU part in
 * @cpu_us (either may be NULL); host time not included. */
double         qs_cost_kernels_time    (const QsCostKernels *kernels,
                                        const QsCostParams  *params,
                                        double               ddr_share,
                                        double              *bpu_us,
                                        double              *cpu_us);

/* Inferences per second with @threads threads, given one inference's
 * @total_us (host included): threads overlap host and CPU work, the BPU
 * cores are shared and active cores share the DDR. */
double         qs_cost_kernels_fps     (const QsCostKernels *kernels,
                                        const QsCostParams  *params,
                                        double               total_us,
                                        guint                threads);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsCostKernels, qs_cost_kernels_free)

G_END_DECLS
