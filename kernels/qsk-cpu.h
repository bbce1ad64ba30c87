/* qsk-cpu.h: CPU feature detection for kernel dispatch (libc only) */
#pragma once

#include <stdbool.h>

typedef enum
{
  QSK_ISA_REF,        /* the reference kernels: plain C, the spec */
  QSK_ISA_C,          /* portable C: blocked and packed, no intrinsics */
  QSK_ISA_AVX2,       /* AVX2 + FMA */
  QSK_ISA_AVX512,     /* AVX-512 F/BW/DQ/VL */
  QSK_ISA_AVX512VNNI, /* AVX-512 + VNNI */
  QSK_N_ISAS
} QskIsa;

/* What this CPU supports; detected once. */
bool        qsk_cpu_has         (QskIsa isa);
/* The best ISA to use, honouring QSK_KERNELS=ref|c|avx2|avx512|avx512vnni
 * (a forced ISA the CPU lacks is ignored).  The ISAs are ordered: each implies the
 * ones before it. */
QskIsa      qsk_cpu_best_isa    (void);
const char *qsk_isa_name        (QskIsa isa);
/* Online CPUs, at least 1. */
int         qsk_cpu_count       (void);
