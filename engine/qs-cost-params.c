/* qs-cost-params.c: the cost model's parameter file (data/cost/nash-cost.json)
 *
 * {
 *   "format": "quantscope-cost 1",
 *   "marches": {
 *     "nash-e": {
 *       "calibrated": true,
 *       "params": { "clock_mhz": { "value": 1000, "source": "fact: ..." }, ... }
 *     }, ...
 *   }
 * }
 *
 * Every march lists every parameter. "source" says where the value comes
 * from: "fact: ..." (nash-facts.md), "derived: ...", "fitted" (tools/fit-cost
 * refits it), "fitted-shared" (one value fitted across the calibrated
 * marches), "tied: MARCH" (copied from another march when fitting) or
 * "prior: ..." (no data; a stated assumption).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "qs-cost.h"
#include "qs-cost-resources.h"
#include "qs-error.h"

#define P(name) { #name, offsetof (QsCostParams, name) }
static const struct
{
  const char *name;
  gsize       offset;
} param_table[] = {
  P (clock_mhz), P (tae_macs_per_cycle), P (tae_eff), P (tae_k_half), P (tae_n_half),
  P (ratio_int16_one), P (ratio_int16_both), P (ratio_fp16), P (vec_elems_per_cycle),
  P (vec_ratio_16), P (lut_passes), P (move_bytes_per_cycle), P (fixed_cycles), P (ddr_gbps),
  P (ddr_eff), P (onchip_kib), P (align), P (host_us), P (host_us_per_mib), P (cpu_gmacs),
  P (cpu_gbps), P (boundary_us), P (cores),
};
#undef P
#define N_PARAMS G_N_ELEMENTS (param_table)

G_STATIC_ASSERT (N_PARAMS * sizeof (double) == sizeof (QsCostParams));

typedef struct
{
  gboolean      present;
  gboolean      calibrated;
  QsCostParams  values;
  char         *sources[N_PARAMS];
  char         *notes;
} MarchParams;

struct _QsCostModel
{
  char        *format;
  char        *notes;
  MarchParams  marches[QS_N_MARCHES];
};

const char * const *
qs_cost_param_names (void)
{
  static const char *names[N_PARAMS + 1];

  if (names[0] == NULL)
    for (guint i = 0; i < N_PARAMS; i++)
      names[i] = param_table[i].name;
  return names;
}

double *
qs_cost_params_slot (QsCostParams *params,
                     guint         index)
{
  g_return_val_if_fail (index < N_PARAMS, NULL);
  return (double *) ((char *) params + param_table[index].offset);
}

static gint
param_index (const char *name)
{
  for (guint i = 0; i < N_PARAMS; i++)
    if (strcmp (param_table[i].name, name) == 0)
      return (gint) i;
  return -1;
}

void
qs_cost_model_free (QsCostModel *model)
{
  if (model == NULL)
    return;
  for (guint m = 0; m < QS_N_MARCHES; m++)
    {
      for (guint i = 0; i < N_PARAMS; i++)
        g_free (model->marches[m].sources[i]);
      g_free (model->marches[m].notes);
    }
  g_free (model->format);
  g_free (model->notes);
  g_free (model);
}

static gboolean
load_march (MarchParams  *mp,
            JsonObject   *obj,
            const char   *filename,
            const char   *march,
            GError      **error)
{
  JsonObject *params = json_object_has_member (obj, "params")
                       ? json_object_get_object_member (obj, "params") : NULL;

  if (params == NULL)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: march “%s” has no \"params\" object",
                   filename, march);
      return FALSE;
    }
  mp->calibrated = json_object_get_boolean_member_with_default (obj, "calibrated", FALSE);
  mp->notes = g_strdup (json_object_get_string_member_with_default (obj, "notes", NULL));
  for (guint i = 0; i < N_PARAMS; i++)
    {
      JsonNode *n = json_object_get_member (params, param_table[i].name);
      JsonObject *p = n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *v = p != NULL ? json_object_get_member (p, "value") : NULL;

      if (v == NULL || json_node_get_value_type (v) == G_TYPE_STRING
          || !JSON_NODE_HOLDS_VALUE (v))
        {
          g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                       "%s: march “%s”: parameter “%s” needs { \"value\": NUMBER, \"source\": "
                       "\"...\" }", filename, march, param_table[i].name);
          return FALSE;
        }
      *qs_cost_params_slot (&mp->values, i) = json_node_get_double (v);
      mp->sources[i] = g_strdup (json_object_get_string_member_with_default (p, "source", ""));
    }
  mp->present = TRUE;
  return TRUE;
}

QsCostModel *
qs_cost_model_load_from_data (const char  *data,
                              gsize        length,
                              const char  *filename,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(QsCostModel) model = g_new0 (QsCostModel, 1);
  g_autoptr(GList) names = NULL;
  JsonObject *root, *marches;

  if (!json_parser_load_from_data (parser, data, (gssize) length, error))
    {
      g_prefix_error (error, "%s: ", filename);
      return NULL;
    }
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
         ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (root == NULL || !json_object_has_member (root, "marches"))
    {
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                   "%s: not a cost model file (expected an object with \"marches\")", filename);
      return NULL;
    }
  model->format = g_strdup (json_object_get_string_member_with_default (root, "format", ""));
  model->notes = g_strdup (json_object_get_string_member_with_default (root, "notes", NULL));
  marches = json_object_get_object_member (root, "marches");
  names = marches != NULL ? json_object_get_members (marches) : NULL;
  for (GList *l = names; l != NULL; l = l->next)
    {
      QsMarch march = qs_march_from_name (l->data);

      if (march == QS_MARCH_NONE)
        {
          g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: unknown march “%s”; use one of %s",
                       filename, (char *) l->data, qs_march_list ());
          return NULL;
        }
      if (!load_march (&model->marches[march], json_object_get_object_member (marches, l->data),
                       filename, l->data, error))
        return NULL;
    }
  return g_steal_pointer (&model);
}

QsCostModel *
qs_cost_model_load (const char  *filename,
                    GError     **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  if (filename == NULL)
    {
      g_autoptr(GBytes) bytes = g_resource_lookup_data (qs_cost_get_resource (),
                                                        "/org/quantscope/engine/cost/nash-cost.json",
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (bytes == NULL)
        return NULL;
      data = g_strndup (g_bytes_get_data (bytes, &length), g_bytes_get_size (bytes));
      return qs_cost_model_load_from_data (data, length, "nash-cost.json (built in)", error);
    }
  if (!g_file_get_contents (filename, &data, &length, error))
    return NULL;
  return qs_cost_model_load_from_data (data, length, filename, error);
}

const QsCostParams *
qs_cost_model_get (QsCostModel *model,
                   QsMarch      march,
                   GError     **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (march >= 0 && march < QS_N_MARCHES, NULL);
  if (!model->marches[march].present)
    {
      g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                   "the cost model has no parameters for %s; add them to the cost file",
                   qs_march_name (march));
      return NULL;
    }
  return &model->marches[march].values;
}

gboolean
qs_cost_model_is_calibrated (QsCostModel *model,
                             QsMarch      march)
{
  g_return_val_if_fail (model != NULL && march >= 0 && march < QS_N_MARCHES, FALSE);
  return model->marches[march].present && model->marches[march].calibrated;
}

const char *
qs_cost_model_get_source (QsCostModel *model,
                          QsMarch      march,
                          const char  *param)
{
  gint i = param_index (param);

  g_return_val_if_fail (model != NULL && march >= 0 && march < QS_N_MARCHES, NULL);
  if (i < 0 || !model->marches[march].present)
    return NULL;
  return model->marches[march].sources[i];
}

void
qs_cost_model_set (QsCostModel *model,
                   QsMarch      march,
                   const char  *param,
                   double       value)
{
  gint i = param_index (param);

  g_return_if_fail (model != NULL && march >= 0 && march < QS_N_MARCHES && i >= 0);
  *qs_cost_params_slot (&model->marches[march].values, (guint) i) = value;
}

/* Values print with 6 significant digits: enough for a fit, stable diffs. */
static void
add_value (JsonBuilder *b,
           double       v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.6g", v);
  json_builder_add_double_value (b, g_ascii_strtod (buf, NULL));
}

char *
qs_cost_model_to_data (QsCostModel *model)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, model->format != NULL && *model->format
                                    ? model->format : "quantscope-cost 1");
  if (model->notes != NULL)
    {
      json_builder_set_member_name (b, "notes");
      json_builder_add_string_value (b, model->notes);
    }
  json_builder_set_member_name (b, "marches");
  json_builder_begin_object (b);
  for (guint m = 0; m < QS_N_MARCHES; m++)
    {
      MarchParams *mp = &model->marches[m];

      if (!mp->present)
        continue;
      json_builder_set_member_name (b, qs_march_name (m));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "calibrated");
      json_builder_add_boolean_value (b, mp->calibrated);
      if (mp->notes != NULL)
        {
          json_builder_set_member_name (b, "notes");
          json_builder_add_string_value (b, mp->notes);
        }
      json_builder_set_member_name (b, "params");
      json_builder_begin_object (b);
      for (guint i = 0; i < N_PARAMS; i++)
        {
          json_builder_set_member_name (b, param_table[i].name);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "value");
          add_value (b, *qs_cost_params_slot (&mp->values, i));
          json_builder_set_member_name (b, "source");
          json_builder_add_string_value (b, mp->sources[i]);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

const char *
qs_bound_name (QsBound bound)
{
  static const char *names[QS_N_BOUNDS] = {
    "none", "compute", "vector", "move", "ddr", "fixed", "host", "cpu",
  };

  g_return_val_if_fail (bound < QS_N_BOUNDS, "?");
  return names[bound];
}
