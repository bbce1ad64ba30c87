/* main.c: the quantscope desktop app */
#include "config.h"

#include <glib/gi18n.h>

#include "qs-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (QsApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = qs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
