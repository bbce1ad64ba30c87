/* qsk-cpu.c: CPU feature detection (libc only) */
#include "qsk-cpu.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
# include <cpuid.h>
#endif

static int detected = 0;
static bool has_isa[QSK_N_ISAS];

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long
read_xcr0 (void)
{
  unsigned int lo, hi;

  __asm__ volatile ("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
  return ((unsigned long long) hi << 32) | lo;
}

static void
detect_x86 (void)
{
  unsigned int a, b, c, d;
  bool osxsave, avx_os, avx512_os;
  unsigned long long xcr0;

  if (!__get_cpuid (1, &a, &b, &c, &d))
    return;
  osxsave = (c & bit_OSXSAVE) != 0;
  if (!osxsave)
    return;
  xcr0 = read_xcr0 ();
  avx_os = (xcr0 & 0x6) == 0x6;
  avx512_os = (xcr0 & 0xe6) == 0xe6;
  bool fma = (c & bit_FMA) != 0;
  if (!__get_cpuid_count (7, 0, &a, &b, &c, &d))
    return;
  has_isa[QSK_ISA_AVX2] = avx_os && fma && (b & bit_AVX2);
  has_isa[QSK_ISA_AVX512] = avx512_os && (b & bit_AVX512F) && (b & bit_AVX512BW)
                            && (b & bit_AVX512DQ) && (b & bit_AVX512VL)
                            && has_isa[QSK_ISA_AVX2];
  has_isa[QSK_ISA_AVX512VNNI] = has_isa[QSK_ISA_AVX512] && (c & bit_AVX512VNNI);
}
#endif

static void
detect (void)
{
  if (__atomic_load_n (&detected, __ATOMIC_ACQUIRE))
    return;
  has_isa[QSK_ISA_REF] = true;
  has_isa[QSK_ISA_C] = true;
#if defined(__x86_64__) || defined(__i386__)
  detect_x86 ();
#endif
  __atomic_store_n (&detected, 1, __ATOMIC_RELEASE);
}

bool
qsk_cpu_has (QskIsa isa)
{
  if ((unsigned) isa >= QSK_N_ISAS)
    return false;
  detect ();
  return has_isa[isa];
}

const char *
qsk_isa_name (QskIsa isa)
{
  static const char *const names[QSK_N_ISAS] = { "ref", "c", "avx2", "avx512", "avx512vnni" };

  return (unsigned) isa < QSK_N_ISAS ? names[isa] : "invalid";
}

QskIsa
qsk_cpu_best_isa (void)
{
  const char *force = getenv ("QSK_KERNELS");
  QskIsa best = QSK_ISA_REF;

  detect ();
  for (int i = QSK_N_ISAS - 1; i >= 0; i--)
    if (has_isa[i])
      {
        best = (QskIsa) i;
        break;
      }
  if (force != NULL)
    for (int i = 0; i < QSK_N_ISAS; i++)
      if (strcmp (force, qsk_isa_name ((QskIsa) i)) == 0 && has_isa[i])
        return (QskIsa) i;
  return best;
}

int
qsk_cpu_count (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);

  return n > 0 ? (int) n : 1;
}
