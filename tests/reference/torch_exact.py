"""torch_exact.py — the torch side of the float64 reference (see
torch_reference.py, "Numerics of the reference, and why"): activations
and costs exact at saturation (derivatives σ(z)σ(-z), sech² z, the softmax
VJP, softplus as -logsigmoid(-z), log_softmax and softmax_ce with log1p),
the forward pass and trace of a dense network, torch.optim's matching
optimizers, and the noise model that measures each element's rounding
noise.  torch_reference.py and torch_layers.py import it; init() is
called once torch is importable.
"""

torch = None    # set by init(): torch_reference.py imports torch itself, to
                # say what to install when it is missing


def init(torch_module):
    """Use `torch_module` (float64 by default already) and build the exact
    autograd Functions."""
    global torch
    torch = torch_module
    _init_accurate()


def t_act(name, z, alpha, accurate=True):
    if accurate and name in ACCURATE:
        return ACCURATE[name].apply(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(z, negative_slope=alpha)
    if name == "softplus":
        return softplus_exact(z)
    if name == "linear":
        return z * 1.0
    if name == "softmax":
        return torch.softmax(z, dim=1)
    raise ValueError(name)


# ----- derivatives to full relative precision (the reference's)
#
# torch's own backward of sigmoid/tanh/softmax uses the output a (σ(1-σ),
# 1-a², a(g - a·g)), which loses relative precision at saturation: 1 - a
# carries the rounding of a (σ'(37) = 0).  These forms are accurate for
# every z, and are what the reference uses (accurate=True).

def _fn(forward_fn, backward_fn):
    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return forward_fn(z)

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return backward_fn(z, g)
    return F


def _sech2(z):
    e = torch.exp(-2.0 * torch.abs(z))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def _softmax_vjp(z, g):
    # a_i (g_i - Σ_j a_j g_j) = a_i Σ_j a_j (g_i - g_j)   (Σ a = 1)
    a = torch.softmax(z, dim=1)
    d = g.unsqueeze(2) - g.unsqueeze(1)
    return a * (d * a.unsqueeze(1)).sum(dim=2)


ACCURATE = {}
SOFTMAX_CE = []


def _softmax_ce_fn():
    """l_s = -Σ_k y_k log softmax(z_s)_k with an exact backward.  Autograd
    through log_softmax_exact adds -y_m + Σ y (via the max) + ... for the
    dominant unit, an ulp of 1 off where the true value is 1e-13; here
    ∂l/∂z = a Σy - y with the dominant unit's entry minus the sum of the
    others' (the entries sum to 0 because Σ a = 1)."""
    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, Y):
            ctx.save_for_backward(z, Y)
            return -(Y * log_softmax_exact(z)).sum(dim=1)

        @staticmethod
        def backward(ctx, g):
            z, Y = ctx.saved_tensors
            a = torch.softmax(z, dim=1)
            G = a * Y.sum(dim=1, keepdim=True) - Y
            idx = z.argmax(dim=1, keepdim=True)
            mask = torch.ones_like(z).scatter(1, idx, 0.0)
            rest = (G * mask).sum(dim=1, keepdim=True)
            G = G * mask - rest * (1.0 - mask)
            return g.unsqueeze(1) * G, None
    return F


def _init_accurate():
    ACCURATE["sigmoid"] = _fn(torch.sigmoid,
                              lambda z, g: g * torch.sigmoid(z) * torch.sigmoid(-z))
    ACCURATE["tanh"] = _fn(torch.tanh, lambda z, g: g * _sech2(z))
    ACCURATE["softmax"] = _fn(lambda z: torch.softmax(z, dim=1), _softmax_vjp)
    SOFTMAX_CE.append(_softmax_ce_fn())


def softplus_exact(z):
    """log(1 + e^z) to full relative precision for every z, derivative σ(z).

    Not F.softplus (it returns z itself above its threshold 20), and not
    torch.logaddexp(0, z) either: torch 1.13 computes that with log, not
    log1p, and loses the relative precision of small values (z = -22.6:
    6e-7; z = -40: returns 0).  -logsigmoid(-z) is computed as
    max(z, 0) + log1p(e^-|z|), and its backward is σ(z)."""
    return -torch.nn.functional.logsigmoid(-z)


def log_softmax_exact(z):
    """log softmax(z) row-wise, to full relative precision also when the
    value is tiny (the dominant unit): (z - m) - log1p(Σ_{k≠argmax} e^(z_k - m)).
    torch.log_softmax uses log(Σ e^(z_k - m)), which rounds 1 + s first."""
    m, idx = z.max(dim=1, keepdim=True)
    d = z - m
    mask = torch.ones_like(z).scatter(1, idx, 0.0)
    s = (torch.exp(d) * mask).sum(dim=1, keepdim=True)
    return d - torch.log1p(s)


def leaf_params(model):
    """[W(1), b(1), W(2), …] of a dense model as leaf tensors (W out × in)."""
    params = []
    for L in model["layers"]:
        params.append(torch.tensor(L["W"]).reshape(L["out"], L["in"]).requires_grad_(True))
        params.append(torch.tensor(L["b"]).requires_grad_(True))
    return params


def model_parts(model):
    layers = model["layers"]
    acts = [(L["activation"], float(L.get("alpha", 0.01))) for L in layers]
    cost = model.get("cost", "mse")
    if isinstance(cost, dict):
        cost = cost["id"]
    reduction = model.get("reduction", "mean")
    X = torch.tensor(model["inputs"])
    Y = torch.tensor(model["targets"])
    return acts, cost, reduction, X, Y


def per_sample_loss(cost, zN, aN, Y):
    if cost == "mse":
        return 0.5 * ((aN - Y) ** 2).sum(dim=1)
    if cost == "bce":
        # exact: -[y log σ(z) + (1-y) log(1-σ(z))]
        return (Y * softplus_exact(-zN) + (1.0 - Y) * softplus_exact(zN)).sum(dim=1)
    if cost == "softmax_ce":
        return SOFTMAX_CE[0].apply(zN, Y)
    raise ValueError(cost)


class Noise:
    """Relative noise of a few ulps on every intermediate value, forward
    (W, b and the input as used, z, a, l) and backward (∂C/∂a, ∂C/∂z):
    emulates another implementation's different rounding; the change it
    makes to each element is that element's noise."""

    def __init__(self, seed, magnitude):
        self.gen = torch.Generator().manual_seed(int(seed))
        self.magnitude = magnitude

    def factor(self, shape):
        u = torch.rand(shape, generator=self.gen, dtype=torch.float64)
        return 1.0 + self.magnitude * (2.0 * u - 1.0)

    def fwd(self, t):
        t = t * self.factor(t.shape)
        f = self.factor(t.shape)
        t.register_hook(lambda g: g * f)
        return t


def forward(params, acts, cost, reduction, X, Y, keep=False, accurate=True, noise=None):
    a = X
    zs, as_ = [], []
    for i, (act, alpha) in enumerate(acts):
        W, b = params[2 * i], params[2 * i + 1]
        if noise:
            # on the summands too, not only on z: a z that cancels (Σ|W a|
            # >> |z|) carries the rounding of the terms, as ours does
            W = W * noise.factor(W.shape)
            b = b * noise.factor(b.shape)
            if i == 0:
                a = a * noise.factor(a.shape)
        z = a @ W.T + b
        if noise:
            z = noise.fwd(z)
        a = t_act(act, z, alpha, accurate)
        if noise:
            a = noise.fwd(a)
        if keep:
            z.retain_grad()
            a.retain_grad()
        zs.append(z)
        as_.append(a)
    l = per_sample_loss(cost, zs[-1], as_[-1], Y)
    if noise:
        l = l * noise.factor(l.shape)
    C = l.mean() if reduction == "mean" else l.sum()
    return C, l, zs, as_


def output_dC_da(cost, reduction, a, Y):
    """∂C/∂a(N) of the cost written as a function of a (torch autograd at a leaf)."""
    a = a.detach().clone().requires_grad_(True)
    if cost == "mse":
        l = 0.5 * ((a - Y) ** 2).sum(dim=1)
    elif cost == "bce":
        l = -(Y * torch.log(a) + (1.0 - Y) * torch.log(1.0 - a)).sum(dim=1)
    else:
        l = -(Y * torch.log(a)).sum(dim=1)
    C = l.mean() if reduction == "mean" else l.sum()
    C.backward()
    return a.grad


def bce_dC_da_exact(reduction, z, Y):
    """∂C/∂a of bce at a = σ(z), from z: -y/σ(z) + (1-y)/σ(-z) (scaled), a
    term whose weight is 0 left out.  1 - a from a rounded a would be 0 at
    z = 40; the contract computes 1 - a = σ(-z)."""
    g = torch.where(Y != 0.0, -Y / torch.sigmoid(z), torch.zeros_like(z)) + \
        torch.where(Y != 1.0, (1.0 - Y) / torch.sigmoid(-z), torch.zeros_like(z))
    return g / z.shape[0] if reduction == "mean" else g


def torch_trace(model, accurate=True, noise=None):
    acts, cost, reduction, X, Y = model_parts(model)
    params = leaf_params(model)
    C, l, zs, as_ = forward(params, acts, cost, reduction, X, Y, keep=True, accurate=accurate,
                            noise=noise)
    C.backward()
    ref = {"loss": C.detach().reshape(1), "per_sample_loss": l.detach(),
           "output": as_[-1].detach(), "layers": []}
    n = len(acts)
    for i in range(n):
        if i == n - 1 and cost == "bce":
            dC_da = bce_dC_da_exact(reduction, zs[i].detach(), Y)
        elif i == n - 1 and cost != "mse":
            dC_da = output_dC_da(cost, reduction, as_[i].detach(), Y)
        else:
            dC_da = as_[i].grad
        ref["layers"].append({
            "z": zs[i].detach(), "a": as_[i].detach(),
            "dC_da": dC_da, "dC_dz": zs[i].grad,
            "dW": params[2 * i].grad, "db": params[2 * i + 1].grad})
    return ref


def make_optimizer(params, opt):
    oid = opt["id"]
    wd = float(opt.get("weight_decay", 0.0))
    lr = float(opt["lr"])
    if oid == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.0, weight_decay=wd, foreach=False)
    if oid == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=float(opt["momentum"]),
                               dampening=0.0, nesterov=False, weight_decay=wd, foreach=False)
    if oid == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=float(opt["alpha"]),
                                   eps=float(opt["eps"]), weight_decay=wd,
                                   momentum=0.0, centered=False, foreach=False)
    if oid == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(opt["beta1"]), float(opt["beta2"])),
                                eps=float(opt["eps"]), weight_decay=wd, amsgrad=False,
                                foreach=False)
    raise ValueError(oid)


def torch_train(model, steps, accurate=True, noise=None):
    acts, cost, reduction, X, Y = model_parts(model)
    params = leaf_params(model)
    opt = make_optimizer(params, model["optimizer"])
    maxz = 0.0
    for _ in range(steps):
        opt.zero_grad()
        C, _, zs, _ = forward(params, acts, cost, reduction, X, Y, accurate=accurate,
                              noise=noise)
        maxz = max([maxz] + [float(z.detach().abs().max()) for z in zs])
        C.backward()
        opt.step()
    with torch.no_grad():
        _, _, zs, _ = forward(params, acts, cost, reduction, X, Y)
        maxz = max([maxz] + [float(z.abs().max()) for z in zs])
    return [p.detach() for p in params], maxz
