/* qs-document-private.h: shared between the qs-document*.c files */
#pragma once

#include "qs-document.h"
#include "qs-edit.h"

G_BEGIN_DECLS

typedef struct _QsQuantResult QsQuantResult;

struct _QsDocument
{
  GObject             parent_instance;

  /* owned */
  GFile              *file;
  QsProject          *project;
  QsGraph            *graph;          /* the source graph, with weights */
  QsLayout           *layout;         /* until stolen */
  QsEditStack        *edits;
  QsQconfigMap       *qconfigs;       /* over graph */
  QsPrepared         *prepared;       /* borrowed from prepared_canvas */
  QsFuseReport       *fusion;         /* borrowed from fused_canvas */
  QsDocumentCanvas   *prepared_canvas;
  QsDocumentCanvas   *fused_canvas;
  QsDocumentCanvas   *canvas;         /* borrowed: the newer of the two */
  QsCostModel        *cost_model;
  QsCostEstimate     *estimate;
  QsQuantResult      *quant;          /* NULL until calibrated on these rules */
  QsId               *from_prepared;  /* prepared node -> source node */
  gint               *time_index;     /* prepared node -> index in estimate->nodes, or -1 */
  GArray             *selection;      /* QsId */
  GSimpleActionGroup *actions;
  GCancellable       *run_cancellable;
  GCancellable       *refresh_cancellable;
  char               *status;
  char               *autosave_dir;

  gboolean            is_project;
  gboolean            dirty;          /* changes outside the undo stack */
  guint64             saved_version;
  guint64             autosaved_version;
  guint               refresh_serial;
  guint               n_refreshing;
  int                 running;        /* a QsDocumentStep, or -1 */
  double              progress;
  QsId                selected_node;
  guint               autosave_interval;
  guint               autosave_source;
  guint               progress_source;
};

enum {
  QS_DOCUMENT_PROP_0,
  QS_DOCUMENT_PROP_FILE,
  QS_DOCUMENT_PROP_MODIFIED,
  QS_DOCUMENT_PROP_BUSY,
  QS_DOCUMENT_PROP_UPDATING,
  QS_DOCUMENT_PROP_PROGRESS,
  QS_DOCUMENT_PROP_STATUS,
  QS_DOCUMENT_PROP_MARCH,
  QS_DOCUMENT_PROP_SELECTED_NODE,
  QS_DOCUMENT_PROP_CAN_UNDO,
  QS_DOCUMENT_PROP_CAN_REDO,
  QS_DOCUMENT_PROP_CALIBRATED,
  QS_DOCUMENT_PROP_AUTOSAVE_DIR,
  QS_DOCUMENT_PROP_AUTOSAVE_INTERVAL,
  QS_DOCUMENT_N_PROPS
};

extern GParamSpec *qs_document_properties[QS_DOCUMENT_N_PROPS];

/* The results of prepare and estimate on one set of rules. */
typedef struct
{
  QsQconfigMap   *qconfigs;
  QsPrepared     *prepared;
  QsLayout       *layout;      /* of prepared->graph */
  QsCostEstimate *estimate;
} QsDocumentResults;

void     qs_document_results_clear     (QsDocumentResults   *results);
/* Worker-thread safe: everything it reads is passed in. @params may be NULL
 * (no march: no estimate). */
gboolean qs_document_compute_results   (QsGraph             *graph,
                                        const QsRuleSet     *rules,
                                        QsMarch              march,
                                        const QsCostParams  *params,
                                        QsDocumentResults   *out,
                                        GError             **error);
/* Main thread: takes the results' contents. */
void     qs_document_install_results   (QsDocument          *self,
                                        QsDocumentResults   *results);
/* Re-runs prepare and estimate in the background on the current rules. */
void     qs_document_queue_refresh     (QsDocument          *self);
void     qs_document_update_actions    (QsDocument          *self);
void     qs_document_set_status        (QsDocument          *self,
                                        const char          *status);
void     qs_document_emit_message      (QsDocument          *self,
                                        const char          *message);
/* After an edit, undo, redo or recovery: drops calibration, re-runs prepare. */
void     qs_document_rules_changed     (QsDocument          *self);
void     qs_document_emit_results_changed (QsDocument       *self);
void     qs_document_emit_rules_changed (QsDocument         *self);
void     qs_document_notify_modified   (QsDocument          *self);
/* The cost parameters of the document's march, or NULL. */
const QsCostParams *qs_document_get_cost_params (QsDocument *self);

/* qs-document-canvas.c: take ownership of what they show. */
QsDocumentCanvas *qs_document_canvas_new_prepared (QsPrepared    *prepared,
                                                   QsLayout      *layout);
QsDocumentCanvas *qs_document_canvas_new_fused    (QsGraph       *fused,
                                                   QsFuseReport  *report,
                                                   QsLayout      *layout);
/* The Fuse step's report, owned by the canvas. */
QsFuseReport     *qs_document_canvas_get_report   (QsDocumentCanvas *canvas);
QsPrepared       *qs_document_canvas_get_prepared (QsDocumentCanvas *canvas);

/* qs-document-autosave.c */
void     qs_document_autosave_start    (QsDocument          *self);
void     qs_document_autosave_stop     (QsDocument          *self);
void     qs_document_autosave_remove   (QsDocument          *self);
GFile   *qs_document_dup_autosave_file (QsDocument          *self);

/* qs-document.c */
void     qs_document_clear_results     (QsDocument          *self);

/* qs-document-edit.c: undo snapshots of the rules, overrides and march */
gpointer qs_document_snapshot_take     (gpointer             target);
void     qs_document_snapshot_restore  (gpointer             target,
                                        gconstpointer        data);
void     qs_document_snapshot_free     (gpointer             data);

G_END_DECLS
