/* qsk-tap.h: a tiny TAP producer and test data helpers for the kernel tests (libc only).
 * The plan is printed last ("1..N"), which TAP allows. */
#pragma once

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Float variants vs ref: |got - ref| <= QSK_TEST_F32_RTOL * (|ref| + scale) where scale
 * is the RMS of the reference output (summation order differs between variants). */
#define QSK_TEST_F32_RTOL 1e-4
/* Integer variants vs ref: exact. */
#define QSK_TEST_INT_LSB 0

static int tap_n, tap_failed;

static inline __attribute__ ((format (printf, 2, 3))) bool
tap_ok (bool ok, const char *fmt, ...)
{
  va_list ap;

  printf ("%sok %d - ", ok ? "" : "not ", ++tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  tap_failed += !ok;
  return ok;
}

static inline __attribute__ ((format (printf, 1, 2))) void
tap_skip (const char *fmt, ...)
{
  va_list ap;

  printf ("ok %d # SKIP ", ++tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

static uint64_t test_rng_state = 0x9e3779b97f4a7c15u;

static inline uint32_t
test_rand (void)
{
  test_rng_state ^= test_rng_state << 13;
  test_rng_state ^= test_rng_state >> 7;
  test_rng_state ^= test_rng_state << 17;
  return (uint32_t) (test_rng_state >> 16);
}

/* uniform in [lo, hi] */
static inline float
test_randf (float lo, float hi)
{
  return lo + (hi - lo) * (float) (test_rand () & 0xffffff) / (float) 0xffffff;
}

static inline int32_t
test_randi (int32_t lo, int32_t hi)
{
  return lo + (int32_t) (test_rand () % (uint32_t) (hi - lo + 1));
}

static inline void
test_fill_f32 (float *p, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    p[i] = test_randf (lo, hi);
}

/* worst |got - ref| / (|ref| + rms (ref)) */
static inline double
test_f32_err (const float *got, const float *ref, size_t n)
{
  double rms = 0.0, worst = 0.0;

  for (size_t i = 0; i < n; i++)
    rms += (double) ref[i] * ref[i];
  rms = n ? sqrt (rms / (double) n) : 0.0;
  for (size_t i = 0; i < n; i++)
    {
      double e = fabs ((double) got[i] - ref[i]) / (fabs (ref[i]) + rms + 1e-30);

      if (!(e <= worst))   /* NaN counts as worst */
        worst = isnan (e) ? INFINITY : e;
    }
  return worst;
}
