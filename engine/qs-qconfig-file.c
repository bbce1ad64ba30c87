/* qs-qconfig-file.c: rules files (JSON), see docs/qconfig.md
 *
 *   { "kind": "calibration",
 *     "templates": ["default_calibration", "sensitive_int16"],
 *     "rules": [ {"op": "conv2d", "weight": "qint8", "per_channel": true},
 *                {"prefix": "head", "activation": "qint16"},
 *                {"regex": "cls_out", "observer": "percentile", "percentile": 99.9},
 *                {"node": "conv1", "activation": "float"} ] }
 */
#include "qs-qconfig.h"

#include <json-glib/json-glib.h>

#include "qs-error.h"

#define MAX_RULES_FILE (16u << 20)

static gboolean
bad (GError    **error,
     const char *filename,
     const char *path,
     const char *format,
     ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad (GError    **error,
     const char *filename,
     const char *path,
     const char *format,
     ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QS_ERROR, QS_ERROR_INVALID, "%s: %s%s%s", filename, path ? path : "",
               path ? ": " : "", msg);
  return FALSE;
}

static const char *
string_member (JsonObject *o,
               const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
read_match (JsonObject *o,
            QsRule     *rule,
            const char *filename,
            const char *path,
            GError    **error)
{
  static const struct { const char *key; QsRuleLevel level; } keys[] = {
    { "op", QS_RULE_OP }, { "prefix", QS_RULE_PREFIX }, { "regex", QS_RULE_REGEX },
    { "node", QS_RULE_NODE },
  };
  guint found = 0;

  if (json_object_has_member (o, "global"))
    {
      rule->level = QS_RULE_GLOBAL;
      found++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_has_member (o, keys[i].key))
      {
        rule->pattern = (char *) string_member (o, keys[i].key);
        if (rule->pattern == NULL)
          return bad (error, filename, path, "“%s” must be a string", keys[i].key);
        rule->level = keys[i].level;
        found++;
      }
  if (found != 1)
    return bad (error, filename, path, "a rule names exactly one of “global”, “op”, “prefix”, "
                "“regex” or “node” (this one names %u)", found);
  return TRUE;
}

static gboolean
read_fields (JsonObject *o,
             QsRule     *rule,
             const char *filename,
             const char *path,
             GError    **error)
{
  const char *s;
  JsonNode *n;

  if (json_object_has_member (o, "kind"))
    {
      if (!(s = string_member (o, "kind")) || !qs_qkind_from_name (s, &rule->values.kind))
        return bad (error, filename, path, "“kind” must be “calibration” or “qat”");
      rule->fields |= 1u << QS_QFIELD_KIND;
    }
  if (json_object_has_member (o, "activation"))
    {
      if (!(s = string_member (o, "activation"))
          || !qs_qdtype_from_name (s, &rule->values.activation))
        return bad (error, filename, path, "“activation” must be qint8, qint16, fp16 or float");
      rule->fields |= 1u << QS_QFIELD_ACTIVATION;
    }
  if (json_object_has_member (o, "weight"))
    {
      if (!(s = string_member (o, "weight")) || !qs_qdtype_from_name (s, &rule->values.weight))
        return bad (error, filename, path, "“weight” must be qint8, qint16, fp16 or float");
      rule->fields |= 1u << QS_QFIELD_WEIGHT;
    }
  if (json_object_has_member (o, "observer"))
    {
      if (!(s = string_member (o, "observer"))
          || !qs_observer_from_name (s, &rule->values.observer))
        return bad (error, filename, path, "“observer” must be minmax, moving_average_minmax, "
                    "percentile, mse or fixed_scale");
      rule->fields |= 1u << QS_QFIELD_OBSERVER;
    }
  if ((n = json_object_get_member (o, "per_channel")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        return bad (error, filename, path, "“per_channel” must be true or false");
      rule->values.per_channel = json_node_get_boolean (n);
      rule->fields |= 1u << QS_QFIELD_PER_CHANNEL;
    }
  if ((n = json_object_get_member (o, "percentile")) != NULL)
    {
      double v = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : -1;

      if (!(v > 0 && v <= 100))
        return bad (error, filename, path, "“percentile” must be a number in (0, 100]");
      rule->values.percentile = v;
      rule->fields |= 1u << QS_QFIELD_PERCENTILE;
    }
  if ((n = json_object_get_member (o, "fixed_scale")) != NULL)
    {
      double v = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : -1;

      if (!(v > 0 && v < 1e6))
        return bad (error, filename, path, "“fixed_scale” must be a positive number");
      rule->values.fixed_scale = v;
      rule->fields |= 1u << QS_QFIELD_FIXED_SCALE;
    }
  if (rule->fields == 0)
    return bad (error, filename, path, "the rule sets nothing; give at least one of kind, "
                "activation, weight, observer, per_channel, percentile, fixed_scale");
  return TRUE;
}

static gboolean
read_rules (QsRuleSet  *set,
            JsonArray  *rules,
            const char *filename,
            GError    **error)
{
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonNode *n = json_array_get_element (rules, i);
      g_autofree char *path = g_strdup_printf ("rules[%u]", i);
      g_autofree char *origin = NULL;
      g_autoptr(GError) local = NULL;
      QsRule rule = { 0 };
      g_autofree char *base = g_path_get_basename (filename);

      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, filename, path, "must be an object");
      if (!read_match (json_node_get_object (n), &rule, filename, path, error)
          || !read_fields (json_node_get_object (n), &rule, filename, path, error))
        return FALSE;
      origin = g_strdup_printf ("%s: %s", base, path);
      rule.origin = origin;
      if (!qs_rule_set_add (set, &rule, &local))
        return bad (error, filename, path, "%s", local->message);
    }
  return TRUE;
}

QsRuleSet *
qs_rule_set_load_from_data (const char  *data,
                            gsize        length,
                            const char  *filename,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  g_autoptr(QsRuleSet) set = NULL;
  JsonObject *root;
  JsonNode *templates, *rules;
  QsQconfigKind kind = QS_QKIND_CALIBRATION;
  const char *s;

  if (length > MAX_RULES_FILE)
    return bad (error, filename, NULL, "rules files are limited to 16 MiB"), NULL;
  if (!json_parser_load_from_data (parser, data, length, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: not valid JSON: %s", filename,
                        local->message), NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return bad (error, filename, NULL, "the top level must be an object"), NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "kind")
      && (!(s = string_member (root, "kind")) || !qs_qkind_from_name (s, &kind)))
    return bad (error, filename, "kind", "must be “calibration” or “qat”"), NULL;
  set = qs_rule_set_new (kind);
  templates = json_object_get_member (root, "templates");
  if (templates != NULL)
    {
      JsonArray *arr = JSON_NODE_HOLDS_ARRAY (templates) ? json_node_get_array (templates)
                                                          : NULL;

      if (arr == NULL)
        return bad (error, filename, "templates", "must be an array of names"), NULL;
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *t = json_array_get_element (arr, i);
          g_autofree char *path = g_strdup_printf ("templates[%u]", i);

          if (!JSON_NODE_HOLDS_VALUE (t) || json_node_get_value_type (t) != G_TYPE_STRING)
            return bad (error, filename, path, "must be a template name"), NULL;
          if (!qs_rule_set_add_template (set, json_node_get_string (t), &local))
            return bad (error, filename, path, "%s", local->message), NULL;
        }
    }
  rules = json_object_get_member (root, "rules");
  if (rules != NULL && !JSON_NODE_HOLDS_ARRAY (rules))
    return bad (error, filename, "rules", "must be an array of rules"), NULL;
  if (rules != NULL && !read_rules (set, json_node_get_array (rules), filename, error))
    return NULL;
  return g_steal_pointer (&set);
}

QsRuleSet *
qs_rule_set_load (const char  *filename,
                  GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  if (!g_file_get_contents (filename, &data, &len, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot read the rules file: %s",
                        filename, local->message), NULL;
  return qs_rule_set_load_from_data (data, len, filename, error);
}
