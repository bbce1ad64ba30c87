/* qs-march.h: the BPU targets a user can pick (data in qs-marches.inc) */
#pragma once

#include <glib.h>

#include "qs-graph.h"

G_BEGIN_DECLS

typedef enum
{
  QS_MARCH_FAMILY_NASH,      /* Journey 6 */
  QS_MARCH_FAMILY_BAYES,     /* Journey 5, RDK X5 */
  QS_MARCH_FAMILY_BERNOULLI, /* Journey 3, RDK X3 */
} QsMarchFamily;

typedef enum
{
  QS_MARCH_NONE = -1,
#define QS_MARCH(e, ...) QS_MARCH_##e,
#include "qs-marches.inc"
  QS_N_MARCHES
} QsMarch;

typedef struct
{
  const char    *name;
  const char    *chip;
  QsMarchFamily  family;
  guint          cores;       /* 0: unknown */
  guint          clock_mhz;   /* BPU clock, 0: unknown */
  double         peak_tops;   /* dense int8, all cores; 0: unknown */
  double         ddr_gbps;    /* theoretical DDR bandwidth; 0: unknown */
  gboolean       fp16;        /* fp16 on TAE output and vector engine */
  guint          align;       /* channel alignment; 0: unknown */
  guint          min_alloc;   /* bytes; 0: unknown */
  const char    *cpu_ops;     /* space-separated op names run on the CPU */
} QsMarchInfo;

const QsMarchInfo *qs_march_info      (QsMarch     march);
const char        *qs_march_name      (QsMarch     march);
/* QS_MARCH_NONE when @name is not a march. */
QsMarch            qs_march_from_name (const char *name);
/* "nash-e, nash-m, ..." for messages. */
const char        *qs_march_list      (void);
/* Can the BPU of @march run @op? Ops without compute always can. */
gboolean           qs_march_supports_op    (QsMarch   march,
                                            QsOp      op);
/* Does @march support this activation/weight storage type on the BPU? */
gboolean           qs_march_supports_dtype (QsMarch   march,
                                            QsDtype   dtype);

G_END_DECLS
