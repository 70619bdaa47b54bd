#!/usr/bin/env python3
"""Writes the hand-made seeds of corpus/plugin/: byte strings that
fuzz-plugin.c decodes into valid descriptors (its take_* functions consume
one byte per choice, in the order below), so that fuzzing starts from
plugins that reach the numeric check.

    tests/fuzz/gen-plugin-seeds.py tests/fuzz/corpus/plugin
"""
import os
import sys

NAMES = ["", "x", "lr", "alpha", "sigmoid", "softmax", "tanh", "mse", "adam", "v", "m",
         "swish", "a_b_1", "Upper", "9lives", "with space", "weight_decay"]
DOUBLES = [0.0, 1.0, -1.0, 0.5, 0.9, 0.999, 1e-8, 1e-3, 2.0, 1e6, -1e6]


def s(text):
    """take_string: a table name or up to 15 literal bytes."""
    if text is None:
        return bytes([255])
    if text in NAMES:
        return bytes([128 + NAMES.index(text)])
    raw = text.encode()
    assert len(raw) < 16
    return bytes([len(raw)]) + raw


def d(value):
    return bytes([DOUBLES.index(value)])


def header(n_acts, n_costs, n_opts, flags=0, name="seed"):
    return (bytes([flags]) + s(name) + s("1.0") + s(None) + s(None)
            + bytes([n_acts, n_costs, n_opts]))


KEEP = bytes([0])


def named(ident):
    """Display name and formula (needed by a feature that copies no built-in)."""
    return bytes([0]) + s(ident.capitalize()) + bytes([0]) + s("f = " + ident)


def activation(base, ident, params=KEEP, slots=(0, 0, 0, 0, 0, 0)):
    # base (7 = none), id, name/formula (kept, or set when there is no base),
    # params, six function slots
    names = named(ident) if base == 7 else bytes([1, 1])
    return bytes([base, 1]) + s(ident) + names + params + bytes(slots)


def cost(base, ident, output=bytes([0]), slots=(0, 0, 0)):
    return bytes([base, 1]) + s(ident) + bytes([1, 1]) + output + KEEP + bytes(slots)


def optimizer_real(base, ident):
    # keep hyper specs, keep state, keep init and step
    return bytes([base, 1]) + s(ident) + bytes([1]) + KEEP + bytes([0, 1, 0])


def optimizer_fake(ident, step):
    # no base; one hyperparameter "lr" in [0, 1], default 0.5; no state
    hyper = bytes([1, 1]) + s("lr") + d(0.5) + d(0.0) + d(1.0)
    state = bytes([0, 0, 1])          # take state: 0 arrays, not 9×
    return (bytes([4, 1]) + s(ident) + bytes([0]) + s(ident.capitalize()) + hyper + state
            + bytes([1, 1 + step]))


SEEDS = {
    # tanh under another id: passes every check
    "tanh-copy": header(1, 0, 0) + activation(1, "mytanh"),
    # leaky_relu with default alpha 1e6 (the top of its range)
    "leaky-wide": header(1, 0, 0) + activation(3, "leaky2", params=bytes([1]) + d(1e6)),
    # z² with derivative 2z, both fakes: passes
    "square": header(1, 0, 0) + activation(7, "square", slots=(2 + 3, 2 + 3, 0, 0, 0, 0)),
    # f_array that writes one past the end: the guard must see it
    "overrun": header(1, 0, 0) + activation(1, "over", slots=(0, 0, 2 + 2, 0, 0, 0)),
    # identity as a vector activation: vec_forward copy, vec_vjp copy
    "vector-identity": header(1, 0, 0) + activation(7, "vid", slots=(0, 0, 0, 0, 2, 2)),
    # mse under another id, and bce fused with the plugin's own sigmoid copy
    "costs": header(1, 2, 0) + activation(0, "sig2")
             + cost(0, "mse2") + cost(1, "bce2", output=bytes([2, 0])),
    # adam and momentum copies, and a fake descent step
    "optimizers": header(0, 0, 3) + optimizer_real(3, "adam2")
                  + optimizer_real(1, "mom2") + optimizer_fake("descent", 0),
    # a wrong derivative (df = 0 for tanh): refused by the numeric check
    "wrong-derivative": header(1, 0, 0) + activation(1, "bad", slots=(0, 2 + 1, 1, 1, 0, 0)),
    # the built-ins already registered: "tanh" collides
    "collision": header(1, 0, 0, flags=0x10) + activation(1, "tanh"),
}

out = sys.argv[1] if len(sys.argv) > 1 else "corpus/plugin"
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
