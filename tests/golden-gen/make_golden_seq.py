#!/usr/bin/python3
"""Writes PyTorch reference trajectories for small recurrent networks into tests/golden (seq_*.json), in the format
of make_golden.py (tests/golden/README.md) with the conventions below. Everything is computed in float64 by PyTorch:
torch.nn.LSTM and torch.nn.GRU (batch_first, one layer each, zero initial state), autograd and torch.optim.

    /usr/bin/python3 tests/golden-gen/make_golden_seq.py            # into tests/golden
    /usr/bin/python3 tests/golden-gen/make_golden_seq.py /tmp/g      # elsewhere
    dotnet test tests/NeuralPS.Core.Tests --filter GoldenTests

Needs Debian's python3-torch (1.13) and numpy. Conventions added for sequences:
  * "inputShape": [T, F]; a row of "x" is one sequence, timestep after timestep (t*F + f: batch_first, row-major), so
    "inputs" is T*F; "outputShapes" gives each layer's output shape ([T, H] with returnSequences, else [H])
  * lstm, gru: "units" H, "returnSequences" (every hidden state out, or the last one), "activation" "linear";
    parameters "W_ih" [F][G*H] and "W_hh" [H][G*H] (torch's weight_ih_l0 and weight_hh_l0 transposed: x @ W_ih),
    "b_ih" and "b_hh" [G*H], gate blocks of H columns in torch's order (LSTM i, f, g, o; GRU r, z, n), drawn from
    torch's default U(-1/sqrt(H), 1/sqrt(H)) and rounded to float32
  * flatten: [T, H] -> [T*H] in that order; it has no parameters ({} in "initial", "final", "gradientsAtFirstStep")
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import activate, f32, first_difference, loss_of, make_optimizer  # noqa: E402

torch.set_default_dtype(torch.float64)

GATES = {"lstm": 4, "gru": 3}


def output_shape(shape, layer):
    t = layer["type"]
    if t in GATES:
        return [shape[0], layer["units"]] if layer["returnSequences"] else [layer["units"]]
    if t == "flatten":
        return [int(np.prod(shape))]
    if t == "dense":
        return [layer["units"]]
    raise ValueError(t)


class Net:
    """The network of a case: nn.LSTM / nn.GRU modules and float64 dense leaves, applied to [N, T, F] batches."""

    def __init__(self, spec, rng):
        self.layers, self.shapes = [], []
        shape = spec["inputShape"]
        for layer in spec["layers"]:
            entry = {"spec": layer}
            t = layer["type"]
            if t in GATES:
                features, units = shape[-1], layer["units"]
                module = (nn.LSTM if t == "lstm" else nn.GRU)(features, units, batch_first=True)
                bound = 1.0 / math.sqrt(units)   # torch's default range for every recurrent parameter
                g = GATES[t] * units
                with torch.no_grad():
                    module.weight_ih_l0.copy_(torch.tensor(f32(rng.uniform(-bound, bound, size=(features, g)))).T)
                    module.weight_hh_l0.copy_(torch.tensor(f32(rng.uniform(-bound, bound, size=(units, g)))).T)
                    module.bias_ih_l0.copy_(torch.tensor(f32(rng.uniform(-bound, bound, size=g))))
                    module.bias_hh_l0.copy_(torch.tensor(f32(rng.uniform(-bound, bound, size=g))))
                entry["module"] = module
            elif t == "dense":
                bound = 1.0 / math.sqrt(shape[0])
                entry["W"] = torch.tensor(f32(rng.uniform(-bound, bound, size=(shape[0], layer["units"]))), requires_grad=True)
                entry["b"] = torch.tensor(f32(rng.uniform(-bound, bound, size=layer["units"])), requires_grad=True)
            shape = output_shape(shape, layer)
            self.shapes.append(shape)
            self.layers.append(entry)

    def to(self, dtype):
        for l in self.layers:
            if "module" in l:
                l["module"].to(dtype)
            for k in ("W", "b"):
                if k in l:
                    l[k] = l[k].detach().to(dtype).requires_grad_()
        return self

    def parameters(self):
        out = []
        for l in self.layers:
            if "module" in l:
                m = l["module"]
                out += [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]
            elif "W" in l:
                out += [l["W"], l["b"]]
        return out

    def forward(self, x, spec):
        """Returns (pre-activation of the last layer, its output) for rows x of T*F."""
        y = x.reshape([x.shape[0]] + spec["inputShape"])
        z = y
        for l in self.layers:
            s, t = l["spec"], l["spec"]["type"]
            if t in GATES:
                h = l["module"](y)[0]                 # [N, T, H]: every hidden state
                z = h if s["returnSequences"] else h[:, -1]
            elif t == "flatten":
                z = y.reshape(y.shape[0], -1)
            else:
                z = y @ l["W"] + l["b"]
            y = activate(s["activation"], z)
        return z, y

    def dump(self, grads=False):
        out = []
        for l in self.layers:
            if "module" in l:
                m = l["module"]
                p = [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]
                v = [t.grad if grads else t for t in p]
                out.append({"W_ih": v[0].detach().T.tolist(), "W_hh": v[1].detach().T.tolist(),
                            "b_ih": v[2].detach().tolist(), "b_hh": v[3].detach().tolist()})
            elif "W" in l:
                W, b = (l["W"].grad, l["b"].grad) if grads else (l["W"], l["b"])
                out.append({"W": W.detach().tolist(), "b": b.detach().tolist()})
            else:
                out.append({})
        return out


def make_data(spec, rng, units):
    n, d = spec["samples"], int(np.prod(spec["inputShape"]))
    x = f32(rng.normal(0, 1, size=(n, d)))
    if spec["loss"] == "sparse_categorical_crossentropy":
        y = rng.integers(0, units, size=n)
        y[:min(n, units)] = np.arange(min(n, units))   # every class present
        return x, y.tolist(), torch.tensor(y, dtype=torch.long)
    teacher = rng.normal(0, 1, size=(d, units)) / math.sqrt(d)
    y = f32(np.tanh(x @ teacher) + 0.1 * rng.normal(size=(n, units)))
    return x, y.tolist(), torch.tensor(y)


def run_case(spec, seed, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    net = Net(spec, rng)
    x_np, y_json, y_t = make_data(spec, rng, net.shapes[-1][0])
    x = torch.tensor(x_np)
    initial = net.dump()
    if dtype != torch.float64:
        net.to(dtype)
        x = x.to(dtype)
        if y_t.is_floating_point():
            y_t = y_t.to(dtype)
    opt = make_optimizer(net.parameters(), spec["optimizer"])
    out_act = spec["layers"][-1]["activation"]
    n, bs = spec["samples"], spec["batchSize"]
    losses, first_grads, row = [], None, 0
    for step in range(spec["steps"]):
        count = min(bs, n - row)
        opt.zero_grad()
        z, y = net.forward(x[row:row + count], spec)
        loss = loss_of(spec["loss"], out_act, z, y, y_t[row:row + count])
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            first_grads = net.dump(grads=True)
        opt.step()
        row += count
        if row >= n:
            row = 0
    with torch.no_grad():
        _, pred = net.forward(x, spec)
    return {
        "case": spec,
        "outputShapes": net.shapes,
        "initial": initial,
        "x": x.tolist(),
        "y": y_json,
        "lossBeforeStep": losses,
        "gradientsAtFirstStep": first_grads,
        "final": net.dump(),
        "predictionsAfter": pred.tolist(),
        "producedBy": f"PyTorch {torch.__version__}, {str(dtype).replace('torch.', '')}",
    }


def recurrent(kind, units, sequences=False):
    return {"type": kind, "units": units, "returnSequences": sequences, "activation": "linear"}


def dense(units, activation):
    return {"type": "dense", "units": units, "activation": activation}


def case(name, shape, samples, batch, steps, loss, layers, optimizer):
    return {"name": name, "inputShape": shape, "inputs": int(np.prod(shape)), "samples": samples, "batchSize": batch,
            "steps": steps, "loss": loss, "layers": layers, "optimizer": optimizer}


def cases():
    """nn.LSTM -> Linear and nn.GRU -> Linear, stacked and with every state flattened into the dense layer."""
    return [
        # the W6 shape in small: the last hidden state into one linear output, Adam; whole passes (the Trainer too)
        case("seq_lstm_dense_adam", [6, 3], 12, 4, 6, "mse",
             [recurrent("lstm", 5), dense(1, "linear")], {"name": "adam", "learningRate": 0.01}),
        # a GRU into two outputs, SGD with momentum; a partial last batch
        case("seq_gru_dense_sgd", [5, 2], 10, 4, 6, "mse",
             [recurrent("gru", 4), dense(2, "linear")], {"name": "sgd", "learningRate": 0.1, "momentum": 0.9}),
        # two LSTMs stacked (every state of the first into the second), every state of the second flattened into a
        # softmax classifier
        case("seq_lstm_stacked_softmax_adam", [4, 3], 9, 3, 6, "sparse_categorical_crossentropy",
             [recurrent("lstm", 4, True), recurrent("lstm", 3, True), {"type": "flatten", "activation": "linear"},
              dense(3, "softmax")], {"name": "adam", "learningRate": 0.02}),
        # an LSTM's states into a GRU, its last state into a tanh output, plain SGD over more steps
        case("seq_lstm_gru_tanh_sgd", [7, 2], 8, 4, 8, "mse",
             [recurrent("lstm", 6, True), recurrent("gru", 5), dense(2, "tanh")], {"name": "sgd", "learningRate": 0.2}),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    golden = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
    ap.add_argument("out", nargs="?", default=golden, help="folder to write the JSON files into (default: tests/golden)")
    ap.add_argument("--seed", type=int, default=20261206, help="seed for data and initial weights")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    specs = cases()
    for i, spec in enumerate(specs):
        seed = args.seed * 1000 + i
        result = run_case(spec, seed)
        problem = first_difference(result, run_case(spec, seed, torch.float32))
        if problem:
            print(f"warning: {spec['name']}: PyTorch in float32 does not reproduce it ({problem})", file=sys.stderr)
        with open(os.path.join(args.out, spec["name"] + ".json"), "w") as f:
            json.dump(result, f)
    with open(os.path.join(args.out, "GENERATED-SEQ.md"), "w") as f:
        command = " ".join(["tests/golden-gen/make_golden_seq.py"] + sys.argv[1:])
        f.write(f"# Written by tests/golden-gen/make_golden_seq.py\n\n`{command}` (seed {args.seed}) with PyTorch "
                f"{torch.__version__} and numpy {np.__version__}, in float64; the conventions are those of "
                "tests/golden/README.md and the script's own for sequences.\n\nFiles: "
                + ", ".join(s["name"] + ".json" for s in specs) + "\n")
    print(f"{len(specs)} cases written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
