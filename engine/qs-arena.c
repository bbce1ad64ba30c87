/* qs-arena.c: a bump allocator for the graph IR */
#include "qs-arena.h"

#include <string.h>

typedef struct _Chunk Chunk;
struct _Chunk
{
  Chunk *next;
  gsize  size;
  gsize  used;
  /* data follows, 16-aligned */
};

#define CHUNK_HEADER (((sizeof (Chunk)) + 15) & ~(gsize) 15)

struct _QsArena
{
  Chunk *head;
  gsize  chunk_size;
  gsize  used;
  gsize  reserved;
};

QsArena *
qs_arena_new (gsize chunk_size)
{
  QsArena *arena = g_new0 (QsArena, 1);

  arena->chunk_size = MAX (chunk_size, 4096);
  return arena;
}

void
qs_arena_free (QsArena *arena)
{
  Chunk *c, *next;

  if (arena == NULL)
    return;
  for (c = arena->head; c != NULL; c = next)
    {
      next = c->next;
      g_free (c);
    }
  g_free (arena);
}

static Chunk *
chunk_new (QsArena *arena,
           gsize    min_size)
{
  gsize size = MAX (arena->chunk_size, min_size);
  Chunk *c = g_malloc (CHUNK_HEADER + size);

  c->size = size;
  c->used = 0;
  arena->reserved += CHUNK_HEADER + size;
  /* Big one-off blocks go behind the head so the head keeps its free space. */
  if (arena->head != NULL && size > arena->chunk_size)
    {
      c->next = arena->head->next;
      arena->head->next = c;
    }
  else
    {
      c->next = arena->head;
      arena->head = c;
    }
  return c;
}

gpointer
qs_arena_alloc (QsArena *arena,
                gsize    size)
{
  Chunk *c;
  gsize aligned;
  guint8 *p;

  g_return_val_if_fail (arena != NULL, NULL);

  if (size > G_MAXSIZE - 32)
    g_error ("qs_arena_alloc: size %" G_GSIZE_FORMAT " overflows", size);
  aligned = (size + 15) & ~(gsize) 15;
  c = arena->head;
  if (c == NULL || c->size - c->used < aligned)
    c = chunk_new (arena, aligned);
  p = (guint8 *) c + CHUNK_HEADER + c->used;
  c->used += aligned;
  arena->used += aligned;
  memset (p, 0, size);
  return p;
}

gpointer
qs_arena_memdup (QsArena       *arena,
                 gconstpointer  data,
                 gsize          size)
{
  gpointer p;

  if (size == 0)
    return NULL;
  p = qs_arena_alloc (arena, size);
  memcpy (p, data, size);
  return p;
}

char *
qs_arena_strdup (QsArena    *arena,
                 const char *str)
{
  if (str == NULL)
    return NULL;
  return qs_arena_memdup (arena, str, strlen (str) + 1);
}

gsize
qs_arena_used (const QsArena *arena)
{
  return arena->used;
}

gsize
qs_arena_reserved (const QsArena *arena)
{
  return arena->reserved;
}
