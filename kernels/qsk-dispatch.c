/* qsk-dispatch.c: the kernel tables, generated from qsk-kernels.inc */
#include "qsk.h"

#include <pthread.h>
#include <stddef.h>

#define QSK_VARIANT(name, isa_suffix) (void *) qsk_##name##__##isa_suffix
/* the SIMD libraries are only built for x86 (meson defines QSK_HAVE_X86) */
#ifdef QSK_HAVE_X86
# define QSK_SIMD_VARIANT(name, isa_suffix) QSK_VARIANT (name, isa_suffix)
#else
# define QSK_SIMD_VARIANT(name, isa_suffix) NULL
#endif

/* variants[kernel][isa], NULL where the inventory has no such variant */
static void *const variants[QSK_N_KERNELS][QSK_N_ISAS] = {
#define QSK_KERNEL(name, Args, has_ref, has_c, has_avx2, has_avx512, has_vnni)         \
  [QSK_KERNEL_##name] = {                                                              \
    QSK_IF_##has_ref ([QSK_ISA_REF] = QSK_VARIANT (name, ref),)                        \
    QSK_IF_##has_c ([QSK_ISA_C] = QSK_VARIANT (name, c),)                              \
    QSK_IF_##has_avx2 ([QSK_ISA_AVX2] = QSK_SIMD_VARIANT (name, avx2),)                \
    QSK_IF_##has_avx512 ([QSK_ISA_AVX512] = QSK_SIMD_VARIANT (name, avx512),)          \
    QSK_IF_##has_vnni ([QSK_ISA_AVX512VNNI] = QSK_SIMD_VARIANT (name, avx512vnni),)    \
  },
#include "qsk-kernels.inc"
#undef QSK_KERNEL
};

static const char *const names[QSK_N_KERNELS] = {
#define QSK_KERNEL(name, ...) [QSK_KERNEL_##name] = #name,
#include "qsk-kernels.inc"
#undef QSK_KERNEL
};

static QskKernels tables[QSK_N_ISAS];
static QskIsa best_isa;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void *
best_variant (QskKernelId id, QskIsa isa)
{
  for (int i = (int) isa; i >= 0; i--)
    if (variants[id][i] != NULL && qsk_cpu_has ((QskIsa) i))
      return variants[id][i];
  return variants[id][QSK_ISA_REF];
}

static void
fill_tables (void)
{
  best_isa = qsk_cpu_best_isa ();
  for (int isa = 0; isa < QSK_N_ISAS; isa++)
    {
      QskKernels *t = &tables[isa];

#define QSK_KERNEL(name, ...)                                                          \
      t->name = (Qsk_##name##_fn) best_variant (QSK_KERNEL_##name, (QskIsa) isa);
#include "qsk-kernels.inc"
#undef QSK_KERNEL
    }
}

const QskKernels *
qsk_kernels_for_isa (QskIsa isa)
{
  if ((unsigned) isa >= QSK_N_ISAS)
    isa = QSK_ISA_REF;
  pthread_once (&tables_once, fill_tables);
  return &tables[isa];
}

const QskKernels *
qsk_kernels (void)
{
  pthread_once (&tables_once, fill_tables);
  return &tables[best_isa];
}

void *
qsk_kernel_variant (QskKernelId id, QskIsa isa)
{
  if ((unsigned) id >= QSK_N_KERNELS || (unsigned) isa >= QSK_N_ISAS)
    return NULL;
  return variants[id][isa];
}

const char *
qsk_kernel_name (QskKernelId id)
{
  return (unsigned) id < QSK_N_KERNELS ? names[id] : "invalid";
}
