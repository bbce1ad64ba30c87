/* qs-document.h: one open project (or bare graph) and what was computed on it
 *
 * A QsDocument owns the project, its graph, the undo stack of edits and the
 * latest results of the pipeline: the qconfig of every node (with
 * provenance), the prepared graph, the latency estimate and, after
 * calibrate and convert, the accuracy per node. Pipeline steps run in
 * worker threads with a progress property and can be cancelled; edits go
 * through the undo stack and re-run prepare and estimate in the
 * background. Panels bind to its properties and signals:
 *
 *   ::rules-changed    the project's rules, overrides or march changed
 *   ::results-changed  qconfigs, prepared graph, estimate or accuracy changed
 *   ::message          a sentence for the user (a toast): errors of steps
 *
 * Node ids are those of the source graph unless a name says "prepared".
 */
#pragma once

#include <gio/gio.h>

#include "qs-cost.h"
#include "qs-layout.h"
#include "qs-overlay.h"
#include "qs-passes.h"
#include "qs-project.h"

G_BEGIN_DECLS

#define QS_TYPE_DOCUMENT (qs_document_get_type ())

G_DECLARE_FINAL_TYPE (QsDocument, qs_document, QS, DOCUMENT, GObject)

typedef enum
{
  QS_DOCUMENT_STEP_FUSE,
  QS_DOCUMENT_STEP_PREPARE,
  QS_DOCUMENT_STEP_CALIBRATE,
  QS_DOCUMENT_STEP_CONVERT,
  QS_DOCUMENT_STEP_ESTIMATE,
  QS_N_DOCUMENT_STEPS
} QsDocumentStep;

/* Which nodes a qconfig edit applies to, i.e. which kind of rule it makes. */
typedef enum
{
  QS_DOCUMENT_SCOPE_SELECTION,  /* per-node overrides */
  QS_DOCUMENT_SCOPE_OP,         /* a rule by op type */
  QS_DOCUMENT_SCOPE_MODULE,     /* a rule by module prefix */
} QsDocumentScope;

/* What the canvas shows for a document: the graph the last Fuse or
 * prepare made (loading and every edit prepare too), laid out in the
 * worker thread that made it. Immutable and reference counted, so the
 * canvas keeps one while the document computes the next. */
typedef struct
{
  QsLayout           *layout;    /* of the fused or prepared graph */
  const QsFuseReport *fused_by;  /* the fusion that made it: its output graph is the layout's */
  const QsPrepared   *prepared;  /* NULL for the graph of a Fuse step */
} QsDocumentCanvas;

QsDocumentCanvas *qs_document_canvas_ref        (QsDocumentCanvas    *canvas);
void            qs_document_canvas_unref        (QsDocumentCanvas    *canvas);
/* Borrowed. */
QsGraph        *qs_document_canvas_get_graph    (const QsDocumentCanvas *canvas);
/* Canvas node <-> source node: a fused node stands for the head of its
 * group, an absorbed source node for the node it went into; QS_ID_NONE
 * when there is none. */
QsId            qs_document_canvas_to_source    (const QsDocumentCanvas *canvas,
                                                 QsId                 node);
QsId            qs_document_canvas_from_source  (const QsDocumentCanvas *canvas,
                                                 QsId                 source_node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsDocumentCanvas, qs_document_canvas_unref)

QsDocument     *qs_document_new                 (void);

/* Opens a project (*.qsproj) or a graph (*.qsgraph.json) in a worker
 * thread: loads it with its weights, lays it out and runs prepare and
 * estimate. Replaces what the document held and clears the undo stack. */
void            qs_document_load_async          (QsDocument          *self,
                                                 GFile               *file,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        qs_document_load_finish         (QsDocument          *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
/* The layout made when loading, once: the caller owns it. */
QsLayout       *qs_document_steal_layout        (QsDocument          *self);

/* Writes the project atomically to @file, or to its own file when NULL
 * (which a bare graph does not have: G_IO_ERROR_NOT_FOUND). Saving a bare
 * graph makes it a project. Removes the autosave. */
gboolean        qs_document_save                (QsDocument          *self,
                                                 GFile               *file,
                                                 GError             **error);

/* Borrowed; NULL while nothing is open. The file is the project file, or
 * the graph file of a bare graph. */
GFile          *qs_document_get_file            (QsDocument          *self);
gboolean        qs_document_get_is_project      (QsDocument          *self);
/* A name for titles: the project's or graph's file name. Owned. */
char           *qs_document_dup_title           (QsDocument          *self);
QsProject      *qs_document_get_project         (QsDocument          *self);
QsGraph        *qs_document_get_graph           (QsDocument          *self);
gboolean        qs_document_get_modified        (QsDocument          *self);
/* TRUE while a pipeline step runs. */
gboolean        qs_document_get_busy            (QsDocument          *self);
/* TRUE while prepare and estimate re-run after an edit. */
gboolean        qs_document_get_updating        (QsDocument          *self);
/* 0..1 of the running step. */
double          qs_document_get_progress        (QsDocument          *self);
/* What the pipeline did last or does now: "Calibrating, batch 3 of 8". */
const char     *qs_document_get_status          (QsDocument          *self);

QsMarch         qs_document_get_march           (QsDocument          *self);
/* An undoable edit. */
void            qs_document_set_march           (QsDocument          *self,
                                                 QsMarch              march);

/* The node shown in the inspector; QS_ID_NONE for none. The canvas and
 * the report table both follow and set it. */
QsId            qs_document_get_selected_node   (QsDocument          *self);
void            qs_document_set_selected_node   (QsDocument          *self,
                                                 QsId                 node);

/* Several nodes (the canvas's selection); the first is the selected node.
 * Notifies selected-node. */
void            qs_document_set_selection       (QsDocument          *self,
                                                 const QsId          *nodes,
                                                 guint                n_nodes);
/* Borrowed; the selected nodes, in the order given. */
const QsId     *qs_document_get_selection       (QsDocument          *self,
                                                 guint               *n_nodes);

/* Results; borrowed, NULL until computed. They change with ::results-changed. */
const QsQconfigMap   *qs_document_get_qconfigs  (QsDocument          *self);
QsPrepared     *qs_document_get_prepared        (QsDocument          *self);
/* What the canvas shows, borrowed; NULL until something was prepared or
 * fused (the canvas shows the source graph then). */
QsDocumentCanvas *qs_document_get_canvas        (QsDocument          *self);
/* The report of the last Fuse step, over the source graph. */
QsFuseReport   *qs_document_get_fusion          (QsDocument          *self);
const QsCostEstimate *qs_document_get_estimate  (QsDocument          *self);
/* Integer vs float error at a prepared node; FALSE when not measured. */
gboolean        qs_document_get_node_error      (QsDocument          *self,
                                                 QsId                 prepared_node,
                                                 double              *sqnr_db,
                                                 double              *cosine);
/* Whether calibrate has run on the current rules. */
gboolean        qs_document_get_calibrated      (QsDocument          *self);
/* Source node <-> prepared (fused) node; QS_ID_NONE when there is none. */
QsId            qs_document_to_prepared         (QsDocument          *self,
                                                 QsId                 node);
QsId            qs_document_from_prepared       (QsDocument          *self,
                                                 QsId                 prepared_node);
/* The estimated time of the source node's kernel in µs, or -1. */
double          qs_document_get_node_time       (QsDocument          *self,
                                                 QsId                 node);

/* Per-node data for the canvas from the latest results: "latency",
 * "bound" (after estimate) or "error" (after convert), over the nodes of
 * @graph: the source graph or the canvas's; NULL when there is none yet
 * or @graph is neither. Owned. */
QsOverlay      *qs_document_dup_overlay         (QsDocument          *self,
                                                 const char          *name,
                                                 QsGraph             *graph);

/* Runs @step (and what it needs first) in a worker thread. Only one step
 * runs at a time; errors are also emitted as ::message. */
void            qs_document_run_async           (QsDocument          *self,
                                                 QsDocumentStep       step,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        qs_document_run_finish          (QsDocument          *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void            qs_document_cancel              (QsDocument          *self);
const char     *qs_document_step_name           (QsDocumentStep       step);

/* Calibration data; marks the document modified (not undoable). @path is
 * a usable path for files and folders; @count the synthetic samples. */
void            qs_document_set_calib_data      (QsDocument          *self,
                                                 QsCalibDataKind      kind,
                                                 const char          *path,
                                                 guint                count,
                                                 guint                batches);

/* Edits, each one undo step. @fields: 1 << QsQfield for each field of
 * @values to set. Scope OP and MODULE use the first node to name the op or
 * the module; SELECTION makes an override per node. */
gboolean        qs_document_apply_qconfig       (QsDocument          *self,
                                                 QsDocumentScope      scope,
                                                 const QsId          *nodes,
                                                 guint                n_nodes,
                                                 guint                fields,
                                                 const QsQconfig     *values,
                                                 GError             **error);
/* The module prefix SCOPE_MODULE uses for @node, or NULL. Owned. */
char           *qs_document_dup_module_scope    (QsDocument          *self,
                                                 QsId                 node);
/* Rules index into project->rules; with @override, into project->overrides. */
void            qs_document_remove_rule         (QsDocument          *self,
                                                 gboolean             override,
                                                 guint                index);
void            qs_document_move_rule           (QsDocument          *self,
                                                 guint                from,
                                                 guint                to);
gboolean        qs_document_undo                (QsDocument          *self);
gboolean        qs_document_redo                (QsDocument          *self);
gboolean        qs_document_get_can_undo        (QsDocument          *self);
gboolean        qs_document_get_can_redo        (QsDocument          *self);

/* doc.save, doc.undo, doc.redo, doc.fuse, doc.prepare, doc.calibrate,
 * doc.convert, doc.estimate, doc.cancel; borrowed. */
GActionGroup   *qs_document_get_actions         (QsDocument          *self);

/* Autosave: every autosave-interval seconds while modified, the project
 * goes to autosave-dir/<hash of its path>.qsproj (default
 * g_get_user_state_dir ()/quantscope/autosave). */
gboolean        qs_document_autosave            (QsDocument          *self,
                                                 GError             **error);
/* The autosave of the open file when it is newer than the file; owned. */
GFile          *qs_document_dup_recovery_file   (QsDocument          *self);
/* Applies the autosave as one undo step (the document stays modified). */
gboolean        qs_document_recover             (QsDocument          *self,
                                                 GError             **error);
void            qs_document_discard_recovery    (QsDocument          *self);

G_END_DECLS
