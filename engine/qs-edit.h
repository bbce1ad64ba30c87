/* qs-edit.h: undo and redo for any editable state
 *
 * A memento stack: before an edit the caller begins a step (a snapshot of
 * the state is taken), changes the state, and commits (a second snapshot).
 * Undo restores the "before" snapshot, redo the "after" one. The state is
 * opaque: the caller gives functions to copy, restore and free it. Rule
 * sets and projects are small, so whole snapshots are cheap and obviously
 * correct, and several changes (a rule per selected node) become one step.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QsEditStack QsEditStack;

/* Returns a deep copy of @target's state. */
typedef gpointer (*QsEditSnapshotFunc) (gpointer target);
/* Makes @target's state equal to @snapshot (which stays owned by the stack). */
typedef void     (*QsEditRestoreFunc)  (gpointer target, gconstpointer snapshot);

QsEditStack *qs_edit_stack_new        (gpointer            target,
                                       QsEditSnapshotFunc  snapshot,
                                       QsEditRestoreFunc   restore,
                                       GDestroyNotify      free_snapshot,
                                       guint               max_steps);
void         qs_edit_stack_free       (QsEditStack        *stack);

/* Begin a step labelled for the Undo menu ("Set conv1 to int16"). Steps
 * don't nest: begin while a step is open is a programming error. */
void         qs_edit_stack_begin      (QsEditStack        *stack,
                                       const char         *label);
/* End the step. A step that changed nothing can be dropped by cancel. */
void         qs_edit_stack_commit     (QsEditStack        *stack);
/* Abandon the step and restore the state from before begin. */
void         qs_edit_stack_cancel     (QsEditStack        *stack);

gboolean     qs_edit_stack_can_undo   (const QsEditStack  *stack);
gboolean     qs_edit_stack_can_redo   (const QsEditStack  *stack);
/* The label of the step undo or redo would apply, or NULL. */
const char  *qs_edit_stack_undo_label (const QsEditStack  *stack);
const char  *qs_edit_stack_redo_label (const QsEditStack  *stack);
gboolean     qs_edit_stack_undo       (QsEditStack        *stack);
gboolean     qs_edit_stack_redo       (QsEditStack        *stack);
/* Changes with every commit, undo and redo; compare with a value saved
 * when the document was written to know whether it is modified. */
guint64      qs_edit_stack_get_version (const QsEditStack *stack);
void         qs_edit_stack_clear      (QsEditStack        *stack);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsEditStack, qs_edit_stack_free)

G_END_DECLS
