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
import math

import numpy as np
import torch

from golden_common import (Layers, activate, arguments, class_labels, dense, f32, run_case, trajectory_difference,
                           write_case)


class Net(Layers):
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

    def forward(self, x, training):
        """Returns (pre-activation of the last layer, its output); these layers have no training mode."""
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

    def dump_module(self, l, grads):
        t = l["module"].weight.grad if grads else l["module"].weight
        return {"table": t.detach().tolist()}


def make_data(spec, rng):
    """Rows of normal features whose index columns hold category indices (every row of each table met), and class
    labels or a noisy tanh of the first and last columns."""
    n, units = spec["samples"], spec["layers"][-1]["units"]
    x = f32(rng.normal(0, 1, size=(n, spec["inputs"])))
    for column, categories in spec["indexColumns"]:
        x[:, column] = rng.integers(0, categories + 1, size=n)   # 0, the reserved row, included
        x[:categories + 1, column] = np.arange(categories + 1)   # every row of the table met
    if spec["loss"] == "sparse_categorical_crossentropy":
        y = class_labels(rng, n, units)
        return x, y.tolist(), torch.tensor(y, dtype=torch.long)
    y = f32(np.tanh(x[:, :1] * 0.5 + 0.3 * np.sin(x[:, -1:])) + 0.1 * rng.normal(size=(n, units)))
    return x, y.tolist(), torch.tensor(y)


def embedding(feature, column, categories, dimensions):
    return {"type": "embedding", "feature": feature, "column": column, "categories": categories, "dimensions": dimensions,
            "activation": "linear"}


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
    args = arguments(__doc__, 20261204, "seed for data and initial weights (case i uses seed + i)").parse_args()
    for i, spec in enumerate(cases()):
        result = write_case(args.out, spec["name"], lambda dtype: run_case(Net, spec, args.seed + i, dtype, make_data),
                            trajectory_difference)
        print(f"{spec['name']}.json: losses {result['lossBeforeStep'][0]:.6f} -> {result['lossBeforeStep'][-1]:.6f}")


if __name__ == "__main__":
    main()
