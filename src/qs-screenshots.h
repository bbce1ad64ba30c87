/* qs-screenshots.h: the pictures of docs/screenshots/, taken by the app
 *
 * tools/make-screenshots runs the app under Xvfb with QS_SCREENSHOT_DIR
 * set; the window then walks through a few views of the file it opened
 * and writes each as a PNG into that folder, then quits.
 */
#pragma once

#include "qs-window.h"

G_BEGIN_DECLS

/* Starts the walk once @window has loaded its file. */
void qs_screenshots_start (QsWindow   *window,
                           const char *dir);

G_END_DECLS
