#!/usr/bin/python3
"""Writes PyTorch reference trajectories into tests/golden, in the format its README.md describes.

Every file fixes the initial parameters and the data, runs N optimizer steps on mini-batches taken in order
(rows 0..bs-1, bs..2bs-1, ...; the last batch of a pass may be smaller; then the next pass starts again at row
0), and records the loss before every step, the gradients at the first step, the parameters after the last step
and the predictions (inference mode) after the last step. Everything is computed in float64 with torch.optim.

    /usr/bin/python3 tests/golden-gen/make_golden.py                       # the fixed variants, into tests/golden
    /usr/bin/python3 tests/golden-gen/make_golden.py /tmp/golden3 --random 40 --seed 7   # plus random ones, elsewhere
    NEURALPS_GOLDEN_DIR=/tmp/golden3 dotnet test tests/NeuralPS.Core.Tests --filter GoldenTests

Needs Debian's python3-torch (1.13) and numpy (apt-get install python3-torch). Besides the JSON files it writes
GENERATED.md into the folder: the seed, the PyTorch and numpy versions and the files. Conventions (those of
tests/golden/README.md):
  * dense weights are stored [inputs, units] row-major (y = x @ W + b), i.e. the transpose of torch's Linear
  * "loss" = mean over the batch of the per-sample loss + l1*sum|W| + l2*sum(W^2) over each layer's weights
  * the per-sample loss of a multi-output MSE, MAE, Huber or BCE is the mean over the outputs; a softmax or
    sigmoid output layer is fused with its cross-entropy (softmax with MSE or BCE is not fused)
  * batch norm: batch statistics with biased variance in training, running stats (unbiased variance,
    momentum 0.1, eps 1e-5 unless the layer says "momentum" / "epsilon") at inference
  * clipping by global norm or by value, after the penalty gradients
"""
import math
import os
import random
import sys

import torch
import torch.nn.functional as F

from golden_common import (Layers, activate, arguments, bn, dense, f32, run_case, trajectory_difference, write_case,
                           write_record)

ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leakyrelu", "elu", "gelu", "swish", "softplus"]


class Net(Layers):
    """The network of a case: dense and batch-norm layers with float64 leaf tensors, applied to rows of features."""

    def __init__(self, spec, rng):
        self.layers = []
        width = spec["inputs"]
        for layer in spec["layers"]:
            if layer["type"] == "dense":
                units = layer["units"]
                bound = 1.0 / math.sqrt(width)  # torch's default Linear init range
                scale = layer.get("_initScale", 1.0)
                W = torch.tensor(f32(rng.uniform(-bound, bound, size=(width, units)) * scale), requires_grad=True)
                b = torch.tensor(f32(rng.uniform(-bound, bound, size=units)), requires_grad=True)
                self.layers.append({"spec": layer, "W": W, "b": b})
                width = units
            elif layer["type"] == "batchnorm":
                gamma = torch.tensor(f32(rng.uniform(0.7, 1.3, size=width)), requires_grad=True)
                beta = torch.tensor(f32(rng.uniform(-0.2, 0.2, size=width)), requires_grad=True)
                self.layers.append({"spec": layer, "gamma": gamma, "beta": beta,
                                    "runningMean": torch.tensor(f32(rng.normal(0, 0.2, size=width))),
                                    "runningVar": torch.tensor(f32(rng.uniform(0.5, 1.5, size=width)))})
            else:
                raise ValueError(layer["type"])

    def forward(self, x, training):
        """Returns (pre-activation of the last layer, output of the last layer)."""
        z = y = x
        for l in self.layers:
            spec = l["spec"]
            if "W" in l:
                z = y @ l["W"] + l["b"]
            else:
                z = F.batch_norm(y, l["runningMean"], l["runningVar"], l["gamma"], l["beta"], training=training,
                                 momentum=spec.get("momentum", 0.1), eps=spec.get("epsilon", 1e-5))
            y = activate(spec["activation"], z)
        return z, y


def case(name, inputs, samples, batch, steps, loss, layers, optimizer, clip=None, **extra):
    c = {"name": name, "inputs": inputs, "samples": samples, "batchSize": batch, "steps": steps, "loss": loss,
         "layers": layers, "optimizer": optimizer}
    if clip:
        c["clip"] = clip
    c.update(extra)
    return c


def fixed_cases():
    """Hand-picked variants: every activation, loss, optimizer option, clipping, L1/L2, partial batches, batchnorm."""
    C = []
    # every hidden activation, each with a different optimizer and a partial last batch somewhere
    C.append(case("act_sigmoid_sgd", 3, 21, 8, 12, "mse", [dense(5, "sigmoid"), dense(2, "linear")],
                  {"name": "sgd", "learningRate": 0.3}))
    C.append(case("act_tanh_momentum_dampening", 4, 30, 7, 15, "mse", [dense(6, "tanh"), dense(1, "linear")],
                  {"name": "sgd", "learningRate": 0.05, "momentum": 0.8, "dampening": 0.3}))
    C.append(case("act_relu_nesterov_wd", 5, 33, 10, 16, "mse", [dense(9, "relu"), dense(4, "relu"), dense(2, "linear")],
                  {"name": "sgd", "learningRate": 0.04, "momentum": 0.7, "nesterov": True, "weightDecay": 0.02}))
    C.append(case("act_leakyrelu_adam_betas", 4, 26, 6, 14, "huber", [dense(7, "leakyrelu"), dense(3, "linear")],
                  {"name": "adam", "learningRate": 0.03, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
                  _yScale=3.0))
    C.append(case("act_elu_rmsprop_momentum", 3, 25, 8, 13, "mse", [dense(6, "elu"), dense(2, "linear")],
                  {"name": "rmsprop", "learningRate": 0.01, "rho": 0.95, "epsilon": 1e-8, "momentum": 0.6},
                  _xScale=2.0))
    C.append(case("act_gelu_nadam", 5, 27, 9, 12, "mae", [dense(8, "gelu"), dense(2, "linear")],
                  {"name": "nadam", "learningRate": 0.02, "beta1": 0.85, "beta2": 0.995, "epsilon": 1e-8,
                   "momentumDecay": 0.01}))
    C.append(case("act_swish_adagrad_init", 4, 22, 5, 14, "mse", [dense(6, "swish"), dense(1, "linear")],
                  {"name": "adagrad", "learningRate": 0.2, "epsilon": 1e-10, "initialAccumulator": 0.1,
                   "weightDecay": 0.01}))
    C.append(case("act_softplus_adamw", 3, 20, 6, 12, "mse", [dense(5, "softplus"), dense(2, "tanh")],
                  {"name": "adamw", "learningRate": 0.02, "beta1": 0.9, "beta2": 0.98, "epsilon": 1e-8,
                   "weightDecay": 0.1}, _xScale=8.0))  # big inputs: softplus above its threshold of 20
    C.append(case("act_linear_hidden", 6, 18, 18, 10, "mse", [dense(4, "linear"), dense(3, "linear")],
                  {"name": "sgd", "learningRate": 0.1}))
    # every loss, fused and not
    C.append(case("loss_bce_single_adam", 4, 30, 8, 15, "binary_crossentropy", [dense(6, "tanh"), dense(1, "sigmoid")],
                  {"name": "adam", "learningRate": 0.02, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}))
    C.append(case("loss_bce_multilabel_l1_l2", 5, 28, 6, 15, "binary_crossentropy",
                  [dense(7, "relu", l1=0.002, l2=0.005), dense(4, "sigmoid", l1=0.001)],
                  {"name": "sgd", "learningRate": 0.2, "momentum": 0.5}))
    C.append(case("loss_bce_softmax_unfused", 4, 24, 7, 12, "binary_crossentropy", [dense(5, "tanh"), dense(3, "softmax")],
                  {"name": "sgd", "learningRate": 0.5}))
    C.append(case("loss_cce_onehot_rmsprop_centered", 5, 36, 10, 15, "categorical_crossentropy",
                  [dense(8, "relu"), dense(4, "softmax")],
                  {"name": "rmsprop", "learningRate": 0.005, "rho": 0.9, "epsilon": 1e-8, "centered": True}))
    C.append(case("loss_cce_soft_targets", 4, 25, 8, 12, "categorical_crossentropy",
                  [dense(6, "gelu"), dense(3, "softmax")],
                  {"name": "adam", "learningRate": 0.01}, _softTargets=True))
    C.append(case("loss_sparse_nadam_wd", 6, 35, 12, 15, "sparse_categorical_crossentropy",
                  [dense(9, "elu"), dense(5, "softmax")],
                  {"name": "nadam", "learningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                   "weightDecay": 0.01, "momentumDecay": 0.004}))
    C.append(case("loss_softmax_mse_unfused", 4, 24, 8, 12, "mse", [dense(6, "tanh"), dense(3, "softmax")],
                  {"name": "sgd", "learningRate": 1.0}, _softTargets=True))
    C.append(case("loss_sigmoid_mae", 3, 22, 6, 12, "mae", [dense(5, "relu"), dense(2, "sigmoid")],
                  {"name": "sgd", "learningRate": 0.5}))
    C.append(case("loss_huber_both_branches", 4, 26, 9, 15, "huber", [dense(6, "swish"), dense(2, "linear")],
                  {"name": "rmsprop", "learningRate": 0.01, "rho": 0.99, "epsilon": 1e-8, "weightDecay": 0.01},
                  _yScale=4.0))
    C.append(case("loss_mae_l1_only", 5, 23, 10, 12, "mae", [dense(6, "tanh", l1=0.01), dense(1, "linear", l1=0.01)],
                  {"name": "sgd", "learningRate": 0.05}))
    # clipping
    C.append(case("clip_norm_adam", 4, 28, 8, 14, "mse", [dense(6, "relu"), dense(2, "linear")],
                  {"name": "adam", "learningRate": 0.01}, clip={"kind": "norm", "value": 0.1}, _yScale=5.0))
    C.append(case("clip_value_momentum", 5, 30, 7, 14, "sparse_categorical_crossentropy",
                  [dense(7, "leakyrelu"), dense(3, "softmax")],
                  {"name": "sgd", "learningRate": 0.2, "momentum": 0.9}, clip={"kind": "value", "value": 0.02}))
    C.append(case("clip_norm_l2_nesterov", 4, 25, 6, 12, "huber", [dense(5, "elu", l2=0.05), dense(2, "linear", l2=0.05)],
                  {"name": "sgd", "learningRate": 0.1, "momentum": 0.9, "nesterov": True},
                  clip={"kind": "norm", "value": 0.3}, _yScale=3.0))
    # batch normalization
    # A linear dense layer right before batch norm has a bias whose gradient is exactly zero in exact arithmetic;
    # an adaptive optimizer (Adam, RMSprop...) divides float rounding noise by its tiny running norm and makes a
    # full step in a random direction, so such a bias is only reproducible with SGD. The Adam case uses tanh.
    C.append(case("bn_relu_momentum_partial", 4, 30, 8, 14, "sparse_categorical_crossentropy",
                  [dense(6, "linear"), bn("relu"), dense(3, "softmax")],
                  {"name": "sgd", "learningRate": 0.05, "momentum": 0.9}))
    C.append(case("bn_relu_adam_partial", 4, 30, 8, 14, "sparse_categorical_crossentropy",
                  [dense(6, "tanh"), bn("relu"), dense(3, "softmax")],
                  {"name": "adam", "learningRate": 0.01}))
    C.append(case("bn_first_tanh_rmsprop", 5, 27, 9, 12, "mse",
                  [bn("linear"), dense(6, "tanh"), bn("swish"), dense(2, "linear")],
                  {"name": "rmsprop", "learningRate": 0.01, "rho": 0.9, "epsilon": 1e-8, "momentum": 0.5},
                  _xScale=3.0))
    C.append(case("bn_sigmoid_out_bce_wd", 4, 26, 8, 13, "binary_crossentropy",
                  [dense(5, "relu"), dense(2, "linear"), bn("sigmoid")],
                  {"name": "sgd", "learningRate": 0.1, "momentum": 0.9, "weightDecay": 0.01}))
    C.append(case("bn_momentum_epsilon", 4, 28, 7, 12, "mse",
                  [dense(6, "tanh"), bn("gelu", momentum=0.3, epsilon=1e-3), dense(2, "linear")],
                  {"name": "sgd", "learningRate": 0.1, "momentum": 0.9}))
    C.append(case("bn_adamw_clipvalue", 3, 24, 10, 12, "mae",
                  [dense(7, "gelu"), bn("elu"), dense(1, "linear")],
                  {"name": "adamw", "learningRate": 0.02, "weightDecay": 0.05}, clip={"kind": "value", "value": 0.1}))
    # shapes: single input, wide layers, batch 1 (pure SGD), deep
    C.append(case("shape_single_input_batch1", 1, 9, 1, 20, "mse", [dense(4, "tanh"), dense(1, "linear")],
                  {"name": "sgd", "learningRate": 0.05}))
    C.append(case("shape_wide", 17, 40, 13, 10, "sparse_categorical_crossentropy", [dense(33, "relu"), dense(10, "softmax")],
                  {"name": "adam", "learningRate": 0.005}))
    C.append(case("shape_deep", 6, 32, 11, 12, "mse",
                  [dense(8, "gelu"), dense(8, "tanh"), dense(8, "softplus"), dense(8, "leakyrelu"), dense(3, "linear")],
                  {"name": "nadam", "learningRate": 0.005}))
    return C


def random_case(index, r):
    """A random valid combination."""
    inputs = r.randint(1, 9)
    batch = r.randint(2, 12)
    samples = r.randint(batch + 1, 4 * batch + 3)
    steps = r.randint(5, 16)
    loss = r.choice(["mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy",
                     "sparse_categorical_crossentropy"])
    units = r.randint(2, 5)
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        out = "softmax"
    elif loss == "binary_crossentropy":
        out = r.choice(["sigmoid", "sigmoid", "softmax"])
        units = r.randint(1, 4) if out == "sigmoid" else units
    else:
        out = r.choice(["linear", "linear", "tanh", "sigmoid", "softmax", "softplus"])
        units = r.randint(1, 4) if out != "softmax" else units
    layers = []
    for _ in range(r.randint(1, 3)):
        layer = dense(r.randint(2, 10), r.choice(ACTIVATIONS))
        if r.random() < 0.25:
            layer["l1"] = r.choice([0.001, 0.003, 0.01])
        if r.random() < 0.25:
            layer["l2"] = r.choice([0.001, 0.01, 0.03])
        layers.append(layer)
        if r.random() < 0.2:
            extra_bn = {}
            if r.random() < 0.3:
                extra_bn = {"momentum": r.choice([0.01, 0.3, 0.5]), "epsilon": r.choice([1e-5, 1e-3, 0.1])}
            layers.append(bn(r.choice(ACTIVATIONS), **extra_bn))
    layers.append(dense(units, out))
    name = r.choice(["sgd", "sgd", "adagrad", "rmsprop", "adam", "adamw", "nadam"])
    o = {"name": name}
    if name == "sgd":
        o["learningRate"] = r.choice([0.01, 0.05, 0.1, 0.3])
        if r.random() < 0.6:
            o["momentum"] = r.choice([0.5, 0.9, 0.95])
            if r.random() < 0.4:
                o["nesterov"] = True
            elif r.random() < 0.3:
                o["dampening"] = r.choice([0.1, 0.5])
    elif name == "adagrad":
        o.update(learningRate=r.choice([0.05, 0.1, 0.3]), epsilon=1e-10,
                 initialAccumulator=r.choice([0.0, 0.0, 0.1, 0.5]))
    elif name == "rmsprop":
        o.update(learningRate=r.choice([0.001, 0.005, 0.01]), rho=r.choice([0.9, 0.95, 0.99]),
                 epsilon=r.choice([1e-8, 1e-7, 1e-6]))
        if r.random() < 0.4:
            o["momentum"] = r.choice([0.3, 0.9])
        if r.random() < 0.3:
            o["centered"] = True
    else:
        o.update(learningRate=r.choice([0.002, 0.01, 0.03]), beta1=r.choice([0.8, 0.9, 0.95]),
                 beta2=r.choice([0.99, 0.995, 0.999]), epsilon=r.choice([1e-8, 1e-7]))
        if name == "nadam":
            o["momentumDecay"] = r.choice([0.004, 0.01, 0.05])
    if any(l["type"] == "batchnorm" for l in layers):
        # Batch norm over two rows maps every input to about ±1 whatever it is (and over one row it cannot train):
        # the gradients into it are then rounding noise. Keep every batch at 4 rows or more.
        batch = max(batch, 4)
        samples = max(samples, batch + 4)
        while 0 < samples % batch < 4:
            samples += 1
    if r.random() < 0.5:
        # whole passes over the data: the golden test then also trains the case through the Trainer
        passes = -(-samples // batch)
        steps = passes * max(1, round(steps / passes))
    if name != "sgd":
        # See bn_relu_momentum_partial: with a piecewise-linear activation (linear, ReLU, leaky ReLU, ELU on its
        # positive side) right before batch norm, the bias feeding it has a gradient that is zero in exact
        # arithmetic whenever the whole batch sits on one linear piece; an adaptive optimizer turns the float
        # rounding noise of that zero into full steps. Feed batch norm through a smooth activation instead.
        for i in range(1, len(layers)):
            if layers[i]["type"] == "batchnorm" and layers[i - 1]["activation"] in ("linear", "relu", "leakyrelu", "elu"):
                layers[i - 1]["activation"] = r.choice(["tanh", "sigmoid", "softplus"])
    if name == "adamw" or r.random() < 0.25:
        o["weightDecay"] = r.choice([0.001, 0.01, 0.05])
    clip = None
    if r.random() < 0.3:
        clip = r.choice([{"kind": "norm", "value": r.choice([0.05, 0.2, 1.0])},
                         {"kind": "value", "value": r.choice([0.01, 0.05, 0.2])}])
    extra = {}
    if loss == "huber":
        extra["_yScale"] = 3.0
    if loss == "categorical_crossentropy" and r.random() < 0.3:
        extra["_softTargets"] = True
    return case(f"random_{index:03d}_{name}_{loss}", inputs, samples, batch, steps, loss, layers, o, clip, **extra)


def main():
    ap = arguments(__doc__, 20261126, "seed for data, initial weights and random variants")
    ap.add_argument("--random", type=int, default=0, help="also write this many random variants")
    ap.add_argument("--no-fixed", action="store_true", help="write only the random variants")
    ap.add_argument("--keep-ill-conditioned", action="store_true",
                    help="keep random variants that PyTorch itself cannot reproduce in float32 to the test's tolerance")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = [] if args.no_fixed else fixed_cases()
    fixed = len(cases)
    r = random.Random(args.seed)
    index = 0
    while len(cases) < fixed + args.random:
        cases.append(random_case(index, r))
        index += 1
        if not args.keep_ill_conditioned:
            spec = cases[-1]
            seed = args.seed * 1000 + len(cases) - 1
            problem = trajectory_difference(run_case(Net, spec, seed), run_case(Net, spec, seed, torch.float32))
            if problem:
                print(f"{spec['name']}: dropped, PyTorch in float32 does not reproduce it ({problem})", file=sys.stderr)
                cases.pop()
    for i, spec in enumerate(cases):
        seed = args.seed * 1000 + i
        check = i < fixed and not args.keep_ill_conditioned
        write_case(args.out, spec["name"], lambda dtype: run_case(Net, spec, seed, dtype),
                   trajectory_difference if check else None)
    write_record(os.path.join(args.out, "GENERATED.md"), "make_golden.py", args.seed, "tests/golden/README.md",
                 [c["name"] + ".json" for c in cases])
    print(f"{len(cases)} cases written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
