/* bp-network.h — a network, its parameters and its forward/backward pass
 * over a batch.  Implemented in bp-network.c (structure, parameters,
 * initialisation), bp-network-pass.c (forward, cost, backward: where z, a
 * and δ are computed; and the trace that records them),
 * bp-network-layers.c (the layers beyond plain dense: skips, batch norm,
 * layer norm, dropout) and bp-network-fault.c (finding and describing a
 * non-finite value).
 *
 * Parameters live in one contiguous block (for each layer W then b) and the
 * gradients in another of the same layout; each layer holds views into both.
 * The structs are public so the app can read them; change them only through
 * the functions here.
 *
 * Conventions (the contract the independent references check):
 *   z(n) = W(n) a(n−1) + b(n),   a(n) = f(z(n)),   a(0) = x
 *   C = (1/B) Σ_s l_s (reduction "mean") or Σ_s l_s ("sum")
 *   δ(n) = ∂C/∂z(n),  ∂C/∂a(n−1) = W(n)ᵀ δ(n)
 *   ∂C/∂W(n) = Σ_s δ(n)_s a(n−1)_sᵀ,  ∂C/∂b(n) = Σ_s δ(n)_s
 */
#pragma once

#include "bp-types.h"
#include "bp-rng.h"

G_BEGIN_DECLS

#define BP_MAX_LAYERS 32
#define BP_MAX_WIDTH  4096

/* The defaults of the model file (PyTorch's). */
#define BP_NORM_DEFAULT_EPS      1e-5
#define BP_NORM_DEFAULT_MOMENTUM 0.1

struct _BpLayer
{
  gsize                   in;
  gsize                   out;
  const BpActivationDesc *act;         /* dropout: linear (it has none) */
  char                   *act_id;      /* owned copy of act->id */
  double                 *act_params;  /* act->n_params values, owned */
  double                 *W;           /* out × in, view into network->params;
                                        * batch/layer norm: γ (out) */
  double                 *b;           /* out; batch/layer norm: β */
  double                 *dW;          /* out × in, view into network->grads; norm: ∂C/∂γ */
  double                 *db;          /* out; norm: ∂C/∂β */
  BpLayerType             type;        /* default DENSE: every older caller stays as is */
  gssize                  skip_from;   /* dense: j ≥ 0 adds a(j) (a(0) = x) to a(n); −1: none */
  double                  eps;         /* batch/layer norm */
  double                  momentum;    /* batchnorm */
  double                 *running_mean;  /* batchnorm: out, owned; not parameters */
  double                 *running_var;   /* batchnorm: out, owned */
  double                  p;           /* dropout: the probability of dropping a unit */
  double                 *mask;        /* dropout: mask_rows × out of 0/1, owned; NULL: drawn */
  gsize                   mask_rows;
};

struct _BpNetwork
{
  gsize             n_inputs;
  gsize             n_layers;
  BpLayer          *layers;
  gsize             n_params;
  double           *params;       /* all W and b, layer by layer */
  double           *grads;        /* ∂C/∂params, same layout */
  const BpCostDesc *cost;
  char             *cost_id;
  double           *cost_params;  /* cost->n_params values, owned */
  BpReduction       reduction;
  gboolean          eval;         /* FALSE: training mode (the default); TRUE: eval mode
                                   * (batchnorm uses its running statistics, dropout
                                   * passes through) */
  BpRng            *rng;          /* dropout masks that the model does not fix, owned;
                                   * seeded with bp_network_seed */
};

/* A new network with `n_inputs` inputs, no layers, cost mse, reduction mean. */
BpNetwork  *bp_network_new            (gsize        n_inputs,
                                       GError     **error);
void        bp_network_free           (BpNetwork   *net);
BpNetwork  *bp_network_copy           (const BpNetwork *net);
/* Same shapes, activations, cost and parameter values (bit for bit)? */
gboolean    bp_network_equal          (const BpNetwork *a,
                                       const BpNetwork *b);

/* Appends a layer of width `out` (its `in` is the previous width).  The new
 * W and b are zero; `act_params` may be NULL for the defaults. */
gboolean    bp_network_add_layer      (BpNetwork    *net,
                                       gsize         out,
                                       const char   *activation,
                                       const double *act_params,
                                       GError      **error);
gboolean    bp_network_set_activation (BpNetwork    *net,
                                       gsize         layer,
                                       const char   *activation,
                                       const double *act_params,
                                       GError      **error);
/* Also checks the cost's required output activation. */
gboolean    bp_network_set_cost       (BpNetwork    *net,
                                       const char   *cost,
                                       const double *cost_params,
                                       GError      **error);
/* Re-checks the whole network: widths chain, sizes in range, cost fits. */
gboolean    bp_network_validate       (const BpNetwork *net,
                                       GError         **error);

gsize       bp_network_n_outputs      (const BpNetwork *net);

/* Appends a batch-norm (γ = 1, β = 0, running mean 0 and variance 1),
 * layer-norm (γ = 1, β = 0) or dropout layer as wide as the last one.
 * `activation` NULL means linear; eps must be > 0, momentum in [0, 1],
 * p in [0, 1). */
gboolean    bp_network_add_batchnorm  (BpNetwork    *net,
                                       double        eps,
                                       double        momentum,
                                       const char   *activation,
                                       GError      **error);
gboolean    bp_network_add_layernorm  (BpNetwork    *net,
                                       double        eps,
                                       const char   *activation,
                                       GError      **error);
gboolean    bp_network_add_dropout    (BpNetwork    *net,
                                       double        p,
                                       GError      **error);
/* Makes dense layer `layer` (0-based) add a(j) to its output: 0 ≤ j ≤
 * layer (a(0) is the input), as wide as the layer; j = −1 removes it. */
gboolean    bp_network_set_skip       (BpNetwork    *net,
                                       gsize         layer,
                                       gssize        j,
                                       GError      **error);
/* Fixes dropout layer `layer`'s mask (rows × out of 0 and 1, copied; row s
 * of a batch uses row s, so rows ≥ B: bp_network_check_batch); NULL: masks
 * are drawn again. */
gboolean    bp_network_set_mask       (BpNetwork    *net,
                                       gsize         layer,
                                       const double *mask,
                                       gsize         rows,
                                       GError      **error);
/* Restarts the dropout generator from `seed` (a model's seed). */
void        bp_network_seed           (BpNetwork *net,
                                       guint64    seed);
/* TRUE when every layer is dense without a skip: the plain chain the app
 * draws and the fast paths assume. */
gboolean    bp_network_is_plain       (const BpNetwork *net);
/* The same, saying why not: "layer 3 is a batch-norm layer", "layer 2 has
 * a skip connection (from a(1))" (for callers to add what they cannot do
 * with it). */
gboolean    bp_network_check_plain    (const BpNetwork *net,
                                       GError         **error);
/* "dense", "batchnorm", "layernorm" or "dropout" (the model file's names),
 * and back (FALSE for an unknown name). */
const char *bp_layer_type_to_string   (BpLayerType  type);
gboolean    bp_layer_type_from_string (const char  *s,
                                       BpLayerType *out);
/* Values of W (dense: out × in; norm: γ, out; dropout: 0) and of b. */
gsize       bp_layer_n_weights        (const BpLayer *L);
gsize       bp_layer_n_biases         (const BpLayer *L);
/* Whether a batch of B samples can run in the current mode: in training
 * mode a batch-norm layer needs B ≥ 2 and a fixed dropout mask at least B
 * rows (the error names the layer). */
gboolean    bp_network_check_batch    (const BpNetwork *net,
                                       gsize            B,
                                       GError         **error);
/* Initialises every W with `init` and every b with 0, drawing from `rng`
 * layer by layer, row by row.  Norm layers draw nothing: γ = 1, β = 0,
 * running mean 0 and variance 1. */
void        bp_network_init_weights   (BpNetwork *net,
                                       BpInit     init,
                                       BpRng     *rng);
const char *bp_init_to_string         (BpInit      init);
gboolean    bp_init_from_string       (const char *s,
                                       BpInit     *out);

void        bp_network_zero_grad      (BpNetwork *net);

/* ----------------------------------------------------------------- the trace
 * Everything one forward/backward pass computes, kept for the screen.  All
 * arrays are B × width (row s is sample s).
 */
struct _BpTrace
{
  gsize    capacity;        /* largest batch it holds */
  gsize    batch;           /* B of the last forward */
  gsize    n_layers;
  gsize    n_inputs;
  gsize   *widths;          /* widths[l] = out of layer l */
  double  *input;           /* a(0): B × n_inputs (a copy) */
  double  *target;          /* y: B × n_out (a copy, set by backward) */
  double **z;               /* z[l]: B × out(l) */
  double **a;               /* a[l]: B × out(l) */
  double **dC_da;           /* ∂C/∂a[l]: B × out(l) */
  double **dC_dz;           /* δ[l] = ∂C/∂z[l]: B × out(l), includes 1/B for mean */
  double  *per_sample_loss; /* l_s: B */
  double   loss;            /* C */
  double  *grad_norm;       /* ‖∂C/∂W(l)‖_F after backward: n_layers */
  gboolean keep;            /* FALSE: dC_da of hidden layers is not kept (speed) */
  double  *scratch;
  guint   *kinds;           /* per layer: its type and whether it has a skip */
  /* Layers other than plain dense (NULL for a plain dense layer): */
  double **h;               /* dense with a skip: f(z), B × out (a = h + a(j)) */
  double **xhat;            /* norm: x̂, B × out */
  double **mu;              /* batchnorm: μ (out); layernorm: μ_s (B) */
  double **inv_std;         /* batchnorm: 1/√(σ² + eps) (out); layernorm: per sample (B) */
  double **mask;            /* dropout: the 0/1 mask this pass used, B × out */
  double **running_before;  /* batchnorm: running mean then variance (2 × out) as
                             * they were before this pass updated them */
  gboolean eval;            /* the mode of the last forward */
};

BpTrace      *bp_trace_new              (const BpNetwork *net,
                                         gsize            capacity);
void          bp_trace_free             (BpTrace *trace);
/* Does the trace still fit the network's shape? */
gboolean      bp_trace_fits             (const BpTrace   *trace,
                                         const BpNetwork *net);

/* Row s of a layer's arrays. */
const double *bp_trace_z                (const BpTrace *t, gsize layer, gsize s);
const double *bp_trace_a                (const BpTrace *t, gsize layer, gsize s);
const double *bp_trace_dC_da            (const BpTrace *t, gsize layer, gsize s);
const double *bp_trace_dC_dz            (const BpTrace *t, gsize layer, gsize s);
/* a(n−1) of C layer index `layer` for sample s (the input for layer 0). */
const double *bp_trace_a_prev           (const BpTrace *t, gsize layer, gsize s);

/* Forward a batch x (B × n_inputs), B ≤ capacity: fills z, a. */
void          bp_network_forward        (const BpNetwork *net,
                                         BpTrace         *trace,
                                         const double    *x,
                                         gsize            B);
/* The cost of the last forward against targets y (B × n_out), and the
 * backward pass: fills per-sample loss, loss, ∂C/∂a, δ, and ADDS ∂C/∂W and
 * ∂C/∂b into net->grads (zeroing is the caller's: bp_network_zero_grad,
 * or bp_network_gradients for the three steps at once).
 * Returns C. */
double        bp_network_backward       (BpNetwork    *net,
                                         BpTrace      *trace,
                                         const double *y);
/* One training-signal evaluation on a batch: zero ∂C/∂W and ∂C/∂b, forward
 * x (B × n_inputs), then backward against y (B × n_out).  Afterwards
 * net->grads holds this batch's gradients alone and the trace its z, a, δ.
 * Returns C.  (The sequence every caller wrote out by hand.) */
double        bp_network_gradients      (BpNetwork    *net,
                                         BpTrace      *trace,
                                         const double *x,
                                         const double *y,
                                         gsize         B);
/* Only the cost of the last forward (no gradients). */
double        bp_network_cost           (const BpNetwork *net,
                                         BpTrace         *trace,
                                         const double    *y);
/* Fills trace->grad_norm from net->grads. */
void          bp_network_grad_norms     (const BpNetwork *net,
                                         double          *norms);

/* Forward one input vector without a trace (for plots): out has n_out. */
void          bp_network_predict        (const BpNetwork *net,
                                         const double    *x,
                                         double          *out,
                                         double          *scratch);
/* Size of `scratch` bp_network_predict needs. */
gsize         bp_network_scratch_size   (const BpNetwork *net);

/* Puts batch norm's running statistics back as they were before the last
 * training forward of `trace` (a step undone on a NaN must not leave its
 * statistics behind).  Nothing for a pass in eval mode. */
void          bp_network_undo_running_stats (BpNetwork     *net,
                                             const BpTrace *trace);

/* Returns TRUE when every value of the last pass is finite.  Otherwise
 * FALSE with a BP_NETWORK_ERROR_NUMERIC error naming the first non-finite
 * value, searched forward through the input, z and a, then the cost, then
 * backward through ∂C/∂a, δ and the gradients: the layer (1-based, as
 * shown), the unit and the sample. */
gboolean      bp_network_check_finite   (const BpNetwork *net,
                                         const BpTrace   *trace,
                                         GError         **error);
/* The same search, as data: TRUE when some value of the last pass is not
 * finite, with the first one in *fault (may be NULL); its step and row are
 * 0 (the trainer knows them).  FALSE and fault->kind NONE when all are. */
gboolean      bp_network_locate_nonfinite (const BpNetwork *net,
                                           const BpTrace   *trace,
                                           BpTrainFault    *fault);
/* TRUE when a parameter is not finite, the first one (W(1) row by row,
 * b(1), W(2), …) in *fault (kind PARAM_W or PARAM_B; may be NULL). */
gboolean      bp_network_locate_nonfinite_param (const BpNetwork *net,
                                                 BpTrainFault    *fault);
/* Where and what, e.g. "∂C/∂W(2)[3,1] is NaN after the backward pass
 * (layer 2, unit 3)"; the value as bp_nonfinite_name names it.  Free with
 * g_free.  (bp_train_fault_message adds the step.) */
char         *bp_train_fault_describe   (const BpTrainFault *fault);
/* "input", "z", "a", "loss", "grad-a", "delta", "grad-W", "grad-b", "W",
 * "b" or "none" (event logs, tests). */
const char   *bp_train_fault_kind_to_string (BpTrainFaultKind kind);

/* The full Jacobian ∂a/∂z (n × n, row i = ∂a_i/∂z) of layer `layer` for
 * sample s; diagonal for element-wise activations. */
void          bp_network_act_jacobian   (const BpNetwork *net,
                                         const BpTrace   *trace,
                                         gsize            layer,
                                         gsize            s,
                                         double          *J);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpNetwork, bp_network_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpTrace, bp_trace_free)

G_END_DECLS
