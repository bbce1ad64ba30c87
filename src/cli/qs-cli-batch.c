/* qs-cli-batch.c: `quantscope-cli batch PROJECT... [-j N] [-o DIR] [--json]`
 *
 * Runs every project through the pipeline (fuse, prepare, calibrate,
 * convert, accuracy, estimate) on N workers. One failing project does not
 * stop the others; the summary and the exit code say which failed and why.
 * Progress goes to stderr as lines, or to stdout as JSON lines with --json.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "qs-cli.h"
#include <json-glib/json-glib.h>

#include "qs-pipeline.h"

typedef struct
{
  const char       *file;
  QsPipelineResult *result;
  char             *error;
  double            wall;
} Job;

typedef struct
{
  QsPipelineOptions options;
  gboolean          json;
  gboolean          tty;    /* stderr is a terminal */
  GMutex            lock;   /* serialises output */
  guint             done;
  guint             total;
} Batch;

typedef struct
{
  Batch *batch;
  Job   *job;
} ProgressCtx;

static void
emit_json (Batch      *batch,
           JsonNode   *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
on_progress (QsStep   step,
             double   fraction,
             gpointer user_data)
{
  ProgressCtx *ctx = user_data;
  Batch *batch = ctx->batch;

  /* Steps only on an interactive terminal (a log gets one line per
   * project); JSON gets everything, calibration batches included. */
  if (!batch->json && (fraction < 1.0 || !batch->tty))
    return;
  g_mutex_lock (&batch->lock);
  if (batch->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "progress");
      json_builder_set_member_name (b, "project");
      json_builder_add_string_value (b, ctx->job->file);
      json_builder_set_member_name (b, "step");
      json_builder_add_string_value (b, qs_step_name (step));
      json_builder_set_member_name (b, "fraction");
      json_builder_add_double_value (b, fraction);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      emit_json (batch, node);
    }
  else
    g_printerr ("  %s: %s done\n", ctx->job->file, qs_step_name (step));
  g_mutex_unlock (&batch->lock);
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  Job *job = data;
  Batch *batch = user_data;
  ProgressCtx ctx = { batch, job };
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  job->result = qs_pipeline_run (job->file, &batch->options, on_progress, &ctx, NULL, &error);
  job->wall = (g_get_monotonic_time () - t0) / 1e6;
  if (job->result == NULL)
    job->error = g_strdup (error->message);
  g_mutex_lock (&batch->lock);
  batch->done++;
  if (!batch->json)
    g_printerr ("[%u/%u] %s: %s%s (%.2f s)\n", batch->done, batch->total, job->file,
                job->error ? "FAILED: " : "ok", job->error ? job->error : "", job->wall);
  g_mutex_unlock (&batch->lock);
}

static JsonNode *
summary_json (Job   *jobs,
              guint  n,
              double wall,
              guint  workers)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  double work = 0;
  guint failed = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "summary");
  json_builder_set_member_name (b, "projects");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "project");
      json_builder_add_string_value (b, jobs[i].file);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, jobs[i].result != NULL);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, jobs[i].wall);
      if (jobs[i].result != NULL)
        {
          const QsCostEstimate *e = qs_pipeline_result_get_estimate (jobs[i].result);
          double sqnr = qs_pipeline_result_get_output_sqnr (jobs[i].result);
          const char * const *outputs = qs_pipeline_result_get_outputs (jobs[i].result);

          work += qs_pipeline_result_get_work_seconds (jobs[i].result);
          json_builder_set_member_name (b, "latency_ms");
          json_builder_add_double_value (b, e->total_us / 1000);
          json_builder_set_member_name (b, "fps");
          json_builder_add_double_value (b, e->fps_n);
          json_builder_set_member_name (b, "output_sqnr_db");
          if (isfinite (sqnr))
            json_builder_add_double_value (b, sqnr);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "synthetic_data");
          json_builder_add_boolean_value (b, qs_pipeline_result_is_synthetic (jobs[i].result));
          json_builder_set_member_name (b, "outputs");
          json_builder_begin_array (b);
          for (guint k = 0; outputs[k] != NULL; k++)
            json_builder_add_string_value (b, outputs[k]);
          json_builder_end_array (b);
        }
      else
        {
          failed++;
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, jobs[i].error);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, failed);
  json_builder_set_member_name (b, "wall_seconds");
  json_builder_add_double_value (b, wall);
  json_builder_set_member_name (b, "work_seconds");
  json_builder_add_double_value (b, work);
  json_builder_set_member_name (b, "workers");
  json_builder_add_int_value (b, workers);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_summary (Job   *jobs,
               guint  n,
               double wall,
               double work,
               guint  workers)
{
  guint failed = 0;

  printf ("%-28s %-6s %10s %9s %10s %8s\n", "project", "status", "latency ms", "FPS",
          "SQNR dB", "seconds");
  for (guint i = 0; i < n; i++)
    {
      if (jobs[i].result == NULL)
        {
          failed++;
          printf ("%-28s %-6s %s\n", jobs[i].file, "FAILED", jobs[i].error);
          continue;
        }
      {
        const QsCostEstimate *e = qs_pipeline_result_get_estimate (jobs[i].result);
        double sqnr = qs_pipeline_result_get_output_sqnr (jobs[i].result);

        printf ("%-28s %-6s %10.3f %9.1f %10.2f %8.2f%s\n", jobs[i].file, "ok",
                e->total_us / 1000, e->fps_n, isfinite (sqnr) ? sqnr : 999.0, jobs[i].wall,
                qs_pipeline_result_is_synthetic (jobs[i].result) ? "  (synthetic data)" : "");
      }
    }
  printf ("%u projects, %u failed; %.2f s wall on %u workers, %.2f s of work "
          "(overhead %.1f%%)\n", n, failed, wall, workers, work,
          work > 0 ? 100.0 * (wall * MIN (workers, n) - work) / work : 0.0);
}

int
qs_cli_batch (int    argc,
              char **argv)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *output = NULL, *cost = NULL;
  int jobs_n = 1, threads = 0, batches = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs_n, "Run N projects at once (default 1)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write every project's outputs under DIR/NAME (default: the project's own folder)",
      "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Machine-readable progress (JSON lines)", NULL },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads per project (default: cores / N)",
      "T" },
    { "batches", 'b', 0, G_OPTION_ARG_INT, &batches, "Calibrate on at most B batches", "B" },
    { "cost", 0, 0, G_OPTION_ARG_FILENAME, &cost, "Latency parameters (JSON)", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "PROJECT…" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("PROJECT… — convert projects in batch");
  g_autoptr(GError) error = NULL;
  g_autofree Job *jobs = NULL;
  GThreadPool *pool;
  Batch batch = { { 0 } };
  guint n;
  gint64 t0;
  double work = 0;
  int status = QS_CLI_EXIT_OK;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("quantscope-cli batch: %s\n", error->message);
      return QS_CLI_EXIT_USAGE;
    }
  if (files == NULL || (n = g_strv_length (files)) == 0 || jobs_n < 1 || jobs_n > 256)
    {
      g_printerr ("quantscope-cli batch: expected one or more projects (*.qsproj) and "
                  "-j between 1 and 256\n");
      return QS_CLI_EXIT_USAGE;
    }
  batch.json = json;
  batch.tty = isatty (fileno (stderr));
  batch.total = n;
  batch.options.output_dir = output;
  batch.options.cost_file = cost;
  batch.options.max_batches = batches > 0 ? (guint) batches : 0;
  batch.options.n_threads = threads > 0 ? threads
                                        : MAX (1, (int) g_get_num_processors () / jobs_n);
  g_mutex_init (&batch.lock);
  jobs = g_new0 (Job, n);
  for (guint i = 0; i < n; i++)
    jobs[i].file = files[i];

  t0 = g_get_monotonic_time ();
  pool = g_thread_pool_new (run_job, &batch, jobs_n, TRUE, NULL);
  for (guint i = 0; i < n; i++)
    g_thread_pool_push (pool, &jobs[i], NULL);
  g_thread_pool_free (pool, FALSE, TRUE);

  for (guint i = 0; i < n; i++)
    {
      if (jobs[i].result == NULL)
        status = QS_CLI_EXIT_ERROR;
      else
        work += qs_pipeline_result_get_work_seconds (jobs[i].result);
    }
  {
    double wall = (g_get_monotonic_time () - t0) / 1e6;
    g_autoptr(JsonNode) summary = summary_json (jobs, n, wall, jobs_n);

    if (json)
      emit_json (&batch, summary);
    else
      print_summary (jobs, n, wall, work, jobs_n);
    if (output != NULL)
      {
        g_autoptr(JsonGenerator) gen = json_generator_new ();
        g_autofree char *path = g_build_filename (output, "summary.json", NULL);

        json_generator_set_root (gen, summary);
        json_generator_set_pretty (gen, TRUE);
        g_mkdir_with_parents (output, 0755);
        if (!json_generator_to_file (gen, path, &error))
          {
            g_printerr ("quantscope-cli batch: %s\n", error->message);
            status = QS_CLI_EXIT_ERROR;
          }
      }
  }
  for (guint i = 0; i < n; i++)
    {
      g_clear_pointer (&jobs[i].result, qs_pipeline_result_free);
      g_free (jobs[i].error);
    }
  g_mutex_clear (&batch.lock);
  return status;
}
