/* test-cpu.c: CPU detection is consistent (libc only, TAP output) */
#include <stdio.h>
#include <stdlib.h>

#include "qsk-cpu.h"

int
main (void)
{
  int n = 0, failed = 0;

  printf ("1..3\n");
  n++;
  if (!qsk_cpu_has (QSK_ISA_REF))
    failed++, printf ("not ");
  printf ("ok %d - the reference ISA is always available\n", n);

  n++;
  if (qsk_cpu_has (QSK_ISA_AVX512VNNI) && !qsk_cpu_has (QSK_ISA_AVX512))
    failed++, printf ("not ");
  printf ("ok %d - VNNI implies AVX-512 (best: %s)\n", n, qsk_isa_name (qsk_cpu_best_isa ()));

  n++;
  if (qsk_cpu_count () < 1)
    failed++, printf ("not ");
  printf ("ok %d - at least one CPU (%d)\n", n, qsk_cpu_count ());
  return failed ? 1 : 0;
}
