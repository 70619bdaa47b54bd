#!/usr/bin/python3
"""mutants.py — planted bugs for the reference test, as exact-match edits.

    mutants.py list                    names, one a line
    mutants.py describe NAME           what the bug is (and why it must fail)
    mutants.py apply NAME SRCDIR       edit SRCDIR's files in place
    mutants.py diff NAME SRCDIR        the mutant as a unified diff (not applied)

Each mutant is a small source edit of core/ written as (file, old, new)
replacements rather than a .patch: a replacement checks that `old` occurs
exactly once, so a mutant that no longer fits the code (after a merge or a
refactoring) fails loudly instead of silently patching something else or
nothing.  A mutant may list alternative variants (e.g. for the loop and for
the bp-matmul kernels of the backward product); the first whose every
`old` matches exactly once is applied.

run-mutants.sh applies each in a copy of the tree, builds the backprop CLI,
runs torch_reference.py and expects it to FAIL.  A mutant that survives is
either a blind spot of the check or equivalent by construction; the only
one marked equivalent here says why in its `equivalent` field, and the
script then expects it to survive.
"""

import difflib
import os
import sys

MUTANTS = [
    {
        "name": "sigmoid-prime-zero-tail",
        "what": "σ′ = 0 for |z| > 21 (the tail the old relative-to-max check did not see)",
        "variants": [[
            ("core/bp-math.h",
             "  /* σ(z)σ(−z) = e/(1 + e)² */\n  return e / ((1.0 + e) * (1.0 + e));",
             "  /* σ(z)σ(−z) = e/(1 + e)² */\n  return az > 21.0 ? 0.0 : e / ((1.0 + e) * (1.0 + e));"),
        ]],
    },
    {
        "name": "sigmoid-prime-sign-tail",
        "what": "σ′ sign-flipped for |z| > 17",
        "variants": [[
            ("core/bp-math.h",
             "  /* σ(z)σ(−z) = e/(1 + e)² */\n  return e / ((1.0 + e) * (1.0 + e));",
             "  /* σ(z)σ(−z) = e/(1 + e)² */\n  return (az > 17.0 ? -1.0 : 1.0) * (e / ((1.0 + e) * (1.0 + e)));"),
        ]],
    },
    {
        "name": "tanh-prime-zero-tail",
        "what": "tanh′ = 0 for |z| > 12",
        "variants": [[
            ("core/bp-math.h",
             "  return 4.0 * e / ((1.0 + e) * (1.0 + e));\n}",
             "  return x > 24.0 ? 0.0 : 4.0 * e / ((1.0 + e) * (1.0 + e));\n}"),
        ]],
    },
    {
        "name": "sigmoid-prime-cheap",
        "what": "σ′ = a(1 − a), the form PyTorch's autograd uses (1e−3 off at z = 30, 0 from 37)",
        "variants": [[
            ("core/bp-builtins.c",
             "      d[i] = bp_sigmoid_prime_core (z[i]);",
             "      d[i] = a[i] * (1.0 - a[i]);"),
        ]],
    },
    {
        "name": "tanh-prime-cheap",
        "what": "tanh′ = 1 − a² (4e−4 off at |z| = 15, 0 from 20)",
        "variants": [[
            ("core/bp-builtins.c",
             "      d[i] = bp_sech2_core (z[i]);",
             "      d[i] = 1.0 - a[i] * a[i];"),
        ]],
    },
    {
        "name": "relu-prime-at-zero",
        "what": "relu′(0) = 1 instead of 0",
        "variants": [[
            ("core/bp-builtins.c",
             "  return z > 0 ? 1.0 : 0.0;\n",
             "  return z >= 0 ? 1.0 : 0.0;\n"),
            ("core/bp-builtins.c",
             "    d[i] = z[i] > 0 ? 1.0 : 0.0;\n",
             "    d[i] = z[i] >= 0 ? 1.0 : 0.0;\n"),
        ]],
    },
    {
        "name": "missing-1-over-B",
        "what": "the gradient of a mean-reduced cost without its 1/B (the loss keeps it)",
        "variants": [[
            ("core/bp-network-pass.c",
             "  double scale = reduction_scale (net, B);\n",
             "  double scale = 1.0;\n"),
        ]],
    },
    {
        "name": "backward-W-not-transposed",
        "what": "∂C/∂a(n−1) = δ·W read as if W were in × out (W for Wᵀ)",
        "variants": [
            [("core/bp-network-pass.c",
              "              gs[k] += d * w[k];\n",
              "              gs[k] += d * L->W[k * out + j];\n")],
            [("core/bp-network-pass.c",
              "    bp_matmul_backward_input (gx, delta, L->W, B, in, out);\n",
              "    for (gsize s = 0; s < B; s++)\n"
              "      for (gsize k = 0; k < in; k++)\n"
              "        {\n"
              "          double acc = 0.0;\n"
              "          for (gsize j = 0; j < out; j++)\n"
              "            acc += delta[s * out + j] * L->W[k * out + j];\n"
              "          gx[s * in + k] = acc;\n"
              "        }\n")],
        ],
    },
    {
        "name": "softmax-no-coupling",
        "what": "the softmax VJP without its coupling term: a_j(1 − a_j) g_j only",
        "variants": [[
            ("core/bp-builtins.c",
             "    out[j] = a[j] * ((g[j] - g[m]) - dot);",
             "    out[j] = a[j] * (1.0 - a[j]) * g[j];"),
        ]],
    },
    {
        "name": "bias-grad-not-summed",
        "what": "∂C/∂b takes the last sample's δ instead of the sum over the batch",
        "variants": [[
            ("core/bp-network-pass.c",
             "        L->db[j] += ds[j];\n",
             "        L->db[j] = ds[j];\n"),
        ]],
    },
    {
        "name": "adam-bias-correction-off-by-one",
        "what": "Adam's bias corrections 1 − β^(t+1) instead of 1 − β^t",
        "variants": [[
            # adam_step's (adam_explain has the same two lines, for the
            # inspector; the comment above them is the step's own).
            ("core/bp-builtins.c",
             "  /* The same order of operations as torch.optim.Adam. */\n"
             "  double bc1 = 1.0 - pow (beta1, (double) t);\n"
             "  double bc2 = 1.0 - pow (beta2, (double) t);\n",
             "  /* The same order of operations as torch.optim.Adam. */\n"
             "  double bc1 = 1.0 - pow (beta1, (double) (t + 1));\n"
             "  double bc2 = 1.0 - pow (beta2, (double) (t + 1));\n"),
        ]],
    },
    {
        "name": "momentum-ema-convention",
        "what": "momentum as an average, v ← μv + (1 − μ)g (torch's dampening = μ), not v ← μv + g",
        "variants": [[
            ("core/bp-builtins.c",
             "      v[i] = mu * v[i] + g[i];\n",
             "      v[i] = mu * v[i] + (1.0 - mu) * g[i];\n"),
        ]],
    },
    {
        "name": "momentum-sutskever-convention",
        "what": "momentum as v ← μv − lr·g, p ← p + v",
        "equivalent": "for a constant learning rate this is v_sutskever = −lr·v_torch at "
                      "every step, the same trajectory up to rounding: equivalent by "
                      "construction (the app never changes lr between steps of one run)",
        "variants": [[
            ("core/bp-builtins.c",
             "      v[i] = mu * v[i] + g[i];\n      p[i] -= lr * v[i];\n",
             "      v[i] = mu * v[i] - lr * g[i];\n      p[i] += v[i];\n"),
        ]],
    },
    {
        "name": "weight-decay-after-update",
        "what": "weight decay applied after the step (p ← p − lr·λ·p) instead of g + λp before it",
        "variants": [[
            ("core/bp-optimizer.c",
             "        opt->scratch[i] = g[i] + wd * p[i];\n",
             "        opt->scratch[i] = g[i];\n"),
            ("core/bp-optimizer.c",
             "  opt->desc->step (p, grad, opt->state_views, opt->n_params, opt->hyper, opt->t);\n",
             "  opt->desc->step (p, grad, opt->state_views, opt->n_params, opt->hyper, opt->t);\n"
             "  if (grad != g)\n"
             "    for (gsize i = 0; i < opt->n_params; i++)\n"
             "      p[i] -= opt->hyper[0] * opt->weight_decay * p[i];\n"),
        ]],
    },
    {
        "name": "bce-delta-cheap",
        "what": "bce's fused δ as a − y (0 at z = 40, y = 1, where it is −4.2e−18)",
        "variants": [[
            ("core/bp-builtins.c",
             "    out[k] = z[k] >= 0 ? (1.0 - y[k]) - bp_sigmoid (-z[k]) : bp_sigmoid (z[k]) - y[k];",
             "    out[k] = a[k] - y[k];"),
        ]],
    },
    {
        "name": "softmax-ce-delta-cheap",
        "what": "softmax_ce's fused δ of the dominant unit as a_m Σy − y_m (1e−3 off at logits (30, 0, −30))",
        "variants": [[
            ("core/bp-builtins.c",
             "  out[m] = -rest;",
             "  out[m] = a[m] * sy - y[m];"),
        ]],
    },
    {
        "name": "rmsprop-eps-inside-sqrt",
        "what": "RMSprop's ε inside the square root, √(v + ε)",
        "variants": [[
            ("core/bp-builtins.c",
             "      p[i] -= lr * g[i] / (sqrt (v[i]) + eps);\n",
             "      p[i] -= lr * g[i] / sqrt (v[i] + eps);\n"),
        ]],
    },
]


def find(name):
    for m in MUTANTS:
        if m["name"] == name:
            return m
    sys.exit("mutants.py: no mutant named %r (see `mutants.py list`)" % name)


def edited(m, srcdir):
    """{path: (old text, new text)} of the first variant that fits, or exit."""
    why = []
    for n, variant in enumerate(m["variants"]):
        texts = {}
        ok = True
        for path, old, new in variant:
            full = os.path.join(srcdir, path)
            if full not in texts:
                with open(full, encoding="utf-8") as f:
                    t = f.read()
                texts[full] = (t, t)
            orig, cur = texts[full]
            c = cur.count(old)
            if c != 1:
                why.append("variant %d: %s: the text to replace occurs %d times, not once: %r"
                           % (n + 1, path, c, old[:80]))
                ok = False
                break
            texts[full] = (orig, cur.replace(old, new))
        if ok:
            return texts
    sys.exit("mutants.py: mutant %s does not fit the source any more (update it in %s):\n  %s"
             % (m["name"], os.path.abspath(__file__), "\n  ".join(why)))


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        for m in MUTANTS:
            print(m["name"])
        return 0
    if len(argv) == 3 and argv[1] == "describe":
        m = find(argv[2])
        print(m["what"])
        if "equivalent" in m:
            print("equivalent: " + m["equivalent"])
        return 0
    if len(argv) == 3 and argv[1] == "equivalent":
        return 0 if "equivalent" in find(argv[2]) else 1
    if len(argv) == 4 and argv[1] in ("apply", "diff"):
        m = find(argv[2])
        texts = edited(m, argv[3])
        for full, (old, new) in texts.items():
            if argv[1] == "apply":
                with open(full, "w", encoding="utf-8") as f:
                    f.write(new)
                print(os.path.relpath(full, argv[3]))
            else:
                rel = os.path.relpath(full, argv[3])
                sys.stdout.writelines(difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True), "a/" + rel, "b/" + rel, n=2))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
