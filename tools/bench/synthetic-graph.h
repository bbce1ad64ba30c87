/* synthetic-graph.h: ResNet-like graphs of any size for benchmarks */
#pragma once

#include "qs-graph.h"

/* About @n_nodes nodes; analysed and valid. */
QsGraph *qs_bench_synthetic_graph (guint n_nodes);
