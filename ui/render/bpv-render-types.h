/* bpv-render-types.h — types that the files of the bpvrender library
 * (ui/render/) share without depending on each other: the layout and the
 * text measurer both speak of rectangles, and neither needs the other's
 * header for it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A rectangle: world units in a layout, widget units on the canvas, as
 * the function taking it says. */
typedef struct
{
  double x, y, width, height;
} BpvRect;

G_END_DECLS
