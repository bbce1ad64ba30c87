/* qsk-internal.h: what kernel variants share; not installed, not for callers.
 *
 * The fast float and integer paths are "pack + micro-kernel" GEMMs.  A driver
 * (qsk-gemm-f32.inc, qsk-gemm-q.inc) owns blocking, packing, threading and edge
 * handling; it is included by the portable file and by every per-ISA file, so its
 * packing loops compile with that ISA's flags.  A per-ISA file supplies a
 * register-blocked micro-kernel (and optionally a requantizing store or a depthwise
 * plane) through a QskSgemmInfo / QskQgemmInfo.  Weights may come pre-packed by the
 * caller (qsk.h, "pre-packed weights").  Packing buffers live on the stack of each
 * task (<= 256 KiB for B, plus the A tile); the integer path with few column blocks
 * packs one shared B block on the calling thread's stack (B_BYTES) that the workers
 * fill and read together.  Kernels never allocate.
 */
#pragma once

#include "qsk.h"

/* ---- float GEMM ------------------------------------------------------------------ */

/* Applied to an mr x nr tile of C after the sum over kc:
 *   acc = (load_c ? C : 0) + sum + bias_row[r] + bias_col[j], then clamp to [lo, hi]. */
typedef struct
{
  const float *bias_row;   /* >= mr values or NULL */
  const float *bias_col;   /* >= nr values or NULL */
  int load_c;
  float lo, hi;
} QskF32Epilogue;

/* C[r][j] (r < mr <= MR, j < nr <= NR), c row stride ldc (elements).
 * ap: packed A, ap[k * MR + r] for k < kc (rows >= mr zero); bp: packed B,
 * bp[k * NR + j], zero-padded beyond nr.  Both 64-byte aligned. */
typedef void (*QskSgemmUkernel) (size_t mr, size_t nr, size_t kc, const float *ap,
                                 const float *bp, float *c, size_t ldc,
                                 const QskF32Epilogue *epi);

/* Depthwise conv of one output plane (image img, channel o), direct. */
typedef void (*QskDwconvF32Fn) (const QskConv2dF32Args *args, size_t img, size_t o,
                                size_t oh, size_t ow);

typedef struct
{
  size_t mr, nr;
  QskSgemmUkernel ukernel;
  QskDwconvF32Fn dwconv;     /* NULL: the portable one */
} QskSgemmInfo;

extern const QskSgemmInfo qsk_sgemm_c;
#ifdef QSK_HAVE_X86
extern const QskSgemmInfo qsk_sgemm_avx2, qsk_sgemm_avx512;
#endif

/* scalar epilogue for partial tiles; tile is MR x NR with row stride ld_tile */
void qsk_f32_epilogue_scalar (size_t mr, size_t nr, const float *tile, size_t ld_tile,
                              float *c, size_t ldc, const QskF32Epilogue *epi);

/* ---- integer GEMM ---------------------------------------------------------------- */

/* Packed formats.  K is split into groups of kg (1, 2 or 4) consecutive k:
 *   A (weights / left operand), per MR-row tile: int32 words ap[kq * MR + r], each the
 *     kg values of row r, packed as int8 (kg 4) or int16 (kg 2) lanes, zero-padded;
 *   B (activations), per NR-column panel: bp[(kq * NR + j) * kg + g], uint8 x + 128
 *     (VNNI, kg 4) or int16 (kg 2), zero-valued beyond k and nr (x + 128 pads to 128).
 * The micro-kernel writes int32 sums to acc[r * NR + j] (full MR x NR tile). */
typedef enum
{
  QSK_QPACK_S16_PAIRS,     /* kg 2: int16 a, int16 b, vpmaddwd */
  QSK_QPACK_U8S8_QUADS,    /* kg 4: int8 a, uint8 b = x + 128, vpdpbusd; needs comp */
} QskQPack;

typedef void (*QskQgemmUkernel) (size_t kq, const int32_t *ap, const void *bp,
                                 int32_t *acc);

/* Requantize an mr x nr block of acc (row stride NR) into rows of y:
 * y[r * ldy + j] = sat (requant (acc + base[r], rq[r]), lo, hi) as int8 (es 1) or
 * int16 (es 2).  Bit-identical to qsk_requant_apply32 + qsk_sat. */
typedef void (*QskQgemmStore) (size_t mr, size_t nr, const int32_t *acc, size_t NR,
                               const int32_t *base, const QskRequant *rq, int32_t lo,
                               int32_t hi, void *y, size_t ldy, size_t es);

typedef struct
{
  size_t mr, nr;
  QskQPack pack;
  QskQgemmUkernel ukernel;
  QskQgemmStore store;       /* NULL: the portable one */
} QskQgemmInfo;

/* the AVX2 int16-pair micro-kernel, reused by the VNNI variant for s16 operands */
extern const QskQgemmInfo qsk_qgemm_avx2;
extern const QskQgemmInfo qsk_qgemm_c;
#ifdef QSK_HAVE_X86
extern const QskQgemmInfo qsk_qgemm_vnni;
#endif


/* ---- shared by references and variants -------------------------------------------- */

typedef struct
{
  size_t h0, h1, w0, w1;   /* real input rows/cols [h0, h1) x [w0, w1) */
  size_t divisor;          /* avg divisor per count_include_pad */
} QskPoolWindow;

QskPoolWindow qsk_pool_window (const QskPoolGeom *g, size_t y, size_t x);

