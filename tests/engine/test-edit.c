/* test-edit.c: the undo stack, on a rule set */
#include "qs-edit.h"
#include "qs-qconfig.h"

static gpointer
snapshot (gpointer target)
{
  return qs_rule_set_copy (target);
}

static void
restore (gpointer target, gconstpointer snap)
{
  qs_rule_set_assign (target, snap);
}

static void
add_op_rule (QsRuleSet *set, const char *op, QsQdtype act)
{
  QsRule r = { .level = QS_RULE_OP, .pattern = (char *) op,
               .fields = 1u << QS_QFIELD_ACTIVATION, .values = { .activation = act } };

  g_assert_true (qs_rule_set_add (set, &r, NULL));
}

static void
test_undo_redo (void)
{
  g_autoptr(QsRuleSet) set = qs_rule_set_new (QS_QKIND_CALIBRATION);
  g_autoptr(QsEditStack) stack = qs_edit_stack_new (set, snapshot, restore,
                                                    (GDestroyNotify) qs_rule_set_free, 0);
  guint64 saved;

  g_assert_false (qs_edit_stack_can_undo (stack));
  qs_edit_stack_begin (stack, "Add conv rule");
  add_op_rule (set, "conv2d", QS_QDTYPE_QINT16);
  qs_edit_stack_commit (stack);
  saved = qs_edit_stack_get_version (stack);

  qs_edit_stack_begin (stack, "Set 3 nodes to int16");
  add_op_rule (set, "relu", QS_QDTYPE_QINT16);
  add_op_rule (set, "add", QS_QDTYPE_QINT16);
  qs_edit_stack_commit (stack);
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 3);
  g_assert_cmpstr (qs_edit_stack_undo_label (stack), ==, "Set 3 nodes to int16");
  g_assert_cmpuint (qs_edit_stack_get_version (stack), !=, saved);

  /* one undo removes both rules of the step */
  g_assert_true (qs_edit_stack_undo (stack));
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 1);
  g_assert_cmpuint (qs_edit_stack_get_version (stack), ==, saved);
  g_assert_cmpstr (qs_edit_stack_redo_label (stack), ==, "Set 3 nodes to int16");
  g_assert_true (qs_edit_stack_redo (stack));
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 3);
  g_assert_cmpstr (qs_rule_set_get_rule (set, 2)->pattern, ==, "add");

  /* a new edit drops the redo history */
  g_assert_true (qs_edit_stack_undo (stack));
  qs_edit_stack_begin (stack, "Remove conv rule");
  qs_rule_set_remove (set, 0);
  qs_edit_stack_commit (stack);
  g_assert_false (qs_edit_stack_can_redo (stack));
  g_assert_true (qs_edit_stack_undo (stack));
  g_assert_true (qs_edit_stack_undo (stack));
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 0);
  g_assert_false (qs_edit_stack_undo (stack));
}

static void
test_cancel_and_limit (void)
{
  g_autoptr(QsRuleSet) set = qs_rule_set_new (QS_QKIND_QAT);
  g_autoptr(QsEditStack) stack = qs_edit_stack_new (set, snapshot, restore,
                                                    (GDestroyNotify) qs_rule_set_free, 3);

  qs_edit_stack_begin (stack, "Half-done");
  add_op_rule (set, "conv2d", QS_QDTYPE_QINT16);
  qs_edit_stack_cancel (stack);
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 0);
  g_assert_false (qs_edit_stack_can_undo (stack));
  for (guint i = 0; i < 5; i++)
    {
      qs_edit_stack_begin (stack, "step");
      add_op_rule (set, "conv2d", QS_QDTYPE_QINT8);
      qs_edit_stack_commit (stack);
    }
  for (guint i = 0; i < 3; i++)
    g_assert_true (qs_edit_stack_undo (stack));
  g_assert_false (qs_edit_stack_undo (stack));
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 2);
  g_assert_cmpint (qs_rule_set_get_kind (set), ==, QS_QKIND_QAT);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit/undo-redo", test_undo_redo);
  g_test_add_func ("/edit/cancel-and-limit", test_cancel_and_limit);
  return g_test_run ();
}
