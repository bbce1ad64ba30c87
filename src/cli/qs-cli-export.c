/* qs-cli-export.c: `quantscope-cli export`, the app's picture without a display
 *
 * Lays the graph out and draws it with the app's renderer (Cairo and Pango,
 * no GTK) to PNG, SVG or PDF. Without --prepare, fusion groups are outlined
 * and near-misses marked, as in the window; with --prepare, the prepared
 * graph is drawn coloured by activation dtype, with observers.
 */
#include "config.h"

#include <stdio.h>

#include "qs-cli.h"
#include "qs-graph-json.h"
#include "qs-graph-render.h"

typedef struct
{
  char     *output;
  gboolean  prepare;
  char     *march;
  char     *qconfig;
  char     *rules;
  char     *overlay;
  GStrv     collapse;
  GStrv     files;
} ExportOptions;

static void
export_options_clear (ExportOptions *o)
{
  g_free (o->output);
  g_free (o->march);
  g_free (o->qconfig);
  g_free (o->rules);
  g_free (o->overlay);
  g_strfreev (o->collapse);
  g_strfreev (o->files);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExportOptions, export_options_clear)

static gboolean
parse_export (int            *argc,
              char         ***argv,
              ExportOptions  *o)
{
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
      "Write the picture here (.png, .svg or .pdf)", "FILE" },
    { "prepare", 'p', 0, G_OPTION_ARG_NONE, &o->prepare,
      "Draw the prepared graph, coloured by activation dtype", NULL },
    { "march", 'm', 0, G_OPTION_ARG_STRING, &o->march, "Target march for --prepare", "MARCH" },
    { "qconfig", 'q', 0, G_OPTION_ARG_STRING, &o->qconfig,
      "calibration (default) or qat, for --prepare", "KIND" },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME, &o->rules, "Qconfig rules (JSON) for --prepare",
      "FILE" },
    { "collapse", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &o->collapse,
      "Collapse a module group (or wrapped region) into one box; repeatable", "PATH" },
    { "overlay", 0, 0, G_OPTION_ARG_STRING, &o->overlay, "Colour by an overlay: macs", "NAME" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files, NULL, "GRAPH" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("GRAPH — draw the graph as the app shows it (PNG, SVG, PDF)");
  g_autoptr (GError) error = NULL;
  QsRenderFormat format;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("quantscope-cli export: %s\n", error->message);
      return FALSE;
    }
  if (o->files == NULL || g_strv_length (o->files) != 1)
    {
      g_printerr ("quantscope-cli export: expected one graph file (*.qsgraph.json)\n");
      return FALSE;
    }
  if (o->output == NULL || !qs_render_format_from_filename (o->output, &format))
    {
      g_printerr ("quantscope-cli export: give -o FILE ending in .png, .svg or .pdf\n");
      return FALSE;
    }
  if (o->overlay != NULL && !g_str_equal (o->overlay, "macs"))
    {
      g_printerr ("quantscope-cli export: unknown overlay “%s”; the CLI knows “macs”\n",
                  o->overlay);
      return FALSE;
    }
  if (!o->prepare && (o->march != NULL || o->qconfig != NULL || o->rules != NULL))
    {
      g_printerr ("quantscope-cli export: --march, --qconfig and --rules need --prepare\n");
      return FALSE;
    }
  return TRUE;
}

static QsPrepared *
prepare (ExportOptions  *o,
         QsGraph        *graph,
         GError        **error)
{
  g_autoptr (QsRuleSet) rules = NULL;
  QsPrepareOptions options = { QS_MARCH_NONE, QS_QKIND_CALIBRATION, NULL };

  if (o->march != NULL && (options.march = qs_march_from_name (o->march)) == QS_MARCH_NONE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown march “%s”; use one of %s", o->march, qs_march_list ());
      return NULL;
    }
  if (o->qconfig != NULL && !qs_qkind_from_name (o->qconfig, &options.kind))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--qconfig is “calibration” or “qat”");
      return NULL;
    }
  if (o->rules != NULL)
    {
      if (!(rules = qs_rule_set_load (o->rules, error)))
        return NULL;
      if (o->qconfig == NULL)
        options.kind = qs_rule_set_get_kind (rules);
      options.rules = rules;
    }
  return qs_pass_prepare (graph, &options, error);
}

static gboolean
collapse_paths (QsLayoutGroups      *groups,
                const char * const  *paths,
                GError             **error)
{
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      guint g = qs_layout_groups_lookup (groups, paths[i]);

      for (guint k = 0; g == QS_LAYOUT_GROUP_NONE && k < qs_layout_groups_get_n_groups (groups); k++)
        if (g_str_equal (qs_layout_groups_get_group (groups, k)->path, paths[i]))
          g = k;
      if (g == QS_LAYOUT_GROUP_NONE)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--collapse %s: no module group or wrapped region by that path "
                       "(a group needs at least two nodes)", paths[i]);
          return FALSE;
        }
      qs_layout_groups_set_collapsed (groups, g, TRUE);
    }
  return TRUE;
}

int
qs_cli_export (int    argc,
               char **argv)
{
  g_auto (ExportOptions) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (QsGraph) graph = NULL;
  g_autoptr (QsGraph) fused = NULL;
  g_autoptr (QsPrepared) prepared = NULL;
  g_autoptr (QsFuseReport) report = NULL;
  g_autoptr (PangoLayout) measure = NULL;
  g_autoptr (QsLayout) layout = NULL;
  g_autoptr (QsLayoutGroups) groups = NULL;
  g_autoptr (QsGraphRender) render = NULL;
  g_autoptr (QsOverlay) overlay = NULL;
  QsLayoutOptions opts;
  QsRenderFormat format;
  QsGraph *shown;

  if (!parse_export (&argc, &argv, &o))
    return QS_CLI_EXIT_USAGE;
  graph = qs_graph_load (o.files[0], QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  if (graph == NULL)
    goto fail;
  if (o.prepare)
    {
      if (!(prepared = prepare (&o, graph, &error)))
        goto fail;
      shown = prepared->graph;
    }
  else
    {
      /* Outlines are a bonus: a graph that does not verify still draws. */
      fused = qs_pass_fuse (graph, NULL, &report, NULL);
      shown = graph;
    }

  measure = qs_graph_render_new_measure_layout ();
  qs_graph_render_init_layout_options (&opts, measure);
  layout = qs_layout_new (shown, &opts);
  groups = qs_layout_groups_new (layout);
  if (!collapse_paths (groups, (const char * const *) o.collapse, &error))
    {
      g_printerr ("quantscope-cli export: %s\n", error->message);
      return QS_CLI_EXIT_USAGE;
    }
  render = qs_graph_render_new ();
  qs_graph_render_set_groups (render, groups);
  if (report != NULL)
    qs_graph_render_set_fusion (render, report);
  if (prepared != NULL)
    {
      qs_graph_render_set_fused_by (render, prepared->fusion);
      qs_graph_render_set_prepared (render, prepared);
    }
  if (o.overlay != NULL)
    {
      overlay = qs_overlay_new_macs (shown);
      qs_graph_render_set_overlay (render, overlay);
    }
  qs_render_format_from_filename (o.output, &format);
  if (!qs_graph_render_export (render, o.output, format, &error))
    goto fail;
  /* The renderer borrows the report and prepared graph: drop it first. */
  g_clear_pointer (&render, qs_graph_render_free);
  return QS_CLI_EXIT_OK;

fail:
  g_printerr ("quantscope-cli export: %s\n", error->message);
  return QS_CLI_EXIT_ERROR;
}
