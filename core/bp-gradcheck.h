/* bp-gradcheck.h — backprop against central finite differences. */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

typedef struct
{
  double max_rel_error;   /* over the layer's W and b */
  double max_abs_error;
  gsize  worst_index;     /* into the layer's W then b */
  double worst_backprop;
  double worst_numeric;
} BpGradCheckLayer;

/* Central differences (C(p+h) − C(p−h)) / 2h, h = eps·max(1, |p|), on the
 * batch x, y, for every parameter.  The relative error of a parameter is
 * |g − n| / max(|g|, |n|, floor), floor = 1e−8 by default.  Fills
 * `result[n_layers]`; returns the largest relative error. */
double bp_gradcheck          (BpNetwork        *net,
                              const double     *x,
                              const double     *y,
                              gsize             B,
                              double            eps,
                              BpGradCheckLayer *result);

/* Finite-difference ∂C/∂p for one parameter (index into net->params). */
double bp_gradcheck_param    (BpNetwork    *net,
                              BpTrace      *trace,
                              const double *x,
                              const double *y,
                              gsize         B,
                              gsize         index,
                              double        eps);

G_END_DECLS
