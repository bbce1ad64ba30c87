/* qs-calib-data.c: calibration inputs
 *
 * Sources: a .npy array (one model input; axis 0 counts samples), a .npz or
 * .safetensors file (one array per input, named after the placeholder or the
 * dict key the model reads), a folder of per-sample .npy files or of binary
 * PPM (P6) / PGM (P5) 8-bit images (resized bilinearly to the traced H x W,
 * divided by 255, then (x - mean) / std per channel), or seeded
 * standard-normal data labelled synthetic. JPEG and PNG are not decoded:
 * convert images with any tool to PPM, or save the tensors to .npy.
 * Batches have the traced batch size; leftover samples are dropped.
 */
#include "qs-quant-private.h"

#include <math.h>
#include <string.h>

#include "qs-npy.h"
#include "qs-safetensors.h"

struct _QsCalibData
{
  char               *label;
  gboolean            synthetic;
  guint64             seed;
  guint               n_synthetic;
  GPtrArray          *names;    /* array names (file sources) */
  GPtrArray          *arrays;   /* QsTensor float32, parallel to names */
  GPtrArray          *samples;  /* folder of .npy: QsTensor per sample */
  GPtrArray          *images;   /* folder of PPM/PGM: paths */
  QsCalibImageOptions image;
};

void
qs_calib_data_free (QsCalibData *d)
{
  if (d == NULL)
    return;
  g_free (d->label);
  g_clear_pointer (&d->names, g_ptr_array_unref);
  g_clear_pointer (&d->arrays, g_ptr_array_unref);
  g_clear_pointer (&d->samples, g_ptr_array_unref);
  g_clear_pointer (&d->images, g_ptr_array_unref);
  g_free (d);
}

gboolean
qs_calib_data_is_synthetic (const QsCalibData *d)
{
  return d->synthetic;
}

const char *
qs_calib_data_describe (const QsCalibData *d)
{
  return d->label;
}

static QsCalibData *
data_new (const char *label)
{
  QsCalibData *d = g_new0 (QsCalibData, 1);

  d->label = g_strdup (label);
  d->names = g_ptr_array_new_with_free_func (g_free);
  d->arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  d->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  d->images = g_ptr_array_new_with_free_func (g_free);
  return d;
}

QsCalibData *
qs_calib_data_new_synthetic (guint   n_samples,
                             guint64 seed)
{
  g_autofree char *label = g_strdup_printf ("synthetic: %u batch%s of standard-normal random "
                                            "data, seed %" G_GUINT64_FORMAT, n_samples,
                                            n_samples == 1 ? "" : "es", seed);
  QsCalibData *d = data_new (label);

  d->synthetic = TRUE;
  d->seed = seed;
  d->n_synthetic = n_samples;
  return d;
}

static QsTensor *
as_float (QsTensor *t)
{
  QsTensor *f;

  if (t == NULL || t->dtype == QS_DTYPE_FLOAT32)
    return t;
  f = qs_tensor_to_float32 (t);
  qs_tensor_unref (t);
  return f;
}

static gboolean
open_file (QsCalibData *d,
           const char  *path,
           GError     **error)
{
  if (g_str_has_suffix (path, ".npy"))
    {
      QsTensor *t = as_float (qs_npy_load (path, error));

      if (t == NULL)
        return FALSE;
      g_ptr_array_add (d->names, g_strdup (""));
      g_ptr_array_add (d->arrays, t);
      return TRUE;
    }
  if (g_str_has_suffix (path, ".npz"))
    {
      g_autoptr(GPtrArray) names = NULL, tensors = NULL;

      if (!qs_npz_load (path, &names, &tensors, error))
        return FALSE;
      for (guint i = 0; i < names->len; i++)
        {
          g_ptr_array_add (d->names, g_strdup (names->pdata[i]));
          g_ptr_array_add (d->arrays, as_float (qs_tensor_ref (tensors->pdata[i])));
        }
      return TRUE;
    }
  if (g_str_has_suffix (path, ".safetensors"))
    {
      g_autoptr(QsWeights) w = qs_weights_open (path, error);

      if (w == NULL)
        return FALSE;
      for (guint i = 0; i < qs_weights_get_n_tensors (w); i++)
        {
          QsTensorView v;
          QsTensor *t;

          qs_weights_get_nth (w, i, &v);
          if (v.dtype == QS_DTYPE_FLOAT16 || v.dtype == QS_DTYPE_BFLOAT16)
            return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                                "%s: tensor “%s” is %s: save calibration data as float32",
                                path, v.name, qs_dtype_name (v.dtype)), FALSE;
          t = qs_tensor_new_from_data (v.dtype, v.rank, v.dims, v.data);
          g_ptr_array_add (d->names, g_strdup (v.name));
          g_ptr_array_add (d->arrays, as_float (t));
        }
      return TRUE;
    }
  return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                      "%s: calibration data must be a .npy, .npz or .safetensors file or a "
                      "folder of .npy or .ppm/.pgm files", path), FALSE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

static gboolean
open_folder (QsCalibData *d,
             const char  *path,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".npy") || g_str_has_suffix (name, ".ppm")
        || g_str_has_suffix (name, ".pgm"))
      g_ptr_array_add (files, g_build_filename (path, name, NULL));
  g_ptr_array_sort (files, compare_strings);
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = files->pdata[i];

      if (g_str_has_suffix (f, ".npy"))
        {
          QsTensor *t = as_float (qs_npy_load (f, error));

          if (t == NULL)
            return FALSE;
          g_ptr_array_add (d->samples, t);
        }
      else
        g_ptr_array_add (d->images, g_strdup (f));
    }
  if (d->samples->len + d->images->len == 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "empty calibration set: %s holds no .npy, .ppm or .pgm files", path),
           FALSE;
  if (d->samples->len > 0 && d->images->len > 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s: mixes .npy files and images; keep one kind per folder", path), FALSE;
  return TRUE;
}

QsCalibData *
qs_calib_data_open (const char                *path,
                    const QsCalibImageOptions *image,
                    GError                   **error)
{
  g_autoptr(QsCalibData) d = NULL;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  d = data_new (path);
  if (image != NULL)
    d->image = *image;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    ok = open_folder (d, path, error);
  else
    ok = open_file (d, path, error);
  if (!ok)
    return NULL;
  if (d->samples->len + d->images->len > 0)
    {
      g_free (d->label);
      d->label = g_strdup_printf ("%s (%u file%s)", path, d->samples->len + d->images->len,
                                  d->samples->len + d->images->len == 1 ? "" : "s");
    }
  return g_steal_pointer (&d);
}

/* ---- images ------------------------------------------------------------------------ */

static gboolean
pnm_int (const guint8 *p,
         gsize         len,
         gsize        *pos,
         gint64       *out)
{
  *out = -1;
  while (*pos < len)
    {
      if (p[*pos] == '#')
        while (*pos < len && p[*pos] != '\n')
          (*pos)++;
      else if (g_ascii_isspace (p[*pos]))
        (*pos)++;
      else
        break;
    }
  if (*pos >= len || !g_ascii_isdigit (p[*pos]))
    return FALSE;
  *out = 0;
  while (*pos < len && g_ascii_isdigit (p[*pos]) && *out < G_MAXINT32)
    *out = *out * 10 + (p[(*pos)++] - '0');
  return TRUE;
}

/* Decodes a binary 8-bit PPM/PGM into float [channels, h, w] in 0..255. */
static QsTensor *
load_pnm (const char *path,
          GError    **error)
{
  g_autofree guint8 *p = NULL;
  gsize len, pos = 2;
  gint64 w, h, maxval, c, dims[3];
  QsTensor *t;

  if (!g_file_get_contents (path, (char **) &p, &len, error))
    return NULL;
  if (len < 3 || p[0] != 'P' || (p[1] != '5' && p[1] != '6'))
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                        "%s: not a binary PPM (P6) or PGM (P5) image", path), NULL;
  c = p[1] == '6' ? 3 : 1;
  if (!pnm_int (p, len, &pos, &w) || !pnm_int (p, len, &pos, &h)
      || !pnm_int (p, len, &pos, &maxval) || w <= 0 || h <= 0 || maxval <= 0 || maxval > 255
      || pos >= len || (gint64) (len - pos - 1) < w * h * c)
    return g_set_error (error, QS_ERROR, QS_ERROR_PARSE,
                        "%s: bad or truncated PPM/PGM header or data (only 8-bit images)",
                        path), NULL;
  pos++;  /* the single whitespace after maxval */
  dims[0] = c, dims[1] = h, dims[2] = w;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, 3, dims);
  for (gint64 y = 0; y < h; y++)
    for (gint64 x = 0; x < w; x++)
      for (gint64 k = 0; k < c; k++)
        qs_tensor_f32 (t)[(k * h + y) * w + x] = p[pos + (y * w + x) * c + k] * 255.f / maxval;
  return t;
}

/* Bilinear resize (half-pixel centres, as torch's align_corners=False) of
 * one [c, h, w] image into @out [channels, oh, ow], then / 255, mean, std. */
static gboolean
image_into (const QsCalibData *d,
            const char        *path,
            float             *out,
            gint64             channels,
            gint64             oh,
            gint64             ow,
            GError           **error)
{
  g_autoptr(QsTensor) img = load_pnm (path, error);
  gint64 c, h, w;

  if (img == NULL)
    return FALSE;
  c = img->dims[0], h = img->dims[1], w = img->dims[2];
  if (c != channels && !(c == 1 && channels == 3))
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "%s: a %" G_GINT64_FORMAT "-channel image for a %" G_GINT64_FORMAT
                        "-channel model input", path, c, channels), FALSE;
  for (gint64 k = 0; k < channels; k++)
    {
      const float *src = qs_tensor_f32 (img) + (c == 1 ? 0 : k) * h * w;
      float mean = k < 4 ? d->image.mean[k] : 0, std = k < 4 && d->image.std[k] > 0
                                                         ? d->image.std[k] : 1;

      for (gint64 y = 0; y < oh; y++)
        {
          double sy = MAX ((y + 0.5) * h / oh - 0.5, 0);
          gint64 y0 = MIN ((gint64) sy, h - 1), y1 = MIN (y0 + 1, h - 1);
          double fy = sy - y0;

          for (gint64 x = 0; x < ow; x++)
            {
              double sx = MAX ((x + 0.5) * w / ow - 0.5, 0);
              gint64 x0 = MIN ((gint64) sx, w - 1), x1 = MIN (x0 + 1, w - 1);
              double fx = sx - x0;
              double v = (1 - fy) * ((1 - fx) * src[y0 * w + x0] + fx * src[y0 * w + x1])
                         + fy * ((1 - fx) * src[y1 * w + x0] + fx * src[y1 * w + x1]);

              out[(k * oh + y) * ow + x] = (float) ((v / 255.0 - mean) / std);
            }
        }
    }
  return TRUE;
}

/* ---- batches ------------------------------------------------------------------------- */

typedef struct
{
  guint       placeholder;
  const char *name;       /* placeholder name or dict key */
  QsType      type;
  QsTensor   *all;        /* [N, ...] samples, owned */
} Leaf;

static void
leaf_clear (gpointer p)
{
  g_clear_pointer (&((Leaf *) p)->all, qs_tensor_unref);
}

static GArray *
find_leaves (QsExec *exec)
{
  QsGraph *g = qs_exec_get_graph (exec);
  GArray *leaves = g_array_new (FALSE, TRUE, sizeof (Leaf));

  g_array_set_clear_func (leaves, leaf_clear);
  for (guint i = 0; i < qs_exec_get_n_inputs (exec); i++)
    {
      const QsNode *ph = qs_graph_node (g, qs_exec_get_input_node (exec, i));
      g_auto(GStrv) keys = qs_exec_dup_input_keys (exec, i);
      Leaf leaf = { i, ph->name, g->values[ph->outputs[0]].type, NULL };

      if (keys[0] == NULL)
        {
          g_array_append_val (leaves, leaf);
          continue;
        }
      for (guint k = 0; keys[k] != NULL; k++)
        {
          guint n_uses;
          const QsId *uses = qs_graph_value_uses (g, ph->outputs[0], &n_uses);

          for (guint u = 0; u < n_uses; u++)
            {
              const QsNode *gi = qs_graph_node (g, uses[u]);

              if (gi->op == QS_OP_GETITEM
                  && g_strcmp0 (qs_exec_attr_string (qs_exec_arg (gi, 1, NULL), NULL),
                                keys[k]) == 0)
                {
                  leaf.name = qs_exec_attr_string (qs_exec_arg (gi, 1, NULL), NULL);
                  leaf.type = g->values[gi->outputs[0]].type;
                  break;
                }
            }
          g_array_append_val (leaves, leaf);
        }
    }
  return leaves;
}

static char *
describe_want (const Leaf *leaf)
{
  GString *s = g_string_new ("[N");

  for (guint i = 1; i < leaf->type.rank; i++)
    g_string_append_printf (s, ", %" G_GINT64_FORMAT, leaf->type.dims[i]);
  g_string_append (s, "]");
  return g_string_free (s, FALSE);
}

static QsTensor *
synthetic_array (const QsCalibData *d,
                 const Leaf        *leaf,
                 guint              index)
{
  gint64 dims[QS_MAX_RANK];
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (d->seed * 7919 + index));
  QsTensor *t;

  memcpy (dims, leaf->type.dims, sizeof dims);
  dims[0] *= d->n_synthetic;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, leaf->type.rank, dims);
  for (gint64 i = 0; i < t->n_elements; i += 2)
    {
      /* Box-Muller */
      double u1 = 1.0 - g_rand_double (rand), u2 = g_rand_double (rand);
      double r = sqrt (-2 * log (u1));

      qs_tensor_f32 (t)[i] = (float) (r * cos (2 * G_PI * u2));
      if (i + 1 < t->n_elements)
        qs_tensor_f32 (t)[i + 1] = (float) (r * sin (2 * G_PI * u2));
    }
  return t;
}

/* Stacks per-sample tensors ([...] or [1, ...]) into [N, ...]. */
static QsTensor *
stack_samples (const QsCalibData *d,
               const Leaf        *leaf,
               GError           **error)
{
  gint64 dims[QS_MAX_RANK], per;
  QsTensor *t;

  memcpy (dims, leaf->type.dims, sizeof dims);
  dims[0] = d->samples->len;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, leaf->type.rank, dims);
  per = t->n_elements / MAX (dims[0], 1);
  for (guint i = 0; i < d->samples->len; i++)
    {
      QsTensor *s = d->samples->pdata[i];

      if (s->n_elements != per)
        {
          g_autofree char *got = qs_tensor_describe (s), *want = describe_want (leaf);

          qs_tensor_unref (t);
          return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                              "%s: sample %u is %s, but the model input “%s” takes one sample "
                              "of %s", d->label, i + 1, got, leaf->name, want), NULL;
        }
      memcpy (qs_tensor_f32 (t) + i * per, s->data, per * sizeof (float));
    }
  return t;
}

static QsTensor *
image_array (const QsCalibData *d,
             const Leaf        *leaf,
             GError           **error)
{
  gint64 dims[4];
  g_autoptr(QsTensor) t = NULL;

  if (leaf->type.rank != 4)
    return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                        "%s: images need a [N, C, H, W] model input; “%s” has rank %u",
                        d->label, leaf->name, leaf->type.rank), NULL;
  memcpy (dims, leaf->type.dims, sizeof dims);
  dims[0] = d->images->len;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, 4, dims);
  for (guint i = 0; i < d->images->len; i++)
    if (!image_into (d, d->images->pdata[i], qs_tensor_f32 (t) + i * dims[1] * dims[2] * dims[3],
                     dims[1], dims[2], dims[3], error))
      return NULL;
  return g_steal_pointer (&t);
}

static QsTensor *
named_array (const QsCalibData *d,
             const Leaf        *leaf,
             guint              n_leaves,
             GError           **error)
{
  g_autoptr(GString) have = g_string_new (NULL);

  for (guint i = 0; i < d->names->len; i++)
    if (strcmp (d->names->pdata[i], leaf->name) == 0)
      return qs_tensor_ref (d->arrays->pdata[i]);
  if (d->arrays->len == 1 && n_leaves == 1)
    return qs_tensor_ref (d->arrays->pdata[0]);
  for (guint i = 0; i < d->names->len; i++)
    g_string_append_printf (have, "%s“%s”", i ? ", " : "", (char *) d->names->pdata[i]);
  return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                      "%s has no array for the model input “%s” (it has %s): name the arrays "
                      "after the inputs", d->label, leaf->name,
                      have->len ? have->str : "none"), NULL;
}

static gboolean
leaf_array (const QsCalibData *d,
            Leaf              *leaf,
            guint              index,
            guint              n_leaves,
            GError           **error)
{
  gint64 bad;

  if (!qs_type_is_tensor (&leaf->type) || leaf->type.rank == 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                        "model input “%s” is not a tensor with a batch axis: calibration "
                        "can't feed it", leaf->name), FALSE;
  if (d->synthetic)
    leaf->all = synthetic_array (d, leaf, index);
  else if ((d->samples->len > 0 || d->images->len > 0) && n_leaves != 1)
    return g_set_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED,
                        "%s: a folder feeds a model with one input; this one has %u: use a "
                        ".npz or .safetensors file with one array per input", d->label,
                        n_leaves), FALSE;
  else if (d->samples->len > 0)
    leaf->all = stack_samples (d, leaf, error);
  else if (d->images->len > 0)
    leaf->all = image_array (d, leaf, error);
  else
    leaf->all = named_array (d, leaf, n_leaves, error);
  if (leaf->all == NULL)
    return FALSE;
  if (leaf->all->rank != leaf->type.rank
      || memcmp (leaf->all->dims + 1, leaf->type.dims + 1,
                 (leaf->type.rank - 1) * sizeof (gint64)) != 0)
    {
      g_autofree char *got = qs_tensor_describe (leaf->all), *want = describe_want (leaf);

      return g_set_error (error, QS_ERROR, QS_ERROR_SHAPE,
                          "%s: the data for input “%s” is %s, but the model takes %s (N "
                          "samples; the graph was traced at batch %" G_GINT64_FORMAT ")",
                          d->label, leaf->name, got, want, leaf->type.dims[0]), FALSE;
    }
  bad = qs_tensor_find_nonfinite (leaf->all);
  if (bad >= 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s: the data for input “%s” holds NaN or infinity (sample %"
                        G_GINT64_FORMAT ", element %" G_GINT64_FORMAT "): calibration needs "
                        "finite data", d->label, leaf->name,
                        bad / MAX (leaf->all->n_elements / MAX (leaf->all->dims[0], 1), 1),
                        bad), FALSE;
  return TRUE;
}

static QsExecValue *
slice_batch (const Leaf *leaf,
             guint       b)
{
  gint64 per = qs_type_n_elements (&leaf->type);
  QsTensor *t = qs_tensor_new_from_data (QS_DTYPE_FLOAT32, leaf->type.rank, leaf->type.dims,
                                         qs_tensor_f32 (leaf->all) + b * per);

  return qs_exec_value_new_tensor (t);
}

GPtrArray *
qs_calib_data_batches (QsCalibData *d,
                       QsExec      *exec,
                       guint        max_batches,
                       GError     **error)
{
  g_autoptr(GArray) leaves = find_leaves (exec);
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  gint64 n = G_MAXINT64;
  const Leaf *short_leaf = NULL;

  g_return_val_if_fail (d != NULL && exec != NULL, NULL);
  if (leaves->len == 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "the model has no inputs to calibrate"), NULL;
  for (guint i = 0; i < leaves->len; i++)
    {
      Leaf *leaf = &g_array_index (leaves, Leaf, i);
      gint64 nb;

      if (!leaf_array (d, leaf, i, leaves->len, error))
        return NULL;
      nb = leaf->all->dims[0] / MAX (leaf->type.dims[0], 1);
      if (nb < n)
        n = nb, short_leaf = leaf;
    }
  if (n <= 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "empty calibration set: %s has %" G_GINT64_FORMAT " sample%s for input "
                        "“%s”, and one batch needs %" G_GINT64_FORMAT, d->label,
                        short_leaf->all->dims[0], short_leaf->all->dims[0] == 1 ? "" : "s",
                        short_leaf->name, short_leaf->type.dims[0]), NULL;
  if (max_batches > 0)
    n = MIN (n, (gint64) max_batches);
  for (gint64 b = 0; b < n; b++)
    {
      GPtrArray *in = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);

      for (guint p = 0, l = 0; p < qs_exec_get_n_inputs (exec); p++)
        {
          g_auto(GStrv) keys = qs_exec_dup_input_keys (exec, p);
          guint nk = g_strv_length (keys);

          if (nk == 0)
            g_ptr_array_add (in, slice_batch (&g_array_index (leaves, Leaf, l++), b));
          else
            {
              g_autofree QsExecValue **items = g_new0 (QsExecValue *, nk);

              for (guint k = 0; k < nk; k++)
                items[k] = slice_batch (&g_array_index (leaves, Leaf, l++), b);
              g_ptr_array_add (in, qs_exec_value_new_dict ((const char *const *) keys, items, nk));
            }
        }
      g_ptr_array_add (batches, in);
    }
  return g_steal_pointer (&batches);
}
