/* qs-project-write.c: project files out (docs/project-format.md)
 *
 * The text is written by hand, not by libxml2's serializer, so that it is
 * stable and diffs well: one element per line, 2-space indentation, every
 * attribute in a fixed order, notes and maps sorted by name, numbers in
 * their shortest exact form.
 */
#include "qs-project.h"

#include <string.h>

#include "qs-error.h"

static void
append_escaped (GString    *s,
                const char *text,
                gboolean    attribute)
{
  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '&': g_string_append (s, "&amp;"); break;
      case '<': g_string_append (s, "&lt;"); break;
      case '>': g_string_append (s, "&gt;"); break;
      case '"': g_string_append (s, attribute ? "&quot;" : "\""); break;
      /* In attributes, whitespace other than space is normalised away by
       * parsers unless written as a character reference. */
      case '\n': g_string_append (s, attribute ? "&#10;" : "\n"); break;
      case '\t': g_string_append (s, attribute ? "&#9;" : "\t"); break;
      case '\r': g_string_append (s, "&#13;"); break;
      default:
        /* Control characters are not allowed in XML 1.0 at all. */
        if ((guchar) *p >= 0x20)
          g_string_append_c (s, *p);
        break;
      }
}

static void
attr (GString    *s,
      const char *name,
      const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (s, " %s=\"", name);
  append_escaped (s, value, TRUE);
  g_string_append_c (s, '"');
}

/* The shortest decimal text that reads back as the same double. */
static void
attr_double (GString    *s,
             const char *name,
             double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 6; digits <= 17; digits++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  attr (s, name, buf);
}

static void
attr_uint (GString    *s,
           const char *name,
           guint64     v)
{
  g_string_append_printf (s, " %s=\"%" G_GUINT64_FORMAT "\"", name, v);
}

static void
write_fields (GString      *s,
              const QsRule *r)
{
  const QsQconfig *v = &r->values;

  if (r->fields & (1u << QS_QFIELD_KIND))
    attr (s, "kind", qs_qkind_name (v->kind));
  if (r->fields & (1u << QS_QFIELD_ACTIVATION))
    attr (s, "activation", qs_qdtype_name (v->activation));
  if (r->fields & (1u << QS_QFIELD_WEIGHT))
    attr (s, "weight", qs_qdtype_name (v->weight));
  if (r->fields & (1u << QS_QFIELD_OBSERVER))
    attr (s, "observer", qs_observer_name (v->observer));
  if (r->fields & (1u << QS_QFIELD_PER_CHANNEL))
    attr (s, "per-channel", v->per_channel ? "true" : "false");
  if (r->fields & (1u << QS_QFIELD_PERCENTILE))
    attr_double (s, "percentile", v->percentile);
  if (r->fields & (1u << QS_QFIELD_FIXED_SCALE))
    attr_double (s, "fixed-scale", v->fixed_scale);
}

static void
write_rules (GString         *s,
             const QsProject *p)
{
  guint n = qs_rule_set_get_n_rules (p->rules);

  if (n == 0)
    return;
  g_string_append (s, "  <rules>\n");
  for (guint i = 0; i < n; i++)
    {
      const QsRule *r = qs_rule_set_get_rule (p->rules, i);

      if (r->level == QS_RULE_TEMPLATE)
        {
          g_string_append (s, "    <template");
          attr (s, "name", r->template_name);
          g_string_append (s, "/>\n");
          continue;
        }
      g_string_append (s, "    <rule");
      if (r->level == QS_RULE_GLOBAL)
        attr (s, "global", "true");
      else
        attr (s, qs_rule_level_name (r->level), r->pattern);
      write_fields (s, r);
      g_string_append (s, "/>\n");
    }
  g_string_append (s, "  </rules>\n");
}

static gint
compare_overrides (gconstpointer a,
                   gconstpointer b)
{
  return strcmp ((*(const QsRule * const *) a)->pattern, (*(const QsRule * const *) b)->pattern);
}

static void
write_overrides (GString         *s,
                 const QsProject *p)
{
  guint n = qs_rule_set_get_n_rules (p->overrides);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (sorted, (gpointer) qs_rule_set_get_rule (p->overrides, i));
  g_ptr_array_sort (sorted, compare_overrides);
  g_string_append (s, "  <overrides>\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append (s, "    <override");
      attr (s, "node", ((QsRule *) sorted->pdata[i])->pattern);
      write_fields (s, sorted->pdata[i]);
      g_string_append (s, "/>\n");
    }
  g_string_append (s, "  </overrides>\n");
}

static void
write_texts (GString    *s,
             GHashTable *table,
             const char *list,
             const char *item,
             const char *key)
{
  g_autoptr(GList) keys = NULL;

  if (g_hash_table_size (table) == 0)
    return;
  keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) strcmp);
  g_string_append_printf (s, "  <%s>\n", list);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_string_append_printf (s, "    <%s", item);
      attr (s, key, l->data);
      g_string_append_c (s, '>');
      append_escaped (s, g_hash_table_lookup (table, l->data), FALSE);
      g_string_append_printf (s, "</%s>\n", item);
    }
  g_string_append_printf (s, "  </%s>\n", list);
}

static void
attr_channels (GString      *s,
               const char   *name,
               const double *v,
               guint         n)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GString) one = g_string_new (NULL);

      attr_double (one, "x", v[i]);
      /* one is ` x="0.485"`: keep the number */
      g_string_append_len (list, one->str + 4, one->len - 5);
      if (i + 1 < n)
        g_string_append_c (list, ' ');
    }
  attr (s, name, list->str);
}

static void
write_calibration (GString         *s,
                   const QsProject *p)
{
  const QsCalibSettings *c = &p->calib;

  if (c->kind == QS_CALIB_DATA_NONE)
    return;
  g_string_append (s, "  <calibration");
  if (c->batches > 0)
    attr_uint (s, "batches", c->batches);
  g_string_append (s, ">\n    <");
  g_string_append (s, qs_calib_data_kind_name (c->kind));
  if (c->kind == QS_CALIB_DATA_SYNTHETIC)
    {
      attr_uint (s, "seed", c->seed);
      attr_uint (s, "count", c->count);
    }
  else
    attr (s, "path", c->path);
  if (c->kind == QS_CALIB_DATA_IMAGES)
    {
      if (c->width > 0)
        attr_uint (s, "width", c->width);
      if (c->height > 0)
        attr_uint (s, "height", c->height);
      if (c->n_channels > 0)
        {
          attr_channels (s, "mean", c->mean, c->n_channels);
          attr_channels (s, "std", c->std, c->n_channels);
        }
    }
  g_string_append (s, "/>\n  </calibration>\n");
}

static void
write_output (GString         *s,
              const QsProject *p)
{
  g_autoptr(GString) what = g_string_new (NULL);

  if (p->output_dir == NULL && p->outputs == 0)
    return;
  for (guint i = 0; i < QS_N_OUTPUTS; i++)
    if (p->outputs & (1u << i))
      {
        if (what->len > 0)
          g_string_append_c (what, ' ');
        g_string_append (what, qs_output_name (1u << i));
      }
  g_string_append (s, "  <output");
  attr (s, "dir", p->output_dir);
  attr (s, "write", what->str);
  g_string_append (s, "/>\n");
}

static void
write_graph_nodes (GString         *s,
                   const QsProject *p)
{
  if (p->graph_nodes->len == 0)
    return;
  g_string_append (s, "  <graph-nodes>\n");
  for (guint i = 0; i < p->graph_nodes->len; i++)
    {
      const QsProjectNode *n = p->graph_nodes->pdata[i];

      g_string_append (s, "    <n");
      attr (s, "name", n->name);
      attr (s, "op", n->op);
      attr (s, "target", n->target);
      g_string_append (s, "/>\n");
    }
  g_string_append (s, "  </graph-nodes>\n");
}

static void
write_last_run (GString         *s,
                const QsProject *p)
{
  if (p->last_run == NULL)
    return;
  g_string_append (s, "  <last-run");
  if (p->last_run_march != QS_MARCH_NONE)
    attr (s, "march", qs_march_name (p->last_run_march));
  if (p->last_run->len == 0)
    {
      g_string_append (s, "/>\n");
      return;
    }
  g_string_append (s, ">\n");
  for (guint i = 0; i < p->last_run->len; i++)
    {
      const QsDecision *d = p->last_run->pdata[i];

      g_string_append (s, "    <d");
      attr (s, "node", d->node);
      attr (s, "activation", qs_qdtype_name (d->activation));
      attr (s, "weight", qs_qdtype_name (d->weight));
      attr (s, "replaced", d->replaced);
      g_string_append (s, "/>\n");
    }
  g_string_append (s, "  </last-run>\n");
}

char *
qs_project_to_xml (const QsProject *p,
                   gsize           *length)
{
  GString *s = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

  g_return_val_if_fail (p != NULL && p->graph_path != NULL, NULL);

  g_string_append_printf (s, "<project version=\"%d\"", QS_PROJECT_FORMAT_VERSION);
  if (p->march != QS_MARCH_NONE)
    attr (s, "march", qs_march_name (p->march));
  attr (s, "qconfig", qs_qkind_name (qs_rule_set_get_kind (p->rules)));
  g_string_append (s, ">\n  <graph");
  attr (s, "href", p->graph_path);
  attr (s, "sha256", p->graph_sha256);
  g_string_append (s, "/>\n");
  write_rules (s, p);
  write_overrides (s, p);
  write_texts (s, p->region_notes, "regions", "region", "name");
  write_texts (s, p->annotations, "annotations", "note", "node");
  write_calibration (s, p);
  write_output (s, p);
  write_graph_nodes (s, p);
  write_last_run (s, p);
  g_string_append (s, "</project>\n");
  if (length != NULL)
    *length = s->len;
  return g_string_free (s, FALSE);
}

gboolean
qs_project_save (QsProject   *project,
                 const char  *filename,
                 GError     **error)
{
  g_autofree char *xml = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (project != NULL && filename != NULL, FALSE);

  xml = qs_project_to_xml (project, &len);
  if (len > QS_PROJECT_MAX_FILE_SIZE)
    return g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                        "%s: the project would be %" G_GSIZE_FORMAT " bytes, over the limit "
                        "of 16 MiB", filename, len), FALSE;
  /* CONSISTENT: a temporary file in the same folder, fsync'ed, then renamed
   * over the old one; a crash at any point leaves the old or the new file. */
  if (!g_file_set_contents_full (filename, xml, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot save the project: %s",
                        filename, local->message), FALSE;
  if (g_strcmp0 (project->filename, filename) != 0)
    {
      g_free (project->filename);
      project->filename = g_strdup (filename);
    }
  return TRUE;
}
