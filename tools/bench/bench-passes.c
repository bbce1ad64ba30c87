/* bench-passes: fuse + prepare on synthetic graphs of 5k, 50k and 500k nodes
 *
 * Prints seconds per size and the time per node, so linear growth shows as
 * a flat ns/node column; the reference is qs_graph_copy () of the same
 * graph, measured in the same run (a pass can't be much cheaper than
 * building its output).
 */
#include <stdio.h>
#include <stdlib.h>

#include "qs-passes.h"
#include "synthetic-graph.h"

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

int
main (int argc, char **argv)
{
  guint sizes[] = { 5000, 50000, 500000 };
  guint n_sizes = argc > 1 ? (guint) atoi (argv[1]) : G_N_ELEMENTS (sizes);

  printf ("%9s %10s %10s %10s %11s %9s\n", "nodes", "copy s", "fuse s", "prepare s",
          "prepare/node", "ratio");
  for (guint i = 0; i < MIN (n_sizes, G_N_ELEMENTS (sizes)); i++)
    {
      g_autoptr(QsGraph) g = qs_bench_synthetic_graph (sizes[i]);
      g_autoptr(GError) error = NULL;
      QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
      double t0, t_copy, t_fuse, t_prep;

      t0 = now ();
      qs_graph_unref (qs_graph_copy (g));
      t_copy = now () - t0;
      t0 = now ();
      qs_graph_unref (qs_pass_fuse (g, NULL, NULL, &error));
      t_fuse = now () - t0;
      t0 = now ();
      qs_prepared_free (qs_pass_prepare (g, &options, &error));
      t_prep = now () - t0;
      g_assert_no_error (error);
      printf ("%9u %10.4f %10.4f %10.4f %9.0f ns %8.1fx\n", g->n_nodes, t_copy, t_fuse, t_prep,
              t_prep / g->n_nodes * 1e9, t_prep / t_copy);
    }
  printf ("goal: fuse + prepare of 50k nodes under 0.5 s, ns/node flat (linear growth)\n");
  return 0;
}
