"""torch_layers.py — the layer types of issue 13 (dense with skip_from,
batchnorm, layernorm, dropout) in the float64 reference; torch_reference.py
runs it with --layers:

    torch_reference.py --layers --backprop PATH [--count N] [--seed S] …
    torch_reference.py --layers --self-test [--count N] [--seed S]

A network mixes the four types: dense layers with a skip from any earlier
a(j) of their width (j = 0 is the input), batchnorm and layernorm with
random γ, β, eps (or the default) and activation, batchnorm with random
running statistics and momentum (or the defaults), dropout with its p and a
mask given in the file.  A few networks are built around one edge: a deep
sigmoid net with batch norm after every dense layer, a tower of skips over
one width, inputs nearly constant over the batch into a batch norm with a
tiny eps.  Network I of seed S is drawn from numpy's
Generator seeded with [S, 50_000 + I], so the dense check's networks
([S, I]) are not touched.  Every third network is traced in eval mode
(`backprop trace MODEL --eval`): running statistics instead of the batch's,
dropout the identity, masks sometimes left out, and now and then a batch of
one (then `backprop trace` in training mode must refuse it, saying why).

Checked, element by element with torch_reference's Checker (1e-9 |ref|
plus 30 x the element's measured noise):

  * `backprop trace MODEL [--eval]`: loss, per_sample_loss, output and per
    layer dense z, a, dC_da, dC_dz, dW, db; batchnorm/layernorm z, a,
    dC_da, dC_dz, dgamma, dbeta (z before the activation); dropout a,
    dC_da; a layer's "type", when the trace gives one.
  * training-mode networks: `backprop train MODEL --steps K -o OUT` — W, b,
    gamma, beta, running_mean and running_var of OUT after K steps of
    torch.optim over every trainable parameter (weight decay on γ and β
    too), with PyTorch BatchNorm1d's running statistics: after each
    training forward pass r_mean ← (1-m) r_mean + m μ and r_var ← (1-m)
    r_var + m σ² B/(B-1).  A dropout layer's mask is used at every step;
    masks drawn by the engine are not comparable, so every dropout layer
    of a training-mode network that is trained has one.  In some
    training-mode networks (trace only) the masks are left to the engine:
    the trace must report each drawn mask (B x out of 0/1, the same on a
    second run), and the reference uses it.

Before the networks, the issue's bad files (one change each to a valid
model: skips from a later layer, the layer itself or of the wrong width,
masks of the wrong shape or not 0/1, p outside [0,1), a negative running
variance, norm layers with in != out, an unknown type) must each be
refused by `backprop trace` with an error naming the layer.

The torch graph is built from primitive operations (mean, rsqrt, …) so the
measured noise reaches every intermediate value (μ, σ², 1/√(σ²+eps), x̂, z,
a); the self-test checks it against torch.nn.functional.batch_norm (also
its running-statistics update) and layer_norm, against the issue's
formulas written out in numpy (the three-term batch-norm backward by hand),
and with gradcheck in both modes.

What the CLI does not support yet (a probe model per feature is refused
with an error message) is skipped with that message, never passed: the run
prints a SKIP line per feature and the number of networks it left out, and
exits 77 (meson's "skipped") when nothing could be checked.
"""

import json
import math
import os
import re
import time

import numpy as np

import torch

import torch_exact as E

R = None        # the torch_reference module (its helpers), set by bind()

TYPES = ("dense", "batchnorm", "layernorm", "dropout")
TYPE_ODDS = (0.4, 0.25, 0.15, 0.2)
NORM_ACTS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax")
DEFAULT_EPS = 1e-5           # the contract's defaults
DEFAULT_MOMENTUM = 0.1
EVAL_EVERY = 3               # network I is traced in eval mode when I % 3 == 2
DRAWN_ODDS = 0.15            # training-mode networks whose dropout masks are drawn
FOCI = (None, "deep_bn", "residual", "flat")   # networks built around one edge
FOCUS_ODDS = (0.7, 0.1, 0.1, 0.1)
SEED_OFFSET = 50_000         # keeps these networks apart from the dense ones
TRACE_KEYS = {"dense": ("z", "a", "dC_da", "dC_dz", "dW", "db"),
              "batchnorm": ("z", "a", "dC_da", "dC_dz", "dgamma", "dbeta"),
              "layernorm": ("z", "a", "dC_da", "dC_dz", "dgamma", "dbeta"),
              "dropout": ("a", "dC_da")}
# Checked when the trace gives them (the core's trace adds them; the issue
# does not ask for them): batchnorm's running statistics after the pass,
# the mask a training-mode dropout used (the file's).
EXTRA_TRACE_KEYS = {"batchnorm": ("running_mean", "running_var"), "dropout": ("mask",)}
TRAINED_KEYS = {"dense": ("W", "b"), "batchnorm": ("gamma", "beta", "running_mean", "running_var"),
                "layernorm": ("gamma", "beta"), "dropout": ()}


def bind(ref_module):
    global R
    R = ref_module


def ltype(L):
    return L.get("type", "dense")


def features(model, eval_mode):
    """What a network needs of the CLI, for the probes."""
    f = set()
    for L in model["layers"]:
        if ltype(L) != "dense":
            f.add(ltype(L))
        elif "skip_from" in L:
            f.add("skip")
        if ltype(L) in ("batchnorm", "layernorm") and L.get("activation") == "leaky_relu":
            f.add("norm+leaky_relu")
    if eval_mode:
        f.add("eval")
    return f


# --------------------------------------------------------------- generation
#
# The numpy forward pass here is also the self-test's independent
# implementation of the issue's formulas (np_trace adds the backward).

def np_norm(L, x, eval_mode):
    """(z, x̂, rstd, μ, σ²) of a batchnorm / layernorm layer; rstd =
    1/√(σ²+eps).  Batchnorm in training mode: μ and the biased σ² over the
    batch; in eval mode the running statistics.  Layernorm: over each
    sample's features."""
    eps = float(L.get("eps", DEFAULT_EPS))
    if ltype(L) == "layernorm":
        mu = x.mean(axis=1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
    elif eval_mode:
        mu = np.array(L.get("running_mean", np.zeros(L["out"])), dtype=float)
        var = np.array(L.get("running_var", np.ones(L["out"])), dtype=float)
    else:
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * rstd
    z = np.array(L["gamma"], dtype=float) * xhat + np.array(L["beta"], dtype=float)
    return z, xhat, rstd, mu, var


def np_dropout(L, x, eval_mode):
    if eval_mode:
        return x.copy()
    return x * np.array(L["mask"], dtype=float) / (1.0 - float(L["p"]))


def layer_act(L):
    return L.get("activation", "linear"), float(L.get("alpha", 0.01))


def gen_dense(rng, acts, n, cost, last, smooth, out=None, act=None, skip=None):
    """A dense layer on a(n-1) = acts[-1], a skip from a random a(j) of its
    width more often than not; out, act and skip (j) given by a focus."""
    A = acts[-1]
    plain_out = last and cost != "mse"        # bce/softmax_ce: z of a plain output
    if out is not None:
        pass
    elif not plain_out and rng.random() < 0.6:
        out = acts[int(rng.integers(len(acts)))].shape[1]
    else:
        out = int(rng.integers(1, 8))
    L = {"in": int(A.shape[1]), "out": out}
    if rng.random() < 0.5:
        L = {"type": "dense", **L}
    if last and cost == "bce":
        act = "sigmoid"
    elif last and cost == "softmax_ce":
        act = "softmax"
    elif act is None:
        act = R.ACTS[rng.integers(len(R.ACTS))]
    alpha = None
    if act == "leaky_relu" and rng.random() < 0.7:
        alpha = float(rng.choice([rng.uniform(0.001, 0.5), 0.2, 0.01]))
    W = np.zeros((out, A.shape[1]))
    b = np.zeros(out)
    for j in range(out):
        r = rng.random()
        kind = ("out" if plain_out else "normal" if smooth or r < 0.7
                else "small" if r < 0.85 else "sat")
        res = R.gen_row(rng, A, kind, act, 0.05 if smooth else 1e-3)
        W[j], b[j] = res if res is not None else (np.zeros(A.shape[1]), 0.0)
    Z = A @ W.T + b
    Aout = R.np_act(act, Z, 0.01 if alpha is None else alpha)
    L["activation"] = act
    if alpha is not None:
        L["alpha"] = alpha
    L["W"] = W.tolist()
    L["b"] = b.tolist()
    sources = [j for j in range(n) if acts[j].shape[1] == out]
    if skip is None and not plain_out and sources and rng.random() < 0.6:
        skip = int(sources[rng.integers(len(sources))])
    if skip is not None and skip >= 0:         # -1: none
        L["skip_from"] = skip
        Aout = Aout + acts[skip]
    return L, Aout, Z


def gen_norm(rng, typ, A, eval_mode, smooth, eps=None):
    w = A.shape[1]
    L = {"type": typ, "in": w, "out": w}
    L["gamma"] = (rng.choice([-1.0, 1.0], w) * R.log_uniform(rng, 0.3, 3.0, w)).tolist()
    L["beta"] = (rng.standard_normal(w) * R.log_uniform(rng, 0.05, 2.0)).tolist()
    if eps is not None or rng.random() < 0.6:
        L["eps"] = eps if eps is not None else float(R.log_uniform(rng, 1e-7, 0.1))
    if typ == "batchnorm":
        if rng.random() < 0.6:
            L["momentum"] = float(rng.uniform(0.01, 0.99))
        mu, sd = A.mean(axis=0), A.std(axis=0)
        if rng.random() < 0.7:
            L["running_mean"] = (mu + rng.standard_normal(w) * (sd + 0.1)).tolist()
        if rng.random() < 0.7:
            L["running_var"] = (sd * sd * R.log_uniform(rng, 0.3, 3.0, w)
                                + R.log_uniform(rng, 0.01, 1.0, w)).tolist()
    r = rng.random()
    act = "linear" if r < 0.35 else NORM_ACTS[rng.integers(len(NORM_ACTS))]
    if act != "linear" or rng.random() < 0.5:
        L["activation"] = act
    if act == "leaky_relu" and rng.random() < 0.5:
        L["alpha"] = float(rng.uniform(0.001, 0.5))
    margin = 0.05 if smooth else 1e-3
    for _attempt in range(20):
        z, _, _, _, _ = np_norm(L, A, eval_mode)
        big = float(np.max(np.abs(z)))
        if big > 30.0:            # eval mode, far from the running statistics
            L["gamma"] = (np.array(L["gamma"]) * 20.0 / big).tolist()
            L["beta"] = (np.array(L["beta"]) * 20.0 / big).tolist()
            continue
        if act not in R.KINKED or np.min(np.abs(z)) >= margin * max(big, 1e-300):
            break
        L["beta"] = (rng.standard_normal(w) * R.log_uniform(rng, 0.05, 2.0)).tolist()
    else:
        L["activation"] = act = "linear"
        L.pop("alpha", None)
        z, _, _, _, _ = np_norm(L, A, eval_mode)
    return L, R.np_act(act, z, float(L.get("alpha", 0.01))), z


def gen_dropout(rng, A, eval_mode):
    w = A.shape[1]
    r = rng.random()
    p = 0.0 if r < 0.15 else (0.5 if r < 0.4 else float(rng.uniform(0.05, 0.8)))
    L = {"type": "dropout", "in": w, "out": w, "p": p}
    if not eval_mode or rng.random() < 0.5:
        # mostly drawn with p; sometimes not (p = 0 with dropped units is
        # still x ⊙ mask / (1 - p))
        q = p if rng.random() < 0.7 else float(rng.uniform(0.05, 0.8))
        L["mask"] = (rng.random(A.shape) >= q).astype(int).tolist()
    return L, np_dropout(L, A, eval_mode)


def gen_targets(rng, cost, Aout):
    B, out = Aout.shape
    if cost == "mse":
        Y = Aout + rng.standard_normal((B, out)) * R.log_uniform(rng, 0.1, 3.0)
    elif cost == "bce":
        Y = (rng.random((B, out)) < 0.5).astype(float) if rng.random() < 0.5 \
            else rng.uniform(0.0, 1.0, (B, out))
    else:
        Y = np.zeros((B, out))
        for s in range(B):
            if rng.random() < 0.5:
                Y[s, rng.integers(out)] = 1.0
            else:                    # dyadic soft target: sums to exactly 1
                cuts = np.sort(rng.integers(0, 1025, out - 1))
                Y[s] = np.diff(np.concatenate([[0], cuts, [1024]])) / 1024.0
    return Y


def gen_model(rng, eval_mode, smooth):
    n_in = int(rng.integers(1, 6))
    depth = int(rng.integers(2, 7))
    B = 1 if eval_mode and not smooth and rng.random() < 0.25 else int(rng.integers(2, 7))
    r = rng.random()
    cost = "mse" if r < 0.6 else ("bce" if r < 0.8 else "softmax_ce")
    X = rng.standard_normal((B, n_in)) * R.log_uniform(rng, 0.1, 5.0, n_in)
    if not smooth:
        X[rng.random((B, n_in)) < 0.08] = 0.0
    acts = [X]
    layers = []
    focus = None if smooth else FOCI[rng.choice(len(FOCI), p=FOCUS_ODDS)]
    if focus == "deep_bn":        # the issue's story: batch norm in a deep sigmoid net
        w, depth = int(rng.integers(2, 6)), int(rng.integers(7, 11))
    elif focus == "residual":     # a tower of skips over one width
        w, depth = n_in, int(rng.integers(4, 9))
    elif focus == "flat":
        # inputs nearly constant over the batch into a batch norm with a
        # tiny eps: x - μ cancels, x̂ magnifies it
        X = X[:, :1] * 0.0 + rng.uniform(0.5, 5.0, n_in) * rng.choice([-1.0, 1.0], n_in)
        X = X + X * R.log_uniform(rng, 1e-6, 1e-3, n_in) * rng.standard_normal((B, n_in))
        acts = [X]
    for n in range(1, depth + 1):
        last = n == depth
        typ = "dense" if last and cost != "mse" else TYPES[rng.choice(4, p=TYPE_ODDS)]
        if focus == "deep_bn" and not last:
            typ = "dense" if n % 2 else "batchnorm"
        elif focus == "residual" or (focus == "deep_bn" and last):
            typ = "dense"
        elif focus == "flat" and n == 1:
            typ = "batchnorm"
        if focus == "deep_bn" and typ == "dense":
            L, A, _ = gen_dense(rng, acts, n, cost, last, smooth, out=w if not last else None,
                                act="sigmoid", skip=-1)
        elif focus == "residual":
            L, A, _ = gen_dense(rng, acts, n, cost, last, smooth,
                                out=w if cost == "mse" or not last else None,
                                act=("tanh", "sigmoid", "relu")[rng.integers(3)],
                                skip=None if last and cost != "mse" else
                                n - 1 if rng.random() < 0.7 else int(rng.integers(n)))
        elif typ == "dense":
            L, A, _ = gen_dense(rng, acts, n, cost, last, smooth)
        elif typ == "dropout":
            L, A = gen_dropout(rng, acts[-1], eval_mode)
        else:
            L, A, _ = gen_norm(rng, typ, acts[-1], eval_mode, smooth,
                               eps=float(R.log_uniform(rng, 1e-12, 1e-8))
                               if focus == "flat" and n == 1 else None)
        layers.append(L)
        acts.append(A)
    Y = gen_targets(rng, cost, acts[-1])
    model = {"format": "backprop-model/1", "name": "torch-reference layers",
             "description": "random network of issue 13's layer types (%s mode) for "
                            "tests/reference/torch_layers.py"
                            % ("eval" if eval_mode else "training"),
             "seed": 0, "layers": layers, "cost": cost}
    r = rng.random()
    if r >= 0.3:
        model["reduction"] = "mean" if r < 0.6 else "sum"
    model["optimizer"] = R.gen_optimizer(rng, R.OPTIMIZERS[rng.integers(len(R.OPTIMIZERS))])
    model["inputs"] = X.tolist()
    model["targets"] = Y.tolist()
    return model


def gen_network(rng, eval_mode, smooth=False, index=None):
    """(model, K): a training-mode network whose K training steps stay
    bounded (a diverging candidate is redrawn and recorded in R.REDRAWN);
    an eval-mode network is only traced (K = 0)."""
    for _candidate in range(50):
        model = gen_model(rng, eval_mode, smooth)
        steps = int(rng.integers(1, 6))
        if all(ltype(L) == "dropout" for L in model["layers"]):
            continue                 # nothing to train
        if eval_mode:
            return model, 0
        if not smooth and rng.random() < DRAWN_ODDS and \
                any(ltype(L) == "dropout" for L in model["layers"]):
            # masks drawn by the engine: the trace is checked with the
            # masks it reports, there is no training to compare
            for L in model["layers"]:
                L.pop("mask", None)
            return model, 0
        for _attempt in range(8):
            state, maxz = torch_train(model, steps)
            big = max(float(np.max(np.abs(v))) for v in state.values())
            big0 = max([1.0] + [float(np.max(np.abs(np.array(L[k]))))
                                for L in model["layers"] for k in ("W", "gamma") if k in L])
            if math.isfinite(maxz) and maxz <= 35.0 and big <= 1e4 * big0:
                return model, steps
            model["optimizer"]["lr"] = model["optimizer"]["lr"] * 0.1
        R.REDRAWN.append((index, "training diverges even at lr %.3g (max |z| %.3g): %s"
                          % (model["optimizer"]["lr"], maxz, describe(model, False))))
    raise RuntimeError("no stable network in 50 candidates")


def describe(model, eval_mode):
    parts = []
    for L in model["layers"]:
        t = ltype(L)
        if t == "dense":
            parts.append("%s%d%s" % (L["activation"], L["out"],
                                     "+a%d" % L["skip_from"] if "skip_from" in L else ""))
        elif t == "dropout":
            parts.append("drop%.3g%s" % (L["p"], "" if "mask" in L else "(drawn)"))
        else:
            parts.append("%s%d/%s" % ("bn" if t == "batchnorm" else "ln", L["out"],
                                      L.get("activation", "linear")))
    return "in%d %s %s/%s %s B=%d %s" % (
        model["layers"][0]["in"], "-".join(parts), model["cost"],
        model.get("reduction", "mean(default)"), model["optimizer"]["id"],
        len(model["inputs"]), "eval" if eval_mode else "train")


# ---------------------------------------------------------- torch reference

def model_parts(model):
    """(cost, reduction, X, Y) of a model."""
    return (model.get("cost", "mse"), model.get("reduction", "mean"),
            torch.tensor(model["inputs"]), torch.tensor(model["targets"]))


def init_params(model):
    """The trainable tensors, per layer a {name: tensor}, and their list
    in file order (the optimizer's)."""
    per_layer, flat = [], []
    for L in model["layers"]:
        t = ltype(L)
        p = {}
        if t == "dense":
            p["W"] = torch.tensor(L["W"]).reshape(L["out"], L["in"]).requires_grad_(True)
            p["b"] = torch.tensor(L["b"]).requires_grad_(True)
        elif t in ("batchnorm", "layernorm"):
            p["gamma"] = torch.tensor(L["gamma"]).requires_grad_(True)
            p["beta"] = torch.tensor(L["beta"]).requires_grad_(True)
        per_layer.append(p)
        flat.extend(p.values())
    return per_layer, flat


def init_stats(model):
    """The running statistics of the batchnorm layers: {i: [mean, var]}."""
    st = {}
    for i, L in enumerate(model["layers"]):
        if ltype(L) == "batchnorm":
            st[i] = [torch.tensor(L.get("running_mean", [0.0] * L["out"])),
                     torch.tensor(L.get("running_var", [1.0] * L["out"]))]
    return st


def forward(model, params, stats, X, Y, eval_mode, keep=False, noise=None, accurate=True):
    """One forward pass: (C, l, zs, as_), zs[i] None for dropout.  In
    training mode the running statistics in stats are updated (as
    BatchNorm1d does after its forward pass)."""
    cost, reduction = model_parts(model)[:2]
    def nf(t):
        if not noise:
            return t
        return noise.fwd(t) if t.requires_grad else t * noise.factor(t.shape)
    if not X.requires_grad:         # a dropout on the input still has a ∂C/∂a
        X = X.clone().requires_grad_(True)
    a = X * noise.factor(X.shape) if noise else X
    as_all = [a]                     # a(0) … a(N)
    zs, as_ = [], []
    for i, L in enumerate(model["layers"]):
        t, p, x = ltype(L), params[i], as_all[-1]
        pv = {k: v * noise.factor(v.shape) if noise else v for k, v in p.items()}
        act, alpha = layer_act(L)
        z = None
        if t == "dense":
            z = nf(x @ pv["W"].T + pv["b"])
            a = E.t_act(act, z, alpha, accurate)
            if "skip_from" in L:
                a = nf(a) + as_all[L["skip_from"]]
        elif t == "dropout":
            a = x.clone() if eval_mode else \
                x * torch.tensor(L["mask"], dtype=torch.float64) / (1.0 - float(L["p"]))
        else:
            eps = float(L.get("eps", DEFAULT_EPS))
            if t == "batchnorm" and eval_mode:
                mu, var = stats[i]
            else:
                dim = 1 if t == "layernorm" else 0
                mu = nf(x.mean(dim=dim, keepdim=True))
                xc = x - mu
                var = nf((xc * xc).mean(dim=dim, keepdim=True))
            xhat = nf((x - mu) * nf(torch.rsqrt(var + eps)))
            z = nf(pv["gamma"] * xhat + pv["beta"])
            a = E.t_act(act, z, alpha, accurate)
            if t == "batchnorm" and not eval_mode:
                m = float(L.get("momentum", DEFAULT_MOMENTUM))
                B = x.shape[0]
                with torch.no_grad():
                    stats[i] = [(1.0 - m) * stats[i][0] + m * mu.reshape(-1),
                                (1.0 - m) * stats[i][1] + m * var.reshape(-1) * (B / (B - 1.0))]
        a = nf(a)
        if keep:
            for v in (z, a):
                if v is not None:
                    v.retain_grad()
        zs.append(z)
        as_.append(a)
        as_all.append(a)
    l = E.per_sample_loss(cost, zs[-1], as_[-1], Y)
    if noise:
        l = l * noise.factor(l.shape)
    C = l.mean() if reduction == "mean" else l.sum()
    return C, l, zs, as_


def torch_trace(model, eval_mode, noise=None, accurate=True):
    """The trace's compared arrays as a flat {name: ndarray}."""
    cost, reduction, X, Y = model_parts(model)
    params, _ = init_params(model)
    stats = init_stats(model)
    C, l, zs, as_ = forward(model, params, stats, X, Y, eval_mode, keep=True,
                            noise=noise, accurate=accurate)
    C.backward()
    d = {"loss": C.detach().reshape(1), "per_sample_loss": l.detach(),
         "output": as_[-1].detach()}
    n = len(model["layers"])
    for i, L in enumerate(model["layers"]):
        t = ltype(L)
        if i == n - 1 and cost == "bce":
            dC_da = E.bce_dC_da_exact(reduction, zs[i].detach(), Y)
        elif i == n - 1 and cost != "mse":
            dC_da = E.output_dC_da(cost, reduction, as_[i].detach(), Y)
        else:
            dC_da = as_[i].grad
        v = {"a": as_[i].detach(), "dC_da": dC_da}
        if t != "dropout":
            v["z"], v["dC_dz"] = zs[i].detach(), zs[i].grad
        if t == "dense":
            v["dW"], v["db"] = params[i]["W"].grad, params[i]["b"].grad
        elif t != "dropout":
            v["dgamma"], v["dbeta"] = params[i]["gamma"].grad, params[i]["beta"].grad
        if t == "batchnorm":        # after the pass: updated once in training mode
            v["running_mean"], v["running_var"] = stats[i]
        elif t == "dropout" and not eval_mode:
            v["mask"] = torch.tensor(L["mask"], dtype=torch.float64)
        for key in TRACE_KEYS[t] + EXTRA_TRACE_KEYS.get(t, ()):
            if key in v:
                d["layers[%d].%s" % (i, key)] = v[key]
    return {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=float)
            for k, v in d.items()}


def torch_train(model, steps, noise=None):
    """K training-mode steps of torch.optim over every trainable
    parameter: ({"layers[i].W": …, "layers[i].running_var": …}, max |z|)."""
    _, _, X, Y = model_parts(model)
    params, flat = init_params(model)
    stats = init_stats(model)
    opt = E.make_optimizer(flat, model["optimizer"])
    maxz = 0.0
    for _ in range(steps):
        opt.zero_grad()
        C, _, zs, _ = forward(model, params, stats, X, Y, False, noise=noise)
        maxz = max([maxz] + [float(z.detach().abs().max()) for z in zs if z is not None])
        C.backward()
        opt.step()
    out = {}
    for i, p in enumerate(params):
        for k, v in p.items():
            out["layers[%d].%s" % (i, k)] = v.detach().numpy().copy()
        if i in stats:
            out["layers[%d].running_mean" % i] = stats[i][0].numpy().copy()
            out["layers[%d].running_var" % i] = stats[i][1].numpy().copy()
    return out, maxz


def reference(model, eval_mode, steps, seed):
    """(trace, trace noise, trained, trained noise): flat dicts of arrays."""
    ref = torch_trace(model, eval_mode)
    runs = [torch_trace(model, eval_mode, noise=E.Noise(seed + 2 * k, R.NOISE))
            for k in range(R.NOISE_RUNS)]
    if steps == 0:
        return ref, R.measured_noise(ref, runs), None, None
    trained, _ = torch_train(model, steps)
    truns = [torch_train(model, steps, noise=E.Noise(seed + 2 * k + 1, R.NOISE))[0]
             for k in range(R.NOISE_RUNS)]
    return ref, R.measured_noise(ref, runs), trained, R.measured_noise(trained, truns)


# --------------------------------------------------------------- the CLI

def trace_cmd(backprop, path, eval_mode):
    return [backprop, "trace", path] + (["--eval"] if eval_mode else [])


def check_batch_of_one(chk, backprop, path, model):
    """A training batch of 1 through a batchnorm layer: `backprop trace`
    in training mode must refuse it and say why."""
    p = R.run([backprop, "trace", path])
    msg = p.stderr.decode(errors="replace").strip()
    if p.returncode <= 0 or "batch" not in msg.lower():
        chk.fail(path, "trace (training mode, B = 1)",
                 "expected an error naming the batch of 1, got exit %d: %s"
                 % (p.returncode, msg[:300] or "(no message)"))


def drawn_masks(chk, backprop, path, model, ours):
    """The model with the masks a training-mode trace drew for the
    dropout layers without one (each B x out of 0/1, the same on a second
    run: the generator is seeded from the model's seed); None after
    recording a failure."""
    again = R.run_json(chk, path, trace_cmd(backprop, path, False))
    model = json.loads(json.dumps(model))
    B = len(model["inputs"])
    for i, L in enumerate(model["layers"]):
        if ltype(L) != "dropout" or "mask" in L:
            continue
        where = "layers[%d].mask (dropout, drawn)" % i
        layers = ours.get("layers")
        Lo = layers[i] if isinstance(layers, list) and len(layers) > i else {}
        mask = R.to_array(Lo.get("mask")) if isinstance(Lo, dict) else None
        if mask is None or mask.shape != (B, L["out"]) or not np.all((mask == 0) | (mask == 1)):
            chk.fail(path, where, "the trace must report the drawn mask, B x out of 0/1: %s"
                     % R.short(Lo.get("mask") if isinstance(Lo, dict) else Lo))
            return None
        if again is not None and again.get("layers", [{}] * (i + 1))[i].get("mask") != Lo["mask"]:
            chk.fail(path, where, "a second `backprop trace` drew another mask")
        L["mask"] = mask.astype(int).tolist()
    return model


def check_network(chk, backprop, path, model, eval_mode, steps, seed, train_ok=True):
    with open(path, "rb") as f:
        before = f.read()
    ours = R.run_json(chk, path, trace_cmd(backprop, path, eval_mode))
    if ours is None:
        return
    with open(path, "rb") as f:
        if f.read() != before:      # running statistics are saved by train -o only
            chk.fail(path, "trace", "`backprop trace` changed the model file")
    if not eval_mode and any(ltype(L) == "dropout" and "mask" not in L for L in model["layers"]):
        model = drawn_masks(chk, backprop, path, model, ours)
        if model is None:
            return
    ref, noise, trained, tnoise = reference(model, eval_mode, steps, seed)
    n = len(model["layers"])
    layers = R.check_trace_head(chk, path, ours, ref, noise, n)
    if layers is None:
        return
    for i, (L, Lo) in enumerate(zip(model["layers"], layers)):
        if not isinstance(Lo, dict):
            chk.fail(path, "layers[%d]" % i, "not an object")
            continue
        t = ltype(L)
        if "type" in Lo and Lo["type"] != t:
            chk.fail(path, "layers[%d].type" % i, "%s, expected %s" % (R.short(Lo["type"]), t))
        for key in TRACE_KEYS[t]:
            name = "layers[%d].%s" % (i, key)
            chk.compare(path, "%s (%s)" % (name, t), Lo.get(key), ref[name], noise[name])
        for key in EXTRA_TRACE_KEYS.get(t, ()):
            name = "layers[%d].%s" % (i, key)
            if key in Lo and name in ref:
                chk.compare(path, "%s (%s)" % (name, t), Lo[key], ref[name], noise[name])
    if eval_mode and len(model["inputs"]) == 1 and "batchnorm" in features(model, False):
        check_batch_of_one(chk, backprop, path, model)
    if trained is None or not train_ok:
        return

    where, tl = R.run_train(chk, backprop, path, steps, n)
    if tl is None:
        return
    for i, (L, Lt) in enumerate(zip(model["layers"], tl)):
        Lt = Lt if isinstance(Lt, dict) else {}
        for key in TRAINED_KEYS[ltype(L)]:
            name = "layers[%d].%s" % (i, key)
            chk.compare(where, "trained %s (%s)" % (name, ltype(L)), Lt.get(key),
                        trained[name], tnoise[name])


# One small model per feature: what `backprop trace` (and `train`) refuse
# with a message is skipped, not failed.
def probe_models():
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    dense = {"in": 2, "out": 2, "activation": "tanh", "W": [[0.5, -0.25], [0.75, 1.0]],
             "b": [0.1, -0.2]}
    out = {"in": 2, "out": 1, "activation": "sigmoid", "W": [[0.3, -0.6]], "b": [0.05]}
    mids = {"skip": dict(dense, skip_from=0),
            "batchnorm": {"type": "batchnorm", "in": 2, "out": 2, "gamma": [1.0, 2.0],
                          "beta": [0.0, 0.5]},
            "layernorm": {"type": "layernorm", "in": 2, "out": 2, "gamma": [1.0, 2.0],
                          "beta": [0.0, 0.5]},
            "dropout": {"type": "dropout", "in": 2, "out": 2, "p": 0.5,
                        "mask": [[1, 0], [0, 1], [1, 1]]},
            "eval": dense,
            "norm+leaky_relu": {"type": "layernorm", "in": 2, "out": 2, "gamma": [1.0, 2.0],
                                "beta": [0.0, 0.5], "activation": "leaky_relu"}}
    for feat, mid in mids.items():
        yield feat, {"format": "backprop-model/1", "name": "probe " + feat, "seed": 0,
                     "layers": [mid, out], "cost": "mse",
                     "optimizer": {"id": "sgd", "lr": 0.1},
                     "inputs": X, "targets": [[0.0], [1.0], [0.5]]}


def bad_models():
    """(what, 1-based layer the error must name, model) of the issue's bad
    files, each one change to a valid six-layer model."""
    base = {"format": "backprop-model/1", "name": "bad", "seed": 0, "cost": "mse",
            "optimizer": {"id": "sgd", "lr": 0.1},
            "inputs": [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]],
            "targets": [[0.0], [1.0], [0.5]],
            "layers": [
                {"in": 2, "out": 2, "activation": "tanh", "W": [[0.5, -0.25], [0.75, 1.0]],
                 "b": [0.1, -0.2]},
                {"type": "batchnorm", "in": 2, "out": 2, "gamma": [1.0, 2.0], "beta": [0.0, 0.5],
                 "running_mean": [0.0, 0.1], "running_var": [1.0, 2.0]},
                {"type": "dropout", "in": 2, "out": 2, "p": 0.5, "mask": [[1, 0], [0, 1], [1, 1]]},
                {"in": 2, "out": 2, "activation": "sigmoid", "W": [[0.5, 0.5], [-0.5, 1.0]],
                 "b": [0.0, 0.0], "skip_from": 1},
                {"type": "layernorm", "in": 2, "out": 2, "gamma": [1.0, 1.0], "beta": [0.0, 0.0]},
                {"in": 2, "out": 1, "activation": "linear", "W": [[0.3, -0.6]], "b": [0.05]}]}
    changes = [
        ("a skip from a later layer", 4, {"skip_from": 5}),
        ("a skip from the layer itself", 4, {"skip_from": 4}),
        ("a skip of the wrong width", 6, {"skip_from": 0}),
        ("a mask of the wrong shape (rows)", 3, {"mask": [[1, 0], [0, 1]]}),
        ("a mask of the wrong shape (columns)", 3, {"mask": [[1], [0], [1]]}),
        ("a mask not of 0/1", 3, {"mask": [[1, 0], [0.5, 1], [1, 1]]}),
        ("p = 1", 3, {"p": 1.0}),
        ("p < 0", 3, {"p": -0.1}),
        ("a negative running variance", 2, {"running_var": [1.0, -0.5]}),
        ("a batchnorm with in != out", 2, {"out": 3, "gamma": [1.0, 2.0, 3.0],
                                           "beta": [0.0, 0.0, 0.0]}),
        ("a layernorm with in != out", 5, {"in": 3}),
        ("an unknown type", 5, {"type": "groupnorm"}),
    ]
    yield "the valid model", 0, base
    for what, layer, change in changes:
        m = json.loads(json.dumps(base))
        m["layers"][layer - 1].update(change)
        yield what, layer, m


def check_bad_files(chk, backprop, workdir):
    """`backprop trace` refuses each bad file with an error naming the
    layer (1-based, as the issue counts); the valid one passes."""
    for k, (what, layer, model) in enumerate(bad_models()):
        path = os.path.join(workdir, "bad-%02d.json" % k)
        with open(path, "w") as f:
            json.dump(model, f, indent=1)
        p = R.run([backprop, "trace", path])
        msg = p.stderr.decode(errors="replace").strip()
        if layer == 0:
            if p.returncode != 0:
                chk.fail(path, "bad files", "the valid model is refused: %s" % msg[:300])
            continue
        if p.returncode <= 0 or not re.search(r"\blayer %d\b" % layer, msg):
            chk.fail(path, "bad files", "%s: expected an error naming layer %d, got exit %d: %s"
                     % (what, layer, p.returncode, msg[:300] or "(no message)"))


def probe(backprop, workdir, chk):
    """{feature: why} for the features trace (or train) refuses; a crash
    is a failure, not a skip."""
    no_trace, no_train = {}, {}
    for feat, model in probe_models():
        path = os.path.join(workdir, "probe-%s.json" % feat)
        with open(path, "w") as f:
            json.dump(model, f, indent=1)
        for label, cmd, into in (
                ("trace", trace_cmd(backprop, path, feat == "eval"), no_trace),
                ("train", [backprop, "train", path, "--steps", "1", "-o",
                           path[:-5] + "-trained.json"], no_train)):
            if label == "train" and feat == "eval":
                continue
            p = R.run(cmd)
            msg = p.stderr.decode(errors="replace").strip()
            if p.returncode < 0:
                chk.fail(path, label, "`%s` crashed (signal %d): %s"
                         % (" ".join(cmd[1:]), -p.returncode, msg[:300]))
            elif p.returncode > 0:
                into[feat] = msg.splitlines()[-1][:400] if msg else "exit %d" % p.returncode
    return no_trace, no_train


def main_cli(args):
    backprop, workdir = R.cli_paths(args)
    if backprop is None:
        return 1
    chk = R.Checker(args.max_failures)
    t0 = time.time()
    no_trace, no_train = probe(backprop, workdir, chk)
    for feat, why in sorted(no_trace.items()):
        print("SKIP %s: `backprop trace` refuses it (%s): networks with it are not checked"
              % (feat, why))
    for feat, why in sorted(no_train.items()):
        if feat not in no_trace:
            print("SKIP %s in training: `backprop train` refuses it (%s): those networks' "
                  "training steps are not checked" % (feat, why))
    if not args.model and args.only is None:
        before = len(chk.failures)
        check_bad_files(chk, backprop, workdir)
        R.report_network(chk, args, os.path.join(workdir, "bad-*.json"),
                         "the issue's bad files", 0, before)

    def jobs():
        if args.model:
            for path in args.model:
                with open(path) as f:
                    model = json.load(f)
                yield os.path.abspath(path), model, args.eval, args.steps, 0
            return
        indices = [args.only] if args.only is not None else range(args.count)
        for i in indices:
            rng = np.random.default_rng([args.seed, SEED_OFFSET + i])
            eval_mode = i % EVAL_EVERY == EVAL_EVERY - 1
            model, steps = gen_network(rng, eval_mode, index=i)
            path = os.path.join(workdir, "layers-%04d-%04d%s.json"
                                % (args.seed, i, "-eval" if eval_mode else ""))
            with open(path, "w") as f:
                json.dump(model, f, indent=1)
                f.write("\n")
            yield path, model, eval_mode, steps, int(rng.integers(1 << 40))

    n_nets = n_trained = n_skipped = 0
    skipped = {}
    per_kind = {}
    for path, model, eval_mode, steps, seed in jobs():
        feats = features(model, eval_mode)
        missing = sorted(feats & set(no_trace))
        if missing:
            n_skipped += 1
            for f in missing:
                skipped[f] = skipped.get(f, 0) + 1
            if args.verbose:
                print("%s: SKIP (%s)" % (os.path.basename(path), ", ".join(missing)))
            continue
        train_ok = not (feats & set(no_train))
        before = len(chk.failures)
        chk.net_max = 0.0
        check_network(chk, backprop, path, model, eval_mode, steps, seed, train_ok)
        n_nets += 1
        n_trained += 1 if steps and train_ok else 0
        for L in model["layers"]:
            k = (ltype(L) + ("+skip" if "skip_from" in L else ""),
                 "eval" if eval_mode else "train")
            per_kind[k] = per_kind.get(k, 0) + 1
        if R.report_network(chk, args, path, describe(model, eval_mode), steps, before):
            break
    dt = time.time() - t0
    print("layers checked: " + ", ".join("%s/%s %d" % (k[0], k[1], v)
                                         for k, v in sorted(per_kind.items())))
    if skipped:
        print("SKIPPED %d networks the CLI cannot run yet (%s)"
              % (n_skipped, ", ".join("%d with %s" % (v, k) for k, v in sorted(skipped.items()))))
    summary = ("reference (layers): %d networks (%d trained), %d arrays, %d elements, "
               "max error/tolerance %.2g, max error/noise %.2g (%.1f s; %d diverging "
               "candidates redrawn)" % (n_nets, n_trained, chk.n_arrays, chk.n_elements,
                                         chk.max_ratio, chk.max_noise_ratio, dt,
                                         len(R.REDRAWN)))
    if args.verbose and chk.worst_where:
        print("largest error/tolerance: %s" % chk.worst_where)
    bad = 0
    if args.count and not args.model and len(R.REDRAWN) > R.MAX_REDRAWN * max(1, args.count):
        bad = 1
        print("%d of %d random networks needed a redraw:" % (len(R.REDRAWN), args.count))
        for index, why in R.REDRAWN:
            print("  network %s: %s" % (index, why))
    if chk.failures:
        print("%s — %d FAILURES" % (summary, len(chk.failures)))
        return 1
    print(summary)
    if n_nets == 0 and not bad:
        return 77                      # meson: skipped, nothing could be checked
    return bad


# ---------------------------------------------------------------- self-test

def np_trace(model, eval_mode):
    """The issue's formulas by hand in numpy, forward and backward (the
    three-term batch-norm backward): (flat trace dict, [parameter
    gradients in file order], {i: (μ, σ²) of each batchnorm layer})."""
    X = np.array(model["inputs"], dtype=float)
    Y = np.array(model["targets"], dtype=float)
    cost = model["cost"]
    mean = model.get("reduction", "mean") == "mean"
    k = 1.0 / X.shape[0] if mean else 1.0
    layers = model["layers"]
    acts, cache = [X], []
    for L in layers:
        t, x = ltype(L), acts[-1]
        act, alpha = layer_act(L)
        if t == "dense":
            z = x @ np.array(L["W"], dtype=float).reshape(L["out"], L["in"]).T \
                + np.array(L["b"], dtype=float)
            a = R.np_act(act, z, alpha)
            if "skip_from" in L:
                a = a + acts[L["skip_from"]]
            cache.append((z, None, None, None, None))
        elif t == "dropout":
            a = np_dropout(L, x, eval_mode)
            cache.append((None, None, None, None, None))
        else:
            z, xhat, rstd, mu, var = np_norm(L, x, eval_mode)
            a = R.np_act(act, z, alpha)
            cache.append((z, xhat, rstd, mu, var))
        acts.append(a)
    n = len(layers)
    l, dC_da_out, dz_out = R.np_output_grads(cost, k, cache[-1][0], acts[-1], Y)
    dA = [np.zeros_like(a) for a in acts]
    dA[n] = dC_da_out
    d = {"loss": np.array([l.mean() if mean else l.sum()]), "per_sample_loss": l,
         "output": acts[-1]}
    grads, stats = [None] * n, {}
    for i in range(n - 1, -1, -1):
        L, g = layers[i], dA[i + 1]
        t = ltype(L)
        act, alpha = layer_act(L)
        z, xhat, rstd, mu, var = cache[i]
        v = {"a": acts[i + 1], "dC_da": g}
        if t == "dropout":
            dA[i] += g if eval_mode else g * np.array(L["mask"], dtype=float) / (1.0 - L["p"])
        else:
            if i == n - 1 and cost != "mse":
                gz = dz_out
            elif act == "softmax":
                gz = R.np_softmax_vjp(R.np_act(act, z, alpha), g)
            else:
                gz = g * R.np_dact(act, z, None, alpha)
            v["z"], v["dC_dz"] = z, gz
        if t == "dense":
            W = np.array(L["W"], dtype=float).reshape(L["out"], L["in"])
            v["dW"], v["db"] = gz.T @ acts[i], gz.sum(axis=0)
            grads[i] = [v["dW"], v["db"]]
            dA[i] += gz @ W
            if "skip_from" in L:
                dA[L["skip_from"]] += g          # the path around the layers
        elif t != "dropout":
            v["dgamma"], v["dbeta"] = (gz * xhat).sum(axis=0), gz.sum(axis=0)
            grads[i] = [v["dgamma"], v["dbeta"]]
            gh = gz * np.array(L["gamma"], dtype=float)     # ∂C/∂x̂
            if t == "batchnorm" and eval_mode:
                dA[i] += gh * rstd
            else:
                ax = 1 if t == "layernorm" else 0
                # the three terms: g - mean(g) - x̂ mean(g x̂), over the batch
                # (batchnorm) or the sample's features (layernorm)
                dA[i] += rstd * (gh - gh.mean(axis=ax, keepdims=True)
                                 - xhat * (gh * xhat).mean(axis=ax, keepdims=True))
                if t == "batchnorm":
                    stats[i] = (mu, var)
        else:
            grads[i] = []
        if t == "batchnorm":
            v["running_mean"], v["running_var"] = np_running_stats(L) if eval_mode else \
                np_running_update(L, mu, var, X.shape[0])
        elif t == "dropout" and not eval_mode:
            v["mask"] = np.array(L["mask"], dtype=float)
        for key in TRACE_KEYS[t] + EXTRA_TRACE_KEYS.get(t, ()):
            if key in v:
                d["layers[%d].%s" % (i, key)] = v[key]
    return d, [g for gs in grads for g in gs], stats


def np_running_stats(L):
    return (np.array(L.get("running_mean", [0.0] * L["out"]), dtype=float),
            np.array(L.get("running_var", [1.0] * L["out"]), dtype=float))


def np_running_update(L, mu, var, B):
    """BatchNorm1d's update after a training forward pass: the unbiased
    variance σ² B/(B-1) into running_var."""
    mo = float(L.get("momentum", DEFAULT_MOMENTUM))
    rm, rv = np_running_stats(L)
    return (1 - mo) * rm + mo * mu, (1 - mo) * rv + mo * var * B / (B - 1)


def np_train(model, steps):
    """K training steps by hand: R.numpy_optimizer over every parameter,
    the gradients from np_trace, the running statistics updated on each
    forward pass as BatchNorm1d does."""
    m = json.loads(json.dumps(model))
    names = [(i, key) for i, L in enumerate(m["layers"])
             for key in TRAINED_KEYS[ltype(L)][:2]]
    shapes = [np.shape(m["layers"][i][key]) for i, key in names]
    sizes = [int(np.prod(s)) for s in shapes]
    B = len(m["inputs"])

    def unflatten(p):
        off = 0
        for (i, key), shape, size in zip(names, shapes, sizes):
            m["layers"][i][key] = p[off:off + size].reshape(shape).tolist()
            off += size

    def grads_fn(p):
        unflatten(p)
        _, grads, stats = np_trace(m, False)
        for i, (mu, var) in stats.items():
            L = m["layers"][i]
            rm, rv = np_running_update(L, mu, var, B)
            L["running_mean"], L["running_var"] = rm.tolist(), rv.tolist()
        return np.concatenate([np.ravel(g) for g in grads])

    p0 = np.concatenate([np.ravel(m["layers"][i][key]) for i, key in names])
    unflatten(R.numpy_optimizer(m["optimizer"], p0, grads_fn, steps))
    out = {}
    for i, L in enumerate(m["layers"]):
        for key in TRAINED_KEYS[ltype(L)]:
            out["layers[%d].%s" % (i, key)] = np.array(
                L.get(key, [0.0 if key == "running_mean" else 1.0] * L["out"]), dtype=float)
        if ltype(L) == "dense":
            out["layers[%d].W" % i] = out["layers[%d].W" % i].reshape(L["out"], L["in"])
    return out


def self_test_pieces(close, failures):
    """The primitive torch graph of the norm layers against torch's own
    batch_norm / layer_norm (values, running statistics, backward)."""
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    for B, w in ((2, 3), (5, 4), (7, 1)):
        x = torch.tensor(rng.standard_normal((B, w)) * 3.0 + 1.0, requires_grad=True)
        g = torch.tensor(rng.standard_normal((B, w)))
        gamma = rng.uniform(0.5, 2.0, w).tolist()
        beta = rng.standard_normal(w).tolist()
        L = {"type": "batchnorm", "in": w, "out": w, "gamma": gamma, "beta": beta,
             "eps": 1e-3, "momentum": 0.3, "running_mean": rng.standard_normal(w).tolist(),
             "running_var": rng.uniform(0.5, 2.0, w).tolist(), "activation": "linear"}
        model = {"layers": [L], "cost": "mse", "inputs": x.tolist(),
                 "targets": np.zeros((B, w)).tolist()}
        for eval_mode in (False, True):
            tag = "B=%d w=%d %s" % (B, w, "eval" if eval_mode else "train")
            for t in ("batchnorm", "layernorm"):
                L["type"] = t
                params, _ = init_params(model)
                stats = init_stats(model)
                x.grad = None
                _, _, zs, _ = forward(model, params, stats, x, torch.zeros(B, w), eval_mode)
                (zs[0] * g).sum().backward()
                mine = [zs[0].detach().numpy(), x.grad.numpy().copy(),
                        params[0]["gamma"].grad.numpy(), params[0]["beta"].grad.numpy()]
                if t == "layernorm" and eval_mode:
                    continue       # layernorm has no eval mode of its own
                gt = torch.tensor(gamma, requires_grad=True)
                bt = torch.tensor(beta, requires_grad=True)
                x.grad = None
                if t == "batchnorm":
                    rm = torch.tensor(L["running_mean"])
                    rv = torch.tensor(L["running_var"])
                    zt = F.batch_norm(x, rm, rv, gt, bt, training=not eval_mode,
                                      momentum=0.3, eps=1e-3)
                    if B > 1:
                        close("batch_norm running_mean " + tag, stats[0][0].numpy(),
                              rm.numpy(), 1e-14)
                        close("batch_norm running_var " + tag, stats[0][1].numpy(),
                              rv.numpy(), 1e-14)
                else:
                    zt = F.layer_norm(x, (w,), gt, bt, eps=1e-3)
                (zt * g).sum().backward()
                ref = [zt.detach().numpy(), x.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()]
                for name, a, b in zip(("z", "dx", "dgamma", "dbeta"), mine, ref):
                    close("%s vs F.%s %s %s" % (t, "batch_norm" if t == "batchnorm"
                                                else "layer_norm", tag, name), a, b, 1e-12)


def self_test(args):
    failures = []
    n_checks = [0]
    worst = [0.0]

    def close(name, ours, ref, tol):
        n_checks[0] += 1
        ours = np.asarray(ours, dtype=float)
        ref = np.asarray(ref, dtype=float)
        if ours.shape != ref.shape:
            failures.append("%s: shape %s vs %s" % (name, ours.shape, ref.shape))
            return
        # the pieces' values are O(1): a value that is 0 in exact
        # arithmetic (layernorm of one feature) is judged against 1
        scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 0.0)
        e = float(np.max(np.abs(ours - ref))) / scale if ref.size else 0.0
        worst[0] = max(worst[0], e)
        if not e <= tol:
            failures.append("%s: scaled error %.3g > %g" % (name, e, tol))

    self_test_pieces(close, failures)
    n_nets = 0
    chk = R.Checker(1 << 30)
    for i in range(args.count):
        rng = np.random.default_rng([args.seed, SEED_OFFSET + 10_000 + i])
        eval_mode = i % EVAL_EVERY == EVAL_EVERY - 1
        model, steps = gen_network(rng, eval_mode, smooth=True, index=i)
        tag = "layers selftest net %d (%s)" % (i, describe(model, eval_mode))
        # numpy by hand against the torch graph, with the measured noise
        # of the CLI check: a gradient that is 0 in exact arithmetic (the
        # bias before a batchnorm) is rounding noise in both
        ref, noise, trained, tnoise = reference(model, eval_mode, steps, 1000 + i)
        mine, _, _ = np_trace(model, eval_mode)
        for key in ref:
            chk.compare(tag, key, mine[key].tolist(), ref[key], noise[key])
        if steps:
            mine_p = np_train(model, steps)
            for key in trained:
                chk.compare(tag, "trained x%d %s" % (steps, key), mine_p[key].tolist(),
                            trained[key], tnoise[key])
        # gradcheck of the torch graph (inputs and every parameter)
        _, _, X, Y = model_parts(model)
        params, flat = init_params(model)
        names = [(i2, k) for i2, p in enumerate(params) for k in p]

        def f(x, *ps):
            pl = [dict() for _ in params]
            for (i2, k), v in zip(names, ps):
                pl[i2][k] = v
            C, l, _, as_ = forward(model, pl, init_stats(model), x, Y, eval_mode)
            return C, l, as_[-1]
        n_checks[0] += 1
        try:
            ok = torch.autograd.gradcheck(f, (X.clone().requires_grad_(True), *flat),
                                          eps=1e-6, atol=1e-6, rtol=1e-4)
        except RuntimeError as e:
            ok = False
            failures.append("%s gradcheck: %s" % (tag, str(e).splitlines()[0]))
        if not ok:
            failures.append("%s: gradcheck failed" % tag)
        n_nets += 1
    failures += ["%s %s: %s" % f for f in chk.failures]
    n_checks[0] += chk.n_arrays
    for msg in failures:
        print("SELF-TEST FAIL " + msg)
    print("reference self-test (layers): %d networks, %d checks, max scaled error of the "
          "pieces %.2g, max error/tolerance of the networks %.2g%s"
          % (n_nets, n_checks[0], worst[0], chk.max_ratio,
             " — %d FAILURES" % len(failures) if failures else ""))
    return 1 if failures else 0
