"""What the golden-file generators (make_golden*.py) share: float32 rounding, activations, losses and optimizers as
torch computes them, the data of a case, the training trajectory they record, and how they write their files.

Not run by itself: each generator imports it (they sit in the same folder). The conventions are those of
tests/golden/README.md; a generator's docstring adds its own layer kinds.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

# Every reference is computed in float64; a float32 run is only the check that a case is fair to a float32 engine.
torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))


def f32(values):
    """Rounds to float32 (kept as float64): the engine reads the file in float32, so the reference starts from
    exactly the numbers the engine sees."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def activate(name, z):
    return {
        "linear": lambda v: v,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leakyrelu": lambda v: F.leaky_relu(v, 0.01),
        "elu": lambda v: F.elu(v, 1.0),
        "gelu": lambda v: F.gelu(v),  # exact (erf)
        "swish": F.silu,
        "softplus": lambda v: F.softplus(v, beta=1, threshold=20),
        "softmax": lambda v: torch.softmax(v, dim=1),
    }[name](z)


def loss_of(kind, output_activation, z, y, t):
    if kind == "mse":
        return ((y - t) ** 2).mean()
    if kind == "mae":
        return (y - t).abs().mean()
    if kind == "huber":
        return F.huber_loss(y, t, delta=1.0)
    if kind == "binary_crossentropy":
        if output_activation == "sigmoid":
            return F.binary_cross_entropy_with_logits(z, t)
        return F.binary_cross_entropy(y, t)  # log clamped at -100, as PyTorch does
    if kind == "categorical_crossentropy":
        if output_activation == "softmax":
            return -(t * torch.log_softmax(z, dim=1)).sum(dim=1).mean()
        return -(t * torch.log(y)).sum(dim=1).mean()
    if kind == "sparse_categorical_crossentropy":
        if output_activation == "softmax":
            return F.cross_entropy(z, t)
        return F.nll_loss(torch.log(y), t)
    raise ValueError(kind)


def make_optimizer(params, o):
    name, lr = o["name"], o["learningRate"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o.get("momentum", 0.0), dampening=o.get("dampening", 0.0),
                               nesterov=o.get("nesterov", False), weight_decay=o.get("weightDecay", 0.0))
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=o.get("epsilon", 1e-10), weight_decay=o.get("weightDecay", 0.0),
                                   initial_accumulator_value=o.get("initialAccumulator", 0.0))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=o.get("rho", 0.99), eps=o.get("epsilon", 1e-8),
                                   momentum=o.get("momentum", 0.0), centered=o.get("centered", False),
                                   weight_decay=o.get("weightDecay", 0.0), foreach=False)
    betas = (o.get("beta1", 0.9), o.get("beta2", 0.999))
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=o.get("epsilon", 1e-8),
                                weight_decay=o.get("weightDecay", 0.0), foreach=False)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=o.get("epsilon", 1e-8),
                                 weight_decay=o.get("weightDecay", 0.01), foreach=False)
    if name == "nadam":
        return torch.optim.NAdam(params, lr=lr, betas=betas, eps=o.get("epsilon", 1e-8),
                                 weight_decay=o.get("weightDecay", 0.0), momentum_decay=o.get("momentumDecay", 0.004),
                                 foreach=False)
    raise ValueError(name)


def dense(units, activation, **kw):
    return dict({"type": "dense", "units": units, "activation": activation}, **kw)


def bn(activation="linear", **kw):
    return dict({"type": "batchnorm", "activation": activation}, **kw)


def plain(kind):
    """A layer without parameters (flatten, global pooling): its entries in the file are {}."""
    return {"type": kind, "activation": "linear"}


def shaped_case(name, shape, samples, batch, steps, loss, layers, optimizer):
    """A case whose rows are images or sequences of the given shape, flattened ("inputs" is their product)."""
    return {"name": name, "inputShape": shape, "inputs": int(np.prod(shape)), "samples": samples, "batchSize": batch,
            "steps": steps, "loss": loss, "layers": layers, "optimizer": optimizer}


def class_labels(rng, n, units):
    """n class indices in [0, units), every class present if there are enough rows."""
    y = rng.integers(0, units, size=n)
    k = min(n, units)
    y[:k] = np.arange(k)
    return y


def make_data(spec, rng):
    """The case's rows x (rounded to float32) and targets: class indices, one-hot or soft class targets, 0/1 labels, or
    a noisy tanh of a random linear teacher (squashed into (0, 1) for a sigmoid or softmax output). Returns x, the
    targets as written to the file and the targets as a tensor."""
    n, d = spec["samples"], spec["inputs"]
    x = f32(rng.normal(0, 1, size=(n, d)) * spec.get("_xScale", 1.0))
    loss = spec["loss"]
    out = spec["layers"][-1]
    units = d
    for layer in spec["layers"]:
        units = layer.get("units", units)
    if loss == "sparse_categorical_crossentropy":
        y = class_labels(rng, n, units)
        return x, y.tolist(), torch.tensor(y, dtype=torch.long)
    if loss == "categorical_crossentropy":
        if spec.get("_softTargets"):
            y = rng.dirichlet(np.ones(units), size=n)
        else:
            y = np.eye(units)[rng.integers(0, units, size=n)]
    elif loss == "binary_crossentropy":
        y = (rng.uniform(size=(n, units)) < 0.5).astype(np.float64)
    else:
        teacher = rng.normal(0, 1, size=(d, units)) / math.sqrt(d)
        y = np.tanh(x @ teacher) + 0.1 * rng.normal(size=(n, units))
        if out["activation"] in ("sigmoid", "softmax"):
            y = 1 / (1 + np.exp(-2 * y))
        y = y * spec.get("_yScale", 1.0)
    y = f32(y)
    return x, y.tolist(), torch.tensor(y)


class Layers:
    """A network as a list of layer dicts, each holding its "spec" and its tensors: dense or convolution leaves "W"
    and "b", batch-norm leaves "gamma" and "beta" with buffers "runningMean" and "runningVar", or a torch "module"
    (LSTM, GRU, Embedding). A generator's subclass builds self.layers and defines forward(x, training), returning the
    pre-activation and the output of the last layer; a layer with a module also needs dump_module."""

    LEAVES = ("W", "b", "gamma", "beta")

    def to(self, dtype):
        """The same network in another precision (fresh leaf tensors)."""
        for l in self.layers:
            if "module" in l:
                l["module"].to(dtype)
            for k in self.LEAVES:
                if k in l:
                    l[k] = l[k].detach().to(dtype).requires_grad_()
            for k in ("runningMean", "runningVar"):
                if k in l:
                    l[k] = l[k].to(dtype)
        return self

    def parameters(self):
        out = []
        for l in self.layers:
            out += list(l["module"].parameters()) if "module" in l else [l[k] for k in self.LEAVES if k in l]
        return out

    def penalty(self):
        """l1 * sum|W| + l2 * sum(W^2) over the weights of the layers whose spec asks for them."""
        total = torch.zeros(())
        for l in self.layers:
            if "W" in l:
                l1, l2 = l["spec"].get("l1", 0.0), l["spec"].get("l2", 0.0)
                if l1:
                    total = total + l1 * l["W"].abs().sum()
                if l2:
                    total = total + l2 * (l["W"] ** 2).sum()
        return total

    def dump(self, grads=False):
        """Each layer's parameters (or their gradients) as nested lists; batch norm's running statistics with the
        parameters; {} for a layer without parameters."""
        out = []
        for l in self.layers:
            if "module" in l:
                out.append(self.dump_module(l, grads))
            elif "W" in l:
                W, b = (l["W"].grad, l["b"].grad) if grads else (l["W"], l["b"])
                out.append({"W": W.detach().tolist(), "b": b.detach().tolist()})
            elif "gamma" in l:
                g, be = (l["gamma"].grad, l["beta"].grad) if grads else (l["gamma"], l["beta"])
                entry = {"gamma": g.detach().tolist(), "beta": be.detach().tolist()}
                if not grads:
                    entry["runningMean"] = l["runningMean"].tolist()
                    entry["runningVar"] = l["runningVar"].tolist()
                out.append(entry)
            else:
                out.append({})
        return out


def run_case(net_class, spec, seed, dtype=torch.float64, data=make_data):
    """The case's trajectory: net_class(spec, rng) and data(spec, rng) drawn from one generator seeded with seed,
    then spec["steps"] optimizer steps on mini-batches taken in order (rows 0..bs-1, bs..2bs-1, ...; the last batch
    of a pass may be smaller; then the next pass starts at row 0). Records the loss before every step, the gradients
    at the first step (before clipping), the parameters and the predictions (inference mode) after the last step.
    With dtype float32 the same numbers are rounded and trained in float32, to check that the case is fair."""
    rng = np.random.default_rng(seed)
    net = net_class(spec, rng)
    x_np, y_json, y_t = data(spec, rng)
    x = torch.tensor(x_np)
    initial = net.dump()
    if dtype != torch.float64:
        net.to(dtype)
        x = x.to(dtype)
        if y_t.is_floating_point():
            y_t = y_t.to(dtype)
    params = net.parameters()
    opt = make_optimizer(params, spec["optimizer"])
    out_act = spec["layers"][-1]["activation"]
    n, bs = spec["samples"], spec["batchSize"]
    clip = spec.get("clip")
    losses, first_grads, row = [], None, 0
    for step in range(spec["steps"]):
        count = min(bs, n - row)
        opt.zero_grad()
        z, y = net.forward(x[row:row + count], training=True)
        loss = loss_of(spec["loss"], out_act, z, y, y_t[row:row + count]) + net.penalty()
        loss.backward()
        if not math.isfinite(loss.item()):
            raise RuntimeError(f"{spec['name']}: non-finite loss at step {step}")
        losses.append(loss.item())
        if step == 0:
            first_grads = net.dump(grads=True)
        if clip and clip["kind"] == "norm":
            torch.nn.utils.clip_grad_norm_(params, clip["value"])
        elif clip and clip["kind"] == "value":
            torch.nn.utils.clip_grad_value_(params, clip["value"])
        opt.step()
        row += count
        if row >= n:
            row = 0
    with torch.no_grad():
        _, pred = net.forward(x, training=False)
    # Keys starting with "_" steer the data (scales, soft targets); the file only describes the case.
    public = {k: v for k, v in spec.items() if not k.startswith("_")}
    public["layers"] = [{k: v for k, v in l.items() if not k.startswith("_")} for l in spec["layers"]]
    result = {"case": public}
    if hasattr(net, "shapes"):
        result["outputShapes"] = net.shapes
    result.update({
        "initial": initial,
        "x": x.tolist(),
        "y": y_json,
        "lossBeforeStep": losses,
        "gradientsAtFirstStep": first_grads,
        "final": net.dump(),
        "predictionsAfter": pred.tolist(),
        "producedBy": f"PyTorch {torch.__version__}, {str(dtype).replace('torch.', '')}",
    })
    return result


def first_difference(reference, trial, tolerance, path=""):
    """The first number (walking dicts and lists alike) where trial is further than tolerance(reference number) from
    reference, as a line that says where, or None. Anything else (names, integers) is passed over."""
    if isinstance(reference, dict):
        return next((d for k in reference for d in [first_difference(reference[k], trial[k], tolerance, f"{path}.{k}")]
                     if d), None)
    if isinstance(reference, list):
        return next((d for i, (e, a) in enumerate(zip(reference, trial))
                     for d in [first_difference(e, a, tolerance, f"{path}[{i}]")] if d), None)
    if isinstance(reference, float) and abs(reference - trial) > tolerance(reference):
        return f"{path}: float64 {reference:.9g}, float32 {trial:.9g}"
    return None


def trajectory_difference(reference, trial, margin=0.5):
    """Where a float32 run of a case leaves the golden test's tolerance (1e-4 relative, 1e-6 absolute) scaled by
    margin, or None. A case that PyTorch itself cannot reproduce in float32 is not a fair test of a float32 engine."""
    def tolerance(e):
        return margin * max(1e-6, 1e-4 * abs(e))
    for key in ("lossBeforeStep", "gradientsAtFirstStep", "final", "predictionsAfter"):
        found = first_difference(reference[key], trial[key], tolerance, key)
        if found:
            return found
    return None


def arguments(doc, seed, seed_help, folder=("golden",)):
    """The command line every generator takes: the folder to write into (default tests/<folder>) and the seed."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.path.normpath(os.path.join(HERE, "..", *folder))
    ap.add_argument("out", nargs="?", default=default,
                    help=f"folder to write the JSON files into (default: tests/{'/'.join(folder)})")
    ap.add_argument("--seed", type=int, default=seed, help=seed_help)
    return ap


def write_case(out, name, run, difference=None):
    """Writes run(float64) to out/<name>.json. With difference, first warns (on stderr) where run(float32) is further
    from it than difference allows: PyTorch itself cannot hold that case in float32."""
    result = run(torch.float64)
    if difference:
        problem = difference(result, run(torch.float32))
        if problem:
            print(f"warning: {name}: PyTorch in float32 does not reproduce it ({problem})", file=sys.stderr)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(result, f)
    return result


def write_record(path, script, seed, conventions, files):
    """The record of a run (GENERATED*.md; not README.md, which is written by hand): the command, the seed, the
    PyTorch and numpy versions and the files written."""
    command = " ".join([f"tests/golden-gen/{script}"] + sys.argv[1:])
    with open(path, "w") as f:
        f.write(f"# Written by tests/golden-gen/{script}\n\n`{command}` (seed {seed}) with PyTorch "
                f"{torch.__version__} and numpy {np.__version__}, in float64; the conventions are those of "
                f"{conventions}.\n\nFiles: " + ", ".join(files) + "\n")
