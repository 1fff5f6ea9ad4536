#!/usr/bin/python3
"""Writes PyTorch reference trajectories for small convolutional networks into tests/golden (cnn_*.json), and the
kernel-level reference tests/golden/kernels/conv_pool.json, in the format of make_golden.py (tests/golden/README.md)
with the conventions below. Everything is computed in float64 by PyTorch (autograd, torch.optim).

    /usr/bin/python3 tests/golden-gen/make_golden_cnn.py            # into tests/golden
    /usr/bin/python3 tests/golden-gen/make_golden_cnn.py /tmp/g      # elsewhere

Needs Debian's python3-torch (1.13) and numpy. Conventions added for images:
  * "inputShape": [C, H, W]; a row of "x" is one image flattened in C, H, W order (NCHW row-major), so "inputs"
    is C*H*W; "outputShapes" gives each layer's output shape ([C, H, W], or [units] from flatten on)
  * conv2d: "filters", "kernelSize" [KH, KW], "strides" [SH, SW], "padding" "valid" or "same", "activation";
    weights "W" nested [filters][channels][KH][KW] (PyTorch's and ONNX's layout) and "b" [filters]
  * "same" padding is TensorFlow's/Keras's SAME: out = ceil(in / stride), the padding needed,
    max((out - 1) * stride + kernel - in, 0), split with the smaller half before (top/left) and the rest after;
    for stride 1 this is PyTorch's padding='same' (done here by F.pad, then an unpadded convolution)
  * maxpool2d, averagepool2d: "poolSize" [KH, KW], "strides" [SH, SW], valid windows only; maxpool2d takes the
    first maximum of a window (PyTorch's rule); globalaveragepool2d: the mean of each channel, output [C];
    flatten: [C, H, W] -> [C*H*W] in C, H, W order. These layers have no parameters: their entry in "initial",
    "final" and "gradientsAtFirstStep" is {}.
  * batchnorm on an image is PyTorch's BatchNorm2d (per channel, over the batch and the pixels: "gamma", "beta",
    "runningMean", "runningVar" have one value a channel); on a row of features BatchNorm1d, as in make_golden.py.
    "predictionsAfter" is in evaluation mode (running statistics).
Conventions added for sequences:
  * "inputShape": [T, F]; a row of "x" is one window time-major (t * F + f), as ConvertTo-Dataset -Window makes it,
    and so is every sequence between layers (outputShapes [T', filters])
  * conv1d: PyTorch's nn.Conv1d on the window transposed to (N, F, T), its output transposed back to (N, T', filters):
    "filters", "kernelSize" K, "stride", "padding" "valid" or "same" (the same rule as conv2d's), "activation"; weights
    "W" nested [filters][F][K] (PyTorch's and ONNX's layout) and "b" [filters]
  * batchnorm on a sequence normalizes each feature over the batch and the timesteps (BatchNorm1d on (N, F, T))
The kernel file holds, per case, a convolution's x, W, b and an upstream gradient dy with PyTorch's y, dx, dW, db,
and a pooling's x and dy with y and dx, all of x, W, b, dy exactly float32 values.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from golden_common import (Layers, activate, arguments, bn, dense, f32, plain, run_case, trajectory_difference,
                           write_case, write_record)
from golden_common import shaped_case as case


def same_padding(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def conv_geometry(shape, layer):
    (c, h, w), (kh, kw), (sh, sw) = shape, layer["kernelSize"], layer["strides"]
    if layer["padding"] == "same":
        oh, top, bottom = same_padding(h, kh, sh)
        ow, left, right = same_padding(w, kw, sw)
    else:
        oh, ow, top, bottom, left, right = (h - kh) // sh + 1, (w - kw) // sw + 1, 0, 0, 0, 0
    return [layer["filters"], oh, ow], (left, right, top, bottom)


def conv(x, W, b, layer, shape):
    _, pads = conv_geometry(shape, layer)
    return F.conv2d(F.pad(x, pads), W, b, stride=tuple(layer["strides"]))


def conv1d(y, W, b, layer):
    """y (N, T, F) time-major -> (N, T', filters), through nn.Conv1d's layout (N, F, T)."""
    steps = y.shape[1]
    if layer["padding"] == "same":
        _, left, right = same_padding(steps, layer["kernelSize"], layer["stride"])
    else:
        left = right = 0
    return F.conv1d(F.pad(y.transpose(1, 2), (left, right)), W, b, stride=layer["stride"]).transpose(1, 2)


def output_shape(shape, layer):
    t = layer["type"]
    if t == "conv1d":
        steps, k, s = shape[0], layer["kernelSize"], layer["stride"]
        out = -(-steps // s) if layer["padding"] == "same" else (steps - k) // s + 1
        return [out, layer["filters"]]
    if t == "conv2d":
        return conv_geometry(shape, layer)[0]
    if t in ("maxpool2d", "averagepool2d"):
        (c, h, w), (kh, kw), (sh, sw) = shape, layer["poolSize"], layer["strides"]
        return [c, (h - kh) // sh + 1, (w - kw) // sw + 1]
    if t == "globalaveragepool2d":
        return [shape[0]]
    if t == "flatten":
        return [int(np.prod(shape))]
    if t == "batchnorm":
        return shape
    if t == "dense":
        return [layer["units"]]
    raise ValueError(t)


class Net(Layers):
    """The network of a case: float64 leaf tensors per layer, applied to [N, C, H, W] batches."""

    def __init__(self, spec, rng):
        self.layers, self.shapes, self.input_shape = [], [], spec["inputShape"]
        shape = spec["inputShape"]
        for layer in spec["layers"]:
            entry = {"spec": layer, "in": shape}
            if layer["type"] == "conv2d":
                fan_in = shape[0] * layer["kernelSize"][0] * layer["kernelSize"][1]
                bound = 1.0 / math.sqrt(fan_in)   # torch's default Conv2d init range
                entry["W"] = torch.tensor(f32(rng.uniform(-bound, bound, size=[layer["filters"], shape[0]] + layer["kernelSize"])),
                                          requires_grad=True)
                entry["b"] = torch.tensor(f32(rng.uniform(-bound, bound, size=layer["filters"])), requires_grad=True)
            elif layer["type"] == "conv1d":
                fan_in = shape[1] * layer["kernelSize"]
                bound = 1.0 / math.sqrt(fan_in)   # torch's default Conv1d init range
                entry["W"] = torch.tensor(f32(rng.uniform(-bound, bound, size=[layer["filters"], shape[1], layer["kernelSize"]])),
                                          requires_grad=True)
                entry["b"] = torch.tensor(f32(rng.uniform(-bound, bound, size=layer["filters"])), requires_grad=True)
            elif layer["type"] == "batchnorm":
                width = shape[1] if len(shape) == 2 else shape[0]   # a sequence's features, an image's channels, a row's features
                entry["gamma"] = torch.tensor(f32(rng.uniform(0.7, 1.3, size=width)), requires_grad=True)
                entry["beta"] = torch.tensor(f32(rng.uniform(-0.2, 0.2, size=width)), requires_grad=True)
                entry["runningMean"] = torch.tensor(f32(rng.normal(0, 0.2, size=width)))
                entry["runningVar"] = torch.tensor(f32(rng.uniform(0.5, 1.5, size=width)))
            elif layer["type"] == "dense":
                bound = 1.0 / math.sqrt(shape[0])
                entry["W"] = torch.tensor(f32(rng.uniform(-bound, bound, size=(shape[0], layer["units"]))), requires_grad=True)
                entry["b"] = torch.tensor(f32(rng.uniform(-bound, bound, size=layer["units"])), requires_grad=True)
            shape = output_shape(shape, layer)
            self.shapes.append(shape)
            self.layers.append(entry)

    def forward(self, x, training):
        """Returns (pre-activation of the last layer, its output) for rows x of C*H*W."""
        y = x.reshape([x.shape[0]] + self.input_shape)
        z = y
        for l in self.layers:
            s, t = l["spec"], l["spec"]["type"]
            if t == "conv2d":
                z = conv(y, l["W"], l["b"], s, l["in"])
            elif t == "maxpool2d":
                z = F.max_pool2d(y, tuple(s["poolSize"]), tuple(s["strides"]))
            elif t == "averagepool2d":
                z = F.avg_pool2d(y, tuple(s["poolSize"]), tuple(s["strides"]))
            elif t == "globalaveragepool2d":
                z = y.mean(dim=(2, 3))
            elif t == "flatten":
                z = y.reshape(y.shape[0], -1)
            elif t == "conv1d":
                z = conv1d(y, l["W"], l["b"], s)
            elif t == "batchnorm" and len(l["in"]) == 2:
                z = F.batch_norm(y.transpose(1, 2), l["runningMean"], l["runningVar"], l["gamma"], l["beta"], training=training,
                                 momentum=s.get("momentum", 0.1), eps=s.get("epsilon", 1e-5)).transpose(1, 2)
            elif t == "batchnorm":
                z = F.batch_norm(y, l["runningMean"], l["runningVar"], l["gamma"], l["beta"], training=training,
                                 momentum=s.get("momentum", 0.1), eps=s.get("epsilon", 1e-5))
            else:
                z = y @ l["W"] + l["b"]
            y = activate(s["activation"], z)
        return z, y


def conv2d(filters, kernel, stride, padding, activation):
    return {"type": "conv2d", "filters": filters, "kernelSize": [kernel, kernel], "strides": [stride, stride],
            "padding": padding, "activation": activation}


def pool(kind, size, stride):
    return {"type": kind, "poolSize": [size, size], "strides": [stride, stride], "activation": "linear"}


def conv1(filters, kernel, stride, padding, activation):
    return {"type": "conv1d", "filters": filters, "kernelSize": kernel, "stride": stride, "padding": padding,
            "activation": activation}


def cases():
    """Conv -> ReLU -> MaxPool -> Conv -> AvgPool -> Flatten -> Dense, over strides 1 and 2, valid and same."""
    return [
        # stride 1, same (symmetric) then valid; a partial last batch
        case("cnn_1x8x8_same_sgd", [1, 8, 8], 16, 6, 8, "sparse_categorical_crossentropy",
             [conv2d(4, 3, 1, "same", "relu"), pool("maxpool2d", 2, 2), conv2d(6, 3, 1, "valid", "relu"),
              pool("averagepool2d", 2, 2), plain("flatten"), dense(3, "softmax")],
             {"name": "sgd", "learningRate": 0.05, "momentum": 0.9}),
        # stride 2, same on an odd size (one zero row/column before and after); an even kernel, same, stride 1
        # (its extra zero after)
        case("cnn_3x7x7_stride2_same_adam", [3, 7, 7], 15, 5, 9, "sparse_categorical_crossentropy",
             [conv2d(5, 3, 2, "same", "relu"), pool("maxpool2d", 2, 2), conv2d(4, 2, 1, "same", "tanh"),
              pool("averagepool2d", 2, 2), plain("flatten"), dense(3, "softmax")],
             {"name": "adam", "learningRate": 0.01}),
        # stride 2, same on an even size (no zero before, one after); overlapping max windows; a 1x1 convolution
        case("cnn_1x8x8_stride2_same_adam_mse", [1, 8, 8], 12, 4, 6, "mse",
             [conv2d(3, 3, 2, "same", "relu"), pool("maxpool2d", 3, 1), conv2d(4, 1, 1, "valid", "linear"),
              pool("averagepool2d", 2, 2), plain("flatten"), dense(2, "linear")],
             {"name": "adam", "learningRate": 0.01}),
        # valid, stride 1 then stride 2 same down to 1x1, global average pooling, two dense layers
        case("cnn_3x7x7_valid_global_sgd", [3, 7, 7], 14, 7, 6, "sparse_categorical_crossentropy",
             [conv2d(6, 3, 1, "valid", "relu"), pool("maxpool2d", 2, 2), conv2d(5, 3, 2, "same", "relu"),
              plain("globalaveragepool2d"), dense(4, "relu"), dense(3, "softmax")],
             {"name": "sgd", "learningRate": 0.1}),
        # per-channel batch normalization (BatchNorm2d) after linear convolutions, ReLU after it; a partial last
        # batch; then batch normalization on the row after the flatten (BatchNorm1d)
        case("cnn_bn_2x7x6_sgd", [2, 7, 6], 14, 5, 8, "sparse_categorical_crossentropy",
             [conv2d(4, 3, 1, "same", "linear"), bn("relu"), pool("maxpool2d", 2, 2),
              conv2d(5, 2, 1, "valid", "linear"), bn("relu", momentum=0.2, epsilon=1e-3), plain("flatten"),
              bn("tanh"), dense(3, "softmax")],
             {"name": "sgd", "learningRate": 0.1, "momentum": 0.5}),
        # batch norm over channels of a stride-2 convolution, momentum SGD, global average pooling, MSE
        case("cnn_bn_3x8x8_stride2_sgd_mse", [3, 8, 8], 12, 6, 6, "mse",
             [conv2d(6, 3, 2, "same", "linear"), bn("linear"), conv2d(4, 3, 1, "same", "relu"),
              bn("swish"), plain("globalaveragepool2d"), dense(2, "linear")],
             {"name": "sgd", "learningRate": 0.05, "momentum": 0.9}),
        # nn.Conv1d over windows of 12 timesteps x 3 features: valid, then stride 2 same (one zero after), batch norm
        # over the features, flatten (time-major), dense softmax
        case("conv1d_12x3_sgd", [12, 3], 14, 5, 8, "sparse_categorical_crossentropy",
             [conv1(5, 3, 1, "valid", "relu"), conv1(4, 2, 2, "same", "linear"), bn("tanh"), plain("flatten"),
              dense(3, "softmax")],
             {"name": "sgd", "learningRate": 0.1, "momentum": 0.5}),
        # stride 3 same (zeros before and after), a 1-wide kernel, Adam, MSE
        case("conv1d_10x2_stride3_adam_mse", [10, 2], 12, 4, 6, "mse",
             [conv1(6, 4, 3, "same", "tanh"), conv1(3, 1, 1, "valid", "swish"), plain("flatten"), dense(2, "linear")],
             {"name": "adam", "learningRate": 0.01}),
    ]


def kernel_cases(rng):
    """Single convolutions and poolings with PyTorch's forward and backward, for the kernel test."""
    def values(*size):
        return torch.tensor(f32(rng.uniform(-1, 1, size=size)))
    convs = []
    for c, h, w, f, k, s, padding in [(1, 8, 8, 4, 3, 1, "same"), (3, 7, 7, 5, 3, 2, "same"), (2, 8, 8, 3, 3, 2, "same"),
                                       (3, 7, 7, 5, 3, 2, "valid"), (2, 6, 5, 3, 4, 1, "same"), (4, 9, 9, 2, 5, 3, "valid"),
                                       (8, 10, 10, 6, 3, 1, "same")]:
        layer = {"filters": f, "kernelSize": [k, k], "strides": [s, s], "padding": padding}
        x, W, b = values(2, c, h, w), values(f, c, k, k), values(f)
        for t in (x, W, b):
            t.requires_grad_()
        y = conv(x, W, b, layer, [c, h, w])
        dy = values(*y.shape)
        y.backward(dy)
        convs.append(dict(layer, inputShape=[c, h, w], batch=2, x=x.detach().flatten().tolist(),
                          W=W.detach().flatten().tolist(), b=b.detach().tolist(), dy=dy.flatten().tolist(),
                          y=y.detach().flatten().tolist(), dx=x.grad.flatten().tolist(),
                          dW=W.grad.flatten().tolist(), db=b.grad.tolist()))
    pools = []
    for kind, c, h, w, k, s in [("maxpool2d", 3, 8, 8, 2, 2), ("maxpool2d", 2, 7, 9, 3, 2), ("maxpool2d", 2, 5, 6, 2, 1),
                                ("averagepool2d", 3, 8, 8, 2, 2), ("averagepool2d", 2, 7, 9, 3, 2),
                                ("globalaveragepool2d", 3, 5, 7, 0, 0)]:
        x = values(2, c, h, w).requires_grad_()
        if kind == "maxpool2d":
            y = F.max_pool2d(x, k, s)
        elif kind == "averagepool2d":
            y = F.avg_pool2d(x, k, s)
        else:
            y = x.mean(dim=(2, 3))
        dy = values(*y.shape)
        y.backward(dy)
        pools.append({"type": kind, "poolSize": [k, k], "strides": [s, s], "inputShape": [c, h, w], "batch": 2,
                      "x": x.detach().flatten().tolist(), "dy": dy.flatten().tolist(),
                      "y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist()})
    return {"producedBy": f"PyTorch {torch.__version__}, float64", "convolutions": convs, "poolings": pools}


def main():
    args = arguments(__doc__, 20261205, "seed for data and initial weights").parse_args()
    os.makedirs(os.path.join(args.out, "kernels"), exist_ok=True)
    specs = cases()
    for i, spec in enumerate(specs):
        seed = args.seed * 1000 + i
        write_case(args.out, spec["name"], lambda dtype: run_case(Net, spec, seed, dtype), trajectory_difference)
    with open(os.path.join(args.out, "kernels", "conv_pool.json"), "w") as f:
        json.dump(kernel_cases(np.random.default_rng(args.seed)), f)
    write_record(os.path.join(args.out, "GENERATED-CNN.md"), "make_golden_cnn.py", args.seed,
                 "tests/golden/README.md and the script's own for images",
                 [s["name"] + ".json" for s in specs] + ["kernels/conv_pool.json"])
    print(f"{len(specs)} cases and kernels/conv_pool.json written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
