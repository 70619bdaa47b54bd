"""torch_onnx_refuse.py — the graphs `backprop import` must refuse, for
torch_onnx.py (see its docstring): each case is a module exported by
torch, or its file edited after the export, and the nodes or words the
refusal's message must name.  check_refusals() runs them.
"""

import io
import json
import os
import warnings

import numpy as np

import torch_reference as R     # torch_onnx.py has made torch importable

import onnx

torch = R.torch
F = torch.nn.functional


# Each case: a module exported in float32 (at `opset`, in training mode
# when `training`), or a file edited after the export (`craft`), and what
# the message may name: one of the nodes of the op types in `ops` (its
# name as in the file and its op type), or all the words of one of
# `texts`.

class _Seq(torch.nn.Module):
    def __init__(self, fn, **mods):
        super().__init__()
        for k, v in mods.items():
            setattr(self, k, v)
        self.fn = fn

    def forward(self, *xs):
        return self.fn(self, *xs)


def _gemm_alpha(mp):
    """Gemm's alpha = 2 (z = 2 W a + b): not a dense layer of ours."""
    for nd in mp.graph.node:
        if nd.op_type == "Gemm":
            for at in nd.attribute:
                if at.name == "alpha":
                    at.f = 2.0
            return


def _float16_weights(mp):
    """The initialisers as float16: a type we do not read."""
    from onnx import numpy_helper
    for k, init in enumerate(mp.graph.initializer):
        arr = numpy_helper.to_array(init).astype(np.float16)
        mp.graph.initializer[k].CopyFrom(numpy_helper.from_array(arr, init.name))


def _float16(mp):
    """Every float tensor as float16, the input and output too."""
    _float16_weights(mp)
    for v in list(mp.graph.input) + list(mp.graph.output):
        v.type.tensor_type.elem_type = onnx.TensorProto.FLOAT16


def _nan_linear():
    lin = torch.nn.Linear(4, 2)
    with torch.no_grad():
        lin.weight[1, 2] = float("nan")
    return lin


def _negvar_bn():
    bn = torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        bn.running_var.copy_(torch.tensor([1.0, -0.5, 2.0]))
    return bn


def _gelu_half(mp):
    """GELU's pattern dividing by 2 instead of √2: another function."""
    from onnx import numpy_helper
    consts = {nd.output[0]: nd for nd in mp.graph.node if nd.op_type == "Constant"}
    for nd in mp.graph.node:
        if nd.op_type == "Div" and nd.input[1] in consts:
            at = consts[nd.input[1]].attribute[0]
            at.t.CopyFrom(numpy_helper.from_array(np.array(2.0, dtype=np.float32), at.t.name))


def _hardsigmoid_keras(mp):
    """HardSigmoid with ONNX's default α = 0.2 (Keras'), not torch's 1/6."""
    for nd in mp.graph.node:
        for at in nd.attribute:
            if nd.op_type == "HardSigmoid" and at.name == "alpha":
                at.f = 0.2


def _flatten_axis0(mp):
    """Flatten with axis = 0: the whole batch as one row."""
    for nd in mp.graph.node:
        if nd.op_type == "Flatten":
            nd.attribute[0].i = 0


def _no_layers(mp):
    """input → Identity → output: a graph without a layer."""
    del mp.graph.node[:]
    del mp.graph.initializer[:]
    mp.graph.node.append(onnx.helper.make_node("Identity", [mp.graph.input[0].name],
                                               [mp.graph.output[0].name], name="/Identity"))
    dims = mp.graph.output[0].type.tensor_type.shape.dim
    dims[1].dim_value = mp.graph.input[0].type.tensor_type.shape.dim[1].dim_value


def refusal_cases():
    Lin = torch.nn.Linear
    x4 = (torch.zeros(3, 4),)

    def case(name, module, ops=(), texts=(), xs=x4, names=("input",), opset=14,
             training=False, craft=None):
        return {"name": name, "module": module, "ops": set(ops), "texts": list(texts),
                "xs": xs, "names": names, "opset": opset, "training": training, "craft": craft}

    def deep(n):
        ls = torch.nn.ModuleList([Lin(2, 2) for _ in range(n)])

        def fn(s, x):
            for L in s.ls:
                x = torch.tanh(L(x))
            return x
        return _Seq(fn, ls=ls)

    return [
        case("conv", _Seq(lambda s, x: s.l(torch.flatten(torch.relu(s.c(x.unsqueeze(1))), 1)),
                          c=torch.nn.Conv1d(1, 2, 3), l=Lin(4, 2)), {"Conv", "Unsqueeze"}),
        case("reshape", _Seq(lambda s, x: s.l2(torch.relu(s.l1(x)).reshape(-1, 2, 2)
                                                .reshape(-1, 4)), l1=Lin(4, 4), l2=Lin(4, 2)),
             {"Reshape"}),
        case("lstm", _Seq(lambda s, x: s.l(s.r(x.unsqueeze(0))[0][0]),
                          r=torch.nn.LSTM(4, 3), l=Lin(3, 2)),
             {"LSTM", "Unsqueeze", "Shape", "Gather", "Expand", "Concat", "Squeeze"}),
        # the Gemm reads the input a second time: a fair culprit too
        case("matmul of two activations",
             _Seq(lambda s, x: torch.matmul(torch.relu(s.l1(x)), s.l2(x).t()),
                  l1=Lin(4, 3), l2=Lin(4, 3)), {"MatMul", "Transpose", "Gemm"}),
        case("a second input", _Seq(lambda s, x, y: s.l(x) + y, l=Lin(4, 2)),
             texts=[("extra",)], xs=(torch.zeros(3, 4), torch.zeros(3, 2)),
             names=("input", "extra")),
        case("linear without bias (MatMul alone)",
             _Seq(lambda s, x: torch.sigmoid(s.l(x)), l=Lin(4, 2, bias=False)), {"MatMul"}),
        case("add before the activation",
             _Seq(lambda s, x: s.o(torch.relu(s.l(x) + x)), l=Lin(4, 4), o=Lin(4, 1)),
             {"Add", "Relu"}),
        case("two activations in a row",
             _Seq(lambda s, x: torch.tanh(torch.relu(s.l(x))), l=Lin(4, 3)), {"Relu", "Tanh"},
             opset=17),
        case("logsoftmax output", _Seq(lambda s, x: torch.log_softmax(s.l(x), dim=1),
                                       l=Lin(4, 3)), {"LogSoftmax"}),
        case("softmax over the batch", _Seq(lambda s, x: torch.softmax(s.l(x), dim=0),
                                            l=Lin(4, 3)), {"Softmax"}),
        case("exported in training mode",
             _Seq(lambda s, x: s.l2(torch.relu(s.bn(s.l1(x)))), l1=Lin(4, 3),
                  bn=torch.nn.BatchNorm1d(3), l2=Lin(3, 2)), {"BatchNormalization"},
             training=True),
        case("two outputs", _Seq(lambda s, x: (s.l(x), torch.softmax(s.l(x), dim=1)),
                                 l=Lin(4, 3)), texts=[("output",)]),
        case("33 layers", deep(33), {"Gemm", "Tanh"}, texts=[("32",)], xs=(torch.zeros(3, 2),)),
        case("a layer of 5000 units", _Seq(lambda s, x: s.o(torch.relu(s.l(x))),
                                           l=Lin(4, 5000), o=Lin(5000, 1)),
             {"Gemm"}, texts=[("4096",)]),
        case("Gemm with alpha = 2", _Seq(lambda s, x: torch.sigmoid(s.l(x)), l=Lin(4, 2)),
             {"Gemm"}, craft=_gemm_alpha),
        case("float16 tensors", _Seq(lambda s, x: torch.sigmoid(s.l(x)), l=Lin(4, 2)),
             {"Gemm"}, texts=[("l.weight",), ("l.bias",), ("input",)], craft=_float16),
        case("float16 weights", _Seq(lambda s, x: torch.sigmoid(s.l(x)), l=Lin(4, 2)),
             {"Gemm"}, texts=[("l.weight",), ("l.bias",)], craft=_float16_weights),
        case("batch norm without running statistics (batch statistics in eval)",
             _Seq(lambda s, x: s.o(s.bn(s.l(x))), l=Lin(4, 3),
                  bn=torch.nn.BatchNorm1d(3, track_running_stats=False), o=Lin(3, 1)),
             {"Reshape", "Transpose", "ReduceMean", "Sub", "Mul", "BatchNormalization"}),
        case("ReLU6", _Seq(lambda s, x: s.o(F.relu6(s.l(x))), l=Lin(4, 3), o=Lin(3, 1)),
             {"Clip"}),
        case("Hardtanh(-2, 2)", _Seq(lambda s, x: s.o(F.hardtanh(s.l(x), -2.0, 2.0)),
                                     l=Lin(4, 3), o=Lin(3, 1)), {"Clip"}),
        case("Softplus(beta = 2)", _Seq(lambda s, x: s.o(F.softplus(s.l(x), beta=2.0)),
                                        l=Lin(4, 3), o=Lin(3, 1)), {"Mul", "Softplus", "Div"}),
        case("GELU's pattern with another constant",
             _Seq(lambda s, x: s.o(F.gelu(s.l(x))), l=Lin(4, 3), o=Lin(3, 1)),
             {"Div", "Erf", "Add", "Mul"}, craft=_gelu_half),
        case("HardSigmoid with alpha = 0.2",
             _Seq(lambda s, x: s.o(F.hardsigmoid(s.l(x))), l=Lin(4, 3), o=Lin(3, 1)),
             {"HardSigmoid"}, craft=_hardsigmoid_keras),
        case("a NaN weight", _Seq(lambda s, x: s.l(x), l=_nan_linear()), {"Gemm"},
             texts=[("l.weight",)]),
        case("a negative running variance",
             _Seq(lambda s, x: s.o(s.bn(s.l(x))), l=Lin(4, 3), bn=_negvar_bn(), o=Lin(3, 1)),
             {"BatchNormalization"}, texts=[("bn.running_var",)]),
        case("no layer", _Seq(lambda s, x: s.l(x), l=Lin(4, 4)), {"Identity"},
             texts=[("layer",)], craft=_no_layers),
        case("two skips into one layer",
             _Seq(lambda s, x: torch.tanh(s.l2(torch.relu(s.l1(x)))) + x + torch.relu(s.l1(x)),
                  l1=Lin(4, 4), l2=Lin(4, 4)), {"Add"}),
        case("a skip that broadcasts (width 1 onto 3)",
             _Seq(lambda s, x: torch.tanh(s.l2(s.l1(x))) + s.l1(x), l1=Lin(4, 1), l2=Lin(1, 3)),
             {"Add"}),
        case("an Add of a constant after the activation",
             _Seq(lambda s, x: torch.tanh(s.l(x)) + s.c, l=Lin(4, 3),
                  c=torch.nn.Parameter(torch.ones(3))), {"Add"}),
        case("Flatten over the batch (axis = 0)",
             _Seq(lambda s, x: s.l(torch.flatten(x, 1)), l=Lin(4, 2)), {"Flatten", "Gemm"},
             craft=_flatten_axis0),
    ]


def check_refusals(chk, args, workdir):
    """Each case given to `backprop import`: it must fail, write nothing,
    and name the culprit (for the limits: a culprit node and the limit).
    Returns how many cases."""
    n = 0
    torch.manual_seed(args.seed)
    for c in refusal_cases():
        n += 1
        path = os.path.join(workdir, "refuse-%02d.onnx" % n)
        where = "%s (%s)" % (path, c["name"])
        module = c["module"].float()
        f = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kw = {"training": torch.onnx.TrainingMode.TRAINING} if c["training"] else {}
            torch.onnx.export(module if c["training"] else module.eval(),
                              tuple(x.float() for x in c["xs"]), f, opset_version=c["opset"],
                              input_names=list(c["names"]), output_names=None, **kw)
        mp = onnx.load_from_string(f.getvalue())
        if c["craft"] is not None:
            c["craft"](mp)
        else:
            try:
                onnx.checker.check_model(mp, full_check=True)
            except Exception as e:        # noqa: BLE001
                chk.fail(path, "onnx.checker", str(e).splitlines()[0])
                continue
        with open(path, "wb") as out:
            out.write(mp.SerializeToString())
        nodes = [(nd.name, nd.op_type) for nd in mp.graph.node if nd.op_type in c["ops"]]
        # the limits: the node and the limit; else the node, or a text
        alts = [nd + t for nd in nodes for t in c["texts"]] if c["name"][0].isdigit() or \
            c["name"].startswith("a layer of") else nodes + [tuple(t) for t in c["texts"]]
        out = path[:-5] + ".json"
        if os.path.exists(out):
            os.unlink(out)
        if args.no_import:
            continue
        p = R.run([args.backprop, "import", path, "-o", out])
        msg = p.stderr.decode(errors="replace").strip()
        if p.returncode == 0 and c["ops"] == {"MatMul"} and os.path.exists(out):
            # A Linear without bias read as b = 0 is the same network: allowed
            # when W is the file's and b is 0.
            with open(out) as fo:
                got = json.load(fo)
            L = got.get("layers", [{}])
            wt = module.l.weight.detach().double().numpy()
            if len(L) == 1 and np.array_equal(np.array(L[0].get("W")).reshape(wt.shape), wt) \
                    and not np.any(np.array(L[0].get("b"))):
                if args.verbose:
                    print("%s: imported with b = 0 (allowed)" % where)
                continue
        shown = " or ".join("/".join(a) for a in alts[:6]) + (" …" if len(alts) > 6 else "")
        if p.returncode == 0:
            chk.fail(where, "import", "accepted (exit 0), expected a refusal naming %s" % shown)
            continue
        if p.returncode < 0 or p.returncode > 2:
            chk.fail(where, "import", "exit status %d (crash?): %s" % (p.returncode, msg[:300]))
        if os.path.exists(out):
            chk.fail(where, "import", "refused but wrote %s" % out)
        if not any(all(w in msg for w in a) for a in alts):
            chk.fail(where, "import", "the message names none of %s: %s"
                     % (shown, msg[:400] or "(no message)"))
        elif args.verbose:
            print("%s: refused: %s" % (where, msg.splitlines()[0][:200]))
    return n
