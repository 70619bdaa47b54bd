#!/usr/bin/python3
"""torch_onnx.py — ONNX import (issue 16) against PyTorch: networks built
and exported by torch, imported by `backprop import`, traced by `backprop
trace --eval` and compared with torch autograd.

    torch_onnx.py --backprop PATH [--count N] [--seed S] [--workdir DIR]
                  [--long] [--only I] [--max-failures M] [-v]
    torch_onnx.py --self-test [--count N] [--seed S]

Network I of seed S is drawn from numpy's Generator seeded with [S,
70_000 + I] (apart from the other reference checks' networks): a
torch.nn.Module of 1-8 layers (dense, batch norm, layer norm; dropouts
in between), inputs 1-6 wide, every activation the importer reads (ReLU,
LeakyReLU(α), Sigmoid, Tanh, Softplus, ELU(α), none; now and then one of
those it takes for the writer's activations: SELU, Softsign,
Hardsigmoid, Hardtanh, sin, and the SiLU, Mish and GELU compositions),
dense layers with a skip a(n) = σ(W a(n-1) + b) + a(j) from any earlier
output of their width (either operand order of the Add), now and then as
MatMul + Add instead of Gemm, a Linear used twice (tied weights), a
Flatten of the 2-D input, BatchNorm1d with random or default running
statistics, γ and β (defaults make torch emit Identity nodes on shared
initialisers), or without γ and β, LayerNorm (also without), and an
output that fixes the cost (bp-onnx.h): Softmax on dim 1 or -1 with
softmax_ce (one-hot or soft targets), Sigmoid with bce, anything else
with mse.  Each is exported twice with torch.onnx.export, model.float()
and model.double(), at opset 14 (torch's default: layer norm as the
ReduceMean/Sub/Pow/…/Add pattern) or 17 (a LayerNormalization node), the
export options varied (a batch axis or a fixed batch of 1 or B, torch's
own names, the initialisers listed as inputs) and now and then the file
edited as other exporters write it (Gemm transB = 0, float_data instead
of raw_data, Constant nodes for the weights, Identity and Dropout nodes
anywhere), checked with onnx.checker, and then:

  * `backprop import X.onnx -o X.json` must give the network the module
    is: its layers (type, widths, activation and α, skip_from, eps), the
    cost, and every W, b, γ, β, running mean and variance exactly (a
    float32 value is exact in double);
  * `backprop trace --eval` on a batch — the model's inline batch, or for
    some networks (one output, or softmax with every class in the batch)
    the first rows of a CSV through --dataset — must agree with torch
    autograd on loss, per_sample_loss, output and per layer z, a, dC_da,
    dC_dz, dW, db, dgamma, dbeta: element by element within 1e-9 |ref|
    plus 30 x the element's measured rounding noise (torch_reference's
    Checker).  The float32 file is compared with torch in float64 on the
    float32-rounded weights.

The reference is torch_layers.py's float64 torch graph (validated there
against F.batch_norm / F.layer_norm and gradcheck) of the network the
module is, plus elu, the writer's activations and exact GELU and
Hardsigmoid backwards here; every network's module itself (in float64)
is run too, and its output, loss and the autograd gradients of its
parameters must match that reference (1e-6 of the array's magnitude plus
1e-12 of the largest ∂C/∂z: torch's own backward is not exact at
saturation), so the reference is the module's own function.  α and eps
are drawn as a user types them (1-4 significant digits); ONNX stores
them as float32 attributes (or a float32 Constant in the layer-norm
pattern) and the import must give back the typed value, the shortest
decimal of that float32: the value torch computes with in float64, and
"torch in float64 on the float32-rounded weights" for the float32 file.

Two networks at the limits the import must still take come first: 32
dense layers 2 → 2, and a layer of 4096 units.

Before the networks, graphs the importer must refuse (torch_onnx_refuse.py):
a Conv, a Reshape in the middle, an LSTM, a MatMul of two activations, a
second input, two outputs, an Add before the activation, two activations
in a row, a LogSoftmax output, a Softmax over the batch, a model exported
in training mode, a batch norm without running statistics, ReLU6,
Hardtanh(-2, 2), Softplus(beta = 2), a GELU pattern with another
constant, HardSigmoid(α = 0.2), two skips into one layer, a skip that
broadcasts, an Add of a constant, a Flatten over the batch, Gemm alpha =
2, float16, a NaN weight, a negative running variance, no layer, 33
layers, 5000 units.  `backprop import` must exit non-zero, write no
output file, and its message name the culprit: the name of one of the
given nodes as it is in the file and its op type (or the input, the
tensor, the limit).  A Linear without bias (MatMul alone) may be refused
or read with b = 0.

--long (or BP_ONNX_REF_LONG=1 in the environment) is the long form: wider
layers (up to 24 units), batches up to 16, opsets 9-17, and by default
400 networks instead of 60.  The run prints the networks and files
checked, the worst error per quantity (error/tolerance, and |error| over
the array's largest |ref|) and the time.  --no-import traces the model the
import should give instead of importing: the harness and the engine
without the reader.
"""

import argparse
import copy
import io
import json
import math
import os
import sys
import time
import warnings

import numpy as np

import torch_reference as R

R.import_torch()
torch = R.torch

import torch_exact as E        # noqa: E402 (after torch is importable)
import torch_layers as TL      # noqa: E402
import torch_onnx_refuse       # noqa: E402

TL.bind(R)

try:
    import onnx
except ImportError as e:      # pragma: no cover
    sys.stderr.write("torch_onnx.py: FAILED: the onnx module is not importable by %s (%s);\n"
                     "this test needs Debian's python3-onnx (apt install python3-onnx)\n"
                     % (sys.executable, e))
    sys.exit(1)

F = torch.nn.functional

SEED_OFFSET = 70_000
HIDDEN_ACTS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu")
# The operators the reader also takes for the writer's activations (plugin
# ids): one node each, or the composition torch exports.
EXTRA_ACTS = {"selu": torch.selu, "softsign": F.softsign, "hard_sigmoid": F.hardsigmoid,
              "hard_tanh": F.hardtanh, "sine": torch.sin, "swish": F.silu, "mish": F.mish,
              "gelu": F.gelu}
EXTRA_ODDS = 0.2


class _Gelu(torch.autograd.Function):
    """z Φ(z) and Φ(z) + z φ(z) with Φ from erfc: torch's float64 GELU
    backward takes Φ as ½(1 + erf), 0.6 % off at z = -12.75."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z * 0.5 * torch.special.erfc(-z / math.sqrt(2.0))

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        Phi = 0.5 * torch.special.erfc(-z / math.sqrt(2.0))
        return g * (Phi + z * torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi))


# The reference's forms: torch's own, but exact where torch's float64
# backward is not: hardsigmoid's multiplies by 1.0f/6.0f (0.1666666716…,
# 3e-8 off), clamp's is exact; GELU's above.
REF_ACTS = dict(EXTRA_ACTS, hard_sigmoid=lambda z: torch.clamp(z + 3.0, 0.0, 6.0) / 6.0,
                gelu=_Gelu.apply)
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}
TORCH_DEFAULT_EPS = 1e-5
COUNT_CI, COUNT_LONG = 60, 400
Z_MAX = 35.0
MODULE_RTOL = 1e-6
MODULE_FLOOR = 1e-12
QUANTITIES = ("loss", "per_sample_loss", "output", "z", "a", "dC_da", "dC_dz", "dW", "db",
              "dgamma", "dbeta")


def typed(rng, x):
    """x as a user types a hyperparameter: 1-4 significant digits.  The
    file holds it as a float32 attribute; with at most 6 digits the
    shortest decimal of that float32 is x again (FLT_DIG), and x is what
    torch computes with, in float64 too (module.double() keeps it)."""
    return float("%.*g" % (int(rng.integers(1, 5)), x))


# ------------------------------------------------------------ elu, exactly

class _Elu(torch.autograd.Function):
    """σ(z) = z (z > 0), α expm1(z) otherwise; σ'(z) = 1 or α e^z, as the
    elu plugin (σ'(0) = α) and torch."""

    @staticmethod
    def forward(ctx, z, alpha):
        ctx.save_for_backward(z)
        ctx.alpha = alpha
        return torch.where(z > 0, z, alpha * torch.expm1(z))

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g * torch.where(z > 0, torch.ones_like(z), ctx.alpha * torch.exp(z)), None


_t_act = E.t_act


def t_act(name, z, alpha, accurate=True):
    if name == "elu":
        return _Elu.apply(z, alpha)
    if name in REF_ACTS:
        return REF_ACTS[name](z)
    return _t_act(name, z, alpha, accurate)


E.t_act = t_act           # torch_layers' forward pass calls E.t_act


# ------------------------------------------------------------- generation
#
# A spec is a list of blocks; "idx" numbers the tensors as the imported
# network does: a(0) is the input, each dense / norm layer adds one, a
# dropout or a flatten passes its input's number on.

def log_uniform(rng, lo, hi, size=None):
    return 10.0 ** rng.uniform(math.log10(lo), math.log10(hi), size)


def draw_act(rng, acts=HIDDEN_ACTS):
    if rng.random() < EXTRA_ODDS:
        return str(rng.choice(sorted(EXTRA_ACTS))), None
    act = str(acts[rng.integers(len(acts))])
    alpha = None
    if act == "leaky_relu":
        alpha = typed(rng, rng.choice([0.01, 0.2, rng.uniform(0.001, 0.5)]))
    elif act == "elu":
        alpha = typed(rng, rng.choice([1.0, rng.uniform(0.1, 3.0)]))
    return act, alpha


def gen_spec(rng, long_form):
    """(spec, n_in, cost, B): a random network as blocks, before any
    parameter is drawn."""
    n_in = int(rng.integers(1, 7))
    depth = int(rng.integers(1, 9))
    max_w = 24 if long_form else 8
    B = int(rng.integers(1, 17 if long_form else 9))
    r = rng.random()
    cost = "mse" if r < 0.5 else ("bce" if r < 0.7 else "softmax_ce")
    widths = [n_in]                       # widths[j] = width of a(j)
    spec = []
    if rng.random() < 0.15:
        spec.append({"kind": "flatten"})
    dense_shapes = {}                     # (in, out) -> block of the first Linear
    for n in range(1, depth + 1):
        last = n == depth
        w = widths[-1]
        if rng.random() < 0.2:
            p = float(rng.choice([0.1, 0.5, rng.uniform(0, 0.9)]))
            spec.append({"kind": "dropout", "p": p})
        if last and cost != "mse":
            kind = "dense"
        elif last:
            kind = "dense" if rng.random() < 0.8 else ("bn" if rng.random() < 0.5 else "ln")
        else:
            kind = str(rng.choice(["dense", "bn", "ln"], p=[0.6, 0.22, 0.18]))
        blk = {"kind": kind, "idx": len(widths)}
        if kind == "dense":
            if last and cost == "softmax_ce":
                out = int(rng.integers(2, 7))
            elif last and cost == "bce":
                out = int(rng.integers(1, 4))
            elif rng.random() < 0.5:
                out = widths[int(rng.integers(len(widths)))]
            else:
                out = int(rng.integers(1, max_w + 1))
            blk.update(inp=w, out=out, style="matmul" if rng.random() < 0.2 else "gemm",
                       bias_first=bool(rng.random() < 0.5))
            if last and cost == "softmax_ce":
                blk.update(act="softmax", alpha=None, dim=int(rng.choice([1, -1])))
            elif last and cost == "bce":
                blk.update(act="sigmoid", alpha=None)
            else:     # a sigmoid output would make the cost bce
                act, alpha = draw_act(rng, HIDDEN_ACTS if not last else
                                      tuple(a for a in HIDDEN_ACTS if a != "sigmoid"))
                blk.update(act=act, alpha=alpha)
            sources = [j for j in range(len(widths)) if widths[j] == out]
            if sources and not (last and cost != "mse") and rng.random() < 0.45:
                blk["skip"] = int(sources[rng.integers(len(sources))])
                blk["skip_first"] = bool(rng.random() < 0.4)
            tied = dense_shapes.get((w, out))
            if tied is not None and rng.random() < 0.25:
                blk["tie"] = tied
            else:
                dense_shapes.setdefault((w, out), blk)
            widths.append(out)
        else:
            blk.update(inp=w, out=w, default=bool(rng.random() < 0.15),
                       affine=bool(rng.random() >= 0.1))
            if rng.random() < 0.6:
                eps = TORCH_DEFAULT_EPS
            else:
                eps = float(log_uniform(rng, 1e-8, 0.1))
            blk["eps"] = typed(rng, eps)
            if kind == "ln" and w == 1:
                # x - μ is 0: z = β exactly in ours, rounding noise in
                # torch's kernel; no kink there (relu'(0) would decide)
                blk.update(act=str(rng.choice(["linear", "tanh"])), alpha=None)
            elif rng.random() < 0.4:
                blk.update(act="linear", alpha=None)
            else:
                acts = HIDDEN_ACTS[1:] if not last else ("relu", "tanh", "leaky_relu", "elu")
                blk.update(zip(("act", "alpha"), draw_act(rng, acts)))
            widths.append(w)
        spec.append(blk)
    if rng.random() < 0.1:
        spec.append({"kind": "dropout", "p": 0.5})
    return spec, n_in, cost, B


def param(rng, shape, scale):
    return torch.tensor(rng.standard_normal(shape) * scale, dtype=torch.float64)


def build_module(rng, spec, n_in):
    """The torch.nn.Module of a spec, its parameters drawn from rng (float64)."""
    mods = []
    for blk in spec:
        k = blk["kind"]
        if k == "dense" and "tie" not in blk:
            lin = torch.nn.Linear(blk["inp"], blk["out"]).double()
            with torch.no_grad():
                s = log_uniform(rng, 0.3, 3.0) / math.sqrt(blk["inp"])
                lin.weight.copy_(param(rng, lin.weight.shape, s))
                lin.bias.copy_(param(rng, lin.bias.shape, log_uniform(rng, 0.05, 1.0)))
            blk["mod"] = len(mods)
            mods.append(lin)
        elif k == "dense":
            blk["mod"] = blk["tie"]["mod"]
        elif k in ("bn", "ln"):
            w = blk["out"]
            m = (torch.nn.BatchNorm1d(w, eps=blk["eps"], affine=blk["affine"]) if k == "bn"
                 else torch.nn.LayerNorm(w, eps=blk["eps"],
                                         elementwise_affine=blk["affine"])).double()
            if not blk["default"]:
                with torch.no_grad():
                    g = rng.choice([-1.0, 1.0], w) * log_uniform(rng, 0.3, 3.0, w)
                    if blk["affine"]:
                        m.weight.copy_(torch.tensor(g))
                        m.bias.copy_(param(rng, w, log_uniform(rng, 0.05, 1.0)))
                    if k == "bn":
                        m.running_mean.copy_(param(rng, w, log_uniform(rng, 0.1, 2.0)))
                        m.running_var.copy_(torch.tensor(log_uniform(rng, 0.05, 5.0, w)))
            blk["mod"] = len(mods)
            mods.append(m)
        elif k == "dropout":
            blk["mod"] = len(mods)
            mods.append(torch.nn.Dropout(blk["p"]))
    return Net(spec, mods).eval()


def apply_act(act, alpha, z, dim=1):
    if act in EXTRA_ACTS:
        return EXTRA_ACTS[act](z)
    if act == "linear":
        return z
    if act == "relu":
        return torch.relu(z)
    if act == "leaky_relu":
        return F.leaky_relu(z, alpha)
    if act == "sigmoid":
        return torch.sigmoid(z)
    if act == "tanh":
        return torch.tanh(z)
    if act == "softplus":
        return F.softplus(z)
    if act == "elu":
        return F.elu(z, alpha)
    if act == "softmax":
        return torch.softmax(z, dim=dim)
    raise ValueError(act)


class Net(torch.nn.Module):
    """The network of a spec; with `logits` set, forward also returns the
    last z (for the loss from logits in the self-check; never exported)."""

    def __init__(self, spec, mods):
        super().__init__()
        self.spec = spec
        self.mods = torch.nn.ModuleList(mods)
        self.logits = False
        self.zmax = None         # a list: the largest |z| of each forward pass

    def forward(self, x):
        acts = [x]               # a(j), numbered as the imported layers
        h, z = x, None
        big = 0.0
        for blk in self.spec:
            k = blk["kind"]
            if k == "flatten":
                h = torch.flatten(h, 1)
                acts[0] = h
                continue
            m = self.mods[blk["mod"]]
            if k == "dropout":
                h = m(h)
                continue
            if k == "dense":
                if blk["style"] == "gemm":
                    z = m(h)
                elif blk["bias_first"]:
                    z = m.bias + torch.matmul(h, m.weight.t())
                else:
                    z = torch.matmul(h, m.weight.t()) + m.bias
            else:
                z = m(h)
            if self.zmax is not None:
                big = max(big, float(z.detach().abs().max()))
            a = apply_act(blk["act"], blk["alpha"], z, blk.get("dim", 1))
            if "skip" in blk:
                a = acts[blk["skip"]] + a if blk["skip_first"] else a + acts[blk["skip"]]
            acts.append(a)
            h = a
        if self.zmax is not None:
            self.zmax.append(big)
        return (h, z) if self.logits else h


def expected_model(net, spec, cost):
    """The backprop model the module is (what the import must give), in
    float64 from the module's parameters (of whatever dtype: exact)."""
    layers = []
    for blk in spec:
        k = blk["kind"]
        if k in ("flatten", "dropout"):
            continue
        m = net.mods[blk["mod"]]
        v = lambda t: t.detach().double().tolist()    # noqa: E731
        if k == "dense":
            L = {"type": "dense", "in": blk["inp"], "out": blk["out"],
                 "activation": blk["act"], "W": v(m.weight), "b": v(m.bias)}
            if "skip" in blk:
                L["skip_from"] = blk["skip"]
        else:
            L = {"type": "batchnorm" if k == "bn" else "layernorm", "in": blk["out"],
                 "out": blk["out"], "activation": blk["act"], "eps": blk["eps"],
                 "gamma": v(m.weight) if blk["affine"] else [1.0] * blk["out"],
                 "beta": v(m.bias) if blk["affine"] else [0.0] * blk["out"]}
            if k == "bn":
                L["running_mean"] = v(m.running_mean)
                L["running_var"] = v(m.running_var)
        if blk["alpha"] is not None:
            L["alpha"] = blk["alpha"]
        layers.append(L)
    return {"format": "backprop-model/1", "name": "torch-onnx expected", "seed": 0,
            "layers": layers, "cost": cost, "optimizer": {"id": "sgd", "lr": 0.1}}


def gen_batch(rng, n_in, n_out, cost, B, classes=None):
    """(X, Y, class of each row or None): inputs at mixed scales; targets
    of the cost (softmax_ce: one-hot, or soft and summing to exactly 1)."""
    X = rng.standard_normal((B, n_in)) * log_uniform(rng, 0.1, 5.0, n_in)
    cls = None
    if cost == "mse":
        Y = rng.standard_normal((B, n_out)) * log_uniform(rng, 0.1, 3.0)
    elif cost == "bce":
        Y = (rng.random((B, n_out)) < 0.5).astype(float) if rng.random() < 0.6 \
            else rng.uniform(0.0, 1.0, (B, n_out))
    elif classes is not None:
        cls = classes
        Y = np.eye(n_out)[cls]
    else:
        Y = np.zeros((B, n_out))
        for s in range(B):
            if rng.random() < 0.6:
                Y[s, rng.integers(n_out)] = 1.0
            else:
                cuts = np.sort(rng.integers(0, 1025, n_out - 1))
                Y[s] = np.diff(np.concatenate([[0], cuts, [1024]])) / 1024.0
    return X, Y, cls


def describe(spec, n_in, cost, B):
    parts = []
    for blk in spec:
        k = blk["kind"]
        if k == "flatten":
            parts.append("flatten")
        elif k == "dropout":
            parts.append("drop%.2g" % blk["p"])
        else:
            act = blk["act"] + ("(%.3g)" % blk["alpha"] if blk["alpha"] is not None else "")
            s = "%s%d/%s" % ({"dense": "", "bn": "bn", "ln": "ln"}[k], blk["out"], act)
            if k == "dense" and blk["style"] == "matmul":
                s += "[mm]"
            if "tie" in blk:
                s += "[tied]"
            if "skip" in blk:
                s += "+a%d" % blk["skip"]
            if k != "dense" and blk["default"]:
                s += "[defaults]"
            if k != "dense" and not blk["affine"]:
                s += "[no affine]"
            parts.append(s)
    return "in%d %s %s B=%d" % (n_in, "-".join(parts), cost, B)


def edge_spec(kind):
    """gen_spec for a network at the limits the import must still take:
    BP_MAX_LAYERS = 32 dense layers, a layer of BP_MAX_WIDTH = 4096 units."""
    def dense(rng, idx, inp, out, act):
        return {"kind": "dense", "idx": idx, "inp": inp, "out": out, "style": "gemm",
                "bias_first": False, "act": act[0], "alpha": act[1], "dim": 1}

    def make(rng, long_form):
        if kind == "deep":
            acts = tuple(a for a in HIDDEN_ACTS if a != "sigmoid")
            return ([dense(rng, n, 2, 2, draw_act(rng, acts)) for n in range(1, 33)],
                    2, "mse", 3)
        return ([dense(rng, 1, 3, 4096, ("relu", None)),
                 dense(rng, 2, 4096, 3, ("softmax", None))], 3, "softmax_ce", 4)
    return make


def gen_network(rng, long_form, make_spec=gen_spec):
    """A network: its spec, module (float64), batch and how it is run.
    A candidate with |z| > Z_MAX somewhere is drawn again (the reference's
    sigmoid is not exact where e^-z overflows: σ(-712) is subnormal)."""
    for _candidate in range(100):
        spec, n_in, cost, B = make_spec(rng, long_form)
        net = build_module(rng, spec, n_in)
        n_out = [b for b in spec if b["kind"] not in ("flatten", "dropout")][-1]["out"]
        csv = rng.random() < 0.6 and (n_out == 1 or (cost == "softmax_ce" and B >= n_out))
        classes = None
        if csv and cost == "softmax_ce":
            classes = np.concatenate([rng.permutation(n_out), rng.integers(0, n_out, B - n_out)])
            classes = classes[rng.permutation(B)]
        X, Y, cls = gen_batch(rng, n_in, n_out, cost, B, classes)
        net.zmax = []
        with torch.no_grad():
            net(torch.tensor(X))
            single = copy.deepcopy(net).float()
            single.zmax = net.zmax
            single(torch.tensor(X, dtype=torch.float32))
        big, net.zmax = max(net.zmax), None
        if big <= Z_MAX:
            break
    else:
        raise RuntimeError("no network with |z| <= %g in 100 candidates" % Z_MAX)
    opsets = tuple(range(9, 18)) if long_form else (14, 17)
    if any(b["kind"] == "ln" and not b["affine"] for b in spec):
        opsets = tuple(o for o in opsets if o != 17)    # torch 1.13 cannot export it
    named = bool(rng.random() < 0.8)
    dynamic = named and bool(rng.random() < 0.8)
    return {"spec": spec, "net": net, "n_in": n_in, "cost": cost, "X": X, "Y": Y,
            "classes": cls, "csv": csv,
            "opsets": [int(rng.choice(opsets)) for _ in range(2)],
            "named": named, "dynamic": dynamic,
            "export_batch1": not dynamic and bool(rng.random() < 0.5),
            "keep_init": bool(rng.random() < 0.15),
            "edits": [e for e in EDITS if rng.random() < 0.12],
            "edit_seed": int(rng.integers(1 << 31)),
            "seed": int(rng.integers(1 << 40)), "what": describe(spec, n_in, cost, B)}


# ------------------------------------------------------------------ export

def export(module, dtype, g, opset, path):
    """torch.onnx.export of module in dtype to path as g's options say;
    onnx.checker's verdict (None when it accepts the file, else its
    message).  The options a practitioner's export varies: a batch axis
    or a fixed batch (of 1, or of the batch's size), named or torch's
    own names ("input.1", "onnx::Gemm_0"), and the initialisers listed as
    graph inputs (keep_initializers_as_inputs, as older exporters did)."""
    m = module.to(dtype).eval()
    B = 1 if g["export_batch1"] else g["X"].shape[0]
    kw = {"keep_initializers_as_inputs": g["keep_init"]}
    if g["named"]:
        kw.update(input_names=["input"], output_names=["output"])
        if g["dynamic"]:
            kw["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (torch.zeros(B, g["n_in"], dtype=dtype),), f,
                          opset_version=opset, **kw)
    data = f.getvalue()
    if g["edits"]:
        mp = onnx.load_from_string(data)
        rnd = np.random.default_rng(g["edit_seed"])
        for e in g["edits"]:
            EDITS[e](mp, rnd)
        data = mp.SerializeToString()
    with open(path, "wb") as out:
        out.write(data)
    try:
        onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    except Exception as e:            # noqa: BLE001 (any checker complaint)
        return str(e).splitlines()[0]
    return None


# What other exporters write for the same network, made by editing
# torch's file (EDITS; each network gets each with odds 0.12, in both
# files): Gemm with transB = 0, the weights as float_data / double_data
# instead of raw_data, as Constant nodes instead of initialisers, and
# Identity / Dropout nodes (dropped by the import) between a tensor and
# some of its readers.

def edit_transb0(mp, rnd):
    """Gemm with transB = 0 and W stored as in × out."""
    from onnx import numpy_helper
    inits = {t.name: t for t in mp.graph.initializer}
    for k, nd in enumerate(mp.graph.node):
        if nd.op_type != "Gemm" or len(nd.input) < 2 or nd.input[1] not in inits:
            continue
        tb = [a for a in nd.attribute if a.name == "transB"]
        if not tb or tb[0].i != 1:
            continue
        arr = numpy_helper.to_array(inits[nd.input[1]]).T.copy()
        name = "%s_t%d" % (nd.input[1], k)
        mp.graph.initializer.append(numpy_helper.from_array(arr, name))
        nd.input[1] = name
        tb[0].i = 0


def edit_typed_data(mp, rnd):
    from onnx import numpy_helper
    for k, init in enumerate(mp.graph.initializer):
        arr = numpy_helper.to_array(init)
        mp.graph.initializer[k].CopyFrom(onnx.helper.make_tensor(
            init.name, init.data_type, arr.shape, arr.ravel().tolist(), raw=False))


def edit_constants(mp, rnd):
    inits = list(mp.graph.initializer)
    names = {t.name for t in inits}
    consts = [onnx.helper.make_node("Constant", [], [t.name], name="Const_" + t.name, value=t)
              for t in inits]
    nodes = consts + list(mp.graph.node)
    del mp.graph.node[:]
    mp.graph.node.extend(nodes)
    del mp.graph.initializer[:]
    inputs = [v for v in mp.graph.input if v.name not in names]
    del mp.graph.input[:]
    mp.graph.input.extend(inputs)


def edit_identities(mp, rnd):
    """An Identity or Dropout between a tensor and some of its readers (at
    least one), the others reading the tensor itself: anywhere, between
    layers and inside the patterns the reader matches (layer norm, MatMul
    + its bias, softsign, SiLU, Mish, GELU) alike."""
    outputs = {v.name for v in mp.graph.output}
    readers = {}
    for nd in mp.graph.node:
        for i in nd.input:
            readers.setdefault(i, []).append(nd)
    nodes = []
    for nd in list(mp.graph.node):
        nodes.append(nd)
        for o in nd.output:
            rs = readers.get(o, [])
            if not rs or o in outputs or rnd.random() < 0.5:
                continue
            op = "Identity" if rnd.random() < 0.5 else "Dropout"
            copy_name = "%s_%s" % (o, op.lower())
            nodes.append(onnx.helper.make_node(op, [o], [copy_name],
                                               name="/inserted/%s_%d" % (op, len(nodes))))
            chosen = [r for r in rs if rnd.random() < 0.6] or [rs[int(rnd.integers(len(rs)))]]
            for r in chosen:
                for k, i in enumerate(r.input):
                    if i == o:
                        r.input[k] = copy_name
    del mp.graph.node[:]
    mp.graph.node.extend(nodes)


EDITS = {"transB0": edit_transb0, "typed_data": edit_typed_data, "constants": edit_constants,
         "identities": edit_identities}


# ------------------------------------------------------------- comparison

def quantity(name):
    """"layers[2].dW (dense)" -> "dW"; "loss" -> "loss"."""
    return name.split(" ")[0].split(".")[-1]


class Checker(R.Checker):
    """torch_reference's Checker, also keeping the worst error per
    quantity: error/tolerance, and |error| over the array's largest |ref|."""

    def __init__(self, max_failures):
        super().__init__(max_failures)
        self.per_q = {}

    def compare(self, where, name, ours, ref, noise):
        super().compare(where, name, ours, ref, noise)
        arr = R.to_array(ours) if ours is not None else None
        ref = np.asarray(ref, dtype=float)
        noise = np.asarray(noise, dtype=float)
        if arr is None or arr.shape != ref.shape or ref.size == 0 or \
                not np.all(np.isfinite(arr)):
            return
        err = np.abs(arr - ref)
        tol = R.RTOL * np.abs(ref) + R.K_NOISE * noise
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.max(np.where(err == 0.0, 0.0, err / tol)))
        big = float(np.max(np.abs(ref)))
        rel = float(np.max(err)) / big if big > 0 else float(np.max(err))
        q = self.per_q.setdefault(quantity(name), [0.0, 0.0, 0])
        q[0], q[1], q[2] = max(q[0], ratio), max(q[1], rel), q[2] + ref.size


def exact_equal(chk, where, name, ours, ref):
    """An imported parameter must be the file's value exactly."""
    arr = R.to_array(ours) if ours is not None else None
    ref = np.asarray(ref, dtype=float)
    if arr is None:
        chk.fail(where, name, "missing or not numbers: %s" % R.short(ours))
        return
    if arr.size != ref.size:
        chk.fail(where, name, "%d values, expected %d" % (arr.size, ref.size))
        return
    arr = arr.reshape(ref.shape)
    if not np.array_equal(arr, ref):
        idx = tuple(int(i) for i in np.argwhere(arr != ref)[0])
        chk.fail(where, name, "not the file's value: element %s is %r, expected %r (%d of %d "
                 "differ)" % (idx, float(arr[idx]), float(ref[idx]),
                              int(np.sum(arr != ref)), ref.size))


def check_structure(chk, where, got, want, onnx_path, opset, contract=True):
    """The imported model against the module's network: cost, layers,
    activations, α, skips, eps and every parameter bit for bit; what
    bp-onnx.h promises of the rest (SGD, no dataset, a description naming
    the file, its producer and opset).  False when the layers do not
    correspond (the trace is then not compared)."""
    desc = got.get("description")
    for word in (os.path.basename(onnx_path), "pytorch", "opset %d" % opset) if contract else ():
        if not isinstance(desc, str) or word not in desc:
            chk.fail(where, "description", "%s does not say %r" % (R.short(desc), word))
    opt = got.get("optimizer")
    if contract and (opt.get("id") if isinstance(opt, dict) else opt) != "sgd":
        chk.fail(where, "optimizer", "%s, expected sgd" % R.short(opt))
    if "dataset" in got:
        chk.fail(where, "dataset", "%s, expected none" % R.short(got["dataset"]))
    cost = got.get("cost")
    cost = cost.get("id") if isinstance(cost, dict) else cost
    if cost != want["cost"]:
        chk.fail(where, "cost", "%s, expected %s (from the output layer)"
                 % (R.short(cost), want["cost"]))
    if got.get("reduction", "mean") != "mean":
        chk.fail(where, "reduction", "%s, expected mean" % R.short(got.get("reduction")))
    layers = got.get("layers")
    if not isinstance(layers, list) or len(layers) != len(want["layers"]):
        chk.fail(where, "layers", "%s layers, expected %d: %s"
                 % (len(layers) if isinstance(layers, list) else "no",
                    len(want["layers"]), R.short(layers, 300)))
        return False
    ok = True
    for i, (L, W) in enumerate(zip(layers, want["layers"])):
        name = "layers[%d]" % i
        if not isinstance(L, dict):
            chk.fail(where, name, "not an object")
            ok = False
            continue
        t = TL.ltype(L)
        if t != W["type"] or L.get("in") != W["in"] or L.get("out") != W["out"]:
            chk.fail(where, name, "%s %s→%s, expected %s %d→%d"
                     % (t, L.get("in"), L.get("out"), W["type"], W["in"], W["out"]))
            ok = False
            continue
        act = L.get("activation", "linear")
        if act != W["activation"]:
            chk.fail(where, name + ".activation", "%s, expected %s" % (R.short(act),
                                                                       W["activation"]))
        if W["activation"] in DEFAULT_ALPHA:
            alpha = L.get("alpha", DEFAULT_ALPHA[W["activation"]])
            if alpha != W["alpha"]:
                chk.fail(where, name + ".alpha", "%r, expected the file's %r"
                         % (alpha, W["alpha"]))
        if L.get("skip_from") != W.get("skip_from"):
            chk.fail(where, name + ".skip_from", "%s, expected %s"
                     % (R.short(L.get("skip_from")), R.short(W.get("skip_from"))))
        if t == "dense":
            keys = ("W", "b")
        else:
            keys = ("gamma", "beta") + (("running_mean", "running_var")
                                        if t == "batchnorm" else ())
            eps = L.get("eps", TORCH_DEFAULT_EPS)
            if eps != W["eps"]:
                chk.fail(where, name + ".eps", "%r, expected the file's %r" % (eps, W["eps"]))
        defaults = {"running_mean": 0.0, "running_var": 1.0}
        for k in keys:
            v = L.get(k, [defaults[k]] * W["out"] if k in defaults else None)
            exact_equal(chk, where, "%s.%s" % (name, k), v, W[k])
    return ok


def check_trace(chk, where, ours, ref, noise, want):
    layers = R.check_trace_head(chk, where, ours, ref, noise, len(want["layers"]))
    if layers is None:
        return
    for i, (W, Lo) in enumerate(zip(want["layers"], layers)):
        if not isinstance(Lo, dict):
            chk.fail(where, "layers[%d]" % i, "not an object")
            continue
        t = W["type"]
        if "type" in Lo and Lo["type"] != t:
            chk.fail(where, "layers[%d].type" % i, "%s, expected %s" % (R.short(Lo["type"]), t))
        for key in TL.TRACE_KEYS[t]:
            name = "layers[%d].%s" % (i, key)
            chk.compare(where, "%s (%s)" % (name, t), Lo.get(key), ref[name], noise[name])


def module_check(chk, where, module, g, want, ref, noise, worst):
    """The module itself (float64, eval) against the reference: output,
    losses and its parameters' autograd gradients, within MODULE_RTOL of
    each array's magnitude plus MODULE_FLOOR of the network's largest
    ∂C/∂z plus 30 x the reference's measured noise (a gradient that is 0
    in exact arithmetic is noise in both); worst[0] keeps the largest
    error/tolerance.  Ties the reference to PyTorch's own layers, whose
    backward (σ(1-σ), 1 - tanh² from the rounded a, log_softmax) is not
    exact at saturation: a layer behind a saturated one has gradients of
    1e-11 off by 1e-16.  A wrong network (a skip, a tied weight, an
    activation) is off by far more.  A failure is the harness's."""
    md = copy.deepcopy(module).double().eval()
    md.logits = True
    X = torch.tensor(g["X"])
    Y = torch.tensor(g["Y"])
    a, z = md(X)
    cost = want["cost"]
    if cost == "mse":
        l = 0.5 * ((a - Y) ** 2).sum(dim=1)
    elif cost == "bce":
        l = F.binary_cross_entropy_with_logits(z, Y, reduction="none").sum(dim=1)
    else:
        l = -(Y * F.log_softmax(z, dim=1)).sum(dim=1)
    C = l.mean()
    if C.requires_grad:              # else no parameter: a norm without γ, β alone
        C.backward()
    pairs = [(k, v, ref[k], noise[k]) for k, v in
             (("output", a), ("per_sample_loss", l), ("loss", C.reshape(1)))]
    grads = {}
    li = 0
    for blk in g["spec"]:
        if blk["kind"] in ("flatten", "dropout"):
            continue
        m = md.mods[blk["mod"]]
        if blk["kind"] == "dense":       # a tied Linear: the sum over its uses
            acc = grads.get(blk["mod"], [0.0] * 4)
            grads[blk["mod"]] = [acc[0] + ref["layers[%d].dW" % li],
                                 acc[1] + ref["layers[%d].db" % li],
                                 acc[2] + noise["layers[%d].dW" % li],
                                 acc[3] + noise["layers[%d].db" % li]]
        elif blk["affine"]:
            for p, k in ((m.weight, "dgamma"), (m.bias, "dbeta")):
                key = "layers[%d].%s" % (li, k)
                pairs.append((key, p.grad, ref[key], noise[key]))
        li += 1
    for k, (gw, gb, nw, nb) in grads.items():
        m = md.mods[k]
        pairs += [("Linear %d weight grad" % k, m.weight.grad, gw, nw),
                  ("Linear %d bias grad" % k, m.bias.grad, gb, nb)]
    G = max(float(np.max(np.abs(v))) for k, v in ref.items() if k.endswith("dC_dz"))
    for name, t, r, n in pairs:
        t = t.detach().numpy() if t is not None else np.zeros_like(r)
        big = float(np.max(np.abs(r)))
        err = np.abs(t - r)
        tol = MODULE_RTOL * big + MODULE_FLOOR * G + R.K_NOISE * n
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.max(np.where(err == 0.0, 0.0, err / tol)))
        worst[0] = max(worst[0], ratio)
        if not ratio <= 1.0:
            chk.fail(where, "module " + name,
                     "the torch module and the reference differ by %.3g, the array's "
                     "largest |value| is %.3g (a bug of this test)" % (float(np.max(err)), big))


# ---------------------------------------------------------------- the CLI

def write_csv(path, g):
    """The batch as a CSV the way a user has it: x1…, then the target
    (a number, or for softmax_ce a class label)."""
    X, Y = g["X"], g["Y"]
    with open(path, "w") as f:
        f.write(",".join(["x%d" % (k + 1) for k in range(X.shape[1])] + ["y"]) + "\n")
        for s in range(X.shape[0]):
            y = ("class-%d" % g["classes"][s] if g["classes"] is not None
                 else repr(float(Y[s, 0])))
            f.write(",".join([repr(float(v)) for v in X[s]] + [y]) + "\n")


def csv_targets(g):
    """The targets the CSV means: one-hot labels take their columns in the
    order the labels first appear (bp-dataset-csv.c)."""
    if g["classes"] is None:
        return g["Y"]
    order = []
    for c in g["classes"]:
        if c not in order:
            order.append(c)
    col = {c: k for k, c in enumerate(order)}
    return np.eye(len(order))[[col[c] for c in g["classes"]]]


def check_file(chk, args, g, base, dtype, opset, stats, worst_module):
    """One export of network g: checker, import, structure, trace."""
    path = base + ".onnx"
    module = copy.deepcopy(g["net"]).to(dtype)
    B = g["X"].shape[0]
    bad = export(module, dtype, g, opset, path)
    if bad is not None:
        chk.fail(path, "onnx.checker", bad)
        return
    want = expected_model(module, g["spec"], g["cost"])
    if g["csv"]:
        g = dict(g, Y=csv_targets(g))
    want["inputs"], want["targets"] = g["X"].tolist(), g["Y"].tolist()
    ref, noise, _, _ = TL.reference(want, True, 0, g["seed"])
    module_check(chk, path, module, g, want, ref, noise, worst_module)
    if args.self_test:
        return
    stats["files"] += 1
    out = base + ".json"
    if os.path.exists(out):
        os.unlink(out)
    if args.no_import:                 # the harness alone: trace what the import should give
        with open(out, "w") as f:
            json.dump({k: v for k, v in want.items() if k not in ("inputs", "targets")}, f)
    else:
        p = R.run([args.backprop, "import", path, "-o", out])
        if p.returncode != 0:
            chk.fail(path, "import", "`backprop import` exited %d: %s"
                     % (p.returncode, p.stderr.decode(errors="replace").strip()[:500]))
            return
    try:
        with open(out) as f:
            got = json.load(f)
    except (OSError, ValueError) as e:
        chk.fail(path, "import", "cannot read the imported model %s: %s" % (out, e))
        return
    if not isinstance(got, dict) or \
            not check_structure(chk, out, got, want, path, opset, not args.no_import):
        return
    if g["csv"]:
        csv = base + ".csv"
        write_csv(csv, g)
        cmd = [args.backprop, "trace", out, "--eval", "--dataset", csv, "--rows", str(B)]
        stats["csv"] += 1
    else:
        batch = base + "-batch.json"
        with open(batch, "w") as f:
            json.dump(dict(got, inputs=want["inputs"], targets=want["targets"]), f, indent=1)
        cmd = [args.backprop, "trace", batch, "--eval"]
    where = " ".join(os.path.basename(c) for c in cmd[1:])
    ours = R.run_json(chk, where, cmd)
    if ours is None:
        return
    if g["csv"]:
        for key, v in (("inputs", want["inputs"]), ("targets", want["targets"])):
            if key in ours:
                exact_equal(chk, where, "trace " + key + " (the CSV's rows)", ours[key], v)
    check_trace(chk, where, ours, ref, noise, want)


# ------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backprop", help="the backprop CLI executable")
    ap.add_argument("--count", type=int, default=None,
                    help="networks (default %d, --long %d)" % (COUNT_CI, COUNT_LONG))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--long", action="store_true",
                    help="the long form (also BP_ONNX_REF_LONG=1): wider, opsets 13-17")
    ap.add_argument("--only", type=int, default=None, help="check only network I")
    ap.add_argument("--max-failures", type=int, default=20)
    ap.add_argument("--no-import", action="store_true",
                    help="trace the model the import should give instead of importing "
                         "(checks this harness and the engine, not the reader)")
    ap.add_argument("--self-test", action="store_true",
                    help="export, onnx.checker and module vs reference only (no CLI)")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    long_form = args.long or os.environ.get("BP_ONNX_REF_LONG", "") not in ("", "0")
    if args.count is None:
        args.count = COUNT_LONG if long_form else COUNT_CI
        if args.self_test:
            args.count = 12
    if not args.self_test:
        if not args.backprop:
            ap.error("--backprop is required (or --self-test)")
        args.backprop, _ = R.cli_paths(argparse.Namespace(backprop=args.backprop,
                                                          workdir=args.workdir or "."))
        if args.backprop is None:
            return 1
    if args.workdir is None:
        import tempfile
        args.workdir = tempfile.mkdtemp(prefix="bp-torch-onnx-")
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)

    chk = Checker(args.max_failures)
    t0 = time.time()
    if args.self_test:                 # the refusals exported and checked, not imported
        args.no_import = True
    n_refusals = 0 if args.only is not None else \
        torch_onnx_refuse.check_refusals(chk, args, workdir)
    if chk.failures:
        print("FAIL refusals:")
        for where, name, msg in chk.failures:
            print("  %s %s: %s" % (where, name, msg))
    stats = {"files": 0, "csv": 0}
    per_opset, worst_module = {}, [0.0]
    n_nets = 0
    def networks():
        if args.only is None:         # the limits first: 32 layers, 4096 units
            for k, kind in enumerate(("deep", "wide")):
                rng = np.random.default_rng([args.seed, SEED_OFFSET - 1 - k])
                yield kind, gen_network(rng, long_form, edge_spec(kind))
        for i in [args.only] if args.only is not None else range(args.count):
            rng = np.random.default_rng([args.seed, SEED_OFFSET + i])
            yield "%04d" % i, gen_network(rng, long_form)

    for i, g in networks():
        before = len(chk.failures)
        chk.net_max = 0.0
        for variant, dtype, opset in (("f32", torch.float32, g["opsets"][0]),
                                      ("f64", torch.float64, g["opsets"][1])):
            base = os.path.join(workdir, "onnx-%04d-%s-%s-op%d" % (args.seed, i, variant, opset))
            check_file(chk, args, g, base, dtype, opset, stats, worst_module)
            per_opset[opset] = per_opset.get(opset, 0) + 1
        n_nets += 1
        if args.verbose:
            opts = g["edits"] + [k for k in ("keep_init", "export_batch1") if g[k]] + \
                ([] if g["named"] else ["unnamed"]) + ([] if g["dynamic"] else ["fixed batch"]) + \
                (["csv"] if g["csv"] else [])
            print("network %s: %s%s: %s, max error/tolerance %.2g"
                  % (i, g["what"], " (%s)" % ", ".join(opts) if opts else "",
                     "ok" if len(chk.failures) == before else "FAIL", chk.net_max))
        if len(chk.failures) > before:
            print("FAIL network %s (%s)" % (i, g["what"]))
            for where, name, msg in chk.failures[before:]:
                print("  %s %s: %s" % (where, name, msg))
            sys.stdout.flush()
            if len(chk.failures) >= args.max_failures:
                print("(stopping after %d failures)" % len(chk.failures))
                break
    dt = time.time() - t0
    if args.self_test:
        print("torch-onnx self-test: %d networks exported twice, onnx.checker and the module "
              "against the reference: max error/tolerance %.2g; %d refusal graphs exported%s "
              "(%.1f s)" % (n_nets, worst_module[0], n_refusals,
                            " — %d FAILURES" % len(chk.failures) if chk.failures else "", dt))
        return 1 if chk.failures else 0
    print("torch-onnx%s: %d networks, %d files (opset %s; %d traced from a CSV), %d refusals%s"
          % (" (long)" if long_form else "", n_nets, stats["files"],
             ", ".join("%d: %d" % kv for kv in sorted(per_opset.items())), stats["csv"],
             n_refusals, " (not imported: --no-import)" if args.no_import else ""))
    print("worst per quantity (error/tolerance, |error|/max|ref|): " +
          ", ".join("%s %.2g %.1e" % (q, chk.per_q[q][0], chk.per_q[q][1])
                    for q in QUANTITIES if q in chk.per_q))
    summary = ("torch-onnx: %d arrays, %d elements, max error/tolerance %.2g (module vs "
               "reference: %.2g of its tolerance) (%.1f s)"
               % (chk.n_arrays, chk.n_elements, chk.max_ratio, worst_module[0], dt))
    if args.verbose and chk.worst_where:
        print("largest error/tolerance: %s" % chk.worst_where)
    if chk.failures:
        print("%s — %d FAILURES" % (summary, len(chk.failures)))
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
