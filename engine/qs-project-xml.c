/* qs-project-xml.c: project files in, safely (docs/project-format.md)
 *
 * Project files come from other people, so the parser is locked down:
 *   - files over QS_PROJECT_MAX_FILE_SIZE are refused before reading;
 *   - no network (XML_PARSE_NONET), no external DTD (no XML_PARSE_DTDLOAD),
 *     no entity substitution (no XML_PARSE_NOENT), libxml2's depth and
 *     size limits kept (no XML_PARSE_HUGE);
 *   - any DOCTYPE stops the parser the moment it is seen, before its
 *     internal subset is read: no external entity (XXE) can be declared and
 *     no entity expansion bomb can start. A project never needs a DTD.
 * libxml2 2.9.14 has no XML_PARSE_NO_XXE; the DOCTYPE refusal covers it.
 * Then the document is migrated to the current version, validated against
 * the RELAX NG schema compiled in from data/quantscope-project.rng, and read.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "qs-error.h"
#include "qs-project.h"
#include "qs-project-resources.h"

#define SCHEMA_RESOURCE "/org/quantscope/engine/project/quantscope-project.rng"
#define MAX_REPORTED_ERRORS 5

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

/* Errors from libxml2, as "file:line: message" lines. */
typedef struct
{
  const char *filename;
  GString    *text;
  guint       n;
  gboolean    doctype;
} Collector;

static void
collect (Collector  *c,
         int         line,
         const char *message)
{
  g_autofree char *msg = g_strchomp (g_strdup (message ? message : "error"));

  if (c->n++ >= MAX_REPORTED_ERRORS)
    return;
  if (c->text->len > 0)
    g_string_append_c (c->text, '\n');
  if (line > 0)
    g_string_append_printf (c->text, "%s:%d: %s", c->filename, line, msg);
  else
    g_string_append_printf (c->text, "%s: %s", c->filename, msg);
}

static void
on_parse_error (void        *user_data,
                xmlErrorPtr  error)
{
  xmlParserCtxtPtr ctxt = user_data;
  Collector *c = ctxt->_private;

  if (c->doctype && error->code == XML_ERR_USER_STOP)
    return;
  collect (c, error->line, error->message);
}

static void
on_doctype (void          *user_data,
            const xmlChar *name,
            const xmlChar *external_id,
            const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = user_data;
  Collector *c = ctxt->_private;

  c->doctype = TRUE;
  collect (c, xmlSAX2GetLineNumber (ctxt),
           "a DOCTYPE is not allowed in a project file (no DTDs, no entities)");
  xmlStopParser (ctxt);
}

static xmlDoc *
parse (const char  *data,
       gsize        length,
       const char  *filename,
       GError     **error)
{
  static gsize initialized = 0;
  g_autoptr(xmlParserCtxt) ctxt = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  Collector c = { filename, text, 0, FALSE };
  xmlDoc *doc;

  /* libxml2's global state must be set up once before threads parse (batch
   * loads projects in parallel); its lazy set-up is not thread-safe. */
  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
  ctxt = xmlNewParserCtxt ();

  if (ctxt == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s: out of memory", filename), NULL;
  ctxt->_private = &c;
  ctxt->sax->serror = on_parse_error;
  ctxt->sax->internalSubset = on_doctype;
  doc = xmlCtxtReadMemory (ctxt, data, (int) length, filename, "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOCDATA);
  if (doc != NULL && (c.doctype || doc->intSubset != NULL || doc->extSubset != NULL))
    g_clear_pointer (&doc, xmlFreeDoc);
  if (doc == NULL)
    {
      if (c.n == 0)
        collect (&c, 0, "not a well-formed XML document");
      g_set_error (error, QS_ERROR, QS_ERROR_PARSE, "%s", text->str);
    }
  return doc;
}

/* Migration */

static void
rename_attr (xmlNode    *node,
             const char *from,
             const char *to)
{
  xmlChar *v = xmlGetProp (node, (const xmlChar *) from);

  if (v == NULL)
    return;
  xmlUnsetProp (node, (const xmlChar *) from);
  xmlSetProp (node, (const xmlChar *) to, v);
  xmlFree (v);
}

/* Version 0 (Quantscope 0.0.x) called the rule list <qconfig-rules>, its
 * templates <use-template>, and spelled two fields with underscores
 * (per_channel, fixed_scale) like the JSON rules files. */
static void
migrate_v0 (xmlNode *root)
{
  for (xmlNode *n = root->children; n != NULL; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (n->name, (const xmlChar *) "qconfig-rules"))
        xmlNodeSetName (n, (const xmlChar *) "rules");
      if (!xmlStrEqual (n->name, (const xmlChar *) "rules")
          && !xmlStrEqual (n->name, (const xmlChar *) "overrides"))
        continue;
      for (xmlNode *r = n->children; r != NULL; r = r->next)
        {
          if (r->type != XML_ELEMENT_NODE)
            continue;
          if (xmlStrEqual (r->name, (const xmlChar *) "use-template"))
            xmlNodeSetName (r, (const xmlChar *) "template");
          rename_attr (r, "per_channel", "per-channel");
          rename_attr (r, "fixed_scale", "fixed-scale");
        }
    }
  xmlSetProp (root, (const xmlChar *) "version", (const xmlChar *) "1");
}

static gboolean
migrate (xmlNode     *root,
         const char  *filename,
         guint       *version,
         GError     **error)
{
  g_autofree xmlChar *v = xmlGetProp (root, (const xmlChar *) "version");
  guint64 n;

  if (!xmlStrEqual (root->name, (const xmlChar *) "project"))
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s:%ld: not a Quantscope project (the root element is <%s>, "
                        "not <project>)", filename, xmlGetLineNo (root), root->name), FALSE;
  if (v == NULL || !g_ascii_string_to_unsigned ((const char *) v, 10, 0, G_MAXUINT, &n, NULL))
    return g_set_error (error, QS_ERROR, QS_ERROR_VERSION,
                        "%s:%ld: <project> needs a version attribute (this build reads "
                        "versions 0 to %d)", filename, xmlGetLineNo (root),
                        QS_PROJECT_FORMAT_VERSION), FALSE;
  if (n > QS_PROJECT_FORMAT_VERSION)
    return g_set_error (error, QS_ERROR, QS_ERROR_VERSION,
                        "%s:%ld: project format version %s is newer than this build reads "
                        "(up to %d); update Quantscope", filename, xmlGetLineNo (root), v,
                        QS_PROJECT_FORMAT_VERSION), FALSE;
  *version = n;
  if (n == 0)
    migrate_v0 (root);
  return TRUE;
}

/* Validation */

static xmlRelaxNGPtr
schema_get (void)
{
  static gsize once = 0;
  static xmlRelaxNGPtr schema;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GBytes) bytes = g_resource_lookup_data (qs_project_get_resource (),
                                                        SCHEMA_RESOURCE, 0, NULL);
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);
      xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewMemParserCtxt (data, (int) len);

      schema = xmlRelaxNGParse (pctxt);
      xmlRelaxNGFreeParserCtxt (pctxt);
      g_assert (schema != NULL);
      g_once_init_leave (&once, 1);
    }
  return schema;
}

static void
on_schema_error (void        *user_data,
                 xmlErrorPtr  error)
{
  int line = error->line;

  /* RELAX NG reports attribute problems against the element, not a line */
  if (line <= 0 && error->node != NULL)
    line = (int) xmlGetLineNo ((xmlNodePtr) error->node);
  collect (user_data, line, error->message);
}

static gboolean
validate (xmlDoc      *doc,
          const char  *filename,
          GError     **error)
{
  static GMutex lock;
  g_autoptr(GString) text = g_string_new (NULL);
  Collector c = { filename, text, 0, FALSE };
  g_autoptr(xmlRelaxNGValidCtxt) vctxt = NULL;
  int ret;

  /* libxml2 does not promise that validating with one schema from two
   * threads is safe; batch conversion may load projects in parallel. */
  g_mutex_lock (&lock);
  vctxt = xmlRelaxNGNewValidCtxt (schema_get ());
  xmlRelaxNGSetValidStructuredErrors (vctxt, on_schema_error, &c);
  ret = xmlRelaxNGValidateDoc (vctxt, doc);
  g_mutex_unlock (&lock);
  if (ret == 0)
    return TRUE;
  if (c.n == 0)
    collect (&c, 0, "does not match the project schema");
  g_set_error (error, QS_ERROR, QS_ERROR_INVALID, "%s", text->str);
  return FALSE;
}

/* Reading the validated tree. The schema guarantees structure and value
 * syntax; this checks what it can't: known marches and templates, regexes,
 * rules that set something. */

typedef struct
{
  const char *filename;
  const char *base;
  QsProject  *project;
} Reader;

static gboolean
bad (Reader      *r,
     xmlNode     *node,
     GError     **error,
     const char  *format,
     ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad (Reader      *r,
     xmlNode     *node,
     GError     **error,
     const char  *format,
     ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QS_ERROR, QS_ERROR_INVALID, "%s:%ld: %s", r->filename,
               xmlGetLineNo (node), msg);
  return FALSE;
}

static char *
prop (xmlNode    *node,
      const char *name)
{
  xmlChar *v = xmlGetProp (node, (const xmlChar *) name);
  char *s = g_strdup ((const char *) v);

  xmlFree (v);
  return s;
}

static gboolean
is (xmlNode    *node,
    const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) name);
}

static gboolean
read_march (Reader      *r,
            xmlNode     *node,
            const char  *attr_name,
            QsMarch     *out,
            GError     **error)
{
  g_autofree char *name = prop (node, attr_name);

  *out = QS_MARCH_NONE;
  if (name == NULL)
    return TRUE;
  *out = qs_march_from_name (name);
  if (*out == QS_MARCH_NONE)
    return bad (r, node, error, "unknown march “%s”; use one of %s", name, qs_march_list ());
  return TRUE;
}

static gboolean
read_fields (Reader   *r,
             xmlNode  *node,
             QsRule   *rule,
             GError  **error)
{
  g_autofree char *kind = prop (node, "kind");
  g_autofree char *act = prop (node, "activation");
  g_autofree char *wt = prop (node, "weight");
  g_autofree char *obs = prop (node, "observer");
  g_autofree char *pc = prop (node, "per-channel");
  g_autofree char *pct = prop (node, "percentile");
  g_autofree char *fs = prop (node, "fixed-scale");

  /* The schema has checked every value's spelling. */
  if (kind && qs_qkind_from_name (kind, &rule->values.kind))
    rule->fields |= 1u << QS_QFIELD_KIND;
  if (act && qs_qdtype_from_name (act, &rule->values.activation))
    rule->fields |= 1u << QS_QFIELD_ACTIVATION;
  if (wt && qs_qdtype_from_name (wt, &rule->values.weight))
    rule->fields |= 1u << QS_QFIELD_WEIGHT;
  if (obs && qs_observer_from_name (obs, &rule->values.observer))
    rule->fields |= 1u << QS_QFIELD_OBSERVER;
  if (pc)
    {
      rule->values.per_channel = strcmp (pc, "true") == 0;
      rule->fields |= 1u << QS_QFIELD_PER_CHANNEL;
    }
  if (pct)
    {
      rule->values.percentile = g_ascii_strtod (pct, NULL);
      rule->fields |= 1u << QS_QFIELD_PERCENTILE;
    }
  if (fs)
    {
      rule->values.fixed_scale = g_ascii_strtod (fs, NULL);
      rule->fields |= 1u << QS_QFIELD_FIXED_SCALE;
    }
  if (rule->fields == 0)
    return bad (r, node, error, "the rule sets nothing; give at least one of kind, "
                "activation, weight, observer, per-channel, percentile, fixed-scale");
  return TRUE;
}

static gboolean
read_rule (Reader     *r,
           xmlNode    *node,
           QsRuleSet  *set,
           gboolean    override,
           GError    **error)
{
  static const char * const keys[] = { "op", "prefix", "regex", "node" };
  static const QsRuleLevel levels[] = { QS_RULE_OP, QS_RULE_PREFIX, QS_RULE_REGEX, QS_RULE_NODE };
  g_autofree char *origin = g_strdup_printf ("%s:%ld", r->base, xmlGetLineNo (node));
  g_autofree char *pattern = NULL;
  g_autoptr(GError) local = NULL;
  QsRule rule = { .level = QS_RULE_GLOBAL };

  for (guint i = 0; i < G_N_ELEMENTS (keys) && pattern == NULL; i++)
    if ((pattern = prop (node, keys[i])) != NULL)
      rule.level = levels[i];
  if (override)
    g_assert (rule.level == QS_RULE_NODE);
  rule.pattern = pattern;
  rule.origin = origin;
  if (!read_fields (r, node, &rule, error))
    return FALSE;
  if (!qs_rule_set_add (set, &rule, &local))
    return bad (r, node, error, "%s", local->message);
  return TRUE;
}

static gboolean
read_rules (Reader   *r,
            xmlNode  *list,
            GError  **error)
{
  for (xmlNode *n = list->children; n != NULL; n = n->next)
    {
      g_autoptr(GError) local = NULL;

      if (is (n, "template"))
        {
          g_autofree char *name = prop (n, "name");

          if (!qs_rule_set_add_template (r->project->rules, name, &local))
            return bad (r, n, error, "%s", local->message);
        }
      else if (is (n, "rule") && !read_rule (r, n, r->project->rules, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_overrides (Reader   *r,
                xmlNode  *list,
                GError  **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (xmlNode *n = list->children; n != NULL; n = n->next)
    {
      g_autofree char *node = NULL;

      if (!is (n, "override"))
        continue;
      node = prop (n, "node");
      if (!g_hash_table_add (seen, g_strdup (node)))
        return bad (r, n, error, "node “%s” has two overrides; merge them into one", node);
      if (!read_rule (r, n, r->project->overrides, TRUE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_texts (Reader      *r,
            xmlNode     *list,
            const char  *item,
            const char  *key,
            GHashTable  *table,
            GError     **error)
{
  for (xmlNode *n = list->children; n != NULL; n = n->next)
    {
      g_autofree char *name = NULL;
      xmlChar *text;

      if (!is (n, item))
        continue;
      name = prop (n, key);
      if (g_hash_table_contains (table, name))
        return bad (r, n, error, "“%s” has two <%s> elements; merge them into one", name, item);
      text = xmlNodeGetContent (n);
      g_hash_table_insert (table, g_steal_pointer (&name), g_strdup ((const char *) text));
      xmlFree (text);
    }
  return TRUE;
}

static guint64
uint_prop (xmlNode    *node,
           const char *name)
{
  g_autofree char *v = prop (node, name);

  return v ? g_ascii_strtoull (v, NULL, 10) : 0;
}

static guint
read_channels (xmlNode    *node,
               const char *name,
               double     *out)
{
  g_autofree char *v = prop (node, name);
  g_auto(GStrv) parts = NULL;
  guint n = 0;

  if (v == NULL)
    return 0;
  parts = g_strsplit_set (g_strstrip (v), " \t\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      {
        if (n == 4)
          return 5;
        out[n++] = g_ascii_strtod (parts[i], NULL);
      }
  return n;
}

static gboolean
read_calibration (Reader   *r,
                  xmlNode  *node,
                  GError  **error)
{
  QsCalibSettings *c = &r->project->calib;
  xmlNode *d = xmlFirstElementChild (node);
  guint n_mean, n_std;

  c->batches = uint_prop (node, "batches");
  if (is (d, "file") || is (d, "images"))
    c->path = prop (d, "path");
  if (is (d, "file"))
    c->kind = QS_CALIB_DATA_FILE;
  else if (is (d, "synthetic"))
    {
      c->kind = QS_CALIB_DATA_SYNTHETIC;
      c->seed = uint_prop (d, "seed");
      c->count = uint_prop (d, "count");
    }
  else
    {
      c->kind = QS_CALIB_DATA_IMAGES;
      c->width = uint_prop (d, "width");
      c->height = uint_prop (d, "height");
      n_mean = read_channels (d, "mean", c->mean);
      n_std = read_channels (d, "std", c->std);
      if (n_mean != n_std || n_mean > 4)
        return bad (r, d, error, "mean and std need the same number of channels (1 to 4); "
                    "this has %u and %u", n_mean, n_std);
      for (guint i = 0; i < n_std; i++)
        if (!(c->std[i] > 0))
          return bad (r, d, error, "std must be positive");
      c->n_channels = n_mean;
    }
  return TRUE;
}

static void
read_output (Reader  *r,
             xmlNode *node)
{
  g_autofree char *what = prop (node, "write");
  g_auto(GStrv) parts = g_strsplit_set (what ? what : "", " \t\n", -1);

  r->project->output_dir = prop (node, "dir");
  for (guint i = 0; parts[i] != NULL; i++)
    for (guint k = 0; k < QS_N_OUTPUTS; k++)
      if (strcmp (parts[i], qs_output_name (1u << k)) == 0)
        r->project->outputs |= 1u << k;
}

static void
read_graph_nodes (Reader  *r,
                  xmlNode *list)
{
  for (xmlNode *n = list->children; n != NULL; n = n->next)
    if (is (n, "n"))
      {
        QsProjectNode *pn = g_new0 (QsProjectNode, 1);

        pn->name = prop (n, "name");
        pn->op = prop (n, "op");
        pn->target = prop (n, "target");
        g_ptr_array_add (r->project->graph_nodes, pn);
      }
}

static gboolean
read_last_run (Reader   *r,
               xmlNode  *list,
               GError  **error)
{
  QsProject *p = r->project;

  if (!read_march (r, list, "march", &p->last_run_march, error))
    return FALSE;
  p->last_run = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_decision_free);
  for (xmlNode *n = list->children; n != NULL; n = n->next)
    if (is (n, "d"))
      {
        QsDecision *d = g_new0 (QsDecision, 1);
        g_autofree char *act = prop (n, "activation");
        g_autofree char *wt = prop (n, "weight");

        d->node = prop (n, "node");
        qs_qdtype_from_name (act, &d->activation);
        qs_qdtype_from_name (wt, &d->weight);
        d->replaced = prop (n, "replaced");
        g_ptr_array_add (p->last_run, d);
      }
  return TRUE;
}

static gboolean
read_section (Reader   *r,
              xmlNode  *n,
              GError  **error)
{
  QsProject *p = r->project;

  if (is (n, "graph"))
    {
      p->graph_path = prop (n, "href");
      p->graph_sha256 = prop (n, "sha256");
      return TRUE;
    }
  if (is (n, "rules"))
    return read_rules (r, n, error);
  if (is (n, "overrides"))
    return read_overrides (r, n, error);
  if (is (n, "regions"))
    return read_texts (r, n, "region", "name", p->region_notes, error);
  if (is (n, "annotations"))
    return read_texts (r, n, "note", "node", p->annotations, error);
  if (is (n, "calibration"))
    return read_calibration (r, n, error);
  if (is (n, "output"))
    read_output (r, n);
  else if (is (n, "graph-nodes"))
    read_graph_nodes (r, n);
  else if (is (n, "last-run"))
    return read_last_run (r, n, error);
  return TRUE;
}

static QsProject *
read_project (xmlNode     *root,
              const char  *filename,
              GError     **error)
{
  g_autofree char *kind_name = prop (root, "qconfig");
  g_autofree char *base = g_path_get_basename (filename);
  g_autoptr(QsProject) p = NULL;
  QsQconfigKind kind = QS_QKIND_CALIBRATION;
  Reader r = { filename, base, NULL };

  qs_qkind_from_name (kind_name, &kind);
  p = qs_project_new (kind);
  r.project = p;
  if (!read_march (&r, root, "march", &p->march, error))
    return NULL;
  for (xmlNode *n = root->children; n != NULL; n = n->next)
    if (!read_section (&r, n, error))
      return NULL;
  return g_steal_pointer (&p);
}

QsProject *
qs_project_load_from_data (const char  *data,
                           gsize        length,
                           const char  *filename,
                           GError     **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  QsProject *project;
  guint version = 0;

  g_return_val_if_fail (data != NULL && filename != NULL, NULL);

  if (length > QS_PROJECT_MAX_FILE_SIZE)
    return g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                        "%s: %" G_GSIZE_FORMAT " bytes is over the limit for project files "
                        "(16 MiB)", filename, length), NULL;
  if (!(doc = parse (data, length, filename, error)))
    return NULL;
  if (!migrate (xmlDocGetRootElement (doc), filename, &version, error)
      || !validate (doc, filename, error))
    return NULL;
  if (!(project = read_project (xmlDocGetRootElement (doc), filename, error)))
    return NULL;
  project->filename = g_strdup (filename);
  project->loaded_version = version;
  return project;
}

QsProject *
qs_project_load (const char          *filename,
                 QsProjectLoadFlags   flags,
                 GError             **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(QsProject) project = NULL;
  GStatBuf st;
  gsize len;

  g_return_val_if_fail (filename != NULL, NULL);

  /* Refuse a huge file before reading a byte of it. */
  if (g_stat (filename, &st) != 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot open the project: %s",
                        filename, g_strerror (errno)), NULL;
  if (st.st_size < 0 || (guint64) st.st_size > QS_PROJECT_MAX_FILE_SIZE)
    return g_set_error (error, QS_ERROR, QS_ERROR_OVERFLOW,
                        "%s: %" G_GINT64_FORMAT " bytes is over the limit for project files "
                        "(16 MiB)", filename, (gint64) st.st_size), NULL;
  if (!g_file_get_contents (filename, &data, &len, &local))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot read the project: %s",
                        filename, local->message), NULL;
  if (!(project = qs_project_load_from_data (data, len, filename, error)))
    return NULL;
  if (!(flags & QS_PROJECT_LOAD_NO_GRAPH) && !qs_project_check_graph (project, NULL, error))
    return NULL;
  return g_steal_pointer (&project);
}
