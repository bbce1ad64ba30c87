/* test-march.c: the march catalog and qconfig rule sets */
#include <string.h>

#include "qs-error.h"
#include "qs-march.h"
#include "qs-qconfig.h"

static void
test_catalog (void)
{
  static const char *expected[] = {
    "nash-e", "nash-m", "nash-p", "nash-h", "nash-b", "bayes", "bayes-e", "bernoulli2",
  };

  g_assert_cmpint (QS_N_MARCHES, ==, G_N_ELEMENTS (expected));
  for (int i = 0; i < QS_N_MARCHES; i++)
    {
      const QsMarchInfo *info = qs_march_info (i);

      g_assert_cmpstr (info->name, ==, expected[i]);
      g_assert_cmpint (qs_march_from_name (expected[i]), ==, i);
      if (info->family == QS_MARCH_FAMILY_NASH)
        g_assert_cmpuint (info->align, ==, 16);
      /* fp16 only where the docs say the TAE/VAE have it */
      g_assert_cmpint (info->fp16, ==, i == QS_MARCH_NASH_P || i == QS_MARCH_NASH_H
                                       || i == QS_MARCH_NASH_B);
      g_assert_cmpint (qs_march_supports_dtype (i, QS_DTYPE_FLOAT16), ==, info->fp16);
      g_assert_true (qs_march_supports_dtype (i, QS_DTYPE_INT16));
    }
  g_assert_cmpint (qs_march_from_name ("nash"), ==, QS_MARCH_NONE);
  /* nash-e -> nash-m: the clock ratio the published latencies follow */
  g_assert_cmpfloat ((double) qs_march_info (QS_MARCH_NASH_M)->clock_mhz
                     / qs_march_info (QS_MARCH_NASH_E)->clock_mhz, ==, 1.5);
  g_assert_cmpuint (qs_march_info (QS_MARCH_NASH_P)->cores, ==, 4);
  g_assert_cmpuint (qs_march_info (QS_MARCH_NASH_H)->cores, ==, 0); /* unknown */
  g_assert_nonnull (strstr (qs_march_list (), "nash-b, bayes"));
}

static void
test_ops (void)
{
  g_assert_true (qs_march_supports_op (QS_MARCH_NASH_E, QS_OP_SOFTMAX));
  g_assert_true (qs_march_supports_op (QS_MARCH_NASH_E, QS_OP_LAYER_NORM));
  g_assert_false (qs_march_supports_op (QS_MARCH_BERNOULLI2, QS_OP_SOFTMAX));
  g_assert_true (qs_march_supports_op (QS_MARCH_BERNOULLI2, QS_OP_CONV2D));
  /* "exp" is listed; "exp" must not match inside another name */
  g_assert_false (qs_march_supports_op (QS_MARCH_BERNOULLI2, QS_OP_EXP));
  g_assert_true (qs_march_supports_op (QS_MARCH_BAYES, QS_OP_SOFTMAX));
  g_assert_false (qs_march_supports_op (QS_MARCH_NASH_E, QS_OP_UNKNOWN));
  g_assert_false (qs_march_supports_op (QS_MARCH_NASH_E, QS_OP_WRAPPED));
  g_assert_true (qs_march_supports_op (QS_MARCH_BERNOULLI2, QS_OP_RESHAPE));
}

static void
test_rule_set (void)
{
  g_autoptr(QsRuleSet) set = qs_rule_set_new (QS_QKIND_CALIBRATION);
  g_autoptr(GError) error = NULL;
  QsRule a = { .level = QS_RULE_OP, .pattern = "conv2d", .fields = 1u << QS_QFIELD_ACTIVATION,
               .values = { .activation = QS_QDTYPE_QINT16 } };
  QsRule bad = { .level = QS_RULE_REGEX, .pattern = "(", .fields = 1u << QS_QFIELD_WEIGHT };

  g_assert_true (qs_rule_set_add_template (set, "default_calibration", &error));
  g_assert_true (qs_rule_set_add (set, &a, &error));
  g_assert_false (qs_rule_set_add (set, &bad, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (qs_rule_set_add_template (set, "nope", &error));
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 2);
  qs_rule_set_move (set, 1, 0);
  g_assert_cmpint (qs_rule_set_get_rule (set, 0)->level, ==, QS_RULE_OP);
  qs_rule_set_remove (set, 0);
  g_assert_cmpuint (qs_rule_set_get_n_rules (set), ==, 1);
  g_assert_cmpint (qs_rule_set_get_rule (set, 0)->level, ==, QS_RULE_TEMPLATE);
  for (const char * const *t = qs_qconfig_templates (); *t; t++)
    g_assert_nonnull (qs_qconfig_template_description (*t));
}

static void
test_rules_file_errors (void)
{
  static const struct { const char *json; const char *needle; } cases[] = {
    { "{\"kind\": \"both\"}", "calibration" },
    { "{\"rules\": [{\"op\": \"conv2d\"}]}", "sets nothing" },
    { "{\"rules\": [{\"op\": \"conv2d\", \"node\": \"x\", \"activation\": \"qint8\"}]}",
      "names 2" },
    { "{\"rules\": [{\"op\": \"conv2d\", \"activation\": \"int4\"}]}", "qint8, qint16" },
    { "{\"rules\": [{\"op\": \"conv2d\", \"percentile\": 120}]}", "(0, 100]" },
    { "{\"rules\": [{\"op\": \"conv2d\", \"per_channel\": \"yes\"}]}", "true or false" },
    { "{\"rules\": {}}", "array of rules" },
    { "[1]", "top level" },
    { "{\"rules\": [", "not valid JSON" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QsRuleSet) set = qs_rule_set_load_from_data (cases[i].json,
                                                             strlen (cases[i].json),
                                                             "r.json", &error);

      g_assert_null (set);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "r.json"));
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].needle);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/march/catalog", test_catalog);
  g_test_add_func ("/march/ops", test_ops);
  g_test_add_func ("/qconfig/rule-set", test_rule_set);
  g_test_add_func ("/qconfig/rules-file-errors", test_rules_file_errors);
  return g_test_run ();
}
