/* qs-edit.c: a memento undo stack (see qs-edit.h) */
#include "qs-edit.h"

typedef struct
{
  char    *label;
  gpointer before;
  gpointer after;
  guint64  version_before;
  guint64  version_after;
} Step;

struct _QsEditStack
{
  gpointer            target;
  QsEditSnapshotFunc  snapshot;
  QsEditRestoreFunc   restore;
  GDestroyNotify      free_snapshot;
  guint               max_steps;
  GQueue              undo;    /* Step*, newest at the head */
  GQueue              redo;
  Step               *open;
  guint64             version;
  guint64             next_version;
};

static void
step_free (QsEditStack *stack,
           Step        *step)
{
  if (step == NULL)
    return;
  g_free (step->label);
  if (step->before)
    stack->free_snapshot (step->before);
  if (step->after)
    stack->free_snapshot (step->after);
  g_free (step);
}

static void
clear_queue (QsEditStack *stack,
             GQueue      *queue)
{
  Step *step;

  while ((step = g_queue_pop_head (queue)) != NULL)
    step_free (stack, step);
}

QsEditStack *
qs_edit_stack_new (gpointer            target,
                   QsEditSnapshotFunc  snapshot,
                   QsEditRestoreFunc   restore,
                   GDestroyNotify      free_snapshot,
                   guint               max_steps)
{
  QsEditStack *stack;

  g_return_val_if_fail (snapshot != NULL && restore != NULL && free_snapshot != NULL, NULL);
  stack = g_new0 (QsEditStack, 1);
  stack->target = target;
  stack->snapshot = snapshot;
  stack->restore = restore;
  stack->free_snapshot = free_snapshot;
  stack->max_steps = max_steps ? max_steps : 1000;
  g_queue_init (&stack->undo);
  g_queue_init (&stack->redo);
  stack->next_version = 1;
  return stack;
}

void
qs_edit_stack_free (QsEditStack *stack)
{
  if (stack == NULL)
    return;
  qs_edit_stack_clear (stack);
  g_free (stack);
}

void
qs_edit_stack_clear (QsEditStack *stack)
{
  g_return_if_fail (stack != NULL);
  clear_queue (stack, &stack->undo);
  clear_queue (stack, &stack->redo);
  step_free (stack, g_steal_pointer (&stack->open));
}

void
qs_edit_stack_begin (QsEditStack *stack,
                     const char  *label)
{
  g_return_if_fail (stack != NULL);
  g_return_if_fail (stack->open == NULL);
  stack->open = g_new0 (Step, 1);
  stack->open->label = g_strdup (label ? label : "");
  stack->open->before = stack->snapshot (stack->target);
  stack->open->version_before = stack->version;
}

void
qs_edit_stack_commit (QsEditStack *stack)
{
  Step *step;

  g_return_if_fail (stack != NULL);
  g_return_if_fail (stack->open != NULL);
  step = g_steal_pointer (&stack->open);
  step->after = stack->snapshot (stack->target);
  stack->version = stack->next_version++;
  step->version_after = stack->version;
  g_queue_push_head (&stack->undo, step);
  clear_queue (stack, &stack->redo);
  while (g_queue_get_length (&stack->undo) > stack->max_steps)
    step_free (stack, g_queue_pop_tail (&stack->undo));
}

void
qs_edit_stack_cancel (QsEditStack *stack)
{
  g_return_if_fail (stack != NULL);
  g_return_if_fail (stack->open != NULL);
  stack->restore (stack->target, stack->open->before);
  step_free (stack, g_steal_pointer (&stack->open));
}

gboolean
qs_edit_stack_can_undo (const QsEditStack *stack)
{
  return stack->open == NULL && stack->undo.length > 0;
}

gboolean
qs_edit_stack_can_redo (const QsEditStack *stack)
{
  return stack->open == NULL && stack->redo.length > 0;
}

const char *
qs_edit_stack_undo_label (const QsEditStack *stack)
{
  Step *step = stack->undo.head ? stack->undo.head->data : NULL;

  return step ? step->label : NULL;
}

const char *
qs_edit_stack_redo_label (const QsEditStack *stack)
{
  Step *step = stack->redo.head ? stack->redo.head->data : NULL;

  return step ? step->label : NULL;
}

gboolean
qs_edit_stack_undo (QsEditStack *stack)
{
  Step *step;

  g_return_val_if_fail (stack != NULL, FALSE);
  if (!qs_edit_stack_can_undo (stack))
    return FALSE;
  step = g_queue_pop_head (&stack->undo);
  stack->restore (stack->target, step->before);
  stack->version = step->version_before;
  g_queue_push_head (&stack->redo, step);
  return TRUE;
}

gboolean
qs_edit_stack_redo (QsEditStack *stack)
{
  Step *step;

  g_return_val_if_fail (stack != NULL, FALSE);
  if (!qs_edit_stack_can_redo (stack))
    return FALSE;
  step = g_queue_pop_head (&stack->redo);
  stack->restore (stack->target, step->after);
  stack->version = step->version_after;
  g_queue_push_head (&stack->undo, step);
  return TRUE;
}

guint64
qs_edit_stack_get_version (const QsEditStack *stack)
{
  return stack->version;
}
