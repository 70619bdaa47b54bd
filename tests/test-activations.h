/* test-activations.h — what the two files of the test-activations program
 * share: the built-ins by id, and the costs' tests for its main.
 */
#pragma once

#include "bp-registry.h"

/* The built-in activation (cost) of that id; the test fails without it. */
const BpActivationDesc *act  (const char *id);
const BpCostDesc       *cost (const char *id);

/* test-activations-costs.c */
void test_costs_confident  (void **state);
void test_cost_mse         (void **state);
void test_cost_bce         (void **state);
void test_cost_bce_stable  (void **state);
void test_cost_softmax_ce  (void **state);
