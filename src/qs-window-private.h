/* qs-window-private.h: the window's state, shared by qs-window*.c */
#pragma once

#include "qs-inspector.h"
#include "qs-loader.h"
#include "qs-passes.h"
#include "qs-recovery.h"
#include "qs-report-view.h"
#include "qs-rules-panel.h"
#include "qs-run-bar.h"
#include "qs-window.h"

G_BEGIN_DECLS

struct _QsWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkSpinner      *spinner;
  GtkStack        *stack;
  QsGraphView     *graph_view;
  GtkLabel        *status_label;
  GtkLabel        *zoom_label;
  GtkSearchBar    *search_bar;
  GtkSearchEntry  *search_entry;
  GtkLabel        *match_label;
  GtkDropDown     *overlay_dropdown;
  QsRunBar        *run_bar;
  GtkWidget       *side_panel;
  AdwViewStack    *side_stack;
  QsInspector     *inspector;
  QsRulesPanel    *rules_panel;
  QsReportView    *report_view;

  /* owned */
  QsDocument      *document;
  GtkFileChooserNative *save_chooser;
  GSettings       *settings;
  GCancellable    *cancellable;
  GCancellable    *fuse_cancellable;
  GFile           *file;
  GtkFileChooserNative *export_chooser;
  QsOverlay       *overlays[5];   /* by overlay_names; [0] unused */

  /* borrowed */
  AdwMessageDialog *close_dialog; /* "Save changes?" while it shows */

  gboolean         close_after_save;
};

/* qs-window.c */
void       qs_window_show_error           (QsWindow              *self,
                                           const GError          *error);

/* qs-window-overlays.c */
void       qs_window_reset_overlays       (QsWindow              *self);
/* The overlay to show for @index: the data given so far, the MACs
 * stand-in computed on demand, or an empty one that says what is missing. */
QsOverlay *qs_window_ensure_overlay       (QsWindow              *self,
                                           guint                  index);
void       qs_window_overlay_change_state_cb (GSimpleAction      *action,
                                           GVariant              *state,
                                           gpointer               user_data);
void       qs_window_on_overlay_dropdown_selected_notify_cb (GtkDropDown *dropdown,
                                           GParamSpec            *pspec,
                                           QsWindow              *self);
void       qs_window_start_fusion         (QsWindow              *self);
void       qs_window_update_document_overlays (QsWindow          *self);
/* The index of the overlay the action shows. */
guint      qs_window_current_overlay      (QsWindow              *self);

/* qs-window-search.c */
/* Binds the search bar's template callbacks (from class_init). */
void       qs_window_class_init_search    (GtkWidgetClass        *widget_class);
gboolean   qs_window_on_search_key_pressed_cb (GtkEventControllerKey *controller,
                                           guint                  keyval,
                                           guint                  keycode,
                                           GdkModifierType        state,
                                           QsWindow              *self);
void       qs_window_find_activated_cb    (GSimpleAction         *action,
                                           GVariant              *parameter,
                                           gpointer               user_data);

/* qs-window-actions.c */
/* The one place that decides which window actions are enabled. */
void       qs_window_update_actions       (QsWindow              *self);
void       qs_window_add_actions          (QsWindow              *self);
void       qs_window_bind_settings        (QsWindow              *self);
gboolean   qs_window_on_drop_cb           (GtkDropTarget         *target,
                                           const GValue          *value,
                                           double                 x,
                                           double                 y,
                                           QsWindow              *self);
void       qs_window_ask_save_changes     (QsWindow              *self);

G_END_DECLS
