/* qs-application.h: the application, its app-wide actions and windows */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QS_TYPE_APPLICATION (qs_application_get_type ())

G_DECLARE_FINAL_TYPE (QsApplication, qs_application, QS, APPLICATION, AdwApplication)

QsApplication *qs_application_new               (void);
/* Registers the compiled-in UI resources; safe to call more than once. */
void           qs_application_ensure_resources  (void);

G_END_DECLS
