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
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from golden_common import (Layers, activate, arguments, dense, f32, plain, run_case, trajectory_difference, write_case,
                           write_record)
from golden_common import shaped_case as case

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


class Net(Layers):
    """The network of a case: nn.LSTM / nn.GRU modules and float64 dense leaves, applied to [N, T, F] batches."""

    def __init__(self, spec, rng):
        self.layers, self.shapes, self.input_shape = [], [], spec["inputShape"]
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

    def forward(self, x, training):
        """Returns (pre-activation of the last layer, its output) for rows x of T*F (the same in training and
        inference: these layers have no mode)."""
        y = x.reshape([x.shape[0]] + self.input_shape)
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

    def dump_module(self, l, grads):
        m = l["module"]
        v = [t.grad if grads else t for t in (m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0)]
        return {"W_ih": v[0].detach().T.tolist(), "W_hh": v[1].detach().T.tolist(),
                "b_ih": v[2].detach().tolist(), "b_hh": v[3].detach().tolist()}


def recurrent(kind, units, sequences=False):
    return {"type": kind, "units": units, "returnSequences": sequences, "activation": "linear"}


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
             [recurrent("lstm", 4, True), recurrent("lstm", 3, True), plain("flatten"),
              dense(3, "softmax")], {"name": "adam", "learningRate": 0.02}),
        # an LSTM's states into a GRU, its last state into a tanh output, plain SGD over more steps
        case("seq_lstm_gru_tanh_sgd", [7, 2], 8, 4, 8, "mse",
             [recurrent("lstm", 6, True), recurrent("gru", 5), dense(2, "tanh")], {"name": "sgd", "learningRate": 0.2}),
    ]


def main():
    args = arguments(__doc__, 20261206, "seed for data and initial weights").parse_args()
    os.makedirs(args.out, exist_ok=True)
    specs = cases()
    for i, spec in enumerate(specs):
        seed = args.seed * 1000 + i
        write_case(args.out, spec["name"], lambda dtype: run_case(Net, spec, seed, dtype), trajectory_difference)
    write_record(os.path.join(args.out, "GENERATED-SEQ.md"), "make_golden_seq.py", args.seed,
                 "tests/golden/README.md and the script's own for sequences", [s["name"] + ".json" for s in specs])
    print(f"{len(specs)} cases written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
