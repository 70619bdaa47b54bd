/* bp-edit.h — the edits a learner makes to a model while experimenting,
 * and their undo history.
 *
 * An edit keeps what it can and initialises only what is new.  Every edit
 * is all or nothing: on FALSE (a BP_EDIT_ERROR) the model is as it was.
 * Layers are 0-based here (`layer` 1 is "layer 2" on screen and in labels).
 *
 * What each edit keeps (W, b: the parameters of a layer):
 *   insert / remove / move a layer
 *       every layer whose input width is unchanged keeps W and b bit for
 *       bit; a layer whose input width changes (the one after an inserted
 *       or removed layer, layers around a move) gets a new W and keeps b;
 *       an inserted layer's W is new and its b zero.
 *   change a layer's width (to a value, one unit more, one unit removed)
 *       the overlapping rows of W and b, and the overlapping columns of the
 *       next layer's W, keep their bits; new rows and columns are new, new
 *       entries of b zero.  Removing unit u removes row u of W, entry u of
 *       b and column u of the next layer's W.
 *   add, move or remove a skip connection: every weight is kept (a skip has
 *       none).
 *   insert a batch-norm, layer-norm or dropout layer: every other layer keeps
 *       W and b (its input width is unchanged, as the new layer is as wide as
 *       its input); the new layer has γ = 1, β = 0, running mean 0 and
 *       variance 1, eps 1e-5, momentum 0.1, p = 0.5 and the linear
 *       activation.  Removing one is "remove a layer".
 *   change an activation, the cost, the reduction, a hyperparameter, the
 *       optimizer, the training settings: every weight is kept.
 *   change the dataset: the first layer's W is new when the input width
 *       changes, the output layer's W and b when the output width changes
 *       (the output then gets the task's activation and cost, as in
 *       bp_model_fit_to_data); every other layer keeps W and b.
 *   reset the weights: all of them from the seed, exactly as a model file
 *       without W initialises them (one BpRng seeded with model->seed,
 *       bp_network_init_weights with model->init).
 *
 * The determinism rule for new parameters: the new entries of layer l of
 * shape out × in take the values that a whole initialisation of a layer of
 * that shape would put at their places, drawn (row by row, with
 * model->init, as bp_network_init_weights draws) from a BpRng seeded with
 * bp_edit_derive_seed (model->seed, l, in, out).  So the same edit on the
 * same model gives the same bits, whatever the history before it (an edit
 * counter would make them depend on the history).  The shape is the one
 * after the edit: a unit added to an 8-wide layer takes row 9 of a fresh
 * 9-wide layer; a second one, row 10 of a fresh 10-wide layer (so two
 * single steps and one step of two differ in row 9, by design of the
 * shape-keyed rule: each new row is drawn at the scale of its shape).
 *
 * The optimizer: an edit that changes the parameters' shapes, or makes them
 * anew (reset), resets the optimizer's state and t; changing the optimizer
 * starts one with its defaults and clears the state; other edits keep it.
 * The training progress (model->progress) is dropped by every edit that
 * makes the position in a run meaningless: a change of shape, a reset of
 * the weights, a new dataset or seed (the app draws the data from the
 * seed); other edits keep it.
 *
 * Layers beyond dense (issue 13).  A norm or dropout layer is as wide as its
 * input, so a width change of the dense layer before it carries through it
 * (γ, β and the running statistics keep their overlapping entries, new ones
 * are 1, 0, 0 and 1) to the next dense layer's columns; its own width cannot
 * be set, and it has no units to add or remove.  A skip adds a(j) to a(n),
 * so both must keep the same width: an edit that would change one of them
 * alone, or remove a(j), is refused with a message naming the skip (remove
 * the skip first); a width edit with `with_skips` changes both ends (every
 * layer the skips tie together) in one step instead.  Moving a layer of a
 * network with skips is refused; a dropout layer has no activation to
 * change.
 *
 * If the model is tied to data (a dataset reference, or a worked example)
 * only the dataset edit may change the input or output width; other edits
 * that would are refused (BP_EDIT_ERROR_SHAPE).
 *
 * An edit may replace model->network and model->optimizer: whatever
 * borrows them (a BpTrainer, a BpTrace) must be made again afterwards.
 */
#pragma once

#include "bp-model.h"

G_BEGIN_DECLS

#define BP_EDIT_ERROR (bp_edit_error_quark ())
GQuark bp_edit_error_quark (void);

typedef enum
{
  BP_EDIT_ERROR_INVALID,     /* a position, width, count or value out of range */
  BP_EDIT_ERROR_UNKNOWN_ID,  /* an activation, cost or optimizer not registered */
  BP_EDIT_ERROR_COST,        /* the output activation and the cost would not fit */
  BP_EDIT_ERROR_SHAPE,       /* the edit would change a width the data fixes */
} BpEditError;

typedef enum
{
  BP_EDIT_INSERT_LAYER,    /* layer (0 … n_layers: before which), width, activation, act_params */
  BP_EDIT_REMOVE_LAYER,    /* layer */
  BP_EDIT_MOVE_LAYER,      /* layer, to (its index afterwards) */
  BP_EDIT_SET_ACTIVATION,  /* layer, activation, act_params; adapt, cost */
  BP_EDIT_SET_WIDTH,       /* layer, width */
  BP_EDIT_ADD_UNIT,        /* layer: one unit more, at the end */
  BP_EDIT_REMOVE_UNIT,     /* layer, unit */
  BP_EDIT_SET_COST,        /* cost, cost_params; adapt */
  BP_EDIT_SET_REDUCTION,   /* reduction */
  BP_EDIT_SET_OPTIMIZER,   /* optimizer, then n_hyper × (hyper_names, hyper_values) */
  BP_EDIT_SET_HYPER,       /* name, value: an optimizer hyperparameter or weight_decay */
  BP_EDIT_SET_TRAINING,    /* epochs, batch_size */
  BP_EDIT_SET_DATASET,     /* dataset (NULL: none), rows, noise, test_fraction;
                            * n_inputs, n_outputs, task (0 widths: keep them) */
  BP_EDIT_RESET_WEIGHTS,
  BP_EDIT_SET_SEED,        /* seed; reset */
  BP_EDIT_SET_INIT,        /* init; reset */
  BP_EDIT_ADD_SKIP,        /* layer (dense, the one a(j) is added to), from (j: 0 … layer);
                            * on a layer that has a skip it moves the skip's start to a(from)
                            * ("Move skip connection a(2) → a(5) to a(3) → a(5)") */
  BP_EDIT_REMOVE_SKIP,     /* layer */
  BP_EDIT_INSERT_TYPED,    /* layer (0 … n_layers: before which, so "after layer `layer`" on
                            * screen), layer_type (batch norm, layer norm or dropout) */
} BpEditKind;

/* One edit.  Only the fields its kind names are read; strings and arrays
 * are borrowed for the call.  Build with designated initialisers:
 *   BpEdit e = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 8,
 *                .activation = "tanh" };
 */
typedef struct
{
  BpEditKind          kind;
  gsize               layer;
  gsize               to;
  gsize               width;
  gsize               unit;
  const char         *activation;
  const double       *act_params;    /* NULL: the activation's defaults */
  /* SET_ACTIVATION of the output layer when the cost needs another output
   * activation: FALSE refuses (BP_EDIT_ERROR_COST); TRUE also switches the
   * cost, to `cost` if set, else to a registered cost that needs exactly
   * this activation, else to "mse".  SET_COST that needs another output
   * activation: FALSE refuses; TRUE also switches the output layer to it. */
  gboolean            adapt;
  const char         *cost;
  const double       *cost_params;   /* NULL: the cost's defaults */
  BpReduction         reduction;
  const char         *optimizer;
  gsize               n_hyper;
  const char * const *hyper_names;
  const double       *hyper_values;
  const char         *name;
  double              value;
  guint               epochs;
  gsize               batch_size;
  const char         *dataset;
  gsize               rows;          /* 0: the dataset's default */
  double              noise;         /* < 0: the dataset's default */
  double              test_fraction; /* [0, 1) */
  gsize               n_inputs;
  gsize               n_outputs;
  int                 task;          /* BpTask */
  guint64             seed;
  BpInit              init;
  gboolean            reset;         /* SET_SEED, SET_INIT: also reset the weights */
  gsize               from;          /* ADD_SKIP: the j of a(j) (a(0) is the input) */
  /* SET_WIDTH, ADD_UNIT, REMOVE_UNIT: also give the same width (the same
   * unit removed) to every a(j) that skip connections tie to this layer's
   * output, in the same step (bp_edit_skip_tied); FALSE refuses to break a
   * skip's width rule instead. */
  gboolean            with_skips;
  BpLayerType         layer_type;    /* INSERT_TYPED */
} BpEdit;

/* Applies `edit` to `model` (which must have a network).  On FALSE the
 * model is unchanged. */
gboolean  bp_edit_perform        (BpModel      *model,
                                  const BpEdit *edit,
                                  GError      **error);
/* What `edit` does to `model`, for menus and the history: "Insert layer 2
 * (8 tanh)", "Change activation of layer 1 to relu".  Layers 1-based. */
char     *bp_edit_describe       (const BpModel *model,
                                  const BpEdit  *edit);
/* The a(j) a skip connection into dense layer `layer` (0-based) comes from
 * when the learner does not choose: the nearest earlier one as wide as the
 * layer's output, a(layer) (its own input) first.  FALSE with a
 * BP_EDIT_ERROR_INVALID saying why when no a(j) is (or the layer is not
 * dense). */
gboolean  bp_edit_skip_source    (const BpNetwork *net,
                                  gsize            layer,
                                  gsize           *from,
                                  GError         **error);
/* Can a(from) be added to the output of layer `layer` (0-based, computing
 * a(layer + 1)) by a skip connection: a dense layer, from ≤ layer, and a(from)
 * as wide as a(layer + 1)?  FALSE with a BP_EDIT_ERROR_INVALID saying why
 * (both widths and the rule): what BP_EDIT_ADD_SKIP refuses with, for a
 * canvas that marks the sources a drop could choose. */
gboolean  bp_edit_check_skip     (const BpNetwork *net,
                                  gsize            layer,
                                  gsize            from,
                                  GError         **error);
/* The dense layers (0-based, in order, `layer` among them) whose outputs
 * skip connections tie to the output of dense layer `layer`: a skip adds
 * a(j) to a(n), so both keep one width, and a norm or dropout layer is as
 * wide as its input, so the ties run through it.  Written to `tied` (room
 * for BP_MAX_LAYERS); returns how many.  *input (may be NULL) says whether
 * the input a(0) is tied too (its width is then the data's). */
gsize     bp_edit_skip_tied      (const BpNetwork *net,
                                  gsize            layer,
                                  gsize           *tied,
                                  gboolean        *input);
/* The seed of the BpRng that draws new parameters of layer `layer` (0-based)
 * of shape out × in (see the rule above). */
guint64   bp_edit_derive_seed    (guint64 seed,
                                  gsize   layer,
                                  gsize   in,
                                  gsize   out);

/* ------------------------------------------------------------------ history
 *
 * Undo and redo by snapshots: before each edit the whole model is copied
 * (bp_model_copy), and undo swaps the snapshot with the model's contents, so
 * undo and redo give back every bit (weights, optimizer state, progress,
 * settings).  The history is used with one BpModel, edited in place; its
 * contents (network, optimizer, …) are replaced by undo and redo.
 *
 * Memory: at most `max_entries` snapshots (undo and redo together) and
 * about `max_bytes` of them; beyond either the oldest undo steps are
 * forgotten first, then the farthest redo steps.  The nearest undo step and
 * the nearest redo step are always kept, whatever their size.  A snapshot
 * costs about 40 bytes per parameter with Adam (parameters, gradients,
 * optimizer state and scratch): 4.4 MB for a 784-128-64-10 network, so the
 * default budget keeps about 30 steps of it, and all 200 of a 2-8-8-1.
 *
 * Dirty: the model changed since bp_edit_history_mark_saved (or since the
 * history was made).  Undoing back to the saved state makes it clean again;
 * a new edit after undoing past the saved state leaves it dirty until saved.
 */
typedef struct _BpEditHistory BpEditHistory;

#define BP_EDIT_HISTORY_MAX_ENTRIES 200
#define BP_EDIT_HISTORY_MAX_BYTES   ((gsize) 128 << 20)

/* 0 for either: the default above.  A new history is clean. */
BpEditHistory *bp_edit_history_new          (guint          max_entries,
                                             gsize          max_bytes);
void           bp_edit_history_free         (BpEditHistory *history);

/* bp_edit_perform, recorded for undo under bp_edit_describe's label; the
 * redo steps are dropped.  On FALSE neither model nor history changes.  An
 * edit that changes nothing (the value it already has) returns TRUE and
 * records no step, so the model does not become dirty. */
gboolean       bp_edit_apply                (BpEditHistory *history,
                                             BpModel       *model,
                                             const BpEdit  *edit,
                                             GError       **error);
/* Records a change made some other way (training, a loaded file's worked
 * example…) as one undo step: `before` is a copy of the model taken before
 * the change, and the history takes it. */
void           bp_edit_history_record       (BpEditHistory *history,
                                             BpModel       *before,
                                             const char    *label);
/* Marks a change that is not undone (it is part of the state every undo
 * step leads back through): the model becomes dirty. */
void           bp_edit_history_mark_changed (BpEditHistory *history);

/* FALSE when there is nothing to undo / redo. */
gboolean       bp_edit_undo                 (BpEditHistory *history,
                                             BpModel       *model);
gboolean       bp_edit_redo                 (BpEditHistory *history,
                                             BpModel       *model);
gboolean       bp_edit_can_undo             (const BpEditHistory *history);
gboolean       bp_edit_can_redo             (const BpEditHistory *history);
/* The label of the step undo / redo would take, or NULL.  Owned by the
 * history, valid until it changes. */
const char    *bp_edit_undo_label           (const BpEditHistory *history);
const char    *bp_edit_redo_label           (const BpEditHistory *history);
guint          bp_edit_history_n_undo       (const BpEditHistory *history);
guint          bp_edit_history_n_redo       (const BpEditHistory *history);
/* Bytes the snapshots take (about). */
gsize          bp_edit_history_size         (const BpEditHistory *history);
/* Forgets every undo and redo step (after opening another model); the
 * dirty state stays as it is. */
void           bp_edit_history_clear        (BpEditHistory *history);

void           bp_edit_history_mark_saved   (BpEditHistory *history);
gboolean       bp_edit_history_is_dirty     (const BpEditHistory *history);
/* Changes with every edit, undo, redo, record and mark_changed, and comes
 * back to an earlier value when undo comes back to that state. */
guint64        bp_edit_history_version      (const BpEditHistory *history);

/* Memory a model takes (about), as the history counts it. */
gsize          bp_edit_model_size           (const BpModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpEditHistory, bp_edit_history_free)

G_END_DECLS
