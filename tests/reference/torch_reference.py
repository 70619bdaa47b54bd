#!/usr/bin/python3
"""torch_reference.py — an independent float64 check of Backprop Studio's
forward pass, backward pass and optimizers against PyTorch autograd.

    torch_reference.py --backprop PATH [--count N] [--seed S] [--workdir DIR]
                       [--only I] [--max-failures M] [-v]
    torch_reference.py --backprop PATH --model FILE [--model FILE…] [--steps K] [-v]
    torch_reference.py --self-test [--count N] [--seed S]
    torch_reference.py --layers … (any of the above: issue 13's layer
                       types, see torch_layers.py; --eval with --model)

The first form checks fixed networks with every layer saturated at
|z| ≈ 15, 20, 25, 30 (sigmoid and tanh hidden layers; sigmoid/mse,
sigmoid/bce and softmax/softmax_ce outputs; every optimizer), then
generates N random networks (depth 1-5, widths 1-7, inputs
1-5, batch 1-6, random activations, a cost consistent with the output
layer, reduction mean/sum/default, a random optimizer with random
hyperparameters, weight_decay sometimes 0), writes each as a model file
DIR/net-SSSS-IIII.json (floats via repr(), so they round-trip), and checks

  * `backprop trace MODEL` — loss, per_sample_loss, output and, for every
    layer, z, a, dC_da, dC_dz, dW, db — against torch autograd
    (retain_grad() on every z and a);
  * `backprop train MODEL --steps K -o OUT` (K in 1..5) — every W and b of
    OUT against K steps of the matching torch.optim optimizer.

Each element is judged on its own: it passes when
|ours - ref| <= 1e-9 * |ref| + K_NOISE * noise, where noise is that
element's measured rounding noise: the largest change of it in two runs
of the same torch graph with relative noise of 1e-14 (~45 ulp) put on every
weight, bias and input as used and on every intermediate value, forward
and backward (class Noise).  So a derivative
of 1e-17 in a saturated unit is judged against 1e-17, not against the
array's largest element.  A missing key, a shape mismatch or a
non-finite value fails.  The reference derivatives are exact at
saturation (σ(z)σ(-z), sech² z, the softmax VJP as a_i Σ_j a_j (g_i - g_j)),
never torch's own a(1 - a) and 1 - a², which lose every digit where a
rounds to ±1.  Network I of seed S is the same on every run (numpy
Generator seeded with [S, I]); `--only I` re-runs one (without the fixed
networks), `--no-fixed` skips the fixed networks, `--model FILE --steps K`
checks a given file.

The second form checks the reference itself without the CLI: precision of
the torch pieces it relies on, gradcheck of the torch graph, the torch
trace against an independent numpy implementation of the contract's
formulas, and torch.optim against the formulas of core/bp-optimizer.h.

What the networks contain: mixed scales of weights and inputs; saturated
units (|z| 12-30; sigmoid and softplus bands far negative, softplus just
around z = 20); relu/leaky_relu units exactly at the kink (z == 0 from zero
weights or zero inputs: relu'(0) = 0, leaky'(0) = alpha in torch as in the
contract) or at least 1e-3 of their range away from it; leaky alpha given
or left at its default; bce with 0/1 or soft labels, softmax_ce with
one-hot or soft (dyadic, summing to exactly 1) targets, mse on any output
incl. softmax, sometimes with targets close to the output.  A few networks
focus on an edge: softplus outputs around z = 20 ("softplus_edge"), relu/
leaky-only networks with many exact kinks ("kinks"), saturated bce/
softmax_ce outputs with wrong labels (large, well-conditioned losses).

Numerics of the reference, and why:

  * softplus is log(1 + e^z) to full precision, as -logsigmoid(-z): never
    torch.nn.functional.softplus (it returns z above 20), nor
    torch.logaddexp(0, z) (torch 1.13 computes it with log, not log1p:
    logaddexp(0, -40) == 0).
  * bce and softmax_ce are evaluated from z (l = y softplus(-z) +
    (1-y) softplus(z);  l = -Σ y log_softmax(z) with a log1p form), so the
    loss is exact also at saturation.
  * softmax_ce's backward is a custom Function, a Σy - y with the
    dominant unit's entry as minus the others': autograd through the
    log1p form adds -1 + 1 + ... for it and is an ulp of 1 off where the
    value is 1e-13.
  * The output layer's dC_da for bce is computed from z as well,
    (-y/σ(z) + (1-y)/σ(-z))/B, as the contract does: from a rounded a,
    1 - a is 0 at z = 40.
  * What the noise runs cannot see is a cancellation inside one torch
    operation (as in the two points above); the fixed saturated networks
    are where such a reference error would show, as a failure.
  * No draw is set aside for its conditioning: ill-conditioned elements
    get a large measured noise instead.  Only a candidate whose training
    diverges (|z| > 35 or parameters growing 1e4-fold even at a tenth of
    the learning rate, three times) is redrawn; the run fails when more
    than MAX_REDRAWN of the networks needed a redraw, and says which.
    Saturated sigmoid/tanh/softmax units are drawn under every optimizer
    (under adam and rmsprop, g/(sqrt(v) + eps) makes the relative error of
    a tiny gradient visible), and a layer may be saturated throughout.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover
    sys.stderr.write("torch_reference.py: FAILED: numpy is not importable by %s; this\n"
                     "reference test needs it (apt install python3-numpy python3-torch)\n"
                     % sys.executable)
    sys.exit(1)

import torch_exact
from torch_exact import (Noise, forward, log_softmax_exact, model_parts, per_sample_loss,
                         softplus_exact, t_act, torch_trace, torch_train)

torch = None


def import_torch():
    global torch
    try:
        import torch as _torch
    except ImportError as e:
        sys.stderr.write(
            "torch_reference.py: FAILED: PyTorch is not importable by %s (%s).\n"
            "This reference test needs it: install Debian's python3-torch\n"
            "(apt install python3-torch) — the README's test command does.\n"
            % (sys.executable, e))
        sys.exit(1)
    torch = _torch
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch_exact.init(torch)


RTOL = 1e-9

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax"]
KINKED = ("relu", "leaky_relu")
OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]


# --------------------------------------------------------------- generation

def np_act(name, z, alpha):
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(name)


def log_uniform(rng, lo, hi, size=None):
    return 10.0 ** rng.uniform(math.log10(lo), math.log10(hi), size)


def gen_row(rng, A, kind, act, kink_margin):
    """One unit's weights and bias for previous activations A (B x in)."""
    B, n_in = A.shape
    if kind == "zero":
        return np.zeros(n_in), 0.0
    if kind == "partial":
        # reads only a column with exact zeros in some samples: z == 0 there
        cols = [k for k in range(n_in)
                if np.any(A[:, k] == 0.0) and np.any(A[:, k] != 0.0)]
        k = cols[rng.integers(len(cols))]
        w = np.zeros(n_in)
        w[k] = rng.choice([-1.0, 1.0]) * log_uniform(rng, 0.3, 4.0) / np.max(np.abs(A[:, k]))
        return w, 0.0
    for _attempt in range(40):
        w = rng.standard_normal(n_in) * log_uniform(rng, 0.03, 3.0, n_in)
        if n_in > 1 and rng.random() < 0.15:
            w[rng.integers(n_in)] = 0.0
        bj = rng.standard_normal() * log_uniform(rng, 0.03, 3.0)
        if rng.random() < 0.1:
            bj = 0.0
        raw = A @ w + bj
        if kind in BANDS:
            # every sample's z inside a band (sigmoid far negative; softplus
            # far negative, or just around 20 where a cut-off would be)
            lo, hi = BANDS[kind]
            span = np.max(raw) - np.min(raw)
            if span > 0:
                s = min(1.0, rng.uniform(0.3, 1.0) * (hi - lo) / span)
                w, bj, raw = w * s, bj * s, raw * s
                span = span * s
            bj = bj + rng.uniform(lo, hi - span) - np.min(raw)
            z = A @ w + bj
            if np.max(np.abs(A) @ np.abs(w) + abs(bj)) > 30.0 * np.max(np.abs(z)):
                continue
            return w, bj
        m = np.max(np.abs(raw))
        if not np.isfinite(m) or m < 1e-8:
            continue
        if kind == "dominant":
            # a softmax_ce output unit far ahead of the others: the right
            # class's δ = -Σ_others a is 1e-7…1e-13, a_m - 1 would be 1e-3 off
            t = rng.uniform(15.0, 30.0)
        elif kind == "sat" and act == "softmax":
            # one unit dominating the others by up to ~30: a_i(g_i - a.g)
            # of the dominant unit would lose ~eps*e^gap of its precision
            t = rng.uniform(5.0, 30.0)
        elif kind == "sat":
            t = rng.uniform(12.0, 30.0)
        elif kind == "small":
            t = log_uniform(rng, 1e-3, 0.1)
        elif kind == "out":   # bce / softmax_ce outputs: moderate
            t = log_uniform(rng, 0.3, 4.0)
        else:
            t = log_uniform(rng, 0.3, 4.0)
        s = t / m
        w, bj = w * s, bj * s
        z = A @ w + bj
        if act in KINKED and np.min(np.abs(z)) < kink_margin * np.max(np.abs(z)):
            continue
        # no heavy cancellation in z (it would make z ill-conditioned)
        if np.max(np.abs(A) @ np.abs(w) + abs(bj)) > 30.0 * np.max(np.abs(z)):
            continue
        # weights on inputs that are 0 in every sample do not change z:
        # keep them at an ordinary scale (training moves those inputs)
        dead = np.all(A == 0.0, axis=0)
        w[dead] = rng.standard_normal(int(dead.sum())) * log_uniform(rng, 0.03, 3.0)
        return w, bj
    return None


# z ranges of the "band" unit kinds: well conditioned in every sample, so a
# whole layer may be made of them
BANDS = {"satneg": (-30.0, -12.0), "sp_low": (-30.0, -12.0), "sp_high": (18.0, 23.0),
         "bce_low": (-30.0, -16.0), "bce_high": (16.0, 30.0)}


def choose_kinds(rng, out, act, A, role, smooth, focus=None):
    kinds = []
    has_partial_col = any(np.any(A[:, k] == 0.0) and np.any(A[:, k] != 0.0)
                          for k in range(A.shape[1]))
    for _ in range(out):
        r = rng.random()
        if role in ("bce", "softmax_ce"):
            kinds.append("out")
        elif smooth:
            kinds.append("normal")
        elif act in KINKED and r < (0.15 if focus == "kinks" else 0.08):
            kinds.append("zero")
        elif act in KINKED and has_partial_col and r < (0.5 if focus == "kinks" else 0.22):
            kinds.append("partial")
        elif act == "softplus" and r < 0.35:
            kinds.append("sp_high" if rng.random() < 0.5 else "sp_low")
        elif r < 0.40:
            kinds.append("sat" if act != "sigmoid" or rng.random() < 0.6 else "satneg")
        elif r < 0.50:
            kinds.append("small")
        else:
            kinds.append("normal")
    return kinds


REDRAWN = []              # (network index, why) of diverging candidates
MAX_REDRAWN = 0.05        # fraction of the networks that may need a redraw
NOISE = 1e-14             # relative, on every intermediate value (~45 ulp)
K_NOISE = 30              # tolerance: 1e-9 |ref| + K_NOISE * measured noise
NOISE_RUNS = 2


def trace_arrays(t):
    """The compared arrays of a trace as a flat {name: ndarray}."""
    d = {"loss": t["loss"], "per_sample_loss": t["per_sample_loss"], "output": t["output"]}
    for i, L in enumerate(t["layers"]):
        for key, v in L.items():
            d["layers[%d].%s" % (i, key)] = v
    return {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=float)
            for k, v in d.items()}


def measured_noise(ref, runs):
    """Element-wise max |run - ref| over the noisy runs: dicts of arrays."""
    out = {}
    for k, r in ref.items():
        n = np.zeros_like(r)
        for run in runs:
            d = np.abs(run[k] - r)
            n = np.maximum(n, np.where(np.isfinite(d), d, np.inf))
        out[k] = n
    return out


def reference(model, steps, seed):
    """The exact trace and trained parameters with their element-wise noise:
    (trace arrays, trace noise, [params], [params noise])."""
    ref = trace_arrays(torch_trace(model))
    runs = [trace_arrays(torch_trace(model, noise=Noise(seed + 2 * k, NOISE)))
            for k in range(NOISE_RUNS)]
    ps, _ = torch_train(model, steps)
    ps = [p.numpy() for p in ps]
    pruns = []
    for k in range(NOISE_RUNS):
        q, _ = torch_train(model, steps, noise=Noise(seed + 2 * k + 1, NOISE))
        pruns.append({str(i): p.numpy() for i, p in enumerate(q)})
    pn = measured_noise({str(i): p for i, p in enumerate(ps)}, pruns)
    return ref, measured_noise(ref, runs), ps, [pn[str(i)] for i in range(len(ps))]


def gen_network(rng, smooth=False, index=None):
    """A random network with its batch and a number of training steps K
    whose trajectory stays bounded: (model dict, K).  A diverging
    candidate is redrawn and recorded in REDRAWN."""
    for _candidate in range(50):
        model = gen_model(rng, smooth)
        steps = int(rng.integers(1, 6))
        stable = False
        for _attempt in range(8):
            params, maxz = torch_train(model, steps)
            big = max(float(p.abs().max()) for p in params)
            big0 = max(float(np.max(np.abs(L["W"]))) for L in model["layers"])
            if math.isfinite(maxz) and maxz <= 35.0 and big <= 1e4 * (1.0 + big0):
                stable = True
                break
            model["optimizer"]["lr"] = model["optimizer"]["lr"] * 0.1
        if not stable:
            REDRAWN.append((index, "training diverges even at lr %.3g (max |z| %.3g): %s"
                            % (model["optimizer"]["lr"], maxz, describe(model))))
            continue
        return model, steps
    raise RuntimeError("no stable network in 50 candidates")


def gen_model(rng, smooth):
    opt_id = OPTIMIZERS[rng.integers(len(OPTIMIZERS))]
    n_in = int(rng.integers(1, 6))
    depth = int(rng.integers(1, 6))
    widths = [int(rng.integers(1, 8)) for _ in range(depth)]
    B = int(rng.integers(1, 7))
    r = rng.random()
    cost = "mse" if r < 0.5 else ("bce" if r < 0.75 else "softmax_ce")
    acts = [ACTS[rng.integers(len(ACTS))] for _ in range(depth)]
    # a few networks focus on an edge of the contract
    focus = None
    if not smooth:
        r = rng.random()
        focus = "softplus_edge" if r < 0.08 else ("kinks" if r < 0.16 else None)
    if focus == "softplus_edge":
        # softplus output near z = 20 (or far negative) and targets close
        # to the output: a cut-off log(1+e^z) ≈ z, or log(1+e^z) computed
        # without log1p, shows in the loss and dC/da
        cost = "mse"
        acts[-1] = "softplus"
    elif focus == "kinks":
        acts = [("relu", "leaky_relu")[rng.integers(2)] for _ in range(depth)]
        if cost != "mse":
            acts[-1] = "sigmoid"
    if cost == "bce":
        acts[-1] = "sigmoid"
    elif cost == "softmax_ce":
        acts[-1] = "softmax"
    kink_margin = 0.05 if smooth else 1e-3

    X = rng.standard_normal((B, n_in)) * log_uniform(rng, 0.03, 10.0, n_in)
    if not smooth:
        X[rng.random((B, n_in)) < (0.3 if focus == "kinks" else 0.12)] = 0.0
    layers = []
    A = X
    zs = []
    for l in range(depth):
        act = acts[l]
        out = widths[l]
        alpha = None
        if act == "leaky_relu" and rng.random() < 0.7:
            alpha = float(rng.choice([rng.uniform(0.001, 0.5), 0.2, 0.01]))
        last = l == depth - 1
        role = cost if last and cost != "mse" else "hidden"
        kinds = choose_kinds(rng, out, act, A, role, smooth, focus)
        if last and focus == "softplus_edge":
            kinds = [("sp_high", "sp_high", "sp_low", "normal")[rng.integers(4)]
                     for _ in range(out)]
        stress = False
        if last and not smooth and cost == "bce" and rng.random() < 0.25:
            # saturated output units, every sample on the same side: with
            # the wrong labels δ = (a - y)/B has one sign, Σ_s δ_s does not
            # cancel
            stress = True
            kinds = [("bce_low", "bce_high", "out")[rng.integers(3)] for _ in range(out)]
            kinds[rng.integers(out)] = ("bce_low", "bce_high")[rng.integers(2)]
        if last and not smooth and cost == "softmax_ce" and out >= 2 and rng.random() < 0.25:
            stress = True
            kinds = ["out"] * out
            kinds[rng.integers(out)] = "sat" if rng.random() < 0.5 else "dominant"
        W = np.zeros((out, A.shape[1]))
        b = np.zeros(out)
        for j in range(out):
            res = gen_row(rng, A, kinds[j], act, kink_margin)
            if res is None:        # could not keep away from the kink
                kinds[j] = "zero"
                res = (np.zeros(A.shape[1]), 0.0)
            W[j], b[j] = res
        Z = A @ W.T + b
        A = np_act(act, Z, 0.01 if alpha is None else alpha)
        zs.append(Z)
        layer = {"in": int(W.shape[1]), "out": out, "activation": act}
        if alpha is not None:
            layer["alpha"] = alpha
        layer["W"] = W.tolist()
        layer["b"] = b.tolist()
        layers.append(layer)
    Zout = zs[-1]
    out = widths[-1]

    # targets
    if cost == "mse":
        if acts[-1] in ("sigmoid", "softmax"):
            Y = rng.uniform(0.0, 1.0, (B, out))
        else:
            Y = rng.standard_normal((B, out)) * log_uniform(rng, 0.1, 5.0)
        if not smooth and (rng.random() < 0.3 or focus == "softplus_edge"):
            # targets close to the output: a - y is small, so the loss and
            # dC/da magnify the output's own relative error ~|a|/|a - y| times
            scale = np.maximum(np.abs(A), 1e-3)
            Y = A + rng.choice([-1.0, 1.0], A.shape) * scale * log_uniform(rng, 1e-3, 1e-1, A.shape)
    elif cost == "bce":
        if rng.random() < 0.5:
            Y = (rng.random((B, out)) < 0.5).astype(float)
        else:
            Y = rng.uniform(0.0, 1.0, (B, out))
        if stress:
            # saturated units get the wrong label (a large loss, δ ≈ ±1/B)
            # or, in some columns, the right one (a loss and δ = -σ(-|z|)/B
            # of 1e-7…1e-13, exact only from z)
            big = np.abs(Zout) > 10.0
            right = np.broadcast_to(rng.random(out) < 0.35, Zout.shape)
            Y[big & ~right] = (Zout[big & ~right] < 0).astype(float)
            Y[big & right] = (Zout[big & right] > 0).astype(float)
    else:
        Y = np.zeros((B, out))
        for s in range(B):
            allowed = list(range(out))
            if stress:
                # the dominant unit wrong (a large loss), or right: then its
                # δ is -Σ of the others' tiny a, exact only as that sum
                amax = int(np.argmax(Zout[s]))
                if rng.random() < 0.4:
                    Y[s, amax] = 1.0
                    continue
                allowed = [k for k in allowed if k != amax]
            if rng.random() < 0.5:
                Y[s, allowed[rng.integers(len(allowed))]] = 1.0
            else:
                # dyadic soft target: sums to exactly 1
                M = 1024
                cuts = np.sort(rng.integers(0, M + 1, len(allowed) - 1))
                parts = np.diff(np.concatenate([[0], cuts, [M]]))
                for k, p in zip(allowed, parts):
                    Y[s, k] = p / M

    opt = gen_optimizer(rng, opt_id)

    model = {"format": "backprop-model/1", "name": "torch-reference",
             "description": "random network for tests/reference/torch_reference.py",
             "seed": 0, "layers": layers, "cost": cost}
    r = rng.random()
    if r < 0.3:
        pass                                  # the default, mean
    elif r < 0.6:
        model["reduction"] = "mean"
    else:
        model["reduction"] = "sum"
    model["optimizer"] = opt
    model["inputs"] = X.tolist()
    model["targets"] = Y.tolist()
    return model


def gen_optimizer(rng, opt_id):
    """The optimizer of a random network: opt_id with random hyperparameters,
    weight decay 0 in about 40 % of them."""
    opt = {"id": opt_id}
    if opt_id in ("sgd", "momentum"):
        opt["lr"] = float(log_uniform(rng, 1e-3, 0.3))
    else:
        opt["lr"] = float(log_uniform(rng, 1e-4, 0.03))
    if opt_id == "momentum":
        opt["momentum"] = float(rng.uniform(0.0, 0.99))
    if opt_id == "rmsprop":
        opt["alpha"] = float(rng.uniform(0.8, 0.999))
        opt["eps"] = float(log_uniform(rng, 1e-10, 1e-6))
    if opt_id == "adam":
        opt["beta1"] = float(rng.uniform(0.5, 0.99))
        opt["beta2"] = float(rng.uniform(0.9, 0.9999))
        opt["eps"] = float(log_uniform(rng, 1e-10, 1e-6))
    opt["weight_decay"] = 0.0 if rng.random() < 0.4 else float(log_uniform(rng, 1e-4, 0.1))
    return opt


# --------------------------------------------------------------- comparison

class Checker:
    def __init__(self, max_failures):
        self.n_arrays = 0
        self.n_elements = 0
        self.max_ratio = 0.0      # max |ours - ref| / tolerance (<= 1 passes)
        self.max_noise_ratio = 0.0  # max |ours - ref| / noise, where noise > 0
        self.max_noise_rel = 0.0  # max noise / |ref|: how noisy the elements were
        self.worst_where = None
        self.worst_noise_where = None
        self.net_max = 0.0        # max ratio of the current network
        self.failures = []
        self.max_failures = max_failures

    def fail(self, where, name, msg):
        self.failures.append((where, name, msg))

    def compare(self, where, name, ours, ref, noise):
        """ours: a JSON value (or None if missing); ref, noise: arrays."""
        self.n_arrays += 1
        ref = np.asarray(ref, dtype=float)
        noise = np.asarray(noise, dtype=float)
        if ours is None:
            self.fail(where, name, "missing from our output")
            return
        arr = to_array(ours)
        if arr is None:
            self.fail(where, name, "not a (rectangular) array of numbers: %s" % short(ours))
            return
        if arr.shape != ref.shape:
            self.fail(where, name, "shape %s, expected %s" % (arr.shape, ref.shape))
            return
        if not np.all(np.isfinite(arr)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            self.fail(where, name, "non-finite value at %s: ours %r, ref %r"
                      % (idx, arr[idx], ref[idx]))
            return
        if ref.size == 0:
            return
        self.n_elements += ref.size
        err = np.abs(arr - ref)
        tol = RTOL * np.abs(ref) + K_NOISE * noise
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(err == 0.0, 0.0, err / tol)
            nr = np.where(noise > 0, err / noise, 0.0)
            rel = np.where(ref != 0, noise / np.abs(ref), 0.0)
        worst = float(np.max(ratio))
        if float(np.max(nr)) > self.max_noise_ratio:
            self.max_noise_ratio = float(np.max(nr))
            i = np.unravel_index(int(np.argmax(nr)), nr.shape)
            self.worst_noise_where = ("%s %s%s: ours %r, ref %r, noise %.3g"
                                      % (where.split(" ")[0], name, list(map(int, i)),
                                         float(arr[i]), float(ref[i]), float(noise[i])))
        self.max_noise_rel = max(self.max_noise_rel, float(np.max(rel[np.isfinite(rel)]))
                                 if np.any(np.isfinite(rel)) else 0.0)
        self.net_max = max(self.net_max, worst)
        if worst > self.max_ratio:
            self.max_ratio = worst
            self.worst_where = "%s %s" % (where.split(" ")[0], name)
        if not worst <= 1.0:
            idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
            self.fail(where, name,
                      "element %s: ours %r, ref %r, |diff| %.3g > tolerance %.3g "
                      "(1e-9|ref| + %d x measured noise %.3g)"
                      % (idx, float(arr[idx]), float(ref[idx]), float(err[idx]),
                         float(tol[idx]), K_NOISE, float(noise[idx])))


def to_array(v):
    def ok(x):
        if isinstance(x, list):
            return all(ok(e) for e in x)
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    if not ok(v):
        return None
    try:
        a = np.array(v, dtype=float)
    except (ValueError, TypeError):
        return None
    if a.dtype == object:
        return None
    return a


def short(v, n=120):
    s = json.dumps(v)
    return s if len(s) <= n else s[:n] + "…"


class RunFailure:
    def __init__(self, msg):
        self.returncode = -1
        self.stdout = b""
        self.stderr = msg.encode()


def run(cmd):
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return RunFailure("could not run %s: %s" % (cmd[0], e))


def run_json(chk, where, cmd):
    """Runs `backprop CMD…`; its stdout as a JSON object, or None after
    recording a failure."""
    p = run(cmd)
    if p.returncode != 0:
        chk.fail(where, cmd[1], "`backprop %s` exited %d: %s"
                 % (cmd[1], p.returncode, p.stderr.decode(errors="replace").strip()[:500]))
        return None
    try:
        ours = json.loads(p.stdout)
    except ValueError as e:
        chk.fail(where, cmd[1], "output is not JSON (%s): %s"
                 % (e, p.stdout.decode(errors="replace")[:300]))
        return None
    if not isinstance(ours, dict):
        chk.fail(where, cmd[1], "output is not a JSON object")
        return None
    return ours


def check_trace_head(chk, path, ours, ref, noise, n):
    """The format, loss, per_sample_loss and output of a trace; its list
    of n layers, or None after recording a failure."""
    if ours.get("format") != "backprop-trace/1":
        chk.fail(path, "trace.format", "expected \"backprop-trace/1\", got %s"
                 % short(ours.get("format")))
    loss = ours.get("loss")
    chk.compare(path, "loss", [loss] if loss is not None else None, ref["loss"], noise["loss"])
    for key in ("per_sample_loss", "output"):
        chk.compare(path, key, ours.get(key), ref[key], noise[key])
    layers = ours.get("layers")
    if not isinstance(layers, list) or len(layers) != n:
        chk.fail(path, "layers", "expected a list of %d layers, got %s" % (n, short(layers)))
        return None
    return layers


def run_train(chk, backprop, path, steps, n):
    """`backprop train PATH --steps K -o OUT`: (where, the n layers of
    OUT), the layers None after recording a failure."""
    out_path = path[:-5] + "-trained.json"
    if os.path.exists(out_path):
        os.unlink(out_path)
    p = run([backprop, "train", path, "--steps", str(steps), "-o", out_path])
    where = "%s (train --steps %d -> %s)" % (path, steps, out_path)
    if p.returncode != 0:
        chk.fail(where, "train", "`backprop train` exited %d: %s"
                 % (p.returncode, p.stderr.decode(errors="replace").strip()[:500]))
        return where, None
    try:
        with open(out_path) as f:
            trained = json.load(f)
    except (OSError, ValueError) as e:
        chk.fail(where, "train", "cannot read the written model: %s" % e)
        return where, None
    tl = trained.get("layers") if isinstance(trained, dict) else None
    if not isinstance(tl, list) or len(tl) != n:
        chk.fail(where, "train.layers", "expected %d layers, got %s" % (n, short(tl)))
        return where, None
    return where, tl


def check_network(chk, backprop, path, model, steps, seed):
    ref, noise, ref_params, params_noise = reference(model, steps, seed)
    # ------------------------------------------------------------- trace
    ours = run_json(chk, path, [backprop, "trace", path])
    if ours is None:
        return
    n = len(model["layers"])
    layers = check_trace_head(chk, path, ours, ref, noise, n)
    if layers is None:
        return
    for i, Lo in enumerate(layers):
        if not isinstance(Lo, dict):
            chk.fail(path, "layers[%d]" % i, "not an object")
            continue
        for key in ("z", "a", "dC_da", "dC_dz", "dW", "db"):
            name = "layers[%d].%s" % (i, key)
            chk.compare(path, name, Lo.get(key), ref[name], noise[name])

    # ------------------------------------------------------------- train
    where, tl = run_train(chk, backprop, path, steps, n)
    if tl is None:
        return
    for i, L in enumerate(tl):
        L = L if isinstance(L, dict) else {}
        chk.compare(where, "trained layers[%d].W" % i, L.get("W"), ref_params[2 * i],
                    params_noise[2 * i])
        chk.compare(where, "trained layers[%d].b" % i, L.get("b"), ref_params[2 * i + 1],
                    params_noise[2 * i + 1])


# ------------------------------------------------- fixed saturated networks

SAT_Z = (15.0, 20.0, 25.0, 30.0)


def saturated_model(Z, act, cost, opt_id, rng):
    """in3 -> act4 -> act3 -> output3, every unit of every layer at
    |z| = Z ± 0.5 in every sample (signs mixed; a softmax output at logits
    about (Z, 0, -Z)), targets mostly right with a few wrong, the given
    optimizer with weight decay."""
    B = 3
    X = rng.uniform(0.5, 1.5, (B, 3)) * rng.choice([-1.0, 1.0], 3)
    out_act = {"mse": "sigmoid", "bce": "sigmoid", "softmax_ce": "softmax"}[cost]
    spec = [(4, act), (3, act), (3, out_act)]
    A = X
    layers = []
    for l, (out, a_name) in enumerate(spec):
        W = rng.standard_normal((out, A.shape[1]))
        raw = A @ W.T
        spread = np.max(raw, axis=0) - np.min(raw, axis=0)
        W *= np.minimum(1.0, 0.8 / np.maximum(spread, 1e-300))[:, None]
        raw = A @ W.T
        if a_name == "softmax":
            centre = np.array([Z, 0.0, -Z])
        else:
            centre = Z * rng.choice([-1.0, 1.0], out)
            centre[0] = Z              # at least one unit on the side where a -> 1
        b = centre - raw.mean(axis=0)
        Zl = A @ W.T + b
        A = np_act(a_name, Zl, 0.01)
        layers.append({"in": int(W.shape[1]), "out": out, "activation": a_name,
                       "W": W.tolist(), "b": b.tolist()})
    if cost == "mse":
        Y = rng.uniform(0.0, 1.0, (B, 3))
    elif cost == "bce":
        # right labels (δ = -σ(-|z|), tiny), one wrong and one soft
        Y = (Zl > 0).astype(float)
        Y[0, 1] = 1.0 - Y[0, 1]
        Y[1, 2] = 0.25
    else:
        Y = np.zeros((B, 3))
        Y[:, 0] = 1.0                  # the dominant class right
        Y[B - 1] = [0.0, 1.0, 0.0]     # one sample wrong
    opt = {"id": opt_id, "weight_decay": 0.01}
    if opt_id in ("sgd", "momentum"):
        opt["lr"] = 0.05
    else:
        opt["lr"] = 1e-3
    if opt_id == "momentum":
        opt["momentum"] = 0.9
    elif opt_id == "rmsprop":
        opt["alpha"] = 0.99
        opt["eps"] = 1e-8
    elif opt_id == "adam":
        opt["beta1"] = 0.9
        opt["beta2"] = 0.999
        opt["eps"] = 1e-8
    return {"format": "backprop-model/1", "name": "torch-reference saturated",
            "description": "every layer saturated at |z| = %g" % Z,
            "seed": 0, "layers": layers, "cost": cost, "reduction": "mean",
            "optimizer": opt, "inputs": X.tolist(), "targets": Y.tolist()}


def saturated_models(seed):
    """(name, model, steps) of the fixed cases: 4 z x 2 activations x 3
    costs, the optimizers in turn."""
    k = 0
    for Z in SAT_Z:
        for act in ("sigmoid", "tanh"):
            for cost in ("mse", "bce", "softmax_ce"):
                rng = np.random.default_rng([seed, 90_000 + k])
                opt_id = OPTIMIZERS[k % len(OPTIMIZERS)]
                yield ("sat-z%02d-%s-%s" % (Z, act, cost),
                       saturated_model(Z, act, cost, opt_id, rng), 2)
                k += 1


def describe(model):
    acts = "-".join("%s%d" % (L["activation"], L["out"]) for L in model["layers"])
    return "in%d %s %s/%s %s B=%d" % (model["layers"][0]["in"], acts, model["cost"],
                                      model.get("reduction", "mean(default)"),
                                      model["optimizer"]["id"], len(model["inputs"]))


def cli_paths(args):
    """(the CLI, the work directory, created) as absolute paths; (None,
    None) after saying that the CLI is not an executable."""
    backprop = os.path.abspath(args.backprop)
    if not (os.path.isfile(backprop) and os.access(backprop, os.X_OK)):
        sys.stderr.write("torch_reference.py: FAILED: %s is not an executable\n" % backprop)
        return None, None
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    return backprop, workdir


def report_network(chk, args, path, description, steps, before):
    """Prints a checked network's verdict (-v) and its failures since
    `before`; True when the run should stop (--max-failures reached)."""
    if args.verbose:
        print("%s: %s, %d steps: %s, max error/tolerance %.2g"
              % (os.path.basename(path), description, steps,
                 "ok" if len(chk.failures) == before else "FAIL", chk.net_max))
    if len(chk.failures) > before:
        sys.stdout.write("FAIL %s (%s, train steps %d)\n" % (path, description, steps))
        for where, name, msg in chk.failures[before:]:
            sys.stdout.write("  %s: %s\n" % (name, msg))
        sys.stdout.flush()
        if len(chk.failures) >= args.max_failures:
            sys.stdout.write("(stopping after %d failures)\n" % len(chk.failures))
            return True
    return False


def main_cli(args):
    backprop, workdir = cli_paths(args)
    if backprop is None:
        return 1
    chk = Checker(args.max_failures)
    t0 = time.time()
    def jobs():
        if args.model:   # given files (e.g. one a failure left behind): --steps K
            for path in args.model:
                with open(path) as f:
                    model = json.load(f)
                yield os.path.abspath(path), model, args.steps, 0
            return
        if args.only is None and not args.no_fixed:
            for name, model, steps in saturated_models(args.seed):
                path = os.path.join(workdir, "%s.json" % name)
                with open(path, "w") as f:
                    json.dump(model, f, indent=1)
                    f.write("\n")
                yield path, model, steps, 7
        indices = [args.only] if args.only is not None else range(args.count)
        for i in indices:
            rng = np.random.default_rng([args.seed, i])
            model, steps = gen_network(rng, index=i)
            path = os.path.join(workdir, "net-%04d-%04d.json" % (args.seed, i))
            with open(path, "w") as f:
                json.dump(model, f, indent=1)   # floats via repr(): round-trip
                f.write("\n")
            yield path, model, steps, int(rng.integers(1 << 40))

    n_nets = 0
    for path, model, steps, seed in jobs():
        before = len(chk.failures)
        chk.net_max = 0.0
        check_network(chk, backprop, path, model, steps, seed)
        n_nets += 1
        if report_network(chk, args, path, describe(model), steps, before):
            break
    dt = time.time() - t0
    summary = ("reference: %d networks, %d arrays, %d elements, max error/tolerance %.2g, "
               "max error/noise %.2g, max noise/|ref| %.2g (%.1f s; %d diverging candidates "
               "redrawn)" % (n_nets, chk.n_arrays, chk.n_elements, chk.max_ratio,
                             chk.max_noise_ratio, chk.max_noise_rel, dt, len(REDRAWN)))
    if args.verbose and chk.worst_where:
        print("largest error/tolerance: %s" % chk.worst_where)
        print("largest error/noise: %s" % chk.worst_noise_where)
    bad = 0
    if args.count and not args.model and len(REDRAWN) > MAX_REDRAWN * max(1, args.count):
        bad = 1
        print("%d of %d random networks needed a redraw (more than %d%%): the generator "
              "draws networks whose training diverges:" % (len(REDRAWN), args.count,
                                                          round(100 * MAX_REDRAWN)))
        for index, why in REDRAWN:
            print("  network %s: %s" % (index, why))
    if chk.failures:
        print("%s — %d FAILURES" % (summary, len(chk.failures)))
        return 1
    print(summary)
    return bad


# ---------------------------------------------------------------- self-test

def np_dact(name, z, a, alpha):
    # the contract's exact forms: σ(z)σ(-z), sech² z = 4e/(1 + e)², e = e^-2|z|
    if name == "sigmoid":
        return np_act("sigmoid", z, alpha) * np_act("sigmoid", -z, alpha)
    if name == "tanh":
        e = np.exp(-2.0 * np.abs(z))
        return 4.0 * e / ((1.0 + e) * (1.0 + e))
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, alpha)
    if name == "softplus":
        return np_act("sigmoid", z, alpha)
    if name == "linear":
        return np.ones_like(z)
    raise ValueError(name)


def np_softmax_vjp(a, g):
    """∂C/∂z of a softmax layer: a_j Σ_k a_k (g_j - g_k), exact also for a
    dominant unit."""
    return a * ((g[:, :, None] - g[:, None, :]) * a[:, None, :]).sum(axis=2)


def np_output_grads(cost, k, z, a, Y):
    """The cost by hand at the output (z, a): (per-sample loss, ∂C/∂a,
    ∂C/∂z for bce and softmax_ce from z, else None); k: 1/B or 1."""
    if cost == "mse":
        l = 0.5 * ((a - Y) ** 2).sum(axis=1)
        dC_da = (a - Y) * k
        dz_out = None
    elif cost == "bce":
        l = -(Y * np.log(a) + (1 - Y) * np.log(1 - a)).sum(axis=1)
        sp, sm = np_act("sigmoid", z, 0), np_act("sigmoid", -z, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dC_da = (np.where(Y != 0, -Y / sp, 0.0) + np.where(Y != 1, (1 - Y) / sm, 0.0)) * k
        dz_out = np.where(z >= 0, (1 - Y) - sm, sp - Y) * k
    else:
        l = -(Y * np.log(a)).sum(axis=1)
        dC_da = (-Y / a) * k
        G = a * Y.sum(axis=1, keepdims=True) - Y
        rows = np.arange(G.shape[0])
        m = np.argmax(z, axis=1)
        G[rows, m] = 0.0
        G[rows, m] = -G.sum(axis=1)      # the entries sum to 0: exact for a dominant unit
        dz_out = G * k
    return l, dC_da, dz_out


def numpy_trace(model):
    """The contract's formulas, written out by hand in numpy."""
    X = np.array(model["inputs"], dtype=float)
    Y = np.array(model["targets"], dtype=float)
    B = X.shape[0]
    cost = model["cost"]
    mean = model.get("reduction", "mean") == "mean"
    k = 1.0 / B if mean else 1.0
    Ws = [np.array(L["W"], dtype=float).reshape(L["out"], L["in"]) for L in model["layers"]]
    bs = [np.array(L["b"], dtype=float) for L in model["layers"]]
    acts = [(L["activation"], float(L.get("alpha", 0.01))) for L in model["layers"]]
    zs, as_ = [], []
    a = X
    for W, b, (act, alpha) in zip(Ws, bs, acts):
        z = a @ W.T + b
        a = np_act(act, z, alpha)
        zs.append(z)
        as_.append(a)
    l, dC_da, dz_out = np_output_grads(cost, k, zs[-1], as_[-1], Y)
    n = len(Ws)
    layers = [None] * n
    for i in range(n - 1, -1, -1):
        act, alpha = acts[i]
        if i == n - 1 and cost != "mse":
            delta = dz_out
        elif act == "softmax":
            delta = np_softmax_vjp(as_[i], dC_da)
        else:
            delta = dC_da * np_dact(act, zs[i], as_[i], alpha)
        prev = X if i == 0 else as_[i - 1]
        layers[i] = {"z": zs[i], "a": as_[i], "dC_da": dC_da, "dC_dz": delta,
                     "dW": delta.T @ prev, "db": delta.sum(axis=0)}
        dC_da = delta @ Ws[i]
    return {"loss": np.array([l.mean() if mean else l.sum()]), "per_sample_loss": l,
            "output": as_[-1], "layers": layers}


def numpy_optimizer(opt, p0, grads_fn, steps):
    """bp-optimizer.h's formulas by hand.  grads_fn(p) -> g."""
    p = p0.copy()
    v = np.zeros_like(p)
    m = np.zeros_like(p)
    wd = opt.get("weight_decay", 0.0)
    for t in range(1, steps + 1):
        g = grads_fn(p) + wd * p
        lr = opt["lr"]
        if opt["id"] == "sgd":
            p = p - lr * g
        elif opt["id"] == "momentum":
            v = opt["momentum"] * v + g
            p = p - lr * v
        elif opt["id"] == "rmsprop":
            v = opt["alpha"] * v + (1 - opt["alpha"]) * g * g
            p = p - lr * g / (np.sqrt(v) + opt["eps"])
        else:
            b1, b2 = opt["beta1"], opt["beta2"]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + opt["eps"])
    return p


def self_test(args):
    failures = []
    n_checks = 0
    worst = 0.0

    def close(name, ours, ref, tol):
        nonlocal n_checks, worst
        n_checks += 1
        ours = np.asarray(ours, dtype=float)
        ref = np.asarray(ref, dtype=float)
        if ours.shape != ref.shape:
            failures.append("%s: shape %s vs %s" % (name, ours.shape, ref.shape))
            return
        scale = max(1e-300, float(np.max(np.abs(ref))) if ref.size else 0.0)
        e = float(np.max(np.abs(ours - ref))) / scale if ref.size else 0.0
        worst = max(worst, e) if tol <= 1e-9 else worst
        if not e <= tol:
            failures.append("%s: scaled error %.3g > %g" % (name, e, tol))

    # 1. elementary conventions of the torch pieces the reference uses
    z = torch.tensor([-40.0, -25.0, -1.0, 0.0, 1.0, 25.0, 40.0], requires_grad=True)
    sp = softplus_exact(z)
    exact = np.array([math.log1p(math.exp(v)) if v < 30 else v + math.log1p(math.exp(-v))
                      for v in z.tolist()])
    close("softplus exact (not thresholded)", sp.detach().numpy(), exact, 1e-15)
    sp.sum().backward()
    close("softplus' = sigmoid", z.grad.numpy(), np_act("sigmoid", z.detach().numpy(), 0), 1e-15)
    # log_softmax_exact: value and gradient against torch's own log_softmax
    # where that is accurate, and the tiny value of a dominant unit
    Z = torch.tensor([[0.0, 1.0, -2.0], [30.0, 0.0, -5.0], [3.0, 3.0, 1.0], [-1.0, 40.0, 2.0]],
                     requires_grad=True)
    G = torch.tensor([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0], [2.0, 0.0, 1.0], [1.0, 1.0, -3.0]])
    (log_softmax_exact(Z) * G).sum().backward()
    g1 = Z.grad.clone()
    Z.grad = None
    (torch.log_softmax(Z, dim=1) * G).sum().backward()
    close("log_softmax_exact gradient", g1.numpy(), Z.grad.numpy(), 1e-15)
    v = log_softmax_exact(Z).detach().numpy()
    close("log_softmax_exact dominant unit", [v[1, 0], v[3, 1]],
          [-math.log1p(math.exp(-30.0) + math.exp(-35.0)),
           -math.log1p(math.exp(-41.0) + math.exp(-38.0))], 1e-15)
    close("log_softmax_exact others", v[0], torch.log_softmax(Z, 1)[0].detach().numpy(), 1e-15)
    # the accurate derivative forms of the conditioning filter
    zz = torch.tensor([[-30.0, -8.0, -0.5, 0.0, 0.7, 9.0, 30.0]])
    ex_sig = [math.exp(-abs(v)) / (1 + math.exp(-abs(v))) ** 2 for v in zz[0].tolist()]
    ex_tanh = [4 * math.exp(-2 * abs(v)) / (1 + math.exp(-2 * abs(v))) ** 2 for v in zz[0].tolist()]
    for name, ex in (("sigmoid", ex_sig), ("tanh", ex_tanh)):
        zr = zz.clone().requires_grad_(True)
        t_act(name, zr, 0.0, accurate=True).sum().backward()
        close("accurate %s' at saturation" % name, zr.grad[0].numpy(), ex, 1e-15)
        # elementwise relative accuracy, not just relative to the max
        close("accurate %s' tiny values" % name, zr.grad[0, [0, 6]].numpy() / np.array(ex)[[0, 6]],
              [1.0, 1.0], 1e-14)
    for name in ("sigmoid", "tanh", "softmax"):
        zr = torch.tensor(np.random.default_rng(7).uniform(-3, 3, (3, 4)), requires_grad=True)
        g = torch.tensor(np.random.default_rng(8).standard_normal((3, 4)))
        (t_act(name, zr, 0.0, accurate=True) * g).sum().backward()
        g1 = zr.grad.clone()
        zr.grad = None
        (t_act(name, zr, 0.0, accurate=False) * g).sum().backward()
        close("accurate %s backward vs torch's" % name, g1.numpy(), zr.grad.numpy(), 1e-14)
        n_checks += 1
        if not torch.autograd.gradcheck(lambda x: t_act(name, x, 0.0, accurate=True),
                                        (zr.detach().clone().requires_grad_(True),)):
            failures.append("gradcheck of accurate %s failed" % name)
    zr = torch.tensor([[30.0, 0.0, -1.0]], requires_grad=True)
    g = torch.tensor([[1.0, 2.0, -1.0]])
    (t_act("softmax", zr, 0.0, accurate=True) * g).sum().backward()
    a = [1.0 / (1 + math.exp(-30) + math.exp(-31)), math.exp(-30), math.exp(-31)]
    a = [a[0], a[1] * a[0], a[2] * a[0]]
    exact0 = a[0] * (a[1] * (1.0 - 2.0) + a[2] * (1.0 + 1.0))
    close("accurate softmax vjp, dominant unit", [zr.grad[0, 0].item()], [exact0], 1e-14)
    z0 = torch.tensor([0.0, -0.0, 1.0, -1.0], requires_grad=True)
    torch.relu(z0).sum().backward()
    close("relu'(0) = 0", z0.grad.numpy(), [0.0, 0.0, 1.0, 0.0], 0.0)
    z0.grad = None
    t_act("leaky_relu", z0, 0.3).sum().backward()
    close("leaky'(0) = alpha", z0.grad.numpy(), [0.3, 0.3, 1.0, 0.3], 0.0)

    # 2. the generated networks: torch graph vs gradcheck and vs the
    #    contract's formulas written out in numpy
    n_nets = 0
    for i in range(args.count if args.count else 40):
        rng = np.random.default_rng([args.seed, 10_000 + i])
        smooth = i % 2 == 0
        model, steps = gen_network(rng, smooth=smooth)
        ref = torch_trace(model)
        mine = numpy_trace(model)
        # the numpy trace takes bce/softmax_ce losses from a: well
        # conditioned for the moderate outputs of the smooth networks
        tol = 1e-10 if smooth else 1e-9
        tag = "selftest net %d (%s)" % (i, describe(model))
        if smooth or model["cost"] == "mse":
            close(tag + " loss", mine["loss"], ref["loss"].numpy(), tol)
            close(tag + " per_sample_loss", mine["per_sample_loss"],
                  ref["per_sample_loss"].numpy(), tol)
        close(tag + " output", mine["output"], ref["output"].numpy(), tol)
        for l, (Lm, Lr) in enumerate(zip(mine["layers"], ref["layers"])):
            for key in ("z", "a", "dC_da", "dC_dz", "dW", "db"):
                if key == "dC_da" and l == len(mine["layers"]) - 1 and not smooth \
                        and model["cost"] == "bce":
                    continue   # ill-conditioned at saturation, see the module doc
                close("%s layers[%d].%s" % (tag, l, key), Lm[key], Lr[key].numpy(), tol)
        if smooth:
            acts, cost, reduction, X, Y = model_parts(model)
            params = []
            for L in model["layers"]:
                params.append(torch.tensor(L["W"]).reshape(L["out"], L["in"]).requires_grad_(True))
                params.append(torch.tensor(L["b"]).requires_grad_(True))
            Xg = X.clone().requires_grad_(True)

            def f(x, *ps):
                C, l, _, as_ = forward(list(ps), acts, cost, reduction, x, Y)
                return C, l, as_[-1]
            n_checks += 1
            try:
                ok = torch.autograd.gradcheck(f, (Xg, *params), eps=1e-6, atol=1e-6, rtol=1e-4)
            except RuntimeError as e:
                ok = False
                failures.append("%s gradcheck: %s" % (tag, str(e).splitlines()[0]))
            if not ok:
                failures.append("%s: gradcheck failed" % tag)
        # 3. optimizers: torch.optim vs bp-optimizer.h's formulas
        acts, cost, reduction, X, Y = model_parts(model)
        shapes = [(L["out"], L["in"]) for L in model["layers"]]
        p0 = np.concatenate([np.concatenate([np.ravel(L["W"]), np.ravel(L["b"])])
                             for L in model["layers"]])

        def grads_fn(p):
            ps, off = [], 0
            for (o, n) in shapes:
                ps.append(torch.tensor(p[off:off + o * n]).reshape(o, n).requires_grad_(True))
                off += o * n
                ps.append(torch.tensor(p[off:off + o]).requires_grad_(True))
                off += o
            C, _, _, _ = forward(ps, acts, cost, reduction, X, Y)
            C.backward()
            return np.concatenate([q.grad.numpy().ravel() for q in ps])
        mine_p = numpy_optimizer(model["optimizer"], p0, grads_fn, steps)
        ref_p = np.concatenate([q.numpy().ravel() for q in torch_train(model, steps)[0]])
        close("%s optimizer %s x%d" % (tag, model["optimizer"]["id"], steps), mine_p, ref_p, tol)
        n_nets += 1
    for msg in failures:
        print("SELF-TEST FAIL " + msg)
    print("reference self-test: %d networks, %d checks, max scaled error %.2g%s"
          % (n_nets, n_checks, worst, " — %d FAILURES" % len(failures) if failures else ""))
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backprop", help="the backprop CLI executable")
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--only", type=int, default=None, help="check only network I")
    ap.add_argument("--model", action="append", default=[],
                    help="check this model file instead of generated ones (repeatable)")
    ap.add_argument("--steps", type=int, default=1, help="training steps for --model")
    ap.add_argument("--max-failures", type=int, default=20)
    ap.add_argument("--no-fixed", action="store_true",
                    help="skip the fixed saturated networks (to see what the random ones catch)")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--self-test", action="store_true",
                    help="check the reference itself (no CLI needed)")
    ap.add_argument("--layers", action="store_true",
                    help="issue 13's layer types instead of the dense networks "
                         "(tests/reference/torch_layers.py)")
    ap.add_argument("--eval", action="store_true",
                    help="with --layers --model: trace the files in eval mode")
    args = ap.parse_args()
    import_torch()
    if args.layers:
        import torch_layers
        torch_layers.bind(sys.modules[__name__])
        if args.self_test:
            if args.count == 150:
                args.count = 24
            return torch_layers.self_test(args)
        if not args.backprop:
            ap.error("--backprop is required (or --self-test)")
        if args.workdir is None:
            import tempfile
            args.workdir = tempfile.mkdtemp(prefix="bp-torch-layers-")
        return torch_layers.main_cli(args)
    if args.self_test:
        if args.count == 150:
            args.count = 40
        return self_test(args)
    if not args.backprop:
        ap.error("--backprop is required (or --self-test)")
    if args.workdir is None:
        import tempfile
        args.workdir = tempfile.mkdtemp(prefix="bp-torch-ref-")
    return main_cli(args)


if __name__ == "__main__":
    sys.exit(main())
