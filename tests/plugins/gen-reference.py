#!/usr/bin/python3
"""gen-reference.py — reference values for tests/plugins/test-plugins.c.

    /usr/bin/python3 tests/plugins/gen-reference.py

Writes reference-values.h next to this script.  The file is committed and
regenerated only by hand (after changing a grid, a problem or a plugin's
documented convention); the tests never run Python.

Every number comes from PyTorch in float64: f and f' of each activation by
autograd on a grid of z, the value and dl/da (and dl/dz for the fused
softmax cost) of each cost by autograd at fixed (a, y), and the parameters
after each of 5 torch.optim steps on a fixed quadratic.  Nothing here calls
the plugins.  Before anything is written, each number is checked against a
second, independent computation:

  * activations and costs: the plugin's documented formula in mpmath at 50
    digits (so the reference is also correct to ~1e-13, not only torch's);
  * optimizers: the documented update rule in plain Python floats.

Where torch's own kernel is not the exact function the plugin documents,
the reference is built from torch primitives instead, and the reason is
given next to it (gelu, hard_sigmoid).
"""

import math
import os
import sys

import mpmath as mp
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
mp.mp.dps = 50

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference-values.h")

# Exact points: the kinks (0, ±1, ±3), the near-kink ±1e-3, and the tails.
Z = [-1000.0, -40.0, -10.0, -3.0, -2.0, -1.5, -1.0, -0.5, -1e-3, 0.0,
     1e-3, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 40.0, 1000.0]

SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")


def check(what, got, exact, rtol=1e-13):
    """torch's float64 `got` against the 50-digit `exact`."""
    exact = mp.mpf(exact)
    if not abs(mp.mpf(got) - exact) <= rtol * abs(exact) + mp.mpf("1e-300"):
        sys.exit(f"gen-reference: {what}: torch {got!r} != exact {mp.nstr(exact, 20)}")


# ------------------------------------------------------------ activations

def mp_logistic(z):
    return 1 / (1 + mp.exp(-z))


def mp_elu(z, p):
    alpha = mp.mpf(p[0])
    return (z, 1) if z > 0 else (alpha * mp.expm1(z), alpha * mp.exp(z))


def mp_selu(z, p):
    f, df = mp_elu(z, [SELU_ALPHA])
    return SELU_SCALE * f, SELU_SCALE * df


def mp_gelu(z, p):
    cdf = mp.erfc(-z / mp.sqrt(2)) / 2
    return z * cdf, cdf + z * mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def mp_swish(z, p):
    s = mp_logistic(z)
    return z * s, s * (1 + z * (1 - s))


def mp_mish(z, p):
    t = mp.tanh(mp.log1p(mp.exp(z)))
    return z * t, t + z * mp_logistic(z) * (1 - t * t)


def mp_softsign(z, p):
    return z / (1 + abs(z)), 1 / (1 + abs(z)) ** 2


def mp_hard_sigmoid(z, p):
    # σ'(±3) = 0: the documented value at the kinks.
    return min(max(z + 3, 0), 6) / 6, (mp.mpf(1) / 6 if -3 < z < 3 else 0)


def mp_hard_tanh(z, p):
    # σ'(±1) = 0: the documented value at the kinks.
    return min(max(z, -1), 1), (1 if -1 < z < 1 else 0)


def mp_sine(z, p):
    return mp.sin(z), mp.cos(z)


def mp_gaussian(z, p):
    return mp.exp(-z * z), -2 * z * mp.exp(-z * z)


def gelu_torch(z, p):
    # Not F.gelu: its 0.5(1 + erf(z/√2)) cancels on the negative tail
    # (F.gelu(-10) = -0, exact -7.6e-23).  The same function via erfc; it
    # is checked against F.gelu below where that is well conditioned.
    return 0.5 * z * torch.special.erfc(-z / math.sqrt(2))


def hard_sigmoid_torch(z, p):
    # torch.nn.Hardsigmoid's definition, relu6(z + 3)/6, by autograd.  Not
    # F.hardsigmoid: its float64 backward returns the single-precision 1/6
    # (0.16666667163372040).  relu6 = hardtanh(·, 0, 6) gives 0 at the kinks,
    # as F.hardsigmoid's backward does.
    return F.relu6(z + 3) / 6


# (id, parameter values, torch function, exact function)
ACTIVATIONS = [
    ("elu", [1.0], lambda z, p: F.elu(z, alpha=p[0]), mp_elu),
    ("elu", [0.5], lambda z, p: F.elu(z, alpha=p[0]), mp_elu),
    ("selu", [], lambda z, p: F.selu(z), mp_selu),
    ("gelu", [], gelu_torch, mp_gelu),
    ("swish", [], lambda z, p: F.silu(z), mp_swish),
    ("mish", [], lambda z, p: F.mish(z), mp_mish),
    ("softsign", [], lambda z, p: F.softsign(z), mp_softsign),
    ("hard_sigmoid", [], hard_sigmoid_torch, mp_hard_sigmoid),
    ("hard_tanh", [], lambda z, p: F.hardtanh(z), mp_hard_tanh),
    ("sine", [], lambda z, p: torch.sin(z), mp_sine),
    ("gaussian", [], lambda z, p: torch.exp(-z * z), mp_gaussian),
]


def activation_reference(ident, params, fn, exact):
    z = torch.tensor(Z, requires_grad=True)
    a = fn(z, params)
    (df,) = torch.autograd.grad(a.sum(), z)
    f = a.detach().tolist()
    df = df.tolist()
    for i, zi in enumerate(Z):
        ef, edf = exact(mp.mpf(zi), params)
        check(f"{ident}{params} f({zi})", f[i], ef)
        check(f"{ident}{params} f'({zi})", df[i], edf)
    return f, df


def check_gelu_against_torch():
    z = torch.tensor([x for x in Z if x >= -3], requires_grad=True)
    ours = gelu_torch(z, [])
    theirs = F.gelu(z)
    (d_ours,) = torch.autograd.grad(ours.sum(), z)
    (d_theirs,) = torch.autograd.grad(theirs.sum(), z)
    for x, y in zip(ours.tolist() + d_ours.tolist(), theirs.tolist() + d_theirs.tolist()):
        if abs(x - y) > 1e-13 * abs(y):
            sys.exit(f"gen-reference: gelu: erfc form {x!r} != F.gelu {y!r}")


# ------------------------------------------------------------------ costs

A1 = [0.5, -1.2, 3.0, 2.0, 0.25, -0.75]
Y1 = [0.0, 0.3, 0.5, 1.0, 0.25, 0.25]        # a − y: 0.5, −1.5, 2.5, 1, 0, −1

A2 = [0.3, -0.2, 1.0, -1.0, 2.5, -3.0, 0.0, 0.9]
Y2 = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, -1.0, -1.0]   # 0/1 and ±1 labels; t·a = 1 at 2 and 3


def huber_torch(a, z, y, p):
    return F.huber_loss(a, y, reduction="sum", delta=p[0])


def mae_torch(a, z, y, p):
    return F.l1_loss(a, y, reduction="sum")


def hinge_torch(a, z, y, p):
    # relu, not clamp: relu's backward is 0 at the kink, clamp's is not.
    t = torch.where(y > 0, 1.0, -1.0)
    return torch.relu(1 - t * a).sum()


def kl_torch(a, z, y, p):
    # From z when it is the leaf (the value and dl/dz), from a otherwise.
    logp = F.log_softmax(z, dim=0) if z.requires_grad else torch.log(a)
    return F.kl_div(logp, y, reduction="sum")


def mp_huber(a, y, p):
    delta = mp.mpf(p[0])
    l, g = 0, []
    for ak, yk in zip(a, y):
        d = ak - yk
        l += d * d / 2 if abs(d) <= delta else delta * (abs(d) - delta / 2)
        g.append(min(max(d, -delta), delta))
    return l, g, None


def mp_mae(a, y, p):
    # sign(0) = 0: the documented subgradient.
    return sum(abs(ak - yk) for ak, yk in zip(a, y)), [mp.sign(ak - yk) for ak, yk in zip(a, y)], None


def mp_hinge(a, y, p):
    # −t while 1 − t·a > 0, 0 otherwise and at the kink: documented.
    t = [1 if yk > 0 else -1 for yk in y]
    return (sum(max(0, 1 - tk * ak) for tk, ak in zip(t, a)),
            [-tk if 1 - tk * ak > 0 else 0 for tk, ak in zip(t, a)], None)


def mp_kl(z, y, p):
    e = [mp.exp(zk) for zk in z]
    a = [ek / sum(e) for ek in e]
    l = sum(yk * mp.log(yk / ak) for yk, ak in zip(y, a) if yk != 0)
    sy = sum(y)
    return l, [-yk / ak for yk, ak in zip(y, a)], [ak * sy - yk for ak, yk in zip(a, y)]


# (id, parameter values, a or z (kl), y, torch function, exact, fused)
COSTS = [
    ("huber", [1.0], A1, Y1, huber_torch, mp_huber, False),
    ("huber", [0.5], A1, Y1, huber_torch, mp_huber, False),
    ("mae", [], A1, Y1, mae_torch, mp_mae, False),
    ("hinge", [], A2, Y2, hinge_torch, mp_hinge, False),
    ("kl_divergence", [], [1.0, -0.5, 2.0, 0.3], [0.1, 0.0, 0.6, 0.3], kl_torch, mp_kl, True),
    ("kl_divergence", [], [0.2, 3.0, -1.0], [0.5, 0.25, 0.25], kl_torch, mp_kl, True),
    # A target that does not sum to 1: dl/dz = a·Σy − y, not a − y.
    ("kl_divergence", [], [-2.0, 0.5, 1.0, 4.0], [0.2, 0.5, 0.0, 0.7], kl_torch, mp_kl, True),
]


def cost_reference(ident, params, x, y, fn, exact, fused):
    yt = torch.tensor(y)
    if fused:
        # x is z; a = softmax(z).  The value and dl/dz from z, dl/da at a.
        z = torch.tensor(x, requires_grad=True)
        a = torch.softmax(z, dim=0).detach()
        value = fn(a, z, yt, params)
        (grad_z,) = torch.autograd.grad(value, z)
        grad_z = grad_z.tolist()
        a_leaf = a.clone().requires_grad_()
        (grad_a,) = torch.autograd.grad(fn(a_leaf, z.detach(), yt, params), a_leaf)
        el, eg, egz = exact([mp.mpf(v) for v in x], [mp.mpf(v) for v in y], params)
    else:
        # Any output layer: the host passes z = a (linear output).
        a = torch.tensor(x, requires_grad=True)
        z = a.detach()
        value = fn(a, z, yt, params)
        (grad_a,) = torch.autograd.grad(value, a)
        grad_z = None
        el, eg, egz = exact([mp.mpf(v) for v in x], [mp.mpf(v) for v in y], params)
    value, grad_a = value.item(), grad_a.tolist()
    check(f"{ident}{params} value", value, el)
    for k in range(len(y)):
        check(f"{ident}{params} dl/da[{k}]", grad_a[k], eg[k])
        if fused:
            check(f"{ident}{params} dl/dz[{k}]", grad_z[k], egz[k])
    return a.detach().tolist(), z.detach().tolist(), value, grad_a, grad_z


# ------------------------------------------------------------- optimizers

# ½ Σ c_i p_i², so g = c ⊙ p.  The small components cross 0 within 5 steps
# (Rprop then shrinks its step, skips a move and resets prev).
P0 = [1.0, -0.5, 0.015, -0.02, 2.5]
C = [1.0, 3.0, 0.5, 2.0, 0.1]
STEPS = 5


def make_torch_optimizer(ident, params, h):
    if ident == "nesterov":
        return torch.optim.SGD(params, lr=h[0], momentum=h[1], dampening=0, nesterov=True,
                               foreach=False)
    if ident == "adagrad":
        return torch.optim.Adagrad(params, lr=h[0], lr_decay=0, initial_accumulator_value=0,
                                   eps=h[1], foreach=False)
    if ident == "adamw":
        return torch.optim.AdamW(params, lr=h[0], betas=(h[1], h[2]), eps=h[3],
                                 weight_decay=h[4], foreach=False)
    if ident == "rprop":
        return torch.optim.Rprop(params, lr=h[0], etas=(h[1], h[2]), step_sizes=(h[3], h[4]),
                                 foreach=False)
    raise ValueError(ident)


def python_rule(ident, h, p, g, s, t):
    """The plugin's documented update of one parameter, in Python floats."""
    if ident == "nesterov":
        lr, mu = h
        s["v"] = mu * s.get("v", 0.0) + g
        return p - lr * (g + mu * s["v"])
    if ident == "adagrad":
        lr, eps = h
        s["s"] = s.get("s", 0.0) + g * g
        return p - lr * g / (math.sqrt(s["s"]) + eps)
    if ident == "adamw":
        lr, b1, b2, eps, wd = h
        p = p * (1 - lr * wd)
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        mhat, vhat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
        return p - lr * mhat / (math.sqrt(vhat) + eps)
    if ident == "rprop":
        lr, etaminus, etaplus, smin, smax = h
        prev, step = s.get("prev", 0.0), s.get("step", lr)
        sign = g * prev
        step *= etaplus if sign > 0 else etaminus if sign < 0 else 1.0
        step = min(max(step, smin), smax)
        if sign < 0:
            g = 0.0
        s["prev"], s["step"] = g, step
        return p - math.copysign(step, g) if g != 0 else p
    raise ValueError(ident)


OPTIMIZERS = [
    ("nesterov", [0.1, 0.9]),
    ("nesterov", [0.05, 0.5]),
    ("adagrad", [0.01, 1e-10]),
    ("adagrad", [0.2, 1e-3]),
    ("adamw", [0.001, 0.9, 0.999, 1e-8, 0.01]),
    ("adamw", [0.1, 0.8, 0.99, 1e-6, 0.5]),
    ("rprop", [0.01, 0.5, 1.2, 1e-6, 50.0]),
    ("rprop", [0.3, 0.3, 1.5, 0.1, 0.4]),      # hits both step-size bounds
]


def optimizer_reference(ident, h):
    p = torch.tensor(P0, requires_grad=True)
    c = torch.tensor(C)
    opt = make_torch_optimizer(ident, [p], h)
    trajectory = []
    for _ in range(STEPS):
        p.grad = (c * p).detach()
        opt.step()
        trajectory.append(p.detach().tolist())

    for i in range(len(P0)):
        q, state = P0[i], {}
        for t in range(1, STEPS + 1):
            q = python_rule(ident, h, q, C[i] * q, state, t)
            got = trajectory[t - 1][i]
            # Elementwise, no floor: a trajectory that cancels to near 0
            # would be too ill-conditioned for the 1e-12 test tolerance.
            if abs(got - q) > 1e-13 * abs(q):
                sys.exit(f"gen-reference: {ident}{h} p[{i}] step {t}: torch {got!r} != rule {q!r}")
    return trajectory


# ---------------------------------------------------------------- output

def c_double(x):
    s = format(x, ".17g")
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s


def c_array(values):
    return "{ " + ", ".join(c_double(v) for v in values) + " }"


def main():
    check_gelu_against_torch()
    out = []
    w = out.append
    w("/* reference-values.h — generated by tests/plugins/gen-reference.py; do not edit.")
    w(" *")
    w(f" * PyTorch {torch.__version__} in float64 (autograd, torch.optim), each number also")
    w(" * checked against the documented formula in mpmath (activations, costs) or")
    w(" * the documented update rule in Python floats (optimizers).  17 significant")
    w(" * digits.  Regenerate by hand: /usr/bin/python3 tests/plugins/gen-reference.py")
    w(" */")
    w("#pragma once")
    w("")
    w("#include <stddef.h>")
    w("")
    w("#define REF_MAX_PARAMS 8")
    w("#define REF_MAX_UNITS 8")
    w(f"#define REF_N_Z {len(Z)}")
    w(f"#define REF_OPT_N {len(P0)}")
    w(f"#define REF_OPT_STEPS {STEPS}")
    w("")
    w("typedef struct")
    w("{")
    w("  const char *id;")
    w("  size_t      n_params;")
    w("  double      params[REF_MAX_PARAMS];")
    w("  double      f[REF_N_Z];")
    w("  double      df[REF_N_Z];")
    w("} RefActivation;")
    w("")
    w("typedef struct")
    w("{")
    w("  const char *id;")
    w("  size_t      n_params;")
    w("  double      params[REF_MAX_PARAMS];")
    w("  size_t      n;")
    w("  double      a[REF_MAX_UNITS];")
    w("  double      z[REF_MAX_UNITS];")
    w("  double      y[REF_MAX_UNITS];")
    w("  double      value;")
    w("  double      grad_a[REF_MAX_UNITS];")
    w("  int         has_grad_z;")
    w("  double      grad_z[REF_MAX_UNITS];")
    w("} RefCost;")
    w("")
    w("typedef struct")
    w("{")
    w("  const char *id;")
    w("  size_t      n_hyper;")
    w("  double      hyper[REF_MAX_PARAMS];")
    w("  double      p[REF_OPT_STEPS][REF_OPT_N];   /* after steps t = 1 … REF_OPT_STEPS */")
    w("} RefOptimizer;")
    w("")
    w("/* The grid of z for every activation: kinks (0, ±1, ±3), ±1e-3 and tails. */")
    w(f"static const double ref_z[REF_N_Z] = {c_array(Z)};")
    w("")
    w("static const RefActivation ref_activations[] = {")
    for ident, params, fn, exact in ACTIVATIONS:
        f, df = activation_reference(ident, params, fn, exact)
        w(f"  {{ \"{ident}\", {len(params)}, {c_array(params or [0])},")
        w(f"    {c_array(f)},")
        w(f"    {c_array(df)} }},")
    w("};")
    w("")
    w("/* Costs at fixed (a, y); z = a for costs that accept any output layer, and")
    w(" * a = softmax(z) for the fused one. */")
    w("static const RefCost ref_costs[] = {")
    for ident, params, x, y, fn, exact, fused in COSTS:
        a, z, value, grad_a, grad_z = cost_reference(ident, params, x, y, fn, exact, fused)
        w(f"  {{ \"{ident}\", {len(params)}, {c_array(params or [0])}, {len(y)},")
        w(f"    {c_array(a)},")
        w(f"    {c_array(z)},")
        w(f"    {c_array(y)},")
        w(f"    {c_double(value)},")
        w(f"    {c_array(grad_a)},")
        w(f"    {1 if fused else 0}, {c_array(grad_z or [0])} }},")
    w("};")
    w("")
    w("/* Optimizers minimise ½ Σ c_i p_i² from p0: g = c ⊙ p at every step. */")
    w(f"static const double ref_opt_p0[REF_OPT_N] = {c_array(P0)};")
    w(f"static const double ref_opt_c[REF_OPT_N] = {c_array(C)};")
    w("")
    w("static const RefOptimizer ref_optimizers[] = {")
    for ident, h in OPTIMIZERS:
        trajectory = optimizer_reference(ident, h)
        w(f"  {{ \"{ident}\", {len(h)}, {c_array(h)},")
        w("    {")
        for row in trajectory:
            w(f"      {c_array(row)},")
        w("    } },")
    w("};")
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    print(f"gen-reference: wrote {OUT}")


if __name__ == "__main__":
    main()
