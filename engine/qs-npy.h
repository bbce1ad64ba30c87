/* qs-npy.h: NumPy .npy files and uncompressed .npz archives
 *
 * Reads .npy versions 1.0, 2.0 and 3.0 in C order with little-endian (or
 * byte-sized) f4, f8, i8, i4, i2, i1, u1 and b1 data; Fortran order,
 * big-endian data and other dtypes are refused with an error that says what
 * to do. Every size in a file is checked before it is used. Writes version
 * 1.0 (2.0 when the header needs it). .npz archives are written with the
 * zip "store" method, the way numpy.savez does, and read back when stored.
 */
#pragma once

#include "qs-tensor.h"

G_BEGIN_DECLS

/* Largest .npy header accepted (numpy itself writes a few hundred bytes). */
#define QS_NPY_MAX_HEADER 65536

QsTensor   *qs_npy_load            (const char      *filename,
                                    GError         **error);
/* @name is used in messages. */
QsTensor   *qs_npy_load_from_data  (gconstpointer    data,
                                    gsize            length,
                                    const char      *name,
                                    GError         **error);
/* The .npy bytes of @tensor. */
GBytes     *qs_npy_save_to_bytes   (const QsTensor  *tensor);
/* Writes atomically. */
gboolean    qs_npy_save            (const char      *filename,
                                    const QsTensor  *tensor,
                                    GError         **error);

/* Writes @n tensors as NAME.npy members (names without ".npy"). */
gboolean    qs_npz_save            (const char      *filename,
                                    const char *const *names,
                                    QsTensor *const *tensors,
                                    guint            n,
                                    GError         **error);
GBytes     *qs_npz_save_to_bytes   (const char *const *names,
                                    QsTensor *const *tensors,
                                    guint            n,
                                    GError         **error);
/* Reads a stored (uncompressed) .npz: fills @names (owned strings, without
 * ".npy") and @tensors (owned QsTensor) in archive order. */
gboolean    qs_npz_load_from_data  (gconstpointer    data,
                                    gsize            length,
                                    const char      *name,
                                    GPtrArray      **names,
                                    GPtrArray      **tensors,
                                    GError         **error);
gboolean    qs_npz_load            (const char      *filename,
                                    GPtrArray      **names,
                                    GPtrArray      **tensors,
                                    GError         **error);

G_END_DECLS
