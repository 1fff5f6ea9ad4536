#!/usr/bin/python3
"""Writes PyTorch references for the recurrent kernels into tests/golden/kernels/rnn_*.json.

Each file is one forward and backward pass of torch.nn.LSTM, torch.nn.GRU (batch_first, one layer, zero initial
state) or torch.nn.Embedding in float64, at the parameters PyTorch's own default initialization draws (U(-1/sqrt(H),
1/sqrt(H)) for the recurrent layers, N(0, 1) for the embedding), rounded to float32 so that the float32 kernels
start from exactly the same numbers. The backward pass is that of sum(outputGradient * output), so the recorded
gradients are those of a layer whose output gradient is outputGradient.

    apt-get install python3-torch                       # Debian 12: PyTorch 1.13 and numpy
    /usr/bin/python3 tests/golden-gen/make_golden_rnn.py
    dotnet test tests/NeuralPS.Core.Tests --filter RecurrentGoldenTests

Conventions (also in tests/golden/README.md):
  * arrays are nested in their shape: x [B][T][F], output [B][H] or [B][T][H], indices [N]
  * W_ih is [F][G*H] and W_hh [H][G*H]: torch's weight_ih_l0 and weight_hh_l0 transposed (x @ W_ih), gate blocks of
    H columns in torch's order (LSTM i, f, g, o; GRU r, z, n); b_ih, b_hh [G*H]; the embedding's table [V][D]
  * "gradients" holds d sum(outputGradient * output) / d each parameter (same shapes) and / d x
"""
import os
import sys

import torch

import golden_common
from golden_common import arguments, write_case, write_record


def f32(t):
    """A tensor rounded to float32, kept as float64: what the engine reads from the file."""
    return torch.from_numpy(golden_common.f32(t.detach().numpy()))


CASES = [
    # name, kind, batch, steps, inputs, units, returnSequences, input scale (3: gates driven into saturation)
    ("rnn_lstm_last", "lstm", 3, 5, 4, 6, False, 1.0),
    ("rnn_lstm_sequences", "lstm", 2, 7, 3, 5, True, 1.0),
    ("rnn_lstm_long_saturated", "lstm", 4, 30, 2, 8, False, 3.0),
    ("rnn_gru_last", "gru", 3, 5, 4, 6, False, 1.0),
    ("rnn_gru_sequences", "gru", 2, 7, 3, 5, True, 1.0),
    ("rnn_gru_long_saturated", "gru", 4, 30, 2, 8, True, 3.0),
]

EMBEDDINGS = [
    # name, rows (V), dimensions (D), index shape
    ("rnn_embedding", 7, 4, (3, 5)),
    ("rnn_embedding_wide", 20, 17, (4, 9)),
]


def recurrent_case(name, kind, batch, steps, inputs, units, sequences, scale, seed, dtype=torch.float64):
    torch.manual_seed(seed)
    module = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(inputs, units, batch_first=True)  # default init
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(p))
    x = f32(torch.randn(batch, steps, inputs) * scale)
    out_len = (batch, steps, units) if sequences else (batch, units)
    c = f32(torch.randn(*out_len))
    module = module.to(dtype)
    xg = x.to(dtype).clone().requires_grad_(True)
    seq = module(xg)[0]
    output = seq if sequences else seq[:, -1, :]
    (output * c.to(dtype)).sum().backward()

    def t(m):
        return m.detach().to(torch.float64).t().tolist()

    def v(m):
        return m.detach().to(torch.float64).tolist()

    return {
        "case": {"kind": kind, "batch": batch, "steps": steps, "inputs": inputs, "units": units,
                 "returnSequences": sequences, "seed": seed},
        "x": v(x),
        "parameters": {"W_ih": t(module.weight_ih_l0), "W_hh": t(module.weight_hh_l0),
                       "b_ih": v(module.bias_ih_l0), "b_hh": v(module.bias_hh_l0)},
        "outputGradient": v(c),
        "output": v(output),
        "gradients": {"x": v(xg.grad), "W_ih": t(module.weight_ih_l0.grad), "W_hh": t(module.weight_hh_l0.grad),
                      "b_ih": v(module.bias_ih_l0.grad), "b_hh": v(module.bias_hh_l0.grad)},
        "producedBy": f"PyTorch {torch.__version__}, {str(dtype).replace('torch.', '')}",
    }


def embedding_case(name, rows, dimensions, shape, seed, dtype=torch.float64):
    torch.manual_seed(seed)
    module = torch.nn.Embedding(rows, dimensions)  # default init N(0, 1)
    with torch.no_grad():
        module.weight.copy_(f32(module.weight))
    indices = torch.randint(0, rows, shape)
    indices.view(-1)[: min(rows, indices.numel())] = torch.arange(min(rows, indices.numel()))  # every row used ...
    indices.view(-1)[-1] = indices.view(-1)[0]                                                # ... row 0 twice at least
    c = f32(torch.randn(*shape, dimensions))
    module = module.to(dtype)
    output = module(indices)
    (output * c.to(dtype)).sum().backward()
    return {
        "case": {"kind": "embedding", "rows": rows, "dimensions": dimensions, "shape": list(shape), "seed": seed},
        "indices": indices.tolist(),
        "parameters": {"table": module.weight.detach().to(torch.float64).tolist()},
        "outputGradient": c.tolist(),
        "output": output.detach().to(torch.float64).tolist(),
        "gradients": {"table": module.weight.grad.to(torch.float64).tolist()},
        "producedBy": f"PyTorch {torch.__version__}, {str(dtype).replace('torch.', '')}",
    }


def kernel_difference(reference, trial):
    """Where a float32 run leaves the kernel test's tolerance (1e-4 relative, 1e-5 absolute, halved), or None: a case
    that PyTorch itself cannot reproduce in float32 is not a fair test of float32 kernels."""
    return golden_common.first_difference(reference, trial, lambda e: 0.5 * (1e-5 + 1e-4 * abs(e)))


def main():
    ap = arguments(__doc__, 20261204, "seed for the parameters and data of every case", ("golden", "kernels"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = []
    for i, (name, *spec) in enumerate(CASES):
        write_case(args.out, name, lambda dtype: recurrent_case(name, *spec, seed=args.seed + i, dtype=dtype),
                   kernel_difference)
        names.append(name)
    for i, (name, *spec) in enumerate(EMBEDDINGS):
        write_case(args.out, name, lambda dtype: embedding_case(name, *spec, seed=args.seed + 100 + i, dtype=dtype))
        names.append(name)
    write_record(os.path.join(args.out, "GENERATED-rnn.md"), "make_golden_rnn.py", args.seed,
                 "the script's docstring and tests/golden/README.md", [n + ".json" for n in names])
    print(f"{len(names)} cases written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
