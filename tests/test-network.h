/* test-network.h — what the two files of the test-network program share:
 * networks built from a list, random parameters and inputs, and the chain
 * rule's tests for its main.
 */
#pragma once

#include "bp-network.h"
#include "bp-rng.h"

/* A network from a list of widths and activations; parameters left zero,
 * owned by the caller.  The test fails if a layer or the cost is refused. */
BpNetwork *make_net     (gsize               n_in,
                         gsize               n_layers,
                         const gsize        *widths,
                         const char *const  *acts,
                         const char         *cost_id);

/* Glorot-uniform weights times `weight_scale`, biases uniform in
 * ±`bias_range`. */
void       randomize    (BpNetwork          *net,
                         BpRng              *rng,
                         double              weight_scale,
                         double              bias_range);

/* `n` values uniform in [`lo`, `hi`). */
void       fill_uniform (BpRng              *rng,
                         double             *v,
                         gsize               n,
                         double              lo,
                         double              hi);

/* `B` rows of targets that suit the network's cost. */
void       fill_targets (const BpNetwork    *net,
                         BpRng              *rng,
                         double             *y,
                         gsize               B);

/* test-network-chain.c */
void test_chain_rule            (void **state);
void test_delta_terms           (void **state);
void test_delta_terms_errors    (void **state);
void test_chain_fused_saturated (void **state);
void test_chain_errors          (void **state);
