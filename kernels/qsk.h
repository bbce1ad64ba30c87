/* qsk.h: Quantscope kernels, the public interface (libc + libm + pthreads only)
 *
 * Conventions, for every kernel below:
 *  - Tensors are dense NCHW unless a stride is given; sizes and strides are in
 *    ELEMENTS (not bytes) unless the field says bytes.
 *  - Kernels never allocate and never fail.  Preconditions are assert()ed.  Input and
 *    output buffers must not overlap (they are restrict): no in-place calls.
 *  - The caller owns every buffer; an Args struct only borrows them for the call.
 *  - Every kernel has the signature  void fn (const Args *args, QskThreadPool *pool).
 *    pool may be NULL (run inline); kernels that do not parallelize ignore it.
 *    Results are bit-identical for any number of threads.
 *  - Pick implementations through the dispatch table: qsk_kernels() returns the best
 *    variant per kernel for this CPU (QSK_KERNELS=ref|c|avx2|avx512|avx512vnni in the
 *    environment caps the ISA; QSK_KERNELS=ref forces the reference kernels).
 *    Tests and benchmarks reach single variants via qsk_kernel_variant().
 *  - The kernel list lives in qsk-kernels.inc.
 *  - Float variants agree with ref within a relative tolerance (summation order
 *    differs); integer variants agree with ref exactly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qsk-cpu.h"
#include "qsk-quant.h"
#include "qsk-threadpool.h"

#define QSK_MAX_RANK 6

/* ---- geometry ------------------------------------------------------------------ */

/* 2-D convolution geometry.  x: [n, ic, ih, iw]; w: [oc, ic / groups, kh, kw];
 * y: [n, oc, oh, ow] with oh = qsk_conv_out_size (ih, kh, sh, pt, pb, dh).
 * Depthwise: groups == ic == oc (or oc a multiple of ic). */
typedef struct
{
  size_t n, ic, ih, iw;
  size_t oc, kh, kw;
  size_t groups;
  size_t sh, sw;             /* stride, >= 1 */
  size_t dh, dw;             /* dilation, >= 1 */
  size_t pt, pl, pb, pr;     /* zero padding: top, left, bottom, right */
} QskConvGeom;

size_t qsk_conv_out_size (size_t in, size_t k, size_t stride, size_t pad0, size_t pad1,
                          size_t dilation);
size_t qsk_conv_geom_oh  (const QskConvGeom *g);
size_t qsk_conv_geom_ow  (const QskConvGeom *g);
/* 2 * multiply-adds, for GFLOP/s */
double qsk_conv_geom_flops (const QskConvGeom *g);

/* ---- float32 ------------------------------------------------------------------- */

/* y = clamp (conv (x, w) + bias, out_min, out_max).  bias: [oc] or NULL.
 * Fused activation: none = [-INFINITY, INFINITY], relu = [0, INFINITY], relu6 = [0, 6]. */
typedef struct
{
  QskConvGeom g;
  const float *restrict x;
  const float *restrict w;
  const float *restrict bias;
  float *restrict y;
  float out_min, out_max;
  /* Optional pre-packed weights (see "pre-packed weights" below): used by a variant
   * whose layout is w_pack, ignored by the others (w is always required). */
  const float *restrict w_packed;
  size_t w_pack;
} QskConv2dF32Args;

/* Transposed convolution (PyTorch ConvTranspose2d).  x: [n, ic, ih, iw];
 * w: [ic, oc / groups, kh, kw]; padding pt/pl/pb/pr is removed from the full output;
 * oh = (ih - 1) * sh - pt - pb + dh * (kh - 1) + out_pad_h + 1. */
typedef struct
{
  QskConvGeom g;
  size_t out_pad_h, out_pad_w;
  const float *restrict x;
  const float *restrict w;
  const float *restrict bias;   /* [oc] or NULL */
  float *restrict y;
} QskConvTranspose2dF32Args;

size_t qsk_conv_transpose_out_size (size_t in, size_t k, size_t stride, size_t pad0,
                                    size_t pad1, size_t dilation, size_t out_pad);

/* Batched matmul: for b < batch, i < m, j < n:
 *   C[b](i, j) = clamp (sum_k A[b](i, k) * B[b](k, j) + bias[j], out_min, out_max)
 * A[b](i, k) = a[b * a_batch_stride + i * lda + k]           (rows of A contiguous)
 * B[b](k, j) = b[b * b_batch_stride + k * b_k_stride + j * b_n_stride]
 * C[b](i, j) = c[b * c_batch_stride + i * ldc + j]
 * Linear / C = A B^T with B as [n, k] weights: b_k_stride = 1, b_n_stride = k.
 * A batch stride of 0 broadcasts.  bias: [n] or NULL. */
typedef struct
{
  size_t batch, m, n, k;
  const float *restrict a;
  size_t a_batch_stride, lda;
  const float *restrict b;
  size_t b_batch_stride, b_k_stride, b_n_stride;
  const float *restrict bias;
  float *restrict c;
  size_t c_batch_stride, ldc;
  float out_min, out_max;
} QskMatmulF32Args;

/* Inference batch norm as a per-channel affine map: y = x * scale[c] + shift[c].
 * (scale = gamma / sqrt (var + eps), shift = beta - mean * scale.)  x, y: [n, c, hw]. */
typedef struct
{
  size_t n, c, hw;
  const float *restrict x;
  const float *restrict scale;
  const float *restrict shift;
  float *restrict y;
} QskBatchNormF32Args;

typedef enum
{
  QSK_UNARY_RELU,
  QSK_UNARY_RELU6,
  QSK_UNARY_SIGMOID,
  QSK_UNARY_SILU,
  QSK_UNARY_HARDSWISH,    /* x * relu6 (x + 3) / 6 */
  QSK_UNARY_HARDSIGMOID,  /* relu6 (x + 3) / 6 */
  QSK_UNARY_GELU,         /* exact: 0.5 x (1 + erf (x / sqrt 2)) */
  QSK_UNARY_GELU_TANH,    /* tanh approximation */
  QSK_UNARY_TANH,
  QSK_UNARY_LEAKY_RELU,   /* x < 0 ? alpha * x : x */
} QskUnaryOp;

typedef struct
{
  QskUnaryOp op;
  float alpha;
  size_t count;
  const float *restrict x;
  float *restrict y;
} QskUnaryF32Args;

typedef enum
{
  QSK_BINARY_ADD,
  QSK_BINARY_SUB,
  QSK_BINARY_MUL,
  QSK_BINARY_DIV,
} QskBinaryOp;

/* numpy broadcasting, described by the output shape and per-input strides in
 * elements (0 along broadcast dimensions).  The output is dense in shape. */
typedef struct
{
  size_t rank;                          /* 1..QSK_MAX_RANK */
  size_t shape[QSK_MAX_RANK];           /* output shape */
  ptrdiff_t a_strides[QSK_MAX_RANK];
  ptrdiff_t b_strides[QSK_MAX_RANK];
} QskBroadcast;

/* Fill bc from two dense shapes, numpy rules (right-aligned; 1 broadcasts).
 * Returns false if the shapes do not broadcast or the rank exceeds QSK_MAX_RANK. */
bool qsk_broadcast_init (QskBroadcast *bc, size_t a_rank, const size_t *a_shape,
                         size_t b_rank, const size_t *b_shape);

typedef struct
{
  QskBinaryOp op;
  QskBroadcast bc;
  const float *restrict a;
  const float *restrict b;
  float *restrict y;
} QskBinaryF32Args;

/* Concatenation along an axis, any element type.  View every tensor as
 * [outer, len_i * inner]: outer = product of dims before the axis, inner = product of
 * dims after it; chunk[i] = len_i * inner elements of input i. */
typedef struct
{
  size_t elem_size;                     /* bytes */
  size_t outer;
  size_t n_inputs;
  const void *const *inputs;
  const size_t *chunk;                  /* [n_inputs], elements */
  void *restrict y;
} QskConcatArgs;

typedef enum
{
  QSK_POOL_MAX,
  QSK_POOL_AVG,
} QskPoolMode;

/* PyTorch pooling geometry.  x: [n, c, ih, iw], y: [n, c, oh, ow] with
 * oh = qsk_pool_out_size (ih, kh, sh, pt, pb, ceil_mode).  Padding never wins a max;
 * avg divides by the window clipped to the padded input (count_include_pad) or by the
 * number of real inputs. */
typedef struct
{
  size_t n, c, ih, iw;
  size_t kh, kw, sh, sw;
  size_t pt, pl, pb, pr;
  bool ceil_mode;
  bool count_include_pad;
  QskPoolMode mode;
} QskPoolGeom;

size_t qsk_pool_out_size (size_t in, size_t k, size_t stride, size_t pad0, size_t pad1,
                          bool ceil_mode);

typedef struct
{
  QskPoolGeom g;
  const float *restrict x;
  float *restrict y;
} QskPool2dF32Args;

/* Output cell i covers [floor (i * in / out), ceil ((i + 1) * in / out)). */
typedef struct
{
  size_t n, c, ih, iw, oh, ow;
  const float *restrict x;
  float *restrict y;
} QskAdaptivePool2dF32Args;

typedef enum
{
  QSK_UPSAMPLE_NEAREST,   /* PyTorch 'nearest': src = floor (dst * in / out) */
  QSK_UPSAMPLE_BILINEAR,
} QskUpsampleMode;

typedef struct
{
  size_t n, c, ih, iw, oh, ow;
  QskUpsampleMode mode;
  bool align_corners;     /* bilinear only */
  const float *restrict x;
  float *restrict y;
} QskUpsample2dF32Args;

/* y = x.permute (perm): y's dim i is x's dim perm[i].  Any element type. */
typedef struct
{
  size_t elem_size;        /* bytes */
  size_t rank;             /* 1..QSK_MAX_RANK */
  size_t shape[QSK_MAX_RANK];   /* x's shape */
  size_t perm[QSK_MAX_RANK];
  const void *restrict x;
  void *restrict y;
} QskPermuteArgs;

/* softmax along the middle axis of x viewed as [outer, axis_len, inner] */
typedef struct
{
  size_t outer, axis_len, inner;
  const float *restrict x;
  float *restrict y;
} QskSoftmaxF32Args;

/* layer norm over the last dims, x viewed as [rows, cols]:
 * y = (x - mean) / sqrt (var + eps) * gamma + beta; gamma/beta [cols] or NULL. */
typedef struct
{
  size_t rows, cols;
  float eps;
  const float *restrict x;
  const float *restrict gamma;
  const float *restrict beta;
  float *restrict y;
} QskLayerNormF32Args;

/* ---- integer (symmetric, see qsk-quant.h and docs/quantization.md) -------------- */

/* Quantized conv:  acc[o] = sum x * w + bias[o]   (int32; int64 for s16 x s16)
 *                  y = sat (requant (acc, rq[o]), out_min, out_max)
 * x: x_type [n, ic, ih, iw]; w: w_type [oc, ic / groups, kh, kw]; bias: int32 [oc] in
 * units of x_scale * w_scale[o], or NULL; rq[o] ~ x_scale * w_scale[o] / y_scale.
 * out_min/out_max: the output type's range, narrowed for a fused relu/relu6
 * (qsk_quant_act_bounds()).  SIMD variants cover s8 x s8; other type pairs run the
 * portable path.  s16 x s8 accumulates in int32 like the hardware: the caller keeps
 * |acc| < 2^31. */
typedef struct
{
  QskConvGeom g;
  QskDType x_type, w_type, y_type;
  const void *restrict x;
  const void *restrict w;
  const int32_t *restrict bias;
  const QskRequant *restrict rq;
  int32_t out_min, out_max;
  void *restrict y;
  /* Optional pre-packed weights, as for QskConv2dF32Args. */
  const void *restrict w_packed;
  size_t w_pack;
} QskConv2dQArgs;

/* Quantized batched matmul, strides as QskMatmulF32Args (in elements), per output
 * column (output channel) bias[n] and rq[n].  a: activations (a_type), b: weights. */
typedef struct
{
  size_t batch, m, n, k;
  QskDType a_type, b_type, c_type;
  const void *restrict a;
  size_t a_batch_stride, lda;
  const void *restrict b;
  size_t b_batch_stride, b_k_stride, b_n_stride;
  const int32_t *restrict bias;
  const QskRequant *restrict rq;
  int32_t out_min, out_max;
  void *restrict c;
  size_t c_batch_stride, ldc;
} QskMatmulQArgs;

/* int8 add with rescaling: y = sat (rhaz ((a * rq.ma + b * rq.mb) / 2^rq.shift))
 * with rq = qsk_requant2_from_ratios (a_scale / y_scale, b_scale / y_scale). */
typedef struct
{
  QskBroadcast bc;
  QskRequant2 rq;
  int32_t out_min, out_max;
  const int8_t *restrict a;
  const int8_t *restrict b;
  int8_t *restrict y;
} QskAddS8Args;

/* int8 pooling, same scale in and out.  avg = rhaz (sum / count), exactly. */
typedef struct
{
  QskPoolGeom g;
  const int8_t *restrict x;
  int8_t *restrict y;
} QskPool2dS8Args;

/* int8 concat, input i rescaled by rq[i] ~ scale_i / y_scale (see QskConcatArgs). */
typedef struct
{
  size_t outer;
  size_t n_inputs;
  const int8_t *const *inputs;
  const size_t *chunk;
  const QskRequant *rq;
  int8_t *restrict y;
} QskConcatS8Args;

/* y[i] = table[x[i] + 128]; build the table with qsk_quant_lut_build(). */
typedef struct
{
  size_t count;
  const int8_t *restrict table;
  const int8_t *restrict x;
  int8_t *restrict y;
} QskLutS8Args;

/* ---- declarations and dispatch, generated from qsk-kernels.inc ------------------ */

#define QSK_IF_0(...)
#define QSK_IF_1(...) __VA_ARGS__

#define QSK_KERNEL(name, Args, ref, c, avx2, avx512, vnni)                              \
  typedef void (*Qsk_##name##_fn) (const Args *args, QskThreadPool *pool);              \
  QSK_IF_##ref (void qsk_##name##__ref (const Args *args, QskThreadPool *pool);)        \
  QSK_IF_##c (void qsk_##name##__c (const Args *args, QskThreadPool *pool);)            \
  QSK_IF_##avx2 (void qsk_##name##__avx2 (const Args *args, QskThreadPool *pool);)      \
  QSK_IF_##avx512 (void qsk_##name##__avx512 (const Args *args, QskThreadPool *pool);)  \
  QSK_IF_##vnni (void qsk_##name##__avx512vnni (const Args *args, QskThreadPool *pool);)
#include "qsk-kernels.inc"
#undef QSK_KERNEL

typedef enum
{
#define QSK_KERNEL(name, ...) QSK_KERNEL_##name,
#include "qsk-kernels.inc"
#undef QSK_KERNEL
  QSK_N_KERNELS
} QskKernelId;

/* One function pointer per kernel. */
typedef struct
{
#define QSK_KERNEL(name, ...) Qsk_##name##_fn name;
#include "qsk-kernels.inc"
#undef QSK_KERNEL
} QskKernels;

/* The table for qsk_cpu_best_isa(), filled once (thread-safe). */
const QskKernels *qsk_kernels         (void);
/* The table using, per kernel, the best variant at or below isa (and on this CPU). */
const QskKernels *qsk_kernels_for_isa (QskIsa isa);
/* The variant compiled for exactly isa, or NULL if there is none.  It is returned even
 * if this CPU cannot run it: check qsk_cpu_has (isa) first. */
void             *qsk_kernel_variant  (QskKernelId id, QskIsa isa);
const char       *qsk_kernel_name     (QskKernelId id);

/* ---- pre-packed weights ----------------------------------------------------------
 * The GEMM variants read conv weights in their micro-kernel's layout.  A caller that
 * runs one conv many times packs once into memory it owns (64-byte aligned, size from
 * *_packed_size) and passes w_packed and w_pack in every call:
 *   layout = qsk_conv2d_f32_pack_layout (k->conv2d_f32);   0: this variant takes none
 *   packed = aligned_alloc (64, qsk_conv2d_f32_packed_size (&g, layout) ...);
 *   qsk_conv2d_f32_pack (&g, layout, w, packed);
 * A layout other than the variant's own is ignored (the variant packs w per call), so
 * results never depend on packing; packed sizes are 0 where no layout applies
 * (depthwise).  Packing is plain C and single-threaded. */
size_t qsk_conv2d_f32_pack_layout  (Qsk_conv2d_f32_fn fn);
size_t qsk_conv2d_f32_packed_size  (const QskConvGeom *g, size_t layout);   /* bytes */
void   qsk_conv2d_f32_pack         (const QskConvGeom *g, size_t layout, const float *w,
                                    float *packed);
size_t qsk_conv2d_q_pack_layout    (Qsk_conv2d_q_fn fn, QskDType x_type, QskDType w_type);
size_t qsk_conv2d_q_packed_size    (const QskConvGeom *g, size_t layout);     /* bytes */
void   qsk_conv2d_q_pack           (const QskConvGeom *g, size_t layout, QskDType w_type,
                                    const void *w, void *packed);
