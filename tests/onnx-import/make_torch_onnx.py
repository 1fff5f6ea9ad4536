#!/usr/bin/python3
"""Writes ONNX models exported by PyTorch (torch.onnx.export), with PyTorch's own predictions beside them, for the
ONNX import tests (tests/NeuralPS.Onnx.Tests/OnnxImportTests.cs, tests/NeuralPS.Tests/OnnxImportCmdletTests.cs).

    /usr/bin/python3 tests/onnx-import/make_torch_onnx.py              # into tests/onnx-import (the checked-in files)
    /usr/bin/python3 tests/onnx-import/make_torch_onnx.py /tmp/out     # elsewhere (what the tests do when PyTorch is here)

Needs Debian's python3-torch (1.13; apt-get install python3-torch). The models, each <name>.onnx with <name>.json:
  * torch-mlp: nn.Sequential(Linear(4,16), ReLU, BatchNorm1d(16), Dropout(0.2), Linear(16,3), Softmax(dim=1)),
    trained for 15 full-batch Adam steps on Iris (classes in sorted order, as NeuralPS orders them), so that its
    batch-norm statistics are not the initial ones and it is not yet done learning; exported in eval mode, opset 14,
    with a dynamic batch dimension; input "features", output "probabilities".
  * torch-gelu: nn.Sequential(Flatten, Linear(6,8), GELU, Linear(8,8), SiLU, Linear(8,1), Sigmoid) on inputs shaped
    [N, 2, 3], exported with a FIXED batch dimension of 5 (no dynamic_axes), opset 14: PyTorch writes GELU as
    Div/Erf/Add/Mul/Mul and SiLU as Sigmoid/Mul, and the input is 3-D until Flatten.
  * torch-conv: a small convolutional network (Conv, Relu, MaxPool, Flatten, Gemm): what the importer refuses.
The JSON holds the input shape (without the batch dimension), the number of rows, the inputs and PyTorch's outputs
(one row a line, flattened row-major; float32 values written with 9 significant digits, so they read back as the same
floats) and, for torch-mlp, its mean
cross-entropy on the Iris rows.
"""
import csv
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
IRIS = os.path.join(HERE, "..", "..", "src", "NeuralPS.Core", "Data", "Samples", "iris.csv")
OPSET = 14


def read_iris():
    with open(IRIS, newline="") as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["Species"] for r in rows})
    x = torch.tensor([[float(r[c]) for c in ("SepalLength", "SepalWidth", "PetalLength", "PetalWidth")] for r in rows])
    y = torch.tensor([classes.index(r["Species"]) for r in rows])
    return x, y


def floats(t):
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]


def write(out, name, model, example, inputs, dynamic, extra=None):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    kwargs = dict(input_names=["features"], output_names=["output"], opset_version=OPSET, do_constant_folding=True)
    if dynamic:
        kwargs["dynamic_axes"] = {"features": {0: "batch"}, "output": {0: "batch"}}
    torch.onnx.export(model, example, path, **kwargs)
    with torch.no_grad():
        outputs = model(inputs)
    rows = inputs.shape[0]
    record = {
        "producedBy": f"PyTorch {torch.__version__}, torch.onnx.export opset {OPSET}, tests/onnx-import/make_torch_onnx.py",
        "model": name + ".onnx",
        "inputShape": list(inputs.shape[1:]),
        "rows": rows,
        "inputs": [floats(row) for row in inputs.reshape(rows, -1)],
        "outputs": [floats(row) for row in outputs.reshape(rows, -1)],
    }
    record.update(extra or {})
    with open(os.path.join(out, name + ".json"), "w") as f:
        # one key a line, one row a line
        f.write("{\n" + ",\n".join(
            f' {json.dumps(k)}: ' + ("[\n" + ",\n".join("  " + json.dumps(r) for r in v) + "\n ]" if isinstance(v, list) and v and isinstance(v[0], list) else json.dumps(v))
            for k, v in record.items()) + "\n}\n")
    print(f"{path}: {os.path.getsize(path)} bytes, {inputs.shape[0]} rows of predictions")


def mlp(out):
    torch.manual_seed(20261210)
    x, y = read_iris()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Dropout(0.2), nn.Linear(16, 3), nn.Softmax(dim=1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(15):
        optimizer.zero_grad()
        loss = nn.functional.nll_loss(torch.log(model(x)), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        iris_loss = nn.functional.nll_loss(torch.log(model(x)), y).item()
    # two rows of each class, and a few away from the data
    rows = torch.cat([x[[0, 1, 50, 51, 100, 101]], torch.tensor([[0.0, 0.0, 0.0, 0.0], [7.9, 2.0, 6.9, 2.5], [-3.0, 10.0, 1.0, -1.0]])])
    write(out, "torch-mlp", model, x[:5], rows, dynamic=True, extra={"irisLoss": iris_loss})


def gelu(out):
    torch.manual_seed(20261211)
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 8), nn.SiLU(), nn.Linear(8, 1), nn.Sigmoid())
    inputs = torch.randn(7, 2, 3) * 2
    write(out, "torch-gelu", model, torch.randn(5, 2, 3), inputs, dynamic=False)


def conv(out):
    torch.manual_seed(20261212)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 3 * 3, 3))
    inputs = torch.randn(2, 1, 8, 8)
    write(out, "torch-conv", model, inputs, inputs, dynamic=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    mlp(out)
    gelu(out)
    conv(out)


if __name__ == "__main__":
    main()
