#!/usr/bin/python3
"""Remakes the ONNX fixtures of tests/test-onnx-read.c (run it from here, with
/usr/bin/python3: torch 1.13 and onnx are Debian's).

Each NAME.onnx that must import comes with NAME.json:
  {"inputs": B rows x n, "outputs": B rows x m, "layers": N, "cost": id}
the outputs of the exported network on that batch computed by torch in
float64 -- for a float32 file, on its float32 weights made double, which is
what the importer holds (float32 values are exact in double).

Each refuse-NAME.onnx must be refused; refusals.txt lists
  FILE<TAB>error code<TAB>node name<TAB>op type
for the test to check the message names the node and its op.  The graphs
torch cannot produce (a Conv on 2-D data, transA, a second input, int64
weights, ...) are written with onnx.helper.
"""
import io
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
B = 5
torch.manual_seed(16)


def batch(n):
    g = torch.Generator().manual_seed(1600 + n)
    return torch.randn(B, n, generator=g, dtype=torch.float64) * 1.5


def export(name, model, n_in, dtype, opset):
    model.eval()
    model = model.to(dtype)
    f = io.BytesIO()
    torch.onnx.export(model, torch.zeros(2, n_in, dtype=dtype), f, opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    data = f.getvalue()
    open(os.path.join(HERE, name + ".onnx"), "wb").write(data)
    return model


def expect(name, model, n_in, layers, cost):
    """The outputs in float64 of the weights as stored (float32 made double)."""
    x = batch(n_in)
    with torch.no_grad():
        y = model.double()(x)
    json.dump({"inputs": x.tolist(), "outputs": y.tolist(), "layers": layers, "cost": cost},
              open(os.path.join(HERE, name + ".json"), "w"))


def randomise_norms(model):
    """Running statistics and affine parameters other than the defaults."""
    g = torch.Generator().manual_seed(7)
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            with torch.no_grad():
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                if isinstance(m, torch.nn.BatchNorm1d):
                    m.running_mean.copy_(0.5 * torch.randn(m.running_mean.shape, generator=g))
                    m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model


class Skip(torch.nn.Module):
    """a(2) = relu(z(2)) + a(1): the skip the model format holds."""
    def __init__(self, preact=False):
        super().__init__()
        self.l1 = torch.nn.Linear(3, 4)
        self.l2 = torch.nn.Linear(4, 4)
        self.l3 = torch.nn.Linear(4, 2)
        self.preact = preact

    def forward(self, x):
        a1 = torch.tanh(self.l1(x))
        a2 = torch.relu(self.l2(a1) + a1) if self.preact else torch.relu(self.l2(a1)) + a1
        return torch.softmax(self.l3(a2), dim=-1)


class Sine(torch.nn.Module):
    def forward(self, x):
        return torch.sin(x)


class Reshape(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.Linear(3, 4)
        self.l2 = torch.nn.Linear(4, 1)

    def forward(self, x):
        return self.l2(self.l1(x).view(-1, 2, 2).view(-1, 4))


class SoftmaxFirst(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.Linear(3, 2)

    def forward(self, x):
        return torch.softmax(self.l1(x), dim=0)


def good():
    nn = torch.nn
    f32, f64 = torch.float32, torch.float64
    # name, model, inputs, dtype, opset, layers, cost
    cases = [
        ("mlp-f32", nn.Sequential(nn.Flatten(), nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Linear(5, 4), nn.LeakyReLU(0.1), nn.Linear(4, 4), nn.ELU(0.7),
                                  nn.Linear(4, 1), nn.Sigmoid()), 3, f32, 14, 4, "bce"),
        ("skip-f64", Skip(), 3, f64, 14, 3, "softmax_ce"),
        ("bn-f32", randomise_norms(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(),
                                                 nn.Linear(4, 2), nn.Softplus())), 3, f32, 14, 3, "mse"),
        ("ln-pattern-f32", randomise_norms(nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Tanh(),
                                                         nn.Linear(4, 3), nn.Softmax(dim=1))),
         3, f32, 14, 3, "softmax_ce"),
        ("ln-node-f64", randomise_norms(nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4),
                                                      nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU(),
                                                      nn.Linear(4, 1))), 2, f64, 17, 5, "mse"),
        ("acts-f32", nn.Sequential(nn.Linear(3, 4), nn.SELU(), nn.Linear(4, 4), nn.Softsign(),
                                   nn.Linear(4, 4), nn.Hardsigmoid(), nn.Linear(4, 4), nn.Hardtanh(),
                                   nn.Linear(4, 4), nn.SiLU(), nn.Linear(4, 4), nn.GELU(),
                                   nn.Linear(4, 4), nn.Mish(), nn.Linear(4, 4), Sine(),
                                   nn.Linear(4, 2)), 3, f32, 14, 9, "mse"),
    ]
    for name, model, n_in, dtype, opset, layers, cost in cases:
        model = export(name, model, n_in, dtype, opset)
        expect(name, model, n_in, layers, cost)


def helper_model(name, nodes, inits, inputs=None, opset=14):
    inputs = inputs or [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3])]
    graph = helper.make_graph(nodes, "g", inputs,
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
                              inits)
    m = helper.make_model(graph, producer_name="make-fixtures", opset_imports=[helper.make_opsetid("", opset)])
    open(os.path.join(HERE, name + ".onnx"), "wb").write(m.SerializeToString())


def f32(name, shape, seed=0):
    return numpy_helper.from_array(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), name)


def matmul():
    """MatMul + Add of the bias, Gemm without transB, HardSigmoid and Clip as our writer emits them."""
    nodes = [
        helper.make_node("MatMul", ["input", "W1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["m1", "b1"], ["z1"], name="bias1"),
        helper.make_node("Relu", ["z1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["z2"], name="gemm2"),
        helper.make_node("HardSigmoid", ["z2"], ["a2"], name="hs2", alpha=1.0 / 6, beta=0.5),
        helper.make_node("Gemm", ["a2", "W3", "b3"], ["z3"], name="gemm3", transB=1),
        helper.make_node("Clip", ["z3", "lo", "hi"], ["output"], name="clip3"),
    ]
    # W2 in float_data rather than raw_data: both are read.
    w2 = numpy_helper.to_array(f32("W2", (4, 3), 3))
    inits = [f32("W1", (3, 4), 1), f32("b1", (4,), 2),
             helper.make_tensor("W2", TensorProto.FLOAT, (4, 3), w2.flatten().tolist()), f32("b2", (3,), 4),
             f32("W3", (2, 3), 5), f32("b3", (2,), 6),
             numpy_helper.from_array(np.array(-1, np.float32), "lo"),
             numpy_helper.from_array(np.array(1, np.float32), "hi")]
    helper_model("matmul-f32", nodes, inits)
    w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in inits}
    x = batch(3).numpy()
    a1 = np.maximum(x @ w["W1"] + w["b1"], 0)
    a2 = np.clip((a1 @ w["W2"] + w["b2"]) / 6 + 0.5, 0, 1)
    y = np.clip(a2 @ w["W3"].T + w["b3"], -1, 1)
    json.dump({"inputs": x.tolist(), "outputs": y.tolist(), "layers": 3, "cost": "mse"},
              open(os.path.join(HERE, "matmul-f32.json"), "w"))


def double_data():
    """float64 values in double_data (not raw_data), Tanh then a linear layer."""
    rng = np.random.default_rng(9)
    W1, b1, W2 = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal((1, 3))
    t = lambda name, a: helper.make_tensor(name, TensorProto.DOUBLE, a.shape, a.flatten().tolist())
    nodes = [helper.make_node("Gemm", ["input", "W1", "b1"], ["z1"], name="g1", transB=1),
             helper.make_node("Tanh", ["z1"], ["a1"], name="t1"),
             helper.make_node("Gemm", ["a1", "W2"], ["output"], name="g2", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["batch", 2])],
                              [helper.make_tensor_value_info("output", TensorProto.DOUBLE, None)],
                              [t("W1", W1), t("b1", b1), t("W2", W2)])
    m = helper.make_model(graph, producer_name="make-fixtures", opset_imports=[helper.make_opsetid("", 17)])
    open(os.path.join(HERE, "double-data-f64.onnx"), "wb").write(m.SerializeToString())
    x = batch(2).numpy()
    y = np.tanh(x @ W1.T + b1) @ W2.T
    json.dump({"inputs": x.tolist(), "outputs": y.tolist(), "layers": 2, "cost": "mse"},
              open(os.path.join(HERE, "double-data-f64.json"), "w"))


def decomposed():
    """What our writer emits for a float64 model whose batch norm has an ε
    that is no float32 (constants-only Add, Sqrt, Reciprocal, then Sub, Mul,
    Mul, Add), its float64 hard sigmoid (Add 3, Clip 0..6, Div 6), and a
    skip read through an Identity while the next Gemm reads the value
    directly (as torch writes it at times)."""
    rng = np.random.default_rng(11)
    d = lambda name, a: numpy_helper.from_array(np.asarray(a, np.float64), name)
    W1, b1 = rng.standard_normal((4, 3)), rng.standard_normal(4)
    mean, var = 0.3 * rng.standard_normal(4), 0.5 + rng.random(4)
    gamma, beta = 1 + 0.2 * rng.standard_normal(4), 0.1 * rng.standard_normal(4)
    W2, b2 = rng.standard_normal((4, 4)), rng.standard_normal(4)
    eps = 1e-5
    nodes = [
        helper.make_node("Add", ["var", "eps"], ["ve"], name="bn_ve"),
        helper.make_node("Sqrt", ["ve"], ["sd"], name="bn_sd"),
        helper.make_node("Reciprocal", ["sd"], ["inv"], name="bn_inv"),
        helper.make_node("Gemm", ["input", "W1", "b1"], ["z1"], name="g1", transB=1),
        helper.make_node("Sub", ["z1", "mean"], ["d"], name="bn_sub"),
        helper.make_node("Mul", ["d", "inv"], ["xh"], name="bn_mul"),
        helper.make_node("Mul", ["xh", "gamma"], ["g"], name="bn_scale"),
        helper.make_node("Add", ["g", "beta"], ["z2"], name="bn_shift"),
        helper.make_node("Add", ["z2", "three"], ["s"], name="hs_add"),
        helper.make_node("Clip", ["s", "zero", "six"], ["c"], name="hs_clip"),
        helper.make_node("Div", ["c", "six"], ["a2"], name="hs_div"),
        helper.make_node("Identity", ["a2"], ["a2_id"], name="id"),
        helper.make_node("Gemm", ["a2", "W2", "b2"], ["z3"], name="g3", transB=1),
        helper.make_node("Relu", ["z3"], ["h3"], name="r3"),
        helper.make_node("Add", ["h3", "a2_id"], ["output"], name="skip"),
    ]
    inits = [d("W1", W1), d("b1", b1), d("mean", mean), d("var", var), d("eps", eps),
             d("gamma", gamma), d("beta", beta), d("three", 3.0), d("zero", 0.0), d("six", 6.0),
             d("W2", W2), d("b2", b2)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["batch", 3])],
                              [helper.make_tensor_value_info("output", TensorProto.DOUBLE, None)], inits)
    m = helper.make_model(graph, producer_name="backprop-studio", opset_imports=[helper.make_opsetid("", 17)])
    open(os.path.join(HERE, "decomposed-f64.onnx"), "wb").write(m.SerializeToString())
    x = batch(3).numpy()
    z1 = x @ W1.T + b1
    a2 = np.clip((z1 - mean) / np.sqrt(var + eps) * gamma + beta + 3, 0, 6) / 6
    y = np.maximum(a2 @ W2.T + b2, 0) + a2
    json.dump({"inputs": x.tolist(), "outputs": y.tolist(), "layers": 3, "cost": "mse"},
              open(os.path.join(HERE, "decomposed-f64.json"), "w"))


def exp_branches():
    """Our writer's float64 forms of activations whose parameters are no
    float32: PRelu for leaky ReLU (α = 0.01), Where(x > 0, x, α(e^x − 1))
    for elu (α = 0.7), and the same with λx and λα for selu; and its
    gaussian, Exp(Neg(x·x))."""
    rng = np.random.default_rng(12)
    d = lambda name, a: numpy_helper.from_array(np.asarray(a, np.float64), name)
    lam, alp = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    W = [rng.standard_normal((4, 3)), rng.standard_normal((4, 4)), rng.standard_normal((4, 4)),
         rng.standard_normal((4, 4)), rng.standard_normal((2, 4))]
    b = [rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4),
         rng.standard_normal(2)]
    N = helper.make_node
    nodes = [
        N("Gemm", ["input", "W0", "b0"], ["z0"], name="g0", transB=1),
        N("PRelu", ["z0", "slope"], ["a0"], name="prelu"),
        N("Gemm", ["a0", "W1", "b1"], ["z1"], name="g1", transB=1),
        N("Greater", ["z1", "zero"], ["gt1"], name="elu_gt"),
        N("Exp", ["z1"], ["e1"], name="elu_exp"),
        N("Sub", ["e1", "one"], ["em1"], name="elu_sub"),
        N("Mul", ["alpha", "em1"], ["neg1"], name="elu_mul"),
        N("Where", ["gt1", "z1", "neg1"], ["a1"], name="elu_where"),
        N("Gemm", ["a1", "W2", "b2"], ["z2"], name="g2", transB=1),
        N("Mul", ["z2", "lambda"], ["pos2"], name="selu_pos"),
        N("Greater", ["z2", "zero"], ["gt2"], name="selu_gt"),
        N("Exp", ["z2"], ["e2"], name="selu_exp"),
        N("Sub", ["e2", "one"], ["em2"], name="selu_sub"),
        N("Mul", ["lambda_alpha", "em2"], ["neg2"], name="selu_mul"),
        N("Where", ["gt2", "pos2", "neg2"], ["a2"], name="selu_where"),
        N("Gemm", ["a2", "W3", "b3"], ["z3"], name="g3", transB=1),
        N("Mul", ["z3", "z3"], ["sq3"], name="gauss_sq"),
        N("Neg", ["sq3"], ["neg3"], name="gauss_neg"),
        N("Exp", ["neg3"], ["a3"], name="gauss_exp"),
        N("Gemm", ["a3", "W4", "b4"], ["output"], name="g4", transB=1),
    ]
    inits = [d("W%d" % i, W[i]) for i in range(5)] + [d("b%d" % i, b[i]) for i in range(5)] + [
        d("slope", [0.01]), d("zero", 0.0), d("one", 1.0), d("alpha", 0.7), d("lambda", lam),
        d("lambda_alpha", lam * alp)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["batch", 3])],
                              [helper.make_tensor_value_info("output", TensorProto.DOUBLE, None)], inits)
    m = helper.make_model(graph, producer_name="backprop-studio", opset_imports=[helper.make_opsetid("", 17)])
    open(os.path.join(HERE, "exp-branches-f64.onnx"), "wb").write(m.SerializeToString())
    x = batch(3).numpy()
    z0 = x @ W[0].T + b[0]
    a0 = np.where(z0 > 0, z0, 0.01 * z0)
    z1 = a0 @ W[1].T + b[1]
    a1 = np.where(z1 > 0, z1, 0.7 * np.expm1(z1))
    z2 = a1 @ W[2].T + b[2]
    a2 = np.where(z2 > 0, lam * z2, lam * alp * np.expm1(z2))
    z3 = a2 @ W[3].T + b[3]
    y = np.exp(-z3 * z3) @ W[4].T + b[4]
    json.dump({"inputs": x.tolist(), "outputs": y.tolist(), "layers": 5, "cost": "mse"},
              open(os.path.join(HERE, "exp-branches-f64.json"), "w"))


def with_identities(src, dst):
    """src with an Identity after every value a node reads (torch's habit,
    pushed everywhere: inside the layer norm, gelu, swish patterns too)."""
    m = onnx.load(os.path.join(HERE, src + ".onnx"))
    g = m.graph
    inits = {t.name for t in g.initializer}
    produced = [o for n in g.node for o in n.output if n.op_type != "Constant"]
    nodes = []
    for n in g.node:
        for k, name in enumerate(n.input):
            if name in produced:
                n.input[k] = name + "~id"
        nodes.append(n)
        for o in n.output:
            if o in produced and o not in [x.name for x in g.output]:
                nodes.append(helper.make_node("Identity", [o], [o + "~id"], name=o + "~Identity"))
    del g.node[:]
    g.node.extend(nodes)
    open(os.path.join(HERE, dst + ".onnx"), "wb").write(m.SerializeToString())
    d = json.load(open(os.path.join(HERE, src + ".json")))
    json.dump(d, open(os.path.join(HERE, dst + ".json"), "w"))


def refusals():
    rows = []
    nn = torch.nn

    def torch_refusal(name, model, node, op, code="UNSUPPORTED", opset=14):
        export("refuse-" + name, model, 3, torch.float32, opset)
        rows.append(("refuse-%s.onnx" % name, code, node, op))

    torch_refusal("reshape", Reshape(), "/Reshape", "Reshape")
    torch_refusal("preact-skip", Skip(preact=True), "/Relu", "Relu")
    torch_refusal("softmax-axis0", SoftmaxFirst(), "/Softmax", "Softmax")

    def gemm(name, extra=None, **attrs):
        return helper.make_node("Gemm", ["input", "W", "b"], ["output"], name=name, **attrs)

    W, b = f32("W", (2, 3)), f32("b", (2,))
    cases = [
        ("conv", [helper.make_node("Conv", ["input", "W"], ["output"], name="conv1")], [W], "conv1", "Conv"),
        ("lstm", [helper.make_node("LSTM", ["input", "W", "W"], ["output"], name="lstm1", hidden_size=2)],
         [W], "lstm1", "LSTM"),
        ("transA", [gemm("gemmT", transA=1, transB=1)], [W, b], "gemmT", "Gemm"),
        ("alpha", [gemm("gemmA", alpha=2.0, transB=1)], [W, b], "gemmA", "Gemm"),
        ("int64", [gemm("gemmI", transB=1)],
         [numpy_helper.from_array(np.ones((2, 3), np.int64), "W"), b], "gemmI", "Gemm"),
        ("hardsigmoid", [helper.make_node("Gemm", ["input", "W", "b"], ["z"], name="g", transB=1),
                         helper.make_node("HardSigmoid", ["z"], ["output"], name="hs")], [W, b], "hs",
         "HardSigmoid"),
    ]
    for name, nodes, inits, node, op in cases:
        helper_model("refuse-" + name, nodes, inits)
        rows.append(("refuse-%s.onnx" % name, "UNSUPPORTED", node, op))

    # A second input.
    helper_model("refuse-two-inputs", [gemm("g2", transB=1)], [W, b],
                 inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3]),
                         helper.make_tensor_value_info("other", TensorProto.FLOAT, ["batch", 3])])
    rows.append(("refuse-two-inputs.onnx", "UNSUPPORTED", "", "other"))

    # Limits, stated by shapes alone: no data is read past them.
    def shape_only(name, shape):
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape)
        return t
    helper_model("refuse-wide", [helper.make_node("Gemm", ["input", "Wb", "b"], ["output"], name="wide",
                                                  transB=1)],
                 [shape_only("Wb", (5000, 3)), b])
    rows.append(("refuse-wide.onnx", "LIMIT", "wide", "Gemm"))
    nodes, inits, prev = [], [], "input"
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4096])]
    for i in range(3):
        out = "output" if i == 2 else "h%d" % i
        nodes.append(helper.make_node("Gemm", [prev, "Wbig"], [out], name="big%d" % (i + 1), transB=1))
        prev = out
    helper_model("refuse-params", nodes, [shape_only("Wbig", (4096, 4096))], inputs=inputs)
    rows.append(("refuse-params.onnx", "LIMIT", "big2", "Gemm"))
    nodes, prev = [], "input"
    for i in range(33):
        out = "output" if i == 32 else "d%d" % i
        nodes.append(helper.make_node("Gemm", [prev, "W1x1"], [out], name="deep%d" % (i + 1), transB=1))
        prev = out
    helper_model("refuse-deep", nodes, [f32("W1x1", (1, 1))],
                 inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1])])
    rows.append(("refuse-deep.onnx", "LIMIT", "deep33", "Gemm"))

    with open(os.path.join(HERE, "refusals.txt"), "w") as f:
        f.write("# file\tcode\tnode\top (written by make-fixtures.py)\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    good()
    matmul()
    double_data()
    decomposed()
    exp_branches()
    with_identities("acts-f32", "acts-identities-f32")
    with_identities("ln-pattern-f32", "ln-identities-f32")
    with_identities("matmul-f32", "matmul-identities-f32")
    refusals()
