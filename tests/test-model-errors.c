/* test-model-errors.c — model files that must not load (bad syntax,
 * format, layers, weights, ids, cost, optimizer, example, progress) and
 * the place each message names; smoke tests over truncations and
 * single-byte corruptions.  Part of the test-model program
 * (test-model.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "test-util.h"
#include "test-model.h"

/* head, then unit n times, then tail (the caller frees it): the model
 * files too long or too deep to write out. */
static char *
repeat (const char *head,
        const char *unit,
        int         n,
        const char *tail)
{
  GString *s = g_string_new (head);

  for (int i = 0; i < n; i++)
    g_string_append (s, unit);
  g_string_append (s, tail);
  return g_string_free (s, FALSE);
}

void
test_bad_syntax (void **state)
{
  static const char with_nul[] = "{\"format\":\"backprop-model/1\",\"layers\":[]}\0 junk";
  g_autofree char *valid = NULL;
  g_autofree char *deep = NULL;

  expect_error (HEAD "'layers':[" L0, BP_MODEL_ERROR_PARSE, "model.json:1:");
  expect_error ("{'format':'backprop-model/1',\n'layers': [1,\n}",
                BP_MODEL_ERROR_PARSE, "model.json:3:");
  expect_error ("", BP_MODEL_ERROR_PARSE, "model.json: empty");
  expect_error ("   \n ", BP_MODEL_ERROR_PARSE, "model.json: empty");
  expect_error (HEAD "'layers':[" L0 "]} trailing", BP_MODEL_ERROR_PARSE, "model.json:1:");
  expect_error (HEAD "'layers':[" L0 "],'x':NaN}", BP_MODEL_ERROR_PARSE, "model.json:1:");
  expect_error (HEAD "'layers':[{'in':0x10,'out':1,'activation':'tanh'}]}",
                BP_MODEL_ERROR_PARSE, "invalid number \"0x10\"");
  expect_error (HEAD "'layers':[{'in':.5,'out':1,'activation':'tanh'}]}",
                BP_MODEL_ERROR_PARSE, "invalid number");
  expect_error (HEAD "\n 'layers':[{'in':2,'out':99999999999999999999,'activation':'tanh'}]}",
                BP_MODEL_ERROR_PARSE, "model.json:2:");
  expect_error (HEAD "'layers':[{'in':2,'out':18446744073709551615,'activation':'tanh'}]}",
                BP_MODEL_ERROR_PARSE, "does not fit in 64 bits");
  expect_error_len (with_nul, sizeof with_nul - 1, BP_MODEL_ERROR_PARSE, "NUL");
  expect_error ("{'format':'backprop-model/1','name':'\xff\xfe','layers':[" L0 "]}",
                BP_MODEL_ERROR_PARSE, "model.json");

  /* Deeply nested junk: refused before json-glib recurses into it. */
  deep = repeat (HEAD "'layers':[" L0 "],'junk':", "[", 200000, "");
  expect_error (deep, BP_MODEL_ERROR_PARSE, "nested more than");
  g_free (deep);
  deep = repeat (HEAD "'layers':[" L0 "],'junk': /* \" */ ", "{'a':", 200000, "");
  expect_error (deep, BP_MODEL_ERROR_PARSE, "nested more than");
  g_free (deep);
  /* json-glib's "//" comment pair: from one slash to the next. */
  deep = repeat (HEAD "'layers':[" L0 "],'junk': / \" / ", "[", 200000, "");
  expect_error (deep, BP_MODEL_ERROR_PARSE, "nested more than");

  /* Brackets inside strings do not count. */
  valid = repeat (HEAD "'layers':[" L0 "],'name':'", "[{", 1000, "'}");
  bp_model_free (load_js (valid));
}

void
test_bad_format (void **state)
{
  expect_error ("[1,2]", BP_MODEL_ERROR_FORMAT, "model.json: expected a JSON object");
  expect_error ("42", BP_MODEL_ERROR_FORMAT, "model.json: expected a JSON object");
  expect_error ("{'layers':[" L0 "]}", BP_MODEL_ERROR_FORMAT, "model.json: missing \"format\"");
  expect_error ("{'format':'backprop-model/2','layers':[" L0 "]}",
                BP_MODEL_ERROR_FORMAT, "format: unknown format \"backprop-model/2\"");
  expect_error ("{'format':'backprop-model/2','layers':[" L0 "]}",
                BP_MODEL_ERROR_FORMAT, "\"backprop-model/1\"");
  expect_error ("{'format':1,'layers':[" L0 "]}", BP_MODEL_ERROR_FORMAT, "format: expected");
}

void
test_bad_layers (void **state)
{
  g_autofree char *many = NULL;

  expect_error (HEAD "'name':'x'}", BP_MODEL_ERROR_INVALID, "model.json: missing \"layers\"");
  expect_error (HEAD "'layers':[]}", BP_MODEL_ERROR_INVALID, "layers: expected 1 to 32 layers, got 0");
  expect_error (HEAD "'layers':{}}", BP_MODEL_ERROR_INVALID, "layers: expected an array");
  expect_error (HEAD "'layers':[5]}", BP_MODEL_ERROR_INVALID, "layer 1 (layers[0] in the file): expected an object, got an integer");

  many = repeat (HEAD "'layers':[{'in':2,'out':2,'activation':'tanh'}",
                 ",{'in':2,'out':2,'activation':'tanh'}", 32, "]}");
  expect_error (many, BP_MODEL_ERROR_INVALID, "layers: expected 1 to 32 layers, got 33");

  expect_error (HEAD "'layers':[{'out':3,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0] in the file): missing \"in\"");
  expect_error (HEAD "'layers':[{'in':2,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0] in the file): missing \"out\"");
  expect_error (HEAD "'layers':[{'in':2,'out':3}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0] in the file): missing \"activation\"");
  expect_error (HEAD "'layers':[{'in':2,'out':'8','activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): expected an integer, got a string");
  expect_error (HEAD "'layers':[{'in':2,'out':2.5,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): expected an integer, got 2.5");
  expect_error (HEAD "'layers':[{'in':2,'out':0,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): 0 is out of range (1 to 4096)");
  expect_error (HEAD "'layers':[{'in':2,'out':4097,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): 4097 is out of range");
  expect_error (HEAD "'layers':[{'in':2,'out':1e12,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): 1000000000000 is out of range");
  expect_error (HEAD "'layers':[{'in':2,'out':-3,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].out in the file): -3 is out of range");
  expect_error (HEAD "'layers':[{'in':-1,'out':3,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].in in the file): -1 is out of range");
  expect_error (HEAD "'layers':[{'in':9223372036854775807,'out':3,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layers[0].in");
  expect_error (HEAD "'layers':[{'in':-1e300,'out':3,'activation':'tanh'}]}",
                BP_MODEL_ERROR_INVALID, "layers[0].in");
  expect_error (HEAD "'layers':[" L0 ",{'in':4,'out':1,'activation':'sigmoid'}]}",
                BP_MODEL_ERROR_INVALID, "layer 2 (layers[1].in in the file): 4 does not match the \"out\" of layer 1, 3");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':true}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].activation in the file): expected a string, got a boolean");
  /* 32 layers of 4096 × 4096 would be 4 GiB of parameters: refused before
   * anything that size is allocated. */
  g_free (many);
  many = repeat (HEAD "'layers':[{'in':4096,'out':4096,'activation':'tanh'}",
                 ",{'in':4096,'out':4096,'activation':'tanh'}", 31, "]}");
  expect_error (many, BP_MODEL_ERROR_INVALID, "layer 2 (layers[1] in the file): the network would have");
}

void
test_bad_weights (void **state)
{
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':{}}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W in the file): expected an array of 3 rows, got an object");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3,4]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W in the file): expected 3 rows (one per output unit), got 2");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3],[5,6]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W[1] in the file): expected 2 numbers, got 1");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3,4],[5,6,7]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W[2] in the file): expected 2 numbers, got 3");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3,4],5]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W[2] in the file): expected an array of 2 numbers");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,'2'],[3,4],[5,6]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W[0][1] in the file): expected a number, got a string");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3,null],[5,6]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].W[1][1] in the file): expected a number, got null");
  expect_error (HEAD "'layers':[" L0W ",{'in':3,'out':1,'activation':'sigmoid',"
                "'W':[[1,2,1e999]]}]}",
                BP_MODEL_ERROR_INVALID, "layer 2 (layers[1].W[0][2] in the file): number too large");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','b':[1,2]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].b in the file): expected 3 numbers, got 2");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','b':[1,2,-1e999]}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].b[2] in the file): number too large");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh','b':'zeros'}]}",
                BP_MODEL_ERROR_INVALID, "layer 1 (layers[0].b in the file): expected an array of 3 numbers, got a string");
}

void
test_bad_ids (void **state)
{
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'swish2'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "layer 1 (layers[0].activation in the file): unknown activation \"swish2\"");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'swish2'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "known activations: sigmoid, tanh");
  expect_error (HEAD "'layers':[" L0 ",{'in':3,'out':1,'activation':'./evil.so'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "layer 2 (layers[1].activation in the file): unknown activation \"./evil.so\"");
  expect_error (HEAD "'layers':[" L0 ",{'in':3,'out':1,'activation':'./evil.so'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "never paths");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'/usr/lib/libevil'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "never paths");
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'C:\\\\evil'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "never paths");
  expect_error (HEAD "'layers':[" L0 "],'cost':'hinge'}",
                BP_MODEL_ERROR_UNKNOWN_ID, "cost: unknown cost \"hinge\"; known costs: mse");
  expect_error (HEAD "'layers':[" L0 "],'cost':{'id':'hinge'}}",
                BP_MODEL_ERROR_UNKNOWN_ID, "cost.id: unknown cost \"hinge\"");
  expect_error (HEAD "'layers':[" L0 "],'cost':'evil.so'}",
                BP_MODEL_ERROR_UNKNOWN_ID, "never paths");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'lbfgs'}}",
                BP_MODEL_ERROR_UNKNOWN_ID, "optimizer.id: unknown optimizer \"lbfgs\"");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'lbfgs'}}",
                BP_MODEL_ERROR_UNKNOWN_ID, "adam");
  /* Messages quote what the file says, escaped and cut short. */
  expect_error (HEAD "'layers':[{'in':2,'out':3,'activation':'a\\nb'}]}",
                BP_MODEL_ERROR_UNKNOWN_ID, "\"a\\nb\"");
}

void
test_bad_cost (void **state)
{
  expect_error (HEAD "'layers':[" L0 "],'cost':'bce'}",
                BP_MODEL_ERROR_INVALID, "model.json: cost: ");
  expect_error (HEAD "'layers':[" L0 "],'cost':'bce'}",
                BP_MODEL_ERROR_INVALID, "sigmoid");
  expect_error (HEAD "'layers':[" L0 "],'cost':5}",
                BP_MODEL_ERROR_INVALID, "cost: expected a cost id or an object");
  expect_error (HEAD "'layers':[" L0 "],'reduction':'max'}",
                BP_MODEL_ERROR_INVALID, "reduction: unknown reduction \"max\"");
  expect_error (HEAD "'layers':[" L0 "],'reduction':1}",
                BP_MODEL_ERROR_INVALID, "reduction: expected a string");
}

void
test_bad_optimizer (void **state)
{
  expect_error (HEAD "'layers':[" L0 "],'optimizer':'adam'}",
                BP_MODEL_ERROR_INVALID, "optimizer: expected an object, got a string");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'sgd','momentum':0.9}}",
                BP_MODEL_ERROR_INVALID,
                "optimizer.momentum: unknown hyperparameter for optimizer \"sgd\" (it has: lr, weight_decay)");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'adam','beta1':1.5}}",
                BP_MODEL_ERROR_INVALID, "optimizer.beta1: 1.5 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'lr':-0.1}}",
                BP_MODEL_ERROR_INVALID, "optimizer.lr: -0.1 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'lr':'fast'}}",
                BP_MODEL_ERROR_INVALID, "optimizer.lr: expected a number, got a string");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'weight_decay':-1}}",
                BP_MODEL_ERROR_INVALID, "optimizer.weight_decay");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':3}}",
                BP_MODEL_ERROR_INVALID, "optimizer.id: expected a string, got an integer");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'momentum','state':[]}}",
                BP_MODEL_ERROR_INVALID, "optimizer.state: expected an object, got an array");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'momentum','state':{'t':-1}}}",
                BP_MODEL_ERROR_INVALID, "optimizer.state.t: -1 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'momentum','state':{'t':1,'v':[1,2]}}}",
                BP_MODEL_ERROR_INVALID, "optimizer.state.v: expected 9 numbers, got 2");
  expect_error (HEAD "'layers':[" L0 "],'optimizer':{'id':'momentum','state':{'t':1,'m':[]}}}",
                BP_MODEL_ERROR_INVALID, "optimizer.state.m: optimizer \"momentum\" keeps no state");
}

void
test_bad_other_fields (void **state)
{
  expect_error (HEAD "'layers':[" L0 "],'name':5}",
                BP_MODEL_ERROR_INVALID, "model.json: name: expected a string, got an integer");
  expect_error (HEAD "'layers':[" L0 "],'description':[]}",
                BP_MODEL_ERROR_INVALID, "description: expected a string, got an array");
  expect_error (HEAD "'layers':[" L0 "],'seed':-1}",
                BP_MODEL_ERROR_INVALID, "seed: -1 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'seed':'lucky'}",
                BP_MODEL_ERROR_INVALID, "seed: expected an integer");
  expect_error (HEAD "'layers':[" L0 "],'seed':1.5}",
                BP_MODEL_ERROR_INVALID, "seed: expected an integer, got 1.5");
  expect_error (HEAD "'layers':[" L0 "],'init':'zeros'}",
                BP_MODEL_ERROR_INVALID, "init: unknown initialisation \"zeros\"");
  expect_error (HEAD "'layers':[" L0 "],'dataset':5}",
                BP_MODEL_ERROR_INVALID, "dataset: expected a dataset name or an object");
  expect_error (HEAD "'layers':[" L0 "],'dataset':{'rows':5}}",
                BP_MODEL_ERROR_INVALID, "dataset: missing \"name\"");
  expect_error (HEAD "'layers':[" L0 "],'dataset':{'name':'xor','rows':-5}}",
                BP_MODEL_ERROR_INVALID, "dataset.rows: -5 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'dataset':{'name':'xor','noise':'lots'}}",
                BP_MODEL_ERROR_INVALID, "dataset.noise: expected a number");
  expect_error (HEAD "'layers':[" L0 "],'dataset':{'name':'xor','test_fraction':1.5}}",
                BP_MODEL_ERROR_INVALID, "dataset.test_fraction: 1.5 is out of range");
  expect_error (HEAD "'layers':[" L0 "],'dataset':{'name':'xor','test_fraction':1}}",
                BP_MODEL_ERROR_INVALID, "dataset.test_fraction: must be less than 1");
  expect_error (HEAD "'layers':[" L0 "],'training':[]}",
                BP_MODEL_ERROR_INVALID, "training: expected an object");
  expect_error (HEAD "'layers':[" L0 "],'training':{'epochs':'x'}}",
                BP_MODEL_ERROR_INVALID, "training.epochs: expected an integer, got a string");
  expect_error (HEAD "'layers':[" L0 "],'training':{'batch_size':0}}",
                BP_MODEL_ERROR_INVALID, "training.batch_size: 0 is out of range");
}

void
test_bad_example (void **state)
{
  expect_error (HEAD "'layers':[" L0 "],'inputs':[[1,2]]}",
                BP_MODEL_ERROR_INVALID, "inputs: given without \"targets\"");
  expect_error (HEAD "'layers':[" L0 "],'targets':[[1,2,3]]}",
                BP_MODEL_ERROR_INVALID, "targets: given without \"inputs\"");
  expect_error (HEAD "'layers':[" L0 "],'inputs':[[1,2],[3,4,5]],'targets':[[1,2,3],[4,5,6]]}",
                BP_MODEL_ERROR_INVALID, "inputs[1]: expected 2 numbers, got 3");
  expect_error (HEAD "'layers':[" L0 "],'inputs':[[1,2],[3,4]],'targets':[[1,2,3]]}",
                BP_MODEL_ERROR_INVALID, "targets: expected 2 rows (one per row of \"inputs\"), got 1");
  expect_error (HEAD "'layers':[" L0 "],'inputs':[],'targets':[]}",
                BP_MODEL_ERROR_INVALID, "inputs: expected 1 to 1000000 rows, got 0");
  expect_error (HEAD "'layers':[" L0 "],'inputs':[[1,2]],'targets':[[1,2,'3']]}",
                BP_MODEL_ERROR_INVALID, "targets[0][2]: expected a number, got a string");
  expect_error (HEAD "'layers':[" L0 "],'inputs':[[1,1e400]],'targets':[[1,2,3]]}",
                BP_MODEL_ERROR_INVALID, "inputs[0][1]: number too large");
  expect_error (HEAD "'layers':[" L0 "],'inputs':{},'targets':[[1,2,3]]}",
                BP_MODEL_ERROR_INVALID, "inputs: expected an array of rows, got an object");
}

void
test_example_and_compat (void **state)
{
  /* Unknown members are ignored; integers are numbers. */
  g_autoptr(BpModel) model = load_js (HEAD "'layers':[{'in':2,'out':3,'activation':'tanh',"
                                      "'dropout':0.5,'W':[[1,2],[3,4],[5,6]]}," L1 "],"
                                      "'cost':'bce','future':{'a':[1,[2,{}]]},"
                                      "'inputs':[[0,1],[1,0]],'targets':[[1],[0]],"
                                      "'dataset':'xor','training':{'epochs':5}}");
  g_autoptr(BpModel) back = NULL;

  assert_int_equal (model->n_samples, 2);
  assert_true (model->inputs[1] == 1.0 && model->inputs[2] == 1.0);
  assert_true (model->targets[0] == 1.0 && model->targets[1] == 0.0);
  assert_true (model->network->layers[0].W[5] == 6.0);
  assert_string_equal (model->dataset, "xor");
  assert_int_equal (model->dataset_rows, 0);
  assert_true (model->dataset_noise < 0);
  assert_int_equal (model->epochs, 5);
  assert_int_equal (model->batch_size, 32);
  back = round_trip (model);
  assert_int_equal (back->n_samples, 2);
}

/* Every byte of json (len bytes) from `from` to before `to`, replaced in
 * turn by each byte of subst: the text loads, or fails with an error that
 * names the file, never both or neither. */
static void
corrupt_each_byte (const char *json,
                   gsize       len,
                   gsize       from,
                   gsize       to,
                   const char *subst)
{
  gsize n_subst = strlen (subst);

  for (gsize i = from; i < to; i++)
    for (gsize k = 0; k < n_subst; k++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(BpModel) m = NULL;
        g_autofree char *bad = g_strdup (json);

        bad[i] = subst[k];
        m = bp_model_load_data (bad, (gssize) len, "bad.json", NULL, &error);
        assert_true ((m == NULL) != (error == NULL));
        if (error != NULL)
          assert_true (g_str_has_prefix (error->message, "bad.json"));
      }
}

/* Smoke test: every prefix of a saved model, and every single-byte
 * corruption of its first part, loads or fails cleanly (ASan checks the
 * rest). */
void
smoke_test_truncations (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autofree char *json = NULL;
  static const char subst[] = "\"[]{},:0-e.x\\/' ";
  gsize len;
  guint loaded = 0;

  model->optimizer->t = 2;
  json = bp_model_to_json (model, &len);
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpModel) m = bp_model_load_data (json, (gssize) n, "cut.json", NULL, &error);

      assert_true ((m == NULL) != (error == NULL));
      loaded += m != NULL;
    }
  corrupt_each_byte (json, len, 0, MIN (len, 600), subst);
  /* Only the whole text (and the text less its final newline) loads. */
  assert_int_equal (loaded, 1);
}

#define PROGRESS(body) HEAD "'layers':[" L0 "," L1 "],'progress':" body "}"
#define OK_START "{'version':1,'steps':6,'epoch':1,'rows':4,'cursor':2,"
#define OK_RNG   "'rng':['1','0','0','0']"

void
test_bad_progress (void **state)
{
  static const struct { const char *json; const char *needle; } cases[] = {
    { PROGRESS ("5"), "model.json: progress: expected an object, got an integer" },
    { PROGRESS ("{'steps':1}"), "progress: missing \"version\"" },
    { PROGRESS ("{'version':0}"), "progress.version: 0 is out of range" },
    { PROGRESS ("{'version':'1'}"), "progress.version: expected an integer, got a string" },
    { PROGRESS ("{'version':1,'steps':6,'epoch':1,'cursor':2," OK_RNG "}"),
      "progress: missing \"rows\"" },
    { PROGRESS ("{'version':1,'steps':6,'epoch':1,'rows':0,'cursor':0," OK_RNG "}"),
      "progress.rows: 0 is out of range" },
    { PROGRESS ("{'version':1,'steps':-1,'epoch':1,'rows':4,'cursor':2," OK_RNG "}"),
      "progress.steps: -1 is out of range" },
    { PROGRESS ("{'version':1,'steps':6,'epoch':1.5,'rows':4,'cursor':2," OK_RNG "}"),
      "progress.epoch: expected an integer, got 1.5" },
    { PROGRESS ("{'version':1,'steps':6,'epoch':1,'rows':4,'cursor':5," OK_RNG "}"),
      "progress.cursor: 5 is out of range (0 to 4)" },
    { PROGRESS (OK_START "'order':[0,1,2,3]}"), "progress: missing \"rng\"" },
    { PROGRESS (OK_START "'rng':['1','0','0']}"), "progress.rng: expected an array of 4 strings" },
    { PROGRESS (OK_START "'rng':['1','0','0',5]}"),
      "progress.rng[3]: expected a string, got an integer" },
    { PROGRESS (OK_START "'rng':['1','xyz','0','0']}"),
      "progress.rng[1]: expected 1 to 16 hex digits, got \"xyz\"" },
    { PROGRESS (OK_START "'rng':['1','-1','0','0']}"),
      "progress.rng[1]: expected 1 to 16 hex digits" },
    { PROGRESS (OK_START "'rng':['1','','0','0']}"),
      "progress.rng[1]: expected 1 to 16 hex digits" },
    { PROGRESS (OK_START "'rng':['10000000000000000','0','0','0']}"),
      "progress.rng[0]: expected 1 to 16 hex digits" },
    { PROGRESS (OK_START "'rng':['0','0','00','0']}"),
      "progress.rng: the generator state is all zero" },
    { PROGRESS (OK_START OK_RNG ",'order':[0,1,2]}"),
      "progress.order: expected 4 row indices (one per row, \"rows\"), got 3" },
    { PROGRESS (OK_START OK_RNG ",'order':{}}"),
      "progress.order: expected an array of 4 row indices, got an object" },
    { PROGRESS (OK_START OK_RNG ",'order':[0,1,1,3]}"),
      "progress.order[2]: row 1 appears twice" },
    { PROGRESS (OK_START OK_RNG ",'order':[0,1,2,4]}"),
      "progress.order[3]: 4 is out of range (0 to 3)" },
    { PROGRESS (OK_START OK_RNG ",'order':[0,1,2,'3']}"),
      "progress.order[3]: expected an integer, got a string" },
    { PROGRESS (OK_START OK_RNG ",'order':[0,1,2,3.5]}"),
      "progress.order[3]: expected an integer, got 3.5" },
    { PROGRESS (OK_START OK_RNG ",'history':[[1,3,1,1,1,1],[1,6,1,1,1,1]]}"),
      "progress.history: 2 epoch records, but \"epoch\" says 1 epochs completed" },
    { PROGRESS (OK_START OK_RNG ",'history':[[1,6,0.5]]}"),
      "progress.history[0]: expected [epoch, step, train_loss" },
    { PROGRESS (OK_START OK_RNG ",'history':{}}"),
      "progress.history: expected an array of epoch records, got an object" },
    { PROGRESS (OK_START OK_RNG ",'history':[[1,6,'a',null,null,null]]}"),
      "progress.history[0][2]: expected a number, got a string" },
    { PROGRESS (OK_START OK_RNG ",'history':[[0,6,1,1,1,1]]}"),
      "progress.history[0][0]: 0 is out of range" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':[]}"),
      "progress.grad_norms: expected an object, got an array" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'layers':2,'records':[]}}"),
      "progress.grad_norms: missing \"stride\"" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':3,'layers':2,'records':[]}}"),
      "progress.grad_norms.stride: 3 is not a power of two" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':0,'layers':2,'records':[]}}"),
      "progress.grad_norms.stride: 0 is out of range" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':3,'records':[]}}"),
      "progress.grad_norms.layers: 3 does not match the 2 layers of the network" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':2}}"),
      "progress.grad_norms: missing \"records\"" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':2,'layers':2,"
                "'records':[[1,1],[1,1],[1,1],[1,1]]}}"),
      "progress.grad_norms.records: 4 records every 2 steps go past step 6" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':2,'records':[[1]]}}"),
      "progress.grad_norms.records[0]: expected 2 numbers, got 1" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':2,'records':[5]}}"),
      "progress.grad_norms.records[0]: expected an array of 2 numbers, got an integer" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':2,'records':[[1,'x']]}}"),
      "progress.grad_norms.records[0][1]: expected a number or null, got a string" },
    { PROGRESS (OK_START OK_RNG ",'grad_norms':{'stride':1,'layers':2,'records':[[1,1e999]]}}"),
      "progress.grad_norms.records[0][1]: number too large" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_error (cases[i].json, BP_MODEL_ERROR_INVALID, cases[i].needle);

  /* The valid base of the cases loads. */
  {
    g_autoptr(BpModel) model = load_js (PROGRESS (OK_START OK_RNG "}"));

    assert_non_null (model->progress);
    assert_int_equal (model->progress->cursor, 2);
  }
}

/* A progress the loader would refuse is not saved. */
void
test_save_refuses_bad_progress (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autofree char *dir = g_dir_make_tmp ("test-model-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);

  /* Gradient norms of 2 layers; the network has 3. */
  model->progress = awkward_progress (2);
  assert_null (bp_model_to_json (model, NULL));
  assert_false (bp_model_save_file (model, path, &error));
  assert_true (g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID));
  assert_non_null (strstr (error->message, "progress.grad_norms"));
  g_clear_error (&error);

  g_clear_pointer (&model->progress, bp_train_progress_free);
  model->progress = awkward_progress (3);
  model->progress->cursor = 8;
  assert_false (bp_model_save_file (model, path, &error));
  assert_non_null (strstr (error->message, "past the 7 rows"));
  assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

/* Smoke test: every single-byte corruption of a saved "progress" loads or
 * fails cleanly, naming the file (ASan checks the rest). */
void
smoke_test_progress_corruptions (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autofree char *json = NULL;
  static const char subst[] = "\"[]{},:0-e.x\\/' 9n";
  const char *start;
  gsize len;

  model->progress = awkward_progress (3);
  json = bp_model_to_json (model, &len);
  start = strstr (json, "\"progress\"");
  assert_non_null (start);
  corrupt_each_byte (json, len, (gsize) (start - json), len, subst);
}
