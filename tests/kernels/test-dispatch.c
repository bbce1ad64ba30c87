/* test-dispatch.c: QSK_KERNELS=ref forces the reference table; the inventory is sane. */
#define _POSIX_C_SOURCE 200809L   /* setenv */
#include <stdlib.h>

#include "qsk.h"
#include "qsk-tap.h"

int
main (void)
{
  const QskKernels *k;
  bool all_ref = true, complete = true;

  setenv ("QSK_KERNELS", "ref", 1);
  k = qsk_kernels ();
  tap_ok (qsk_cpu_best_isa () == QSK_ISA_REF, "QSK_KERNELS=ref selects the ref ISA");
#define QSK_KERNEL(name, ...) all_ref &= (void *) k->name == (void *) qsk_##name##__ref;
#include "qsk-kernels.inc"
#undef QSK_KERNEL
  tap_ok (all_ref, "QSK_KERNELS=ref: every table entry is the reference");
  for (int isa = 0; isa < QSK_N_ISAS; isa++)
    {
      const QskKernels *t = qsk_kernels_for_isa ((QskIsa) isa);

#define QSK_KERNEL(name, ...) complete &= t->name != NULL;
#include "qsk-kernels.inc"
#undef QSK_KERNEL
    }
  tap_ok (complete, "every ISA table is complete (missing variants fall back)");
  for (int id = 0; id < QSK_N_KERNELS; id++)
    complete &= qsk_kernel_variant ((QskKernelId) id, QSK_ISA_REF) != NULL;
  tap_ok (complete, "every kernel has a reference (%d kernels)", (int) QSK_N_KERNELS);
  if (qsk_cpu_has (QSK_ISA_AVX2))
    tap_ok ((void *) qsk_kernels_for_isa (QSK_ISA_AVX2)->conv2d_f32
            == (void *) qsk_conv2d_f32__avx2, "the avx2 table uses the avx2 conv");
  else
    tap_skip ("this CPU lacks avx2");
  return tap_done ();
}
