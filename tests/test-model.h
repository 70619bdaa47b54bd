/* test-model.h — what the two files of the test-model program share: the
 * JSON helpers, the awkward model and progress, and the malformed-input
 * tests for its main.
 */
#pragma once

#include <glib.h>

#include "bp-model.h"

/* Model files in the tests are written with ' for " (easier to read in C);
 * these are the pieces most of them start from. */
#define HEAD "{'format':'backprop-model/1',"
#define L0   "{'in':2,'out':3,'activation':'tanh'}"
#define L0W  "{'in':2,'out':3,'activation':'tanh','W':[[1,2],[3,4],[5,6]],'b':[0,0,0]}"
#define L1   "{'in':3,'out':1,'activation':'sigmoid'}"

/* `text` with ' turned into "; the result is owned by the caller. */
char            *js               (const char *text);

/* The model loaded from `json` (from `text` written with '); the test
 * fails if it does not load.  The model is owned by the caller. */
BpModel         *load             (const char *json);
BpModel         *load_js          (const char *text);

/* Loading `json` (`len` bytes, or -1 for up to the NUL; or `text` written
 * with ') must fail with `code`, the message starting with the display
 * name and containing `needle`. */
void             expect_error_len (const char *json,
                                   gssize      len,
                                   int         code,
                                   const char *needle);
void             expect_error     (const char *text,
                                   int         code,
                                   const char *needle);

/* save → load → save of `model`; the loaded model, owned by the caller. */
BpModel         *round_trip       (const BpModel *model);

/* A model (a progress for `n_layers` layers) made of awkward doubles;
 * owned by the caller. */
BpModel         *awkward_model    (void);
BpTrainProgress *awkward_progress (gsize n_layers);

/* test-model-errors.c */
void test_bad_syntax                 (void **state);
void test_bad_format                 (void **state);
void test_bad_layers                 (void **state);
void test_bad_weights                (void **state);
void test_bad_ids                    (void **state);
void test_bad_cost                   (void **state);
void test_bad_optimizer              (void **state);
void test_bad_other_fields           (void **state);
void test_bad_example                (void **state);
void test_example_and_compat         (void **state);
void smoke_test_truncations          (void **state);
void test_bad_progress               (void **state);
void test_save_refuses_bad_progress  (void **state);
void smoke_test_progress_corruptions (void **state);
