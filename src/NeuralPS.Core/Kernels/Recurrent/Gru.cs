using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// A gated recurrent unit layer over a batch of sequences, forward and backward through time, with PyTorch's
/// equations (nn.GRU; gates in its order r, z, n; zero initial state). The reset gate multiplies the recurrent part of
/// the candidate including its bias, (h W_hn + b_hn), as PyTorch, cuDNN and ONNX's linear_before_reset = 1 do:
/// <code>
///   r = σ(x W_ir + b_ir + h W_hr + b_hr)      z = σ(x W_iz + b_iz + h W_hz + b_hz)
///   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))
///   h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// The input products of all timesteps are one GEMM ([T·B, F]·[F, 3H]); each step makes its recurrent product
/// ([B, H]·[H, 3H] + b_hh, kept: the candidate needs its n part apart) on the same kernels and runs the gates and
/// the new state in one fused pass. The weight gradients are one GEMM each over all timesteps. Work is split only as
/// the GEMM splits it, so the bits do not depend on the thread count; every buffer is the caller's
/// <c>scratch</c> (<see cref="ScratchFloats"/>). <see cref="GruReference"/> is the plain specification.
/// </summary>
public static class Gru
{
    /// <summary>Gate blocks: r, z, n.</summary>
    public const int Gates = 3;

    /// <summary>The parameters' layout (<see cref="RecurrentLayout"/>) for <paramref name="inputs"/> features and <paramref name="units"/> units.</summary>
    public static RecurrentLayout Layout(int inputs, int units) => new(Gates, inputs, units);

    /// <summary>
    /// Floats of scratch one forward-and-backward pair needs: the time-major input [T, B, F], the input parts of the
    /// gates [T, B, 3H], their recurrent parts [T, B, 3H], the hidden states [T+1, B, H] (state 0 is the zero initial
    /// state) and the carried gradient dh [B, H].
    /// </summary>
    public static int ScratchFloats(RecurrentShape shape)
    {
        long rows = (long)shape.Steps * shape.Batch, bh = (long)shape.Batch * shape.Units;
        long floats = rows * shape.Inputs + 2 * rows * Gates * shape.Units + rows * shape.Units + bh + bh;
        return floats > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(shape), shape, "A GRU call this large needs more scratch than one array holds.") : (int)floats;
    }

    /// <summary>
    /// output [B, H] (the last hidden state) or [B, T, H] (every one, <see cref="RecurrentShape.ReturnSequences"/>)
    /// from x [B, T, F]. <paramref name="parameters"/> is laid out as <see cref="Layout"/> says. The states the
    /// backward pass needs stay in <paramref name="scratch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<float> output,
        Span<float> scratch, WorkerPool pool)
    {
        shape.Check(Gates, parameters.Length, x.Length, output.Length, scratch.Length, ScratchFloats(shape));
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Layout(inputs, units);
        int width = layout.GateWidth, step = batch * width, bh = batch * units;
        var s = new Buffers(shape, scratch);
        ReadOnlySpan<float> wih = parameters.Slice(layout.InputWeights, inputs * width);
        ReadOnlySpan<float> whh = parameters.Slice(layout.RecurrentWeights, units * width);
        ReadOnlySpan<float> bih = parameters.Slice(layout.InputBias, width);
        ReadOnlySpan<float> bhh = parameters.Slice(layout.RecurrentBias, width);

        // inputs[t, b, :] = x[b, t, :]·W_ih + b_ih, all timesteps at once
        GateMath.SwapOuter(x, s.X, batch, steps, inputs);
        Gemm.MultiplyBias(GemmForm.NN, shape.Rows, width, inputs, s.X, wih, bih, s.Inputs, pool: pool);
        s.H[..bh].Clear();
        for (int t = 0; t < steps; t++)
        {
            Span<float> recurrent = s.Recurrent.Slice(t * step, step);
            // recurrent[t] = h_{t-1}·W_hh + b_hh (h_{-1} = 0: only the bias at t = 0)
            if (t > 0) Gemm.MultiplyBias(GemmForm.NN, batch, width, units, s.H.Slice(t * bh, bh), whh, bhh, recurrent, pool: Recurrence.StepPool);
            else for (int b = 0; b < batch; b++) bhh.CopyTo(recurrent.Slice(b * width, width));
            CellForward(batch, units, s.Inputs.Slice(t * step, step), recurrent, s.H.Slice(t * bh, bh), s.H.Slice((t + 1) * bh, bh));
        }
        if (shape.ReturnSequences) GateMath.SwapOuter(s.H.Slice(bh, steps * bh), output, steps, batch, units);
        else s.H.Slice(steps * bh, bh).CopyTo(output);
    }

    /// <summary>
    /// Backpropagation through time after <see cref="Forward"/> with the same <paramref name="scratch"/> (which it
    /// uses up: call it once). From dOutput (shaped as the output) to the parameter gradients (overwritten, laid out as
    /// the parameters) and, unless <paramref name="inputGradient"/> is empty, dx [B, T, F].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> outputGradient,
        Span<float> gradients, Span<float> inputGradient, Span<float> scratch, WorkerPool pool)
    {
        shape.Check(Gates, parameters.Length, inputGradient.IsEmpty ? shape.InputLength : inputGradient.Length,
            outputGradient.Length, scratch.Length, ScratchFloats(shape));
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Layout(inputs, units);
        if (gradients.Length < layout.Count) throw new ArgumentException($"The gradients hold {gradients.Length} values; {shape} needs {layout.Count}.");
        int width = layout.GateWidth, step = batch * width, bh = batch * units;
        var s = new Buffers(shape, scratch);
        ReadOnlySpan<float> wih = parameters.Slice(layout.InputWeights, inputs * width);
        ReadOnlySpan<float> whh = parameters.Slice(layout.RecurrentWeights, units * width);

        Recurrence.OutputGradientAt(shape, outputGradient, steps - 1, s.Dh, add: false);
        for (int t = steps - 1; t >= 0; t--)
        {
            // inputs[t] and recurrent[t] become the gradients of the gates' two parts; dh becomes dh·z
            Span<float> recurrent = s.Recurrent.Slice(t * step, step);
            CellBackward(batch, units, s.Inputs.Slice(t * step, step), recurrent, s.H.Slice(t * bh, bh), s.Dh);
            if (t == 0) break;
            // dh_{t-1} = dh·z + drecurrent_t·W_hhᵀ (+ the output's gradient at t-1)
            Gemm.Multiply(GemmForm.NT, batch, units, width, recurrent, whh, s.Dh, accumulate: true, pool: Recurrence.StepPool);
            if (shape.ReturnSequences) Recurrence.OutputGradientAt(shape, outputGradient, t - 1, s.Dh, add: true);
        }
        Recurrence.WeightGradients(shape, layout, s.X, s.H[..(steps * bh)], s.Inputs, s.Recurrent, wih, gradients, inputGradient, pool);
    }

    /// <summary>
    /// One step, fused: from the gates' input parts (inputs [B, 3H], which receive r, z, n) and recurrent parts
    /// (recurrent [B, 3H], kept for the backward pass) and h_{t-1}, the new state h_t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void CellForward(int batch, int units, Span<float> inputs, ReadOnlySpan<float> recurrent,
        ReadOnlySpan<float> hPrev, Span<float> h)
    {
        int w = Vector<float>.Count, width = Gates * units;
        Span<float> pad = stackalloc float[w];
        Vector<float> one = Vector<float>.One;
        for (int b = 0; b < batch; b++)
        {
            Span<float> a = inputs.Slice(b * width, width);
            ReadOnlySpan<float> rec = recurrent.Slice(b * width, width);
            int row = b * units;
            for (int j = 0; j < units; j += w)
            {
                int n = Math.Min(w, units - j);
                Vector<float> r = GateMath.Sigmoid(GateMath.Load(a, j, n, pad) + GateMath.Load(rec, j, n, pad));
                Vector<float> z = GateMath.Sigmoid(GateMath.Load(a, units + j, n, pad) + GateMath.Load(rec, units + j, n, pad));
                Vector<float> c = GateMath.Tanh(GateMath.Load(a, 2 * units + j, n, pad) + r * GateMath.Load(rec, 2 * units + j, n, pad));
                Vector<float> hNew = (one - z) * c + z * GateMath.Load(hPrev, row + j, n, pad);
                GateMath.Store(r, a, j, n, pad);
                GateMath.Store(z, a, units + j, n, pad);
                GateMath.Store(c, a, 2 * units + j, n, pad);
                GateMath.Store(hNew, h, row + j, n, pad);
            }
        }
    }

    /// <summary>
    /// One step back, fused: from dh [B, H] (in: dh_t; out: its direct part dh_t·z) to the gradients of the gates'
    /// input parts (written over r, z, n in inputs) and recurrent parts (written over recurrent). They differ only in
    /// the candidate: d(x W_in + b_in) = dn̂, d(h W_hn + b_hn) = dn̂ ⊙ r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void CellBackward(int batch, int units, Span<float> inputs, Span<float> recurrent, ReadOnlySpan<float> hPrev, Span<float> dh)
    {
        int w = Vector<float>.Count, width = Gates * units;
        Span<float> pad = stackalloc float[w];
        Vector<float> one = Vector<float>.One;
        for (int b = 0; b < batch; b++)
        {
            Span<float> a = inputs.Slice(b * width, width), rec = recurrent.Slice(b * width, width);
            int row = b * units;
            for (int j = 0; j < units; j += w)
            {
                int n = Math.Min(w, units - j);
                Vector<float> r = GateMath.Load(a, j, n, pad), z = GateMath.Load(a, units + j, n, pad), c = GateMath.Load(a, 2 * units + j, n, pad);
                Vector<float> hn = GateMath.Load(rec, 2 * units + j, n, pad), dhv = GateMath.Load(dh, row + j, n, pad);
                Vector<float> dc = dhv * (one - z) * (one - c * c);                                   // d(pre-activation of n)
                Vector<float> dr = dc * hn * r * (one - r);
                Vector<float> dz = dhv * (GateMath.Load(hPrev, row + j, n, pad) - c) * z * (one - z);
                GateMath.Store(dr, a, j, n, pad);
                GateMath.Store(dz, a, units + j, n, pad);
                GateMath.Store(dc, a, 2 * units + j, n, pad);
                GateMath.Store(dr, rec, j, n, pad);
                GateMath.Store(dz, rec, units + j, n, pad);
                GateMath.Store(dc * r, rec, 2 * units + j, n, pad);
                GateMath.Store(dhv * z, dh, row + j, n, pad);
            }
        }
    }

    /// <summary>The scratch, cut into its buffers (see <see cref="ScratchFloats"/>).</summary>
    private readonly ref struct Buffers
    {
        public readonly Span<float> X, Inputs, Recurrent, H, Dh;

        public Buffers(RecurrentShape shape, Span<float> scratch)
        {
            int rows = shape.Rows, bh = shape.Batch * shape.Units;
            X = Recurrence.Take(ref scratch, rows * shape.Inputs);
            Inputs = Recurrence.Take(ref scratch, rows * Gru.Gates * shape.Units);
            Recurrent = Recurrence.Take(ref scratch, rows * Gru.Gates * shape.Units);
            H = Recurrence.Take(ref scratch, rows * shape.Units + bh);
            Dh = Recurrence.Take(ref scratch, bh);
        }
    }
}
