/* bench-cost: the latency estimate of synthetic graphs (5k, 50k, 500k nodes)
 *
 * Prints seconds per size and per node; the reference is qs_graph_copy ()
 * of the same graph in the same run. Prepare is not timed (bench-passes
 * covers it): only qs_cost_estimate () on the prepared graph.
 */
#include <stdio.h>
#include <stdlib.h>

#include "qs-cost.h"
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
  g_autoptr(QsCostModel) model = qs_cost_model_load (NULL, NULL);
  const QsCostParams *params = qs_cost_model_get (model, QS_MARCH_NASH_E, NULL);

  g_assert (params != NULL);
  printf ("%9s %10s %11s %12s %9s\n", "nodes", "copy s", "estimate s", "estimate/node", "ratio");
  for (guint i = 0; i < MIN (n_sizes, G_N_ELEMENTS (sizes)); i++)
    {
      g_autoptr(QsGraph) g = qs_bench_synthetic_graph (sizes[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(QsPrepared) prepared = NULL;
      QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };
      double t0, t_copy, t_est;

      prepared = qs_pass_prepare (g, &options, &error);
      g_assert_no_error (error);
      t0 = now ();
      qs_graph_unref (qs_graph_copy (g));
      t_copy = now () - t0;
      t0 = now ();
      qs_cost_estimate_free (qs_cost_estimate (prepared, params, 1));
      t_est = now () - t0;
      printf ("%9u %10.4f %11.4f %10.0f ns %8.2fx\n", g->n_nodes, t_copy, t_est,
              t_est / g->n_nodes * 1e9, t_est / t_copy);
    }
  printf ("goal: estimate of 50k nodes well under 0.2 s, ns/node flat (linear growth)\n");
  return 0;
}
