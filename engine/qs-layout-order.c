/* qs-layout-order.c: steps 4 and 5 of the layout: the order within each
 * layer (barycenter sweeps) and x positions (least squares under the order
 * and spacing constraints, by pool-adjacent-violators) */
#include "qs-layout-private.h"

#include <stdlib.h>

void
qs_layout_build_layer_lists (QsLayout *self,
                             Scratch  *s)
{
  guint n_v = self->n_vertices;
  g_autofree guint32 *fill = NULL;

  self->layer_start = g_new0 (guint32, self->n_layers + 1);
  self->layer_verts = g_new (guint32, MAX (n_v, 1));
  s->pos = g_new (guint32, MAX (n_v, 1));
  for (guint v = 0; v < n_v; v++)
    self->layer_start[self->layer[v] + 1]++;
  for (guint l = 0; l < self->n_layers; l++)
    self->layer_start[l + 1] += self->layer_start[l];
  fill = g_memdup2 (self->layer_start, (self->n_layers + 1) * sizeof (guint32));
  /* Nodes in layering order, each followed by the dummies of its edges,
   * is a good start: chains stay together. */
  for (guint k = 0; k < self->n_nodes; k++)
    {
      guint32 n = s->order[k];

      s->pos[n] = fill[self->layer[n]] - self->layer_start[self->layer[n]];
      self->layer_verts[fill[self->layer[n]]++] = n;
    }
  for (guint v = self->n_nodes; v < n_v; v++)
    {
      s->pos[v] = fill[self->layer[v]] - self->layer_start[self->layer[v]];
      self->layer_verts[fill[self->layer[v]]++] = v;
    }
}

typedef struct
{
  double  key;
  guint32 pos;
  guint32 vertex;
} SortItem;

static int
sort_item_compare (const void *a,
                   const void *b)
{
  const SortItem *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
barycenter_layer (QsLayout      *self,
                  Scratch       *s,
                  guint          l,
                  const guint32 *start,
                  const Segment *segs,
                  SortItem      *items)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;

  for (guint i = 0; i < n; i++)
    {
      guint32 v = self->layer_verts[first + i];
      guint32 deg = start[v + 1] - start[v];
      double sum = 0;

      for (guint k = start[v]; k < start[v + 1]; k++)
        {
          guint32 u = segs[k].other, lu = self->layer[u];
          guint32 size = self->layer_start[lu + 1] - self->layer_start[lu];

          /* Ports count: a producer feeding a left port goes left. */
          sum += (s->pos[u] + 0.5 + segs[k].slot) / size;
        }
      items[i].key = deg > 0 ? sum / deg : (i + 0.5) / n;
      items[i].pos = i;
      items[i].vertex = v;
    }
  qsort (items, n, sizeof (SortItem), sort_item_compare);
  for (guint i = 0; i < n; i++)
    {
      self->layer_verts[first + i] = items[i].vertex;
      s->pos[items[i].vertex] = i;
    }
}

void
qs_layout_reduce_crossings (QsLayout *self,
                            Scratch  *s)
{
  guint max = 0;
  g_autofree SortItem *items = NULL;

  for (guint l = 0; l < self->n_layers; l++)
    max = MAX (max, self->layer_start[l + 1] - self->layer_start[l]);
  items = g_new (SortItem, MAX (max, 1));
  for (guint sweep = 0; sweep < self->opts.sweeps; sweep++)
    {
      for (guint l = 1; l < self->n_layers; l++)
        barycenter_layer (self, s, l, s->up_start, s->up, items);
      for (guint l = self->n_layers; l-- > 1;)
        barycenter_layer (self, s, l - 1, s->down_start, s->down, items);
    }
}

static double
separation (const QsLayout *self,
            guint32         a,
            guint32         b)
{
  double gap = self->opts.node_gap;

  if (a >= self->n_nodes || b >= self->n_nodes)
    gap *= 0.5;
  return (self->w[a] + self->w[b]) / 2 + gap;
}

typedef struct
{
  double   weight, sum;  /* sum of weight * target */
  guint32  count;
} Block;

/* Places one layer: minimises sum (x_i - want_i)^2 keeping the order and
 * the spacing. With c_i the cumulative spacing, y_i = x_i - c_i must be
 * non-decreasing: an isotonic regression, solved by pooling adjacent
 * violators in linear time. */
static void
place_layer (QsLayout     *self,
             guint         l,
             const double *want,
             Block        *blocks,
             double       *c)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;
  guint n_blocks = 0, i = 0;

  for (guint k = 0; k < n; k++)
    {
      c[k] = k == 0 ? 0 : c[k - 1] + separation (self, self->layer_verts[first + k - 1],
                                                 self->layer_verts[first + k]);
      blocks[n_blocks++] = (Block) { 1, want[k] - c[k], 1 };
      while (n_blocks > 1
             && blocks[n_blocks - 2].sum / blocks[n_blocks - 2].weight
                >= blocks[n_blocks - 1].sum / blocks[n_blocks - 1].weight)
        {
          blocks[n_blocks - 2].weight += blocks[n_blocks - 1].weight;
          blocks[n_blocks - 2].sum += blocks[n_blocks - 1].sum;
          blocks[n_blocks - 2].count += blocks[n_blocks - 1].count;
          n_blocks--;
        }
    }
  for (guint b = 0; b < n_blocks; b++)
    for (guint k = 0; k < blocks[b].count; k++, i++)
      self->x[self->layer_verts[first + i]] = blocks[b].sum / blocks[b].weight + c[i];
}

static void
align_layer (QsLayout      *self,
             guint          l,
             const guint32 *start,
             const Segment *segs,
             double         sign,
             double        *want,
             Block         *blocks,
             double        *c)
{
  guint32 first = self->layer_start[l], n = self->layer_start[l + 1] - first;

  for (guint i = 0; i < n; i++)
    {
      guint32 v = self->layer_verts[first + i];
      guint32 deg = start[v + 1] - start[v];
      double sum = 0;

      for (guint k = start[v]; k < start[v + 1]; k++)
        sum += self->x[segs[k].other] + sign * segs[k].offset;
      want[i] = deg > 0 ? sum / deg : self->x[v];
    }
  place_layer (self, l, want, blocks, c);
}

void
qs_layout_assign_x (QsLayout *self,
                    Scratch  *s)
{
  guint max = 0;
  g_autofree double *want = NULL, *c = NULL;
  g_autofree Block *blocks = NULL;

  for (guint l = 0; l < self->n_layers; l++)
    max = MAX (max, self->layer_start[l + 1] - self->layer_start[l]);
  want = g_new0 (double, MAX (max, 1));
  c = g_new (double, MAX (max, 1));
  blocks = g_new (Block, MAX (max, 1));

  /* Start packed and centred on 0. */
  for (guint l = 0; l < self->n_layers; l++)
    place_layer (self, l, want, blocks, c);
  for (guint sweep = 0; sweep < self->opts.sweeps; sweep++)
    {
      for (guint l = 1; l < self->n_layers; l++)
        align_layer (self, l, s->up_start, s->up, -1, want, blocks, c);
      for (guint l = self->n_layers; l-- > 1;)
        align_layer (self, l - 1, s->down_start, s->down, +1, want, blocks, c);
    }
}
