"""onnx_export.py — `backprop export` against the ONNX standard (issue 16):

    onnx_export.py --backprop PATH [--count N] [--seed S] [--workdir DIR]
                   [--fixtures DIR]

Random networks (depth 1-8, 1-7 units a layer) of every layer type — dense
with and without a skip from an earlier a(j), batchnorm with random running
statistics, layernorm, dropout — and every activation the app ships (the
built-ins and the plugins, listed by `backprop plugins`: an activation the
test does not know fails it), with random activation parameters and eps
(the defaults now and then, float32 values now and then so both of the
writer's forms appear).  Each network is written twice: as drawn (float64
parameters) and with every parameter rounded to float32.  For each:

  * `backprop export MODEL -o MODEL.onnx`, then onnx.checker.check_model
    (full_check: the schema of every operator at opset 17 and shape
    inference) accepts the file; it has opset 17, IR version 8, the
    producer, the model's name, one input "input" [batch, in] and one
    output "output" [batch, out], every tensor float32 exactly when the
    parameters are (and there are some: dropout alone is float64), and W, b, γ, β and the running statistics as
    initialisers holding the model's values bit for bit;
  * the graph run by the evaluator below on the model's batch gives
    `backprop trace MODEL --eval`'s a(n) of every layer (where the graph
    names it) and its output: to 1e-12 of the largest magnitude for a
    float64 file, and, for a float32 file (the evaluator then rounds every
    operator's result to float32, as a runtime does), to 1e-5.

With --fixtures DIR (the reader's torch fixtures, tests/onnx), the round
trip through `backprop import` too:

  * export → import: each dropout-free network comes back layer by layer
    bit for bit (W, b, γ, β, running statistics, eps, momentum, α,
    activation, skip), unless it cannot, which not_read_back names: an
    activation the reader does not read (gaussian), a float32 attribute
    whose value is not the shortest decimal of its float32 (the reader
    takes that decimal: torch's 1e-5), or a composition of operators in a
    float64 file.  Those are counted, by kind;
  * import → export of each torch fixture: every parameter tensor of the
    original (Gemm's and MatMul's weight, as out × in, and bias, the norms'
    inputs) is in the exported file, the same bytes for float32 and the
    same values for float64 (written in float32 when every value is one).

The evaluator is written here, from the ONNX operator specifications, for
the operators the writer emits; it knows nothing of our C code.  It is
numpy because nothing else here can run an ONNX graph: onnx 1.12 has no
onnx.reference, there is no onnxruntime, and torch 1.13 only exports ONNX
(torch.onnx has no import).

Figures printed: networks and files checked, operators seen, and the worst
error of each precision.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    sys.stderr.write("onnx_export.py needs python3-onnx (apt install python3-onnx)\n")
    sys.exit(1)

# What the writer must handle: the built-ins and the shipped plugins.
BUILTIN_ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax"]
PLUGIN_ACTS = ["elu", "selu", "gelu", "swish", "mish", "softsign", "hard_sigmoid",
               "hard_tanh", "sine", "gaussian"]
PARAMS = {"leaky_relu": "alpha", "elu": "alpha"}
TOL64 = 1e-12
TOL32 = 1e-5


# ----------------------------------------------------------------- evaluator

def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(model, x):
    """{tensor name: value} of every tensor of the graph on input x (a
    float64 array); float32 graphs round each result to float32."""
    g = model.graph
    dtype = np.float32 if g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT \
        else np.float64
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    env[g.input[0].name] = x.astype(dtype)
    for node in g.node:
        a = _attrs(node)
        i = [env[n] for n in node.input]
        op = node.op_type
        if op == "Gemm":
            A, B = i[0], i[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Sub":
            y = i[0] - i[1]
        elif op == "Mul":
            y = i[0] * i[1]
        elif op == "Div":
            y = i[0] / i[1]
        elif op == "Pow":
            y = np.power(i[0], i[1])
        elif op == "Sqrt":
            y = np.sqrt(i[0])
        elif op == "Reciprocal":
            y = 1.0 / i[0]
        elif op == "Neg":
            y = -i[0]
        elif op == "Exp":
            y = np.exp(i[0])
        elif op == "Erf":
            y = _erf(i[0])
        elif op == "Sin":
            y = np.sin(i[0])
        elif op == "Tanh":
            y = np.tanh(i[0])
        elif op == "Sigmoid":
            y = 1.0 / (1.0 + np.exp(-i[0]))
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "LeakyRelu":
            y = np.where(i[0] >= 0, i[0], a.get("alpha", 0.01) * i[0])
        elif op == "PRelu":
            y = np.where(i[0] < 0, i[1] * i[0], i[0])
        elif op == "Elu":
            y = np.where(i[0] < 0, a.get("alpha", 1.0) * (np.exp(i[0]) - 1), i[0])
        elif op == "Selu":
            al, ga = a.get("alpha", 1.67326319217681884765625), a.get("gamma", 1.05070102214813232421875)
            y = np.where(i[0] > 0, ga * i[0], ga * (al * np.exp(i[0]) - al))
        elif op == "Softplus":
            y = np.log(np.exp(i[0]) + 1)
        elif op == "Softsign":
            y = i[0] / (1 + np.abs(i[0]))
        elif op == "HardSigmoid":
            y = np.maximum(0, np.minimum(1, a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5)))
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and node.input[1] else -np.inf
            hi = i[2] if len(i) > 2 and node.input[2] else np.inf
            y = np.minimum(np.maximum(i[0], lo), hi)
        elif op == "Greater":
            y = i[0] > i[1]
        elif op == "Where":
            y = np.where(i[0], i[1], i[2])
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(i[0] - np.max(i[0], axis=ax, keepdims=True))
            y = e / np.sum(e, axis=ax, keepdims=True)
        elif op == "ReduceMean":
            y = np.mean(i[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "BatchNormalization":
            if a.get("training_mode", 0):
                raise ValueError("BatchNormalization in training mode")
            X, sc, bb, mean, var = i
            y = (X - mean) / np.sqrt(var + dtype(a.get("epsilon", 1e-5))) * sc + bb
        elif op == "LayerNormalization":
            X = i[0]
            ax = a.get("axis", -1)
            stash = np.float64 if a.get("stash_type", 1) == onnx.TensorProto.DOUBLE \
                else np.float32
            Xs = X.astype(stash)
            mu = np.mean(Xs, axis=ax, keepdims=True)
            var = np.mean((Xs - mu) ** 2, axis=ax, keepdims=True)
            y = ((Xs - mu) / np.sqrt(var + stash(a.get("epsilon", 1e-5)))).astype(dtype)
            y = y * i[1] + (i[2] if len(i) > 2 else 0)
        elif op == "Identity":
            y = i[0]
        else:
            raise ValueError("the evaluator does not know %s (node %s)" % (op, node.name))
        if op != "Greater":
            y = np.asarray(y).astype(dtype)
        env[node.output[0]] = y
        OPS_SEEN.add(op)
    return env


OPS_SEEN = set()


def self_test():
    """The evaluator on hand-computed cases (before trusting it)."""
    from onnx import helper, TensorProto as TP
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    cases = [
        ("Elu", {"alpha": 0.5}, 0.5 * np.expm1(np.minimum(x, 0)) + np.maximum(x, 0)),
        ("LeakyRelu", {"alpha": 0.25}, np.where(x > 0, x, 0.25 * x)),
        ("Softsign", {}, x / (1 + abs(x))),
        ("Softmax", {"axis": -1}, np.exp(x) / np.exp(x).sum()),
    ]
    for op, attrs, want in cases:
        node = helper.make_node(op, ["input"], ["output"], **attrs)
        g = helper.make_graph([node], "t", [helper.make_tensor_value_info("input", TP.DOUBLE, [1, 5])],
                              [helper.make_tensor_value_info("output", TP.DOUBLE, [1, 5])])
        got = run_graph(helper.make_model(g), x)["output"]
        if np.max(np.abs(got - want)) > 1e-15:
            raise SystemExit("evaluator self-test: %s gives %s, expected %s" % (op, got, want))


# ---------------------------------------------------------------- generation

def gen_act(rng, acts, last):
    act = acts[rng.integers(len(acts))]
    if not last:
        while act == "softmax":
            act = acts[rng.integers(len(acts))]
    L = {"activation": act}
    if act in PARAMS and rng.random() < 0.7:
        r = rng.random()
        # 0.25: a float32; a short decimal (as people write them); any double
        v = 0.25 if r < 0.25 else float(rng.choice([0.02, 0.1, 0.2, 1.5])) if r < 0.6 \
            else float(rng.uniform(0.01, 2.0))
        L[PARAMS[act]] = v
    return L


def gen_eps(rng):
    r = rng.random()
    if r < 0.3:
        return None                        # the default 1e-5, not a float32
    if r < 0.45:
        return 2.0 ** -16                  # a float32: the operator's attribute
    if r < 0.7:
        return float(rng.choice([1e-3, 1e-4, 1e-6]))
    return float(10 ** rng.uniform(-7, -1))


def gen_model(rng, acts, index):
    n_in = int(rng.integers(1, 6))
    depth = int(rng.integers(1, 9))
    B = int(rng.integers(1, 6))
    X = rng.standard_normal((B, n_in)) * 1.5
    widths = [n_in]
    layers = []
    for n in range(1, depth + 1):
        last = n == depth
        w = widths[-1]
        typ = ["dense", "dense", "batchnorm", "layernorm", "dropout"][rng.integers(5)]
        if last and rng.random() < 0.8:
            typ = "dense"
        if typ == "dense":
            out = w if rng.random() < 0.4 else int(rng.integers(1, 8))
            L = {"in": w, "out": out}
            L.update(gen_act(rng, acts, last))
            L["W"] = (rng.standard_normal((out, w)) / math.sqrt(w)).tolist()
            L["b"] = (rng.standard_normal(out) * 0.3).tolist()
            sources = [j for j in range(n) if widths[j] == out]
            if sources and rng.random() < 0.4 and L["activation"] != "softmax":
                L["skip_from"] = int(sources[rng.integers(len(sources))])
        elif typ in ("batchnorm", "layernorm"):
            L = {"type": typ, "in": w, "out": w}
            if rng.random() < 0.7:
                L.update(gen_act(rng, acts, False))
            eps = gen_eps(rng)
            if eps is not None:
                L["eps"] = eps
            L["gamma"] = (rng.uniform(0.5, 1.5, w) * rng.choice([-1.0, 1.0], w)).tolist()
            L["beta"] = (rng.standard_normal(w) * 0.3).tolist()
            if typ == "batchnorm":
                L["running_mean"] = (rng.standard_normal(w) * 0.5).tolist()
                L["running_var"] = rng.uniform(0.05, 2.0, w).tolist()
        else:
            L = {"type": "dropout", "in": w, "out": w, "p": float(rng.uniform(0, 0.8))}
        layers.append(L)
        widths.append(L["out"])
    out = widths[-1]
    last_act = layers[-1].get("activation", "linear")
    if last_act == "softmax":
        cost = "softmax_ce"
        Y = np.eye(out)[rng.integers(out, size=B)]
    elif last_act == "sigmoid" and rng.random() < 0.5:
        cost = "bce"
        Y = (rng.random((B, out)) < 0.5).astype(float)
    else:
        cost = "mse"
        Y = rng.standard_normal((B, out))
    return {"format": "backprop-model/1", "name": "onnx-export %d" % index,
            "description": "random network for tests/reference/onnx_export.py",
            "layers": layers, "cost": cost, "inputs": X.tolist(), "targets": Y.tolist()}


def to_float32(model):
    """The same model with W, b, γ, β and the running statistics rounded to
    float32 (its inputs too, so the runtime sees what we see)."""
    m = json.loads(json.dumps(model))
    r = lambda v: np.asarray(v, dtype=np.float32).astype(np.float64).tolist()
    for L in m["layers"]:
        for k in ("W", "b", "gamma", "beta", "running_mean", "running_var"):
            if k in L:
                L[k] = r(L[k])
    m["inputs"] = r(m["inputs"])
    m["name"] += " float32"
    return m


# ------------------------------------------------------------------ checking

def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


class Failures:
    def __init__(self):
        self.list = []

    def fail(self, where, what):
        self.list.append("%s: %s" % (where, what))
        print("FAIL %s: %s" % (where, what))


def shipped_activations(backprop):
    p = run([backprop, "plugins"])
    if p.returncode != 0:
        raise SystemExit("`backprop plugins` failed: %s" % p.stderr.decode(errors="replace"))
    loaded = p.stdout.decode().split("Refused plugins:")[0]
    return re.findall(r"^\s+activation\s+(\S+)", loaded, re.M)


def layer_params(L, key):
    return np.asarray(L[key], dtype=np.float64)


def check_structure(chk, where, m, model, float32):
    g = m.graph
    opsets = {o.domain: o.version for o in m.opset_import}
    if opsets.get("", None) != 17 or m.ir_version != 8:
        chk.fail(where, "opset %s, IR version %d: expected 17 and 8" % (opsets, m.ir_version))
    if m.producer_name != "backprop-studio" or not m.producer_version:
        chk.fail(where, "producer %r %r" % (m.producer_name, m.producer_version))
    if g.name != model["name"]:
        chk.fail(where, "graph name %r, expected %r" % (g.name, model["name"]))
    want_t = onnx.TensorProto.FLOAT if float32 else onnx.TensorProto.DOUBLE
    n_in, n_out = model["layers"][0]["in"], model["layers"][-1]["out"]
    for vi, name, width in ((g.input, "input", n_in), (g.output, "output", n_out)):
        if len(vi) != 1 or vi[0].name != name:
            chk.fail(where, "expected one graph %s named %r" % (name, name))
            continue
        t = vi[0].type.tensor_type
        dims = [d.dim_param or d.dim_value for d in t.shape.dim]
        if t.elem_type != want_t or len(dims) != 2 or not isinstance(dims[0], str) \
                or dims[1] != width:
            chk.fail(where, "%s: type %d shape %s, expected %d [batch, %d]"
                     % (name, t.elem_type, dims, want_t, width))
    inits = {t.name: t for t in g.initializer}
    for t in g.initializer:
        if t.data_type != want_t or not t.raw_data:
            chk.fail(where, "initialiser %s: type %d (raw_data %d bytes), expected %d in raw_data"
                     % (t.name, t.data_type, len(t.raw_data), want_t))
    keys = {"W": "W", "b": "b", "gamma": "gamma", "beta": "beta",
            "running_mean": "running_mean", "running_var": "running_var"}
    for n, L in enumerate(model["layers"], 1):
        for key, tname in keys.items():
            if key not in L:
                continue
            t = inits.get("layer%d.%s" % (n, tname))
            if t is None:
                chk.fail(where, "no initialiser layer%d.%s" % (n, tname))
                continue
            got = numpy_helper.to_array(t).astype(np.float64)
            want = layer_params(L, key)
            if got.shape != want.shape or not np.array_equal(got, want):
                chk.fail(where, "layer%d.%s does not hold the model's values" % (n, tname))
    names = {v.name for v in g.value_info}
    for node in g.node:
        for o in node.output:
            if o != "output" and o not in names:
                chk.fail(where, "tensor %s (%s) has no value_info" % (o, node.op_type))


def check_file(chk, backprop, path, model, float32, worst):
    where = os.path.basename(path)
    onnx_path = path[:-len(".json")] + ".onnx"
    p = run([backprop, "export", path, "-o", onnx_path])
    if p.returncode != 0:
        chk.fail(where, "`backprop export` exited %d: %s"
                 % (p.returncode, p.stderr.decode(errors="replace").strip()))
        return
    try:
        m = onnx.load(onnx_path)
        onnx.checker.check_model(m, full_check=True)
    except Exception as e:          # the checker's exceptions have no common base
        chk.fail(where, "onnx.checker refuses it: %s" % str(e).strip()[:500])
        return
    check_structure(chk, where, m, model, float32)
    p = run([backprop, "trace", path, "--eval"])
    if p.returncode != 0:
        chk.fail(where, "`backprop trace --eval` exited %d: %s"
                 % (p.returncode, p.stderr.decode(errors="replace").strip()))
        return
    trace = json.loads(p.stdout)
    try:
        env = run_graph(m, np.asarray(model["inputs"], dtype=np.float64))
    except Exception as e:
        chk.fail(where, "evaluating the graph: %s" % e)
        return
    pairs = [("output", env["output"], np.asarray(trace["output"]))]
    for n, L in enumerate(trace["layers"], 1):
        if "layer%d.a" % n in env:
            pairs.append(("a(%d)" % n, env["layer%d.a" % n], np.asarray(L["a"])))
    tol = TOL32 if float32 else TOL64
    key = "float32" if float32 else "float64"
    for name, got, want in pairs:
        got = np.asarray(got, dtype=np.float64)
        if got.shape != want.shape:
            chk.fail(where, "%s: shape %s, trace has %s" % (name, got.shape, want.shape))
            continue
        scale = max(1.0, float(np.max(np.abs(want))))
        err = float(np.max(np.abs(got - want))) / scale
        worst[key] = max(worst[key], err)
        if not err <= tol:
            chk.fail(where, "%s differs from `backprop trace --eval` by %.3g (relative to %.3g; "
                     "tolerance %g):\n  graph %s\n  trace %s" % (name, err, scale, tol, got, want))


# ---------------------------------------------------------------- round trip

DEFAULTS = {"type": "dense", "activation": "linear", "skip_from": -1, "eps": 1e-5,
            "momentum": 0.1}
ACT_DEFAULTS = {"leaky_relu": 0.01, "elu": 1.0}


def is_f32(v):
    return float(np.float32(v)) == v


# The activations `backprop import` reads back (gaussian's e^{-x²} is not
# among the forms it knows).
READ_BACK_ACTS = set(BUILTIN_ACTS + PLUGIN_ACTS) - {"gaussian"}


def float32_decimal(v):
    """What a float32 attribute holding v reads back as: the reader takes
    the shortest decimal that gives the same float32 (torch's 1e-5 is
    stored as 9.99999974738e-06 and comes back as 1e-5)."""
    f = np.float32(v)
    for digits in range(1, 18):
        t = float("%.*g" % (digits, float(f)))
        if np.float32(t) == f:
            return t
    return float(f)


def not_read_back(model, float32):
    """Why the reader cannot give this network back exactly, (kind, where),
    or None: an
    activation it does not read, a float32 attribute (eps, α) whose value
    is not the shortest decimal of its float32, or, in a float64 file, a
    form written as a composition of operators (batch norm whose eps is not
    a float32: 1/√(var + eps) from constants; leaky_relu (PRelu) or elu
    whose α is not a float32; selu; hard_sigmoid)."""
    for n, L in enumerate(model["layers"], 1):
        act = L.get("activation", "linear")
        alpha = L.get("alpha", ACT_DEFAULTS.get(act))
        eps = L.get("eps", 1e-5)
        if act not in READ_BACK_ACTS:
            return "an activation the reader does not know", "layer %d: %s" % (n, act)
        attrs = [("alpha", alpha)] if act in ACT_DEFAULTS else []
        if L.get("type") in ("batchnorm", "layernorm"):
            attrs.append(("eps", eps))
        for name, v in attrs:
            if float32 or is_f32(v):
                if float32_decimal(v) != v:
                    return ("a float32 attribute read back as a decimal",
                            "layer %d: %s %r is read back as %r" % (n, name, v, float32_decimal(v)))
            elif name == "alpha" or L.get("type") == "batchnorm":
                return ("a composition in a float64 file",
                        "layer %d: %s %r, not a float32, is in a composition" % (n, name, v))
        if not float32 and act in ("selu", "hard_sigmoid"):
            return "a composition in a float64 file", "layer %d: %s" % (n, act)
    return None


def layer_view(L):
    """A layer as the model file means it, defaults filled in."""
    v = {k: L.get(k, d) for k, d in DEFAULTS.items()}
    act = v["activation"]
    if act in ACT_DEFAULTS:
        v["alpha"] = L.get("alpha", ACT_DEFAULTS[act])
    for k in ("W", "b", "gamma", "beta", "running_mean", "running_var"):
        if k in L:
            v[k] = np.asarray(L[k], dtype=np.float64)
    if v["type"] == "dense":
        v.pop("eps"); v.pop("momentum")
    elif v["type"] == "layernorm":
        v.pop("momentum")
    return v


def same_layers(chk, where, ours, back):
    if len(ours) != len(back):
        chk.fail(where, "%d layers came back, not %d" % (len(back), len(ours)))
        return False
    for n, (a, b) in enumerate(zip(ours, back), 1):
        va, vb = layer_view(a), layer_view(b)
        if va.keys() != vb.keys():
            chk.fail(where, "layer %d: members %s came back as %s"
                     % (n, sorted(va), sorted(vb)))
            return False
        for k in va:
            x, y = va[k], vb[k]
            same = (x.shape == y.shape and x.tobytes() == y.tobytes()) \
                if isinstance(x, np.ndarray) else x == y
            if not same:
                chk.fail(where, "layer %d: %s %s came back as %s" % (n, k, x, y))
                return False
    return True


def check_export_import(chk, backprop, path, model, float32, counts):
    """export → import: the network comes back bit for bit (the
    dropout-free networks: an inference graph has no dropout), unless
    not_read_back says why it cannot."""
    if any(L.get("type") == "dropout" for L in model["layers"]):
        return
    where = os.path.basename(path) + " (export, import)"
    onnx_path = path[:-len(".json")] + ".onnx"
    back_path = path[:-len(".json")] + "-back.json"
    why = not_read_back(model, float32)
    if why is not None:
        counts["not_back"].append((why[0], "%s (%s)" % (os.path.basename(path), why[1])))
        return
    p = run([backprop, "import", onnx_path, "-o", back_path])
    if p.returncode != 0:
        chk.fail(where, "`backprop import` refuses it: %s"
                 % p.stderr.decode(errors="replace").strip())
        return
    with open(back_path) as f:
        back = json.load(f)
    if same_layers(chk, where, model["layers"], back["layers"]):
        counts["same"] += 1


def onnx_arrays(m):
    """{initialiser name: array} and the ones that hold parameters: the
    weight and bias of Gemm (MatMul: transposed to out × in) and batch and
    layer norm's inputs."""
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    params = []
    for node in m.graph.node:
        names = list(node.input[1:])
        for i, name in enumerate(names):
            if name not in inits:
                continue
            v = inits[name]
            if v.ndim == 2 and (node.op_type == "MatMul" or
                                (node.op_type == "Gemm" and not
                                 any(a.name == "transB" and a.i for a in node.attribute))):
                v = v.T
            if node.op_type in ("Gemm", "MatMul", "BatchNormalization", "LayerNormalization") \
                    or (node.op_type == "Add" and v.ndim == 1 and v.size > 1):
                params.append((node.op_type, name, v))
    return params


def check_import_export(chk, backprop, fixtures, workdir, counts):
    """import → export of the reader's torch fixtures: every parameter
    tensor of the original is in our file, of the same type and bytes."""
    for name in sorted(os.listdir(fixtures)):
        if not name.endswith(".onnx") or name.startswith("refuse"):
            continue
        where = name + " (import, export)"
        src = os.path.join(fixtures, name)
        js = os.path.join(workdir, name[:-5] + "-imported.json")
        out = os.path.join(workdir, name[:-5] + "-again.onnx")
        p = run([backprop, "import", src, "-o", js])
        if p.returncode != 0:
            chk.fail(where, "`backprop import` exited %d: %s"
                     % (p.returncode, p.stderr.decode(errors="replace").strip()))
            continue
        p = run([backprop, "export", js, "-o", out])
        if p.returncode != 0:
            chk.fail(where, "`backprop export` exited %d: %s"
                     % (p.returncode, p.stderr.decode(errors="replace").strip()))
            continue
        ours = [numpy_helper.to_array(t) for t in onnx.load(out).graph.initializer]
        for op, tname, v in onnx_arrays(onnx.load(src)):
            # float32 tensors come back as the same bytes; float64 ones as
            # the same values, in float32 when every parameter is one
            v = np.ascontiguousarray(v)
            if not any(o.shape == v.shape and
                       (np.ascontiguousarray(o).tobytes() == v.tobytes() if o.dtype == v.dtype
                        else v.dtype == np.float64 and
                        np.array_equal(o.astype(np.float64), v)) for o in ours):
                chk.fail(where, "%s's %s (%s %s) is not in the exported file with the same "
                         "values" % (op, tname, v.dtype, v.shape))
        counts["fixtures"] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backprop", required=True)
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default="onnx-export")
    ap.add_argument("--fixtures", help="the reader's torch fixtures (tests/onnx): import, "
                    "export, compare the parameter tensors; and every network exported "
                    "is imported back")
    args = ap.parse_args()
    start = time.monotonic()
    self_test()
    os.makedirs(args.workdir, exist_ok=True)
    chk = Failures()

    shipped = shipped_activations(args.backprop)
    known = BUILTIN_ACTS + PLUGIN_ACTS
    for a in shipped:
        if a not in known:
            chk.fail("backprop plugins", "activation %s is shipped but this test does not "
                     "generate it: add it to PLUGIN_ACTS" % a)
    missing = [a for a in known if a not in shipped]
    if missing:
        chk.fail("backprop plugins", "the shipped activations %s are not loaded (plugin path?)"
                 % ", ".join(missing))
    acts = [a for a in known if a in shipped]

    worst = {"float32": 0.0, "float64": 0.0}
    counts = {"same": 0, "not_back": [], "fixtures": 0}
    used = set()
    files = 0
    for index in range(args.count):
        rng = np.random.default_rng([args.seed, index])
        model = gen_model(rng, acts, index)
        used.update(L.get("activation", "linear") for L in model["layers"])
        for float32 in (False, True):
            mm = to_float32(model) if float32 else model
            path = os.path.join(args.workdir, "net%03d%s.json" % (index, "-f32" if float32 else ""))
            with open(path, "w") as f:
                json.dump(mm, f)
            # float32 needs a parameter: dropout alone is float64
            has_params = any(L.get("type", "dense") != "dropout" for L in mm["layers"])
            check_file(chk, args.backprop, path, mm, float32 and has_params, worst)
            if args.fixtures:
                check_export_import(chk, args.backprop, path, mm, float32 and has_params, counts)
            files += 1
    unused = [a for a in acts if a not in used]
    if unused:
        chk.fail("generation", "no network used %s: raise --count" % ", ".join(unused))

    if args.fixtures:
        check_import_export(chk, args.backprop, args.fixtures, args.workdir, counts)
        print("round trip: %d networks exported and imported back bit for bit; %d torch "
              "fixtures imported and exported with the same parameter bytes (float32) or "
              "values (float64)"
              % (counts["same"], counts["fixtures"]))
        kinds = {}
        for kind, _ in counts["not_back"]:
            kinds[kind] = kinds.get(kind, 0) + 1
        print("%d dropout-free files not expected back exactly: %s"
              % (len(counts["not_back"]),
                 ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())) or "none"))
    print("onnx_export: %d networks, %d files in %.1f s; operators seen: %s"
          % (args.count, files, time.monotonic() - start, " ".join(sorted(OPS_SEEN))))
    print("worst error relative to the largest |a|: float64 files %.3g (tolerance %g), "
          "float32 files %.3g (tolerance %g)"
          % (worst["float64"], TOL64, worst["float32"], TOL32))
    if chk.list:
        print("%d failures" % len(chk.list))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
