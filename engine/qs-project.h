/* qs-project.h: project files (*.qsproj, XML), see docs/project-format.md
 *
 * A project is what a user decided about one graph: the march, the qconfig
 * rules and per-node overrides, notes, calibration data and output settings.
 * It refers to its graph file by a path relative to the project file and a
 * SHA-256 of the graph file's bytes.
 *
 * Ownership: a QsProject owns every string and array in it. Paths inside a
 * project (graph, calibration data, output dir) are stored as written, i.e.
 * relative to the folder of the project file; qs_project_dup_path () makes
 * them usable.
 */
#pragma once

#include <glib.h>

#include "qs-graph.h"
#include "qs-march.h"
#include "qs-qconfig.h"

G_BEGIN_DECLS

#define QS_PROJECT_FORMAT_VERSION 1
/* Project files larger than this are refused before parsing (bytes). */
#define QS_PROJECT_MAX_FILE_SIZE ((gsize) 16 << 20)

typedef enum
{
  QS_CALIB_DATA_NONE,       /* not chosen yet */
  QS_CALIB_DATA_FILE,       /* .npy, .npz or .safetensors of inputs */
  QS_CALIB_DATA_IMAGES,     /* a folder of images, resized and normalised */
  QS_CALIB_DATA_SYNTHETIC,  /* random inputs from a seed */
  QS_N_CALIB_DATA_KINDS
} QsCalibDataKind;

typedef struct
{
  QsCalibDataKind kind;
  char   *path;         /* FILE: the file; IMAGES: the folder */
  guint   width;        /* IMAGES: resize to width x height pixels; 0: keep */
  guint   height;
  guint   n_channels;   /* IMAGES: entries used in mean and std (0..4) */
  double  mean[4];      /* IMAGES: per channel, on pixel values scaled to [0, 1] */
  double  std[4];
  guint64 seed;         /* SYNTHETIC */
  guint   count;        /* SYNTHETIC: number of samples */
  guint   batches;      /* batches to calibrate on; 0: all the data has */
} QsCalibSettings;

typedef enum
{
  QS_OUTPUT_MODEL          = 1 << 0, /* the converted graph */
  QS_OUTPUT_PREPARED_GRAPH = 1 << 1, /* the prepared graph */
  QS_OUTPUT_JSON_REPORT    = 1 << 2,
  QS_OUTPUT_HTML_REPORT    = 1 << 3,
  QS_N_OUTPUTS             = 4,
} QsOutputFlags;

/* A node as it was when the project was saved: names, canonical op and
 * FX target, to say what changed when the graph file changes. */
typedef struct
{
  char *name;
  char *op;
  char *target;
} QsProjectNode;

/* One node's decision in the last run of prepare (for `check`). */
typedef struct
{
  char     *node;       /* fused node name */
  QsQdtype  activation;
  QsQdtype  weight;
  char     *replaced;   /* "calib.conv2d_batch_norm_relu", or NULL: stays float */
} QsDecision;

typedef enum
{
  QS_PROJECT_WARNING_GRAPH_CHANGED,   /* the graph file's hash differs */
  QS_PROJECT_WARNING_NODE_VANISHED,   /* a node the project knew is gone */
  QS_PROJECT_WARNING_NODE_CHANGED,    /* same name, other op or target */
  QS_PROJECT_WARNING_DANGLING,        /* an override, note or node rule names no node */
  QS_PROJECT_WARNING_NO_MATCH,        /* a rule by op/prefix/regex matches no node */
} QsProjectWarningKind;

typedef struct
{
  QsProjectWarningKind kind;
  char *node;     /* the node concerned, or NULL */
  char *message;  /* a sentence for the user */
} QsProjectWarning;

typedef struct
{
  /*< public, read-write: use the setters for rules and notes >*/
  char           *filename;     /* where it was loaded from / saved to, or NULL */
  char           *graph_path;   /* relative to the project's folder */
  char           *graph_sha256; /* lowercase hex, or NULL when never hashed */
  QsMarch         march;        /* QS_MARCH_NONE: not chosen */
  QsRuleSet      *rules;        /* templates and rules in order; kind is the qconfig kind */
  QsRuleSet      *overrides;    /* per-node rules (QS_RULE_NODE only), set in the window */
  GHashTable     *annotations;  /* node name -> text */
  GHashTable     *region_notes; /* wrapped region name -> text */
  QsCalibSettings     calib;
  char           *output_dir;   /* relative to the project's folder */
  guint           outputs;      /* QsOutputFlags */
  GPtrArray      *graph_nodes;  /* QsProjectNode*, as of the last save with a graph */
  GPtrArray      *last_run;     /* QsDecision*, or NULL: never run */
  QsMarch         last_run_march;

  /*< public, read-only: filled by loading >*/
  guint           loaded_version; /* the version the file had (before migration) */
  GPtrArray      *warnings;       /* QsProjectWarning* */
} QsProject;

typedef enum
{
  QS_PROJECT_LOAD_DEFAULT  = 0,
  QS_PROJECT_LOAD_NO_GRAPH = 1 << 0, /* don't look at the graph file */
} QsProjectLoadFlags;

QsProject  *qs_project_new            (QsQconfigKind   kind);
void        qs_project_free           (QsProject      *project);

/* Loads, migrates, validates (RELAX NG) and checks the graph file: a missing
 * graph is an error, a changed one (hash) fills project->warnings. Errors
 * name the file and line: "demo.qsproj:12: ..." */
QsProject  *qs_project_load           (const char     *filename,
                                       QsProjectLoadFlags flags,
                                       GError        **error);
/* Same from memory; @filename names it in messages and anchors relative
 * paths. Never reads or checks the graph. */
QsProject  *qs_project_load_from_data (const char     *data,
                                       gsize           length,
                                       const char     *filename,
                                       GError        **error);
/* The XML text (version QS_PROJECT_FORMAT_VERSION). Stable: the same
 * project always gives the same bytes. */
char       *qs_project_to_xml         (const QsProject *project,
                                       gsize          *length);
/* Writes atomically (temporary file, fsync, rename) and sets
 * project->filename. Relative paths are kept as they are. */
gboolean    qs_project_save           (QsProject      *project,
                                       const char     *filename,
                                       GError        **error);

/* @path relative to the project's folder (or absolute) -> a usable path. */
char       *qs_project_dup_path       (const QsProject *project,
                                       const char     *path);
/* Points the project at @graph_file (a usable path): stores it relative to
 * the project's folder (or to @project_filename when not saved yet), hashes
 * it and, when @graph is given, caches its node list. */
gboolean    qs_project_set_graph      (QsProject      *project,
                                       const char     *graph_file,
                                       QsGraph        *graph,
                                       GError        **error);
/* Replaces the cached node list with @graph's. */
void        qs_project_remember_nodes (QsProject      *project,
                                       QsGraph        *graph);
/* Loads the graph the project refers to (without weights unless asked). */
QsGraph    *qs_project_load_graph     (QsProject      *project,
                                       gboolean        weights,
                                       GError        **error);
/* Hashes the graph file and compares: sets warnings for a changed hash and
 * for nodes that vanished or changed. FALSE only when the file is missing
 * or unreadable (or @graph_out can't be loaded). */
gboolean    qs_project_check_graph    (QsProject      *project,
                                       QsGraph       **graph_out,
                                       GError        **error);
/* Warnings about @graph: overrides, notes and node rules naming no node,
 * rules by op/prefix/regex matching nothing. */
void        qs_project_check_rules    (QsProject      *project,
                                       QsGraph        *graph);

/* The rules to resolve with: the project's rules, then the overrides. */
QsRuleSet  *qs_project_dup_rule_set   (const QsProject *project);
/* Sets (or with NULL fields, removes) the override of one node. */
gboolean    qs_project_set_override   (QsProject      *project,
                                       const QsRule   *rule,
                                       GError        **error);
void        qs_project_set_annotation (QsProject      *project,
                                       const char     *node,
                                       const char     *text);
void        qs_project_set_region_note(QsProject      *project,
                                       const char     *region,
                                       const char     *text);

/* Runs prepare with the project's march and rules and returns its
 * decisions (QsDecision*, in node order). */
GPtrArray  *qs_project_decide         (QsProject      *project,
                                       QsGraph        *graph,
                                       GError        **error);
/* Lines "node: qint8 calib.conv2d -> qint16 calib.conv2d" for each node
 * whose decision changed, appeared or vanished; empty when none. */
GPtrArray  *qs_project_diff_decisions (GPtrArray      *before,
                                       GPtrArray      *after);

void        qs_project_add_warning    (QsProject      *project,
                                       QsProjectWarningKind kind,
                                       const char     *node,
                                       const char     *format,
                                       ...) G_GNUC_PRINTF (4, 5);
const char *qs_project_warning_kind_name (QsProjectWarningKind kind);
const char *qs_calib_data_kind_name   (QsCalibDataKind kind);
const char *qs_output_name            (QsOutputFlags  output);
void        qs_decision_free          (QsDecision     *decision);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsProject, qs_project_free)

G_END_DECLS
