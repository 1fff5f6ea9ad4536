#!/usr/bin/python3
"""Writes PyTorch reference trajectories for networks with embedding layers into tests/golden (embedding_*.json), in
the format of make_golden.py (tests/golden/README.md) with the convention below. Everything is computed in float64 by
PyTorch (torch.nn.Embedding, autograd, torch.optim).

    /usr/bin/python3 tests/golden-gen/make_golden_embedding.py            # into tests/golden
    /usr/bin/python3 tests/golden-gen/make_golden_embedding.py /tmp/g      # elsewhere

Needs Debian's python3-torch (1.13) and numpy. The convention added for embeddings:
  * a row of "x" holds category indices as whole numbers (0 is the reserved row of unseen categories) among the
    numeric features
  * embedding: "feature", "column" (where the index lies in the layer's input row), "categories" (the table has
    categories + 1 rows), "dimensions"; its parameters {"table": [categories + 1][dimensions]}; the layer's output is
    its input row with the index column replaced by the table's row, [x before | table[x[column]] | x after] (as
    torch.cat of the slices around nn.Embedding's output), so a second embedding's column counts the first's vector
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import activate, f32, loss_of, make_optimizer  # noqa: E402

torch.set_default_dtype(torch.float64)


class Net:
    """The network of a case: nn.Embedding modules and dense (W, b) leaves, applied to rows of features."""

    def __init__(self, spec, rng):
        self.layers, self.shapes = [], []
        width = spec["inputs"]
        for layer in spec["layers"]:
            entry = {"spec": layer}
            if layer["type"] == "embedding":
                module = torch.nn.Embedding(layer["categories"] + 1, layer["dimensions"])
                with torch.no_grad():  # N(0, 1) as nn.Embedding draws it, from the case's generator, rounded to float32
                    module.weight.copy_(torch.tensor(f32(rng.normal(0, 1, size=tuple(module.weight.shape)))))
                entry["module"] = module
                width = width - 1 + layer["dimensions"]
            else:
                bound = 1.0 / math.sqrt(width)
                entry["W"] = torch.tensor(f32(rng.uniform(-bound, bound, size=(width, layer["units"]))), requires_grad=True)
                entry["b"] = torch.tensor(f32(rng.uniform(-bound, bound, size=layer["units"])), requires_grad=True)
                width = layer["units"]
            self.shapes.append([width])
            self.layers.append(entry)

    def parameters(self):
        out = []
        for l in self.layers:
            out += [l["module"].weight] if "module" in l else [l["W"], l["b"]]
        return out

    def forward(self, x):
        y = z = x
        for l in self.layers:
            s = l["spec"]
            if "module" in l:
                c = s["column"]
                z = torch.cat([y[:, :c], l["module"](y[:, c].long()), y[:, c + 1:]], dim=1)
            else:
                z = y @ l["W"] + l["b"]
            y = activate(s["activation"], z)
        return z, y

    def dump(self, grads=False):
        out = []
        for l in self.layers:
            if "module" in l:
                t = l["module"].weight.grad if grads else l["module"].weight
                out.append({"table": t.detach().tolist()})
            else:
                W, b = (l["W"].grad, l["b"].grad) if grads else (l["W"], l["b"])
                out.append({"W": W.detach().tolist(), "b": b.detach().tolist()})
        return out


def make_data(spec, rng, units):
    n = spec["samples"]
    x = f32(rng.normal(0, 1, size=(n, spec["inputs"])))
    for column, categories in spec["indexColumns"]:
        x[:, column] = rng.integers(0, categories + 1, size=n)   # 0, the reserved row, included
        x[:categories + 1, column] = np.arange(categories + 1)   # every row of the table met
    if spec["loss"] == "sparse_categorical_crossentropy":
        y = rng.integers(0, units, size=n)
        y[:units] = np.arange(units)
        return x, y.tolist(), torch.tensor(y, dtype=torch.long)
    y = f32(np.tanh(x[:, :1] * 0.5 + 0.3 * np.sin(x[:, -1:])) + 0.1 * rng.normal(size=(n, units)))
    return x, y.tolist(), torch.tensor(y)


def run_case(spec, seed):
    rng = np.random.default_rng(seed)
    net = Net(spec, rng)
    x_np, y_json, y_t = make_data(spec, rng, net.shapes[-1][0])
    x = torch.tensor(x_np)
    initial = net.dump()
    opt = make_optimizer(net.parameters(), spec["optimizer"])
    out_act = spec["layers"][-1]["activation"]
    n, bs = spec["samples"], spec["batchSize"]
    losses, first_grads, row = [], None, 0
    for step in range(spec["steps"]):
        count = min(bs, n - row)
        opt.zero_grad()
        z, y = net.forward(x[row:row + count])
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
        _, pred = net.forward(x)
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
        "producedBy": f"PyTorch {torch.__version__}, float64",
    }


def embedding(feature, column, categories, dimensions):
    return {"type": "embedding", "feature": feature, "column": column, "categories": categories, "dimensions": dimensions,
            "activation": "linear"}


def dense(units, activation):
    return {"type": "dense", "units": units, "activation": activation}


def cases():
    return [
        # two embeddings chained: b's index sits at input column 3, at 3 + (3 - 1) = 5 after a's vector
        {"name": "embedding_two_columns_adam", "inputs": 4, "samples": 24, "batchSize": 8, "steps": 12,
         "loss": "sparse_categorical_crossentropy", "indexColumns": [[1, 5], [3, 3]],
         "layers": [embedding("a", 1, 5, 3), embedding("b", 5, 3, 2), dense(6, "tanh"), dense(3, "softmax")],
         "optimizer": {"name": "adam", "learningRate": 0.01}},
        # the index first, a partial last batch, regression with momentum
        {"name": "embedding_first_sgd_mse", "inputs": 3, "samples": 20, "batchSize": 7, "steps": 9,
         "loss": "mse", "indexColumns": [[0, 7]],
         "layers": [embedding("host", 0, 7, 4), dense(5, "sigmoid"), dense(1, "linear")],
         "optimizer": {"name": "sgd", "learningRate": 0.1, "momentum": 0.9}},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    for i, spec in enumerate(cases()):
        result = run_case(spec, args.seed + i)
        path = os.path.join(args.out, spec["name"] + ".json")
        with open(path, "w") as f:
            json.dump(result, f)
        print(f"{path}: losses {result['lossBeforeStep'][0]:.6f} -> {result['lossBeforeStep'][-1]:.6f}")


if __name__ == "__main__":
    main()
