/* qs-arena.h: a bump allocator; everything lives until the arena is freed */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QsArena QsArena;

QsArena  *qs_arena_new       (gsize     chunk_size);
void      qs_arena_free      (QsArena  *arena);
/* Returns zeroed memory aligned to 16 bytes; never NULL. */
gpointer  qs_arena_alloc     (QsArena  *arena,
                              gsize     size);
gpointer  qs_arena_memdup    (QsArena  *arena,
                              gconstpointer data,
                              gsize     size);
char     *qs_arena_strdup    (QsArena  *arena,
                              const char *str);
/* Bytes handed out and bytes reserved from the system. */
gsize     qs_arena_used      (const QsArena *arena);
gsize     qs_arena_reserved  (const QsArena *arena);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsArena, qs_arena_free)

G_END_DECLS
