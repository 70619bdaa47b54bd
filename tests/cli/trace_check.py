#!/usr/bin/python3
"""trace_check.py — recompute a `backprop trace` from the model file alone.

    trace_check.py MODEL TRACE [--csv CSV --rows N --classes A,B,…]

Reads W, b, each layer's activation (and its parameters), the cost, the
reduction and the batch (the model's inline "inputs"/"targets", or the
first N rows of a CSV whose last column is a class among --classes), and
does the forward and backward pass here, in plain Python floats, with none
of backprop's code: z, a, ∂C/∂a, δ = ∂C/∂z, ∂C/∂W, ∂C/∂b of every layer,
the per-sample losses, the loss and the output.  Every number of the trace
must agree with it; the first that does not is named, with both values, and
the exit status is 1.

Derivatives are computed from z (σ(z)σ(−z), sech²z), costs from z
(log-sum-exp, log1p), sums with math.fsum: exactly rounded references,
not a copy of the program's formulas.  The tolerance is 1e-10 relative per
element, with a floor of 1e-13 of the array's largest element (for sums
that cancel).
"""
import argparse
import csv
import json
import math
import sys

REL = 1e-10
FLOOR = 1e-13


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def sech2(z):
    az = abs(z)
    if az > 350:  # cosh overflows; sech²z = 4e^{−2|z|}/(1+e^{−2|z|})² ≈ 4e^{−2|z|}
        return 4.0 * math.exp(-2.0 * az)
    return 1.0 / math.cosh(z) ** 2


def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


# Elementwise activations: (f, f′), each a function of z and the layer's parameters.
ELEMENTWISE = {
    "sigmoid": (lambda z, p: sigmoid(z), lambda z, p: sigmoid(z) * sigmoid(-z)),
    "tanh": (lambda z, p: math.tanh(z), lambda z, p: sech2(z)),
    "relu": (lambda z, p: z if z > 0 else 0.0, lambda z, p: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z, p: z if z > 0 else p.get("alpha", 0.01) * z,
                   lambda z, p: 1.0 if z > 0 else p.get("alpha", 0.01)),
    "softplus": (lambda z, p: softplus(z), lambda z, p: sigmoid(z)),
    "linear": (lambda z, p: z, lambda z, p: 1.0),
}


def softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = math.fsum(e)
    return [v / s for v in e]


def logsumexp(z):
    m = max(z)
    return m + math.log(math.fsum(math.exp(v - m) for v in z))


def cost_value(cost, z, a, y):
    if cost == "mse":
        return math.fsum(0.5 * (ak - yk) ** 2 for ak, yk in zip(a, y))
    if cost == "bce":
        return math.fsum(max(zk, 0.0) - zk * yk + math.log1p(math.exp(-abs(zk)))
                         for zk, yk in zip(z, y))
    if cost == "softmax_ce":
        lse = logsumexp(z)
        return math.fsum(yk * (lse - zk) for zk, yk in zip(z, y) if yk != 0)
    raise SystemExit("trace_check.py: cost %r is not known here" % cost)


def cost_grad_a(cost, a, y):
    if cost == "mse":
        return [ak - yk for ak, yk in zip(a, y)]
    if cost == "bce":
        return [(-yk / ak if yk != 0 else 0.0) + ((1 - yk) / (1 - ak) if yk != 1 else 0.0)
                for ak, yk in zip(a, y)]
    if cost == "softmax_ce":
        return [-yk / ak if yk != 0 else 0.0 for ak, yk in zip(a, y)]
    raise SystemExit("trace_check.py: cost %r is not known here" % cost)


# A cost with a fused ∂l/∂z, used when the output layer has its activation.
FUSED = {
    "bce": ("sigmoid", lambda z, y: [sigmoid(zk) - yk for zk, yk in zip(z, y)]),
    "softmax_ce": ("softmax", lambda z, y: [pk * math.fsum(y) - yk
                                            for pk, yk in zip(softmax(z), y)]),
}


def layer_params(layer):
    return {k: v for k, v in layer.items()
            if k not in ("in", "out", "activation", "W", "b") and isinstance(v, (int, float))}


def forward_layer(layer, x):
    W, b = layer["W"], layer["b"]
    z = [math.fsum([bj] + [w * xk for w, xk in zip(row, x)]) for row, bj in zip(W, b)]
    act = layer["activation"]
    if act == "softmax":
        return z, softmax(z)
    f = ELEMENTWISE[act][0]
    p = layer_params(layer)
    return z, [f(v, p) for v in z]


def backward_act(layer, z, a, g):
    act = layer["activation"]
    if act == "softmax":
        dot = math.fsum(ak * gk for ak, gk in zip(a, g))
        return [ak * (gk - dot) for ak, gk in zip(a, g)]
    df = ELEMENTWISE[act][1]
    p = layer_params(layer)
    return [df(v, p) * gk for v, gk in zip(z, g)]


def reference(model, xs, ys):
    layers = model["layers"]
    cost = model["cost"]["id"] if isinstance(model["cost"], dict) else model["cost"]
    B, N = len(xs), len(layers)
    scale = 1.0 / B if model.get("reduction", "mean") == "mean" else 1.0
    ref = {"layers": [{"z": [], "a": [], "dC_da": [None] * B, "dC_dz": [None] * B}
                      for _ in layers]}
    for x in xs:
        for l, layer in enumerate(layers):
            z, a = forward_layer(layer, x)
            ref["layers"][l]["z"].append(z)
            ref["layers"][l]["a"].append(a)
            x = a
    last = ref["layers"][-1]
    ref["per_sample_loss"] = [cost_value(cost, z, a, y) for z, a, y in zip(last["z"], last["a"], ys)]
    ref["loss"] = scale * math.fsum(ref["per_sample_loss"])
    ref["output"] = last["a"]
    fused = cost in FUSED and FUSED[cost][0] == layers[-1]["activation"]
    for s in range(B):
        z, a, y = last["z"][s], last["a"][s], ys[s]
        last["dC_da"][s] = [scale * g for g in cost_grad_a(cost, a, y)]
        if fused:
            last["dC_dz"][s] = [scale * g for g in FUSED[cost][1](z, y)]
        else:
            last["dC_dz"][s] = backward_act(layers[-1], z, a, last["dC_da"][s])
        for l in range(N - 1, 0, -1):
            delta = ref["layers"][l]["dC_dz"][s]
            W = layers[l]["W"]
            g = [math.fsum(W[j][k] * delta[j] for j in range(len(W)))
                 for k in range(len(W[0]))]
            ref["layers"][l - 1]["dC_da"][s] = g
            ref["layers"][l - 1]["dC_dz"][s] = backward_act(
                layers[l - 1], ref["layers"][l - 1]["z"][s], ref["layers"][l - 1]["a"][s], g)
    for l, L in enumerate(ref["layers"]):
        prev = xs if l == 0 else ref["layers"][l - 1]["a"]
        n_in = len(prev[0])
        L["dW"] = [[math.fsum(L["dC_dz"][s][j] * prev[s][k] for s in range(B))
                    for k in range(n_in)] for j in range(len(layers[l]["b"]))]
        L["db"] = [math.fsum(L["dC_dz"][s][j] for s in range(B)) for j in range(len(layers[l]["b"]))]
    return ref


def flatten(v):
    if isinstance(v, list):
        out = []
        for e in v:
            out.extend(flatten(e))
        return out
    return [v]


class Mismatch(Exception):
    pass


def compare(where, got, want):
    """Every element of `got` against `want`, which must have the same shape."""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            raise Mismatch("%s: shape %s, expected %d elements"
                           % (where, "scalar" if not isinstance(got, list) else len(got), len(want)))
    biggest = max([abs(v) for v in flatten(want)] + [0.0])
    count = 0

    def walk(path, g, w):
        nonlocal count
        if isinstance(w, list):
            for i, (gi, wi) in enumerate(zip(g, w)):
                walk(path + "[%d]" % i, gi, wi)
            return
        if not isinstance(g, (int, float)) or not math.isfinite(g):
            raise Mismatch("%s = %r, expected %.17g" % (path, g, w))
        tol = REL * abs(w) + FLOOR * biggest
        if not abs(g - w) <= tol:
            raise Mismatch("%s = %.17g, expected %.17g (|diff| %.3g > %.3g)"
                           % (path, g, w, abs(g - w), tol))
        count += 1

    walk(where, got, want)
    return count


def csv_batch(path, rows, classes):
    with open(path) as f:
        data = list(csv.reader(f))[1:1 + rows]
    xs = [[float(v) for v in r[:-1]] for r in data]
    ys = [[1.0 if r[-1] == c else 0.0 for c in classes] for r in data]
    return xs, ys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("trace")
    ap.add_argument("--csv")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--classes")
    args = ap.parse_args()

    with open(args.model) as f:
        model = json.load(f)
    with open(args.trace) as f:
        trace = json.load(f)

    if args.csv:
        xs, ys = csv_batch(args.csv, args.rows, args.classes.split(","))
    else:
        xs, ys = model["inputs"], model["targets"]
    for layer in model["layers"]:
        if "W" not in layer or "b" not in layer:
            raise SystemExit("trace_check.py: %s: every layer needs its W and b inline" % args.model)

    ref = reference(model, xs, ys)
    n = 0
    try:
        if "inputs" in trace or "targets" in trace:
            if trace.get("inputs") != xs or trace.get("targets") != ys:
                raise Mismatch("the trace's inputs/targets are not the batch read here")
        if len(trace["layers"]) != len(ref["layers"]):
            raise Mismatch("%d layers, expected %d" % (len(trace["layers"]), len(ref["layers"])))
        n += compare("loss", trace["loss"], ref["loss"])
        n += compare("per_sample_loss", trace["per_sample_loss"], ref["per_sample_loss"])
        n += compare("output", trace["output"], ref["output"])
        for l, (got, want) in enumerate(zip(trace["layers"], ref["layers"])):
            for key in ("z", "a", "dC_da", "dC_dz", "dW", "db"):
                n += compare("layers[%d].%s" % (l, key), got[key], want[key])
    except Mismatch as e:
        print("trace_check.py: %s: %s" % (args.trace, e), file=sys.stderr)
        return 1
    print("trace_check.py: %d numbers agree" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
