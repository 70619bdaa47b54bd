#!/usr/bin/env python3
"""torch_schedules.py — learning-rate schedules against torch.optim.lr_scheduler,
float64.

    torch_schedules.py --backprop PATH [--count N] [--seed S] [--workdir DIR]
                       [--only KIND] [-v]

For each case, a random small dense network with an inline batch, one of
the core's optimizers (sgd, momentum, rmsprop, adam: the core has no
adamw) and one schedule with random parameters (step: StepLR, exponential:
ExponentialLR, cosine: CosineAnnealingLR, linear: LinearLR, sequential:
SequentialLR of two or three of those, most often a LinearLR warm-up to
the base rate then a cosine), trained for a
few hundred full-batch steps by torch.optim with the scheduler stepped
after every optimizer step, and by `backprop train --steps`:

  * the rate of every step: the first FIRST_SINGLE steps are taken one
    `train --steps 1` at a time (each run loads the file the previous one
    wrote: the saved state "optimizer.state.schedule.lr" is the rate the
    next step takes), the rest in random segments whose ends are compared
    the same way, around the schedule's turning points (StepLR's decays,
    the cosine's T_max and T_max + 1, LinearLR's total_iters, SequentialLR's
    milestones, where torch enters the next phase by its closed form)
    included;
  * the parameters at every segment end and after all the steps, to
    1e-9·max(1, |value|) + K_NOISE × their measured noise: the spread of
    NOISE_RUNS torch runs with every intermediate value of the forward and
    backward passes perturbed by ~1e-14 (torch_exact.Noise, as
    torch_reference.py measures it).  Over hundreds of steps a trajectory
    can amplify rounding (rmsprop near a minimum divides a vanishing
    gradient by its vanishing average): the noise says by how much, from
    torch alone; the rates are not perturbed, and are compared strictly;
  * the same N steps in one run against the chained runs: the same bits
    (a schedule resumed from a file goes on exactly).

The rates are expected to agree bit for bit (the core repeats torch's
recursive get_lr); the report gives the largest difference seen.  torch is
required (Debian's python3-torch).  Exit 0 when every case agrees, 1 with
the failures listed.
"""

import argparse
import json
import math
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:  # pragma: no cover
    sys.stderr.write("torch_schedules.py: FAILED: numpy is not importable by %s "
                     "(apt install python3-numpy python3-torch)\n" % sys.executable)
    sys.exit(1)

import torch_exact
from torch_exact import Noise, forward, leaf_params, make_optimizer, model_parts

torch = None

RTOL = 1e-9
OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]
SCHEDULES = ["step", "exponential", "cosine", "linear", "sequential"]
SINGLE = SCHEDULES[:4]
# Smooth activations: the schedules are under test, not the kinks.
ACTS = ["tanh", "sigmoid", "linear"]
FIRST_SINGLE = 12
NOISE = 1e-14       # relative, on every intermediate value (as torch_reference.py)
K_NOISE = 30
NOISE_RUNS = 2


def import_torch():
    global torch
    try:
        import torch as _torch
    except ImportError as e:
        sys.stderr.write("torch_schedules.py: FAILED: PyTorch is not importable by %s (%s);\n"
                         "install Debian's python3-torch\n" % (sys.executable, e))
        sys.exit(1)
    torch = _torch
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch_exact.init(torch)


def log_uniform(rng, lo, hi):
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def gen_sequential(rng, steps):
    """A warm-up then cosine (the sidebar's), or 2-3 random phases."""
    if rng.random() < 0.5:
        warm = int(rng.integers(1, steps // 3))
        return {"id": "sequential", "milestones": [warm],
                "schedules": [{"id": "linear", "start_factor": float(rng.uniform(0.01, 1.0)),
                               "end_factor": 1.0, "total_iters": warm},
                              gen_schedule(rng, "cosine", steps - warm)]}
    n = int(rng.integers(2, 4))
    ms = sorted(int(k) for k in rng.choice(np.arange(1, steps), n - 1, replace=False))
    return {"id": "sequential", "milestones": ms,
            "schedules": [gen_schedule(rng, SINGLE[int(rng.integers(len(SINGLE)))], steps)
                          for _ in range(n)]}


def phases(sched):
    """(start step, schedule) of each phase; one for a single schedule."""
    if sched["id"] != "sequential":
        return [(0, sched)]
    return list(zip([0] + sched["milestones"], sched["schedules"]))


def gen_schedule(rng, kind, steps):
    if kind == "sequential":
        return gen_sequential(rng, steps)
    if kind == "step":
        return {"id": "step", "step_size": int(rng.integers(1, 60)),
                "gamma": float(rng.uniform(0.3, 0.99))}
    if kind == "exponential":
        return {"id": "exponential", "gamma": float(rng.uniform(0.97, 0.9999))}
    if kind == "cosine":
        # short periods too: past T_max torch takes its other branch at
        # T_max + 1, 3 T_max + 1, … and the rate climbs back
        t_max = int(rng.integers(3, steps // 3)) if rng.random() < 0.5 \
            else int(rng.integers(steps // 2, 2 * steps))
        eta = 0.0 if rng.random() < 0.4 else float(rng.uniform(0.0, 0.2))
        return {"id": "cosine", "t_max": t_max, "eta_min": eta}
    return {"id": "linear", "start_factor": float(rng.uniform(0.01, 1.0)),
            "end_factor": float(rng.uniform(0.0, 1.0)),
            "total_iters": int(rng.integers(1, steps))}


def make_scheduler(opt, sched):
    """The torch scheduler of the file's "schedule" object."""
    s = torch.optim.lr_scheduler
    if sched["id"] == "sequential":
        # made in order, as a user would; SequentialLR undoes their steps
        parts = [make_scheduler(opt, p) for p in sched["schedules"]]
        return s.SequentialLR(opt, parts, milestones=sched["milestones"])
    if sched["id"] == "step":
        return s.StepLR(opt, step_size=sched["step_size"], gamma=sched["gamma"])
    if sched["id"] == "exponential":
        return s.ExponentialLR(opt, gamma=sched["gamma"])
    if sched["id"] == "cosine":
        return s.CosineAnnealingLR(opt, T_max=sched["t_max"], eta_min=sched["eta_min"])
    return s.LinearLR(opt, start_factor=sched["start_factor"], end_factor=sched["end_factor"],
                      total_iters=sched["total_iters"])


def gen_optimizer(rng, opt_id):
    opt = {"id": opt_id}
    opt["lr"] = log_uniform(rng, 1e-3, 0.2) if opt_id in ("sgd", "momentum") \
        else log_uniform(rng, 1e-4, 0.02)
    if opt_id == "momentum":
        opt["momentum"] = float(rng.uniform(0.0, 0.95))
    if opt_id == "rmsprop":
        opt["alpha"] = float(rng.uniform(0.8, 0.999))
        opt["eps"] = log_uniform(rng, 1e-10, 1e-6)
    if opt_id == "adam":
        opt["beta1"] = float(rng.uniform(0.5, 0.99))
        opt["beta2"] = float(rng.uniform(0.9, 0.9999))
        opt["eps"] = log_uniform(rng, 1e-10, 1e-6)
    opt["weight_decay"] = 0.0 if rng.random() < 0.5 else log_uniform(rng, 1e-4, 0.05)
    return opt


def gen_model(rng, opt_id, kind, steps):
    n_in = int(rng.integers(1, 5))
    widths = [int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 4)))]
    B = int(rng.integers(1, 7))
    X = rng.standard_normal((B, n_in))
    layers, fan_in = [], n_in
    for out in widths:
        act = ACTS[int(rng.integers(len(ACTS)))]
        W = rng.standard_normal((out, fan_in)) / math.sqrt(fan_in)
        b = rng.standard_normal(out) * 0.1
        layers.append({"in": fan_in, "out": out, "activation": act,
                       "W": W.tolist(), "b": b.tolist()})
        fan_in = out
    Y = rng.standard_normal((B, fan_in)) * 0.5
    opt = gen_optimizer(rng, opt_id)
    opt["schedule"] = gen_schedule(rng, kind, steps)
    for _start, p in phases(opt["schedule"]):
        if p["id"] == "cosine":
            # drawn as a fraction of the base rate
            p["eta_min"] *= opt["lr"]
    return {"format": "backprop-model/1", "layers": layers, "cost": "mse",
            "inputs": X.tolist(), "targets": Y.tolist(), "optimizer": opt}


def torch_run(model, steps, noise=None):
    """torch.optim + lr_scheduler for `steps` steps: (rate of each step,
    rate after the last, parameters after each step as flat numpy arrays
    per layer [W, b, …])."""
    acts, cost, reduction, X, Y = model_parts(model)
    params = leaf_params(model)
    opt = make_optimizer(params, model["optimizer"])
    sched = make_scheduler(opt, model["optimizer"]["schedule"])
    rates, after = [], []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        C, _, _, _ = forward(params, acts, cost, reduction, X, Y, noise=noise)
        C.backward()
        opt.step()
        sched.step()
        after.append([p.detach().numpy().reshape(-1).copy() for p in params])
    return rates, opt.param_groups[0]["lr"], after


def stable(after):
    return all(np.all(np.isfinite(p)) and np.max(np.abs(p)) < 1e3 for p in after[-1])


class Checker:
    def __init__(self, verbose):
        self.failures = []
        self.verbose = verbose
        self.max_lr_diff = 0.0
        self.max_param_err = 0.0
        self.max_noise_ratio = 0.0
        self.rates_checked = 0

    def fail(self, case, msg):
        self.failures.append("%s: %s" % (case, msg))

    def rate(self, case, step, ours, ref):
        self.rates_checked += 1
        if not isinstance(ours, (int, float)):
            self.fail(case, "step %d: no optimizer.state.schedule.lr in the file (%r)"
                      % (step, ours))
            return
        d = abs(ours - ref)
        self.max_lr_diff = max(self.max_lr_diff, d / max(abs(ref), 1e-300))
        if d > RTOL * abs(ref):
            self.fail(case, "rate after step %d: ours %.17g, torch %.17g" % (step, ours, ref))

    def params(self, case, step, ours_layers, ref, noise):
        got = []
        for L in ours_layers:
            got.append(np.array(L["W"], dtype=float).reshape(-1))
            got.append(np.array(L["b"], dtype=float).reshape(-1))
        for i, (o, r, n) in enumerate(zip(got, ref, noise)):
            if o.shape != r.shape:
                self.fail(case, "step %d: parameter block %d has shape %s, want %s"
                          % (step, i, o.shape, r.shape))
                continue
            if not o.size:
                continue
            err = np.abs(o - r)
            tol = RTOL * np.maximum(1.0, np.abs(r)) + K_NOISE * n
            rel = err / np.maximum(1.0, np.abs(r))
            self.max_param_err = max(self.max_param_err, float(np.max(rel)))
            with np.errstate(divide="ignore", invalid="ignore"):
                nr = np.where(err == 0, 0.0, err / np.where(n > 0, n, np.inf))
            self.max_noise_ratio = max(self.max_noise_ratio, float(np.max(nr)))
            k = int(np.argmax(err / tol))
            if not err[k] <= tol[k]:
                self.fail(case, "step %d: %s of layer %d [%d]: ours %r, torch %r, |diff| %.3g "
                          "> tolerance %.3g (1e-9 max(1, |x|) + %d x measured noise %.3g)"
                          % (step, "Wb"[i % 2], i // 2 + 1, k, float(o[k]), float(r[k]),
                             float(err[k]), float(tol[k]), K_NOISE, float(n[k])))


def train(backprop, src, steps, dst):
    p = subprocess.run([backprop, "train", src, "--steps", str(steps), "-o", dst, "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        return None, "`backprop train %s --steps %d` exited %d: %s" % (
            src, steps, p.returncode, p.stderr.decode(errors="replace").strip()[:400])
    with open(dst) as f:
        return json.load(f), None


def segment_ends(rng, sched, steps):
    """Where the chained runs stop: every step up to FIRST_SINGLE, the
    schedule's turning points and their neighbours, a few random ends."""
    ends = set(range(1, min(FIRST_SINGLE, steps) + 1))
    turns = []
    for start, p in phases(sched):
        # a phase counts its steps from its start (its milestone)
        turns.append(start)
        if p["id"] == "step":
            turns += [start + k for k in range(p["step_size"], steps, p["step_size"])][:3]
        elif p["id"] == "cosine":
            turns += [start + p["t_max"], start + p["t_max"] + 1, start + 3 * p["t_max"] + 1]
        elif p["id"] == "linear":
            turns.append(start + p["total_iters"])
    for t in turns:
        ends.update(k for k in (t - 1, t, t + 1) if 1 <= k <= steps)
    ends.update(int(k) for k in rng.integers(1, steps + 1, 4))
    ends.add(steps)
    return sorted(ends)


def check_case(chk, args, index, opt_id, kind):
    rng = np.random.default_rng([args.seed, index])
    steps = int(rng.integers(150, 400))
    for _attempt in range(6):
        model = gen_model(rng, opt_id, kind, steps)
        rates, last_rate, after = torch_run(model, steps)
        if stable(after):
            break
    else:
        chk.fail("case %d" % index, "no stable network in 6 draws")
        return
    noisy = [torch_run(model, steps, Noise(1000 * args.seed + 7 * index + k, NOISE))[2]
             for k in range(NOISE_RUNS)]
    # element-wise max |noisy − ref| after each step
    noise = [[np.max([np.abs(run[s][b] - after[s][b]) for run in noisy], axis=0)
              for b in range(len(after[s]))] for s in range(steps)]
    sched = model["optimizer"]["schedule"]
    case = "case %d (%s, %s %s, %d steps)" % (index, opt_id, kind,
                                              json.dumps(sched, sort_keys=True), steps)
    base = os.path.join(args.workdir, "case-%03d" % index)
    with open(base + ".json", "w") as f:
        json.dump(model, f)
    # step 1 takes the rate before any schedule step (LinearLR: base·start;
    # SequentialLR: its first schedule's)
    first = phases(sched)[0][1]
    if rates[0] != model["optimizer"]["lr"] * (first["start_factor"] if first["id"] == "linear"
                                               else 1):
        chk.fail(case, "torch's first rate %.17g is not the one expected" % rates[0])

    # one run of all the steps
    whole, err = train(args.backprop, base + ".json", steps, base + "-whole.json")
    if err:
        chk.fail(case, err)
        return
    chk.params(case, steps, whole["layers"], after[steps - 1], noise[steps - 1])
    chk.rate(case, steps, whole["optimizer"]["state"].get("schedule", {}).get("lr"), last_rate)

    # the same steps in segments, each run resuming from the last file
    src, done = base + ".json", 0
    for end in segment_ends(rng, sched, steps):
        dst = base + "-at-%d.json" % end
        part, err = train(args.backprop, src, end - done, dst)
        if err:
            chk.fail(case, err)
            return
        state = part["optimizer"].get("state", {})
        if state.get("schedule", {}).get("step") != end:
            chk.fail(case, "after step %d the file's schedule step is %r"
                     % (end, state.get("schedule", {}).get("step")))
        # the rate the next step takes: torch's rate of step end + 1
        ref = rates[end] if end < steps else last_rate
        chk.rate(case, end, state.get("schedule", {}).get("lr"), ref)
        chk.params(case, end, part["layers"], after[end - 1], noise[end - 1])
        if src != base + ".json" and not args.keep:
            os.unlink(src)
        src, done = dst, end
    # resumed every few steps: the same bits as one run
    if part["layers"] != whole["layers"] or part["optimizer"] != whole["optimizer"]:
        chk.fail(case, "the chained runs end with other bits than the single run")
    if chk.verbose:
        print("ok %s" % case)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backprop", required=True, help="the backprop CLI executable")
    ap.add_argument("--count", type=int, default=2,
                    help="networks per optimizer and schedule")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep every segment's file")
    ap.add_argument("--only", choices=SCHEDULES, help="check only this schedule")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    import_torch()
    # SequentialLR enters a phase with step(0), which torch warns about
    import warnings
    warnings.filterwarnings("ignore", category=UserWarning)
    if args.workdir is None:
        import tempfile
        args.workdir = tempfile.mkdtemp(prefix="bp-torch-schedules-")
    os.makedirs(args.workdir, exist_ok=True)

    chk = Checker(args.verbose)
    index = 0
    for opt_id in OPTIMIZERS:
        for kind in SCHEDULES:
            for _ in range(args.count):
                # the case's seed stays its index: --only reruns the same cases
                if args.only in (None, kind):
                    check_case(chk, args, index, opt_id, kind)
                index += 1
    print("torch_schedules: %d cases, %d rates compared; largest relative difference: "
          "rate %.3g (tolerance %g), parameters %.3g (%.3g x measured noise, tolerance "
          "1e-9 + %d x)" % (index, chk.rates_checked, chk.max_lr_diff, RTOL,
                            chk.max_param_err, chk.max_noise_ratio, K_NOISE))
    if chk.failures:
        for f in chk.failures[:40]:
            print("FAIL " + f)
        print("torch_schedules: FAILED (%d failures)" % len(chk.failures))
        return 1
    print("torch_schedules: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
