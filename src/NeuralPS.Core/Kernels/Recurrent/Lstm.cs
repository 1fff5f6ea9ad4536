using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// A long short-term memory layer over a batch of sequences, forward and backward through time, with PyTorch's
/// equations (nn.LSTM; gates in its order i, f, g, o; zero initial state):
/// <code>
///   i = σ(x W_ii + b_ii + h W_hi + b_hi)      f = σ(x W_if + b_if + h W_hf + b_hf)
///   g = tanh(x W_ig + b_ig + h W_hg + b_hg)   o = σ(x W_io + b_io + h W_ho + b_ho)
///   c' = f ⊙ c + i ⊙ g                         h' = o ⊙ tanh(c')
/// </code>
/// The input products of all timesteps are one GEMM ([T·B, F]·[F, 4H]); each step adds its recurrent product
/// ([B, H]·[H, 4H]) on the same kernels and runs the gates, the cell and the output in one fused pass. The weight
/// gradients are one GEMM each over all timesteps. Work is split only as the GEMM splits it (output tiles), so
/// the bits do not depend on the thread count. Every buffer is the caller's <c>scratch</c>
/// (<see cref="ScratchFloats"/>): a call allocates nothing. <see cref="LstmReference"/> is the plain specification.
/// </summary>
public static class Lstm
{
    /// <summary>Gate blocks: i, f, g, o.</summary>
    public const int Gates = 4;

    /// <summary>The parameters' layout (<see cref="RecurrentLayout"/>) for <paramref name="inputs"/> features and <paramref name="units"/> units.</summary>
    public static RecurrentLayout Layout(int inputs, int units) => new(Gates, inputs, units);

    /// <summary>
    /// Floats of scratch one forward-and-backward pair needs: the time-major input [T, B, F], the gates [T, B, 4H],
    /// the hidden and cell states [T+1, B, H] each (state 0 is the zero initial state), tanh(c) [T, B, H], and the
    /// carried gradients dh, dc [B, H].
    /// </summary>
    public static int ScratchFloats(RecurrentShape shape)
    {
        long rows = (long)shape.Steps * shape.Batch, bh = (long)shape.Batch * shape.Units;
        long floats = rows * shape.Inputs + rows * Gates * shape.Units + 2 * (rows * shape.Units + bh) + rows * shape.Units + 2 * bh;
        return floats > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(shape), shape, "An LSTM call this large needs more scratch than one array holds.") : (int)floats;
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

        // gates[t, b, :] = x[b, t, :]·W_ih + b_ih, all timesteps at once
        GateMath.SwapOuter(x, s.X, batch, steps, inputs);
        Gemm.MultiplyBias(GemmForm.NN, shape.Rows, width, inputs, s.X, wih, bih, s.Gates, pool: pool);
        s.H[..bh].Clear();
        s.C[..bh].Clear();
        for (int t = 0; t < steps; t++)
        {
            Span<float> gates = s.Gates.Slice(t * step, step);
            // += h_{t-1}·W_hh (h_{-1} = 0: nothing to add at t = 0)
            if (t > 0) Gemm.Multiply(GemmForm.NN, batch, width, units, s.H.Slice(t * bh, bh), whh, gates, accumulate: true, pool: Recurrence.StepPool);
            CellForward(batch, units, gates, bhh, s.C.Slice(t * bh, bh), s.C.Slice((t + 1) * bh, bh),
                s.TanhC.Slice(t * bh, bh), s.H.Slice((t + 1) * bh, bh));
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

        // dh of the last step: the output's gradient (its last timestep when every step is an output)
        Recurrence.OutputGradientAt(shape, outputGradient, steps - 1, s.Dh, add: false);
        s.Dc.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            // gates[t] becomes d(pre-activation) of the gates: what the weight gradients and dx are made of
            Span<float> gates = s.Gates.Slice(t * step, step);
            CellBackward(batch, units, gates, s.C.Slice(t * bh, bh), s.TanhC.Slice(t * bh, bh), s.Dh, s.Dc);
            if (t == 0) break;
            // dh_{t-1} = dgates_t·W_hhᵀ (+ the output's gradient at t-1)
            Gemm.Multiply(GemmForm.NT, batch, units, width, gates, whh, s.Dh, pool: Recurrence.StepPool);
            if (shape.ReturnSequences) Recurrence.OutputGradientAt(shape, outputGradient, t - 1, s.Dh, add: true);
        }
        Recurrence.WeightGradients(shape, layout, s.X, s.H[..(steps * bh)], s.Gates, s.Gates, wih, gradients, inputGradient, pool);
    }

    /// <summary>One step's gates, cell and output, fused: gates [B, 4H] (pre-activations without b_hh in, activations out).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void CellForward(int batch, int units, Span<float> gates, ReadOnlySpan<float> bhh,
        ReadOnlySpan<float> cPrev, Span<float> c, Span<float> tanhC, Span<float> h)
    {
        int w = Vector<float>.Count, width = Gates * units;
        Span<float> pad = stackalloc float[w];
        for (int b = 0; b < batch; b++)
        {
            Span<float> g = gates.Slice(b * width, width);
            int row = b * units;
            for (int j = 0; j < units; j += w)
            {
                int n = Math.Min(w, units - j);
                Vector<float> i = GateMath.Sigmoid(GateMath.Load(g, j, n, pad) + GateMath.Load(bhh, j, n, pad));
                Vector<float> f = GateMath.Sigmoid(GateMath.Load(g, units + j, n, pad) + GateMath.Load(bhh, units + j, n, pad));
                Vector<float> gg = GateMath.Tanh(GateMath.Load(g, 2 * units + j, n, pad) + GateMath.Load(bhh, 2 * units + j, n, pad));
                Vector<float> o = GateMath.Sigmoid(GateMath.Load(g, 3 * units + j, n, pad) + GateMath.Load(bhh, 3 * units + j, n, pad));
                Vector<float> cNew = f * GateMath.Load(cPrev, row + j, n, pad) + i * gg;
                Vector<float> tc = GateMath.Tanh(cNew);
                GateMath.Store(i, g, j, n, pad);
                GateMath.Store(f, g, units + j, n, pad);
                GateMath.Store(gg, g, 2 * units + j, n, pad);
                GateMath.Store(o, g, 3 * units + j, n, pad);
                GateMath.Store(cNew, c, row + j, n, pad);
                GateMath.Store(tc, tanhC, row + j, n, pad);
                GateMath.Store(o * tc, h, row + j, n, pad);
            }
        }
    }

    /// <summary>
    /// One step back, fused: from dh (the step's output gradient) and dc (the cell's, carried from the step after; in:
    /// dc_t, out: dc_{t-1}) to the gates' pre-activation gradients, written over their activations in gates [B, 4H].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void CellBackward(int batch, int units, Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tanhC,
        ReadOnlySpan<float> dh, Span<float> dc)
    {
        int w = Vector<float>.Count, width = Gates * units;
        Span<float> pad = stackalloc float[w];
        Vector<float> one = Vector<float>.One;
        for (int b = 0; b < batch; b++)
        {
            Span<float> g = gates.Slice(b * width, width);
            int row = b * units;
            for (int j = 0; j < units; j += w)
            {
                int n = Math.Min(w, units - j);
                Vector<float> i = GateMath.Load(g, j, n, pad), f = GateMath.Load(g, units + j, n, pad);
                Vector<float> gg = GateMath.Load(g, 2 * units + j, n, pad), o = GateMath.Load(g, 3 * units + j, n, pad);
                Vector<float> tc = GateMath.Load(tanhC, row + j, n, pad), dhv = GateMath.Load(dh, row + j, n, pad);
                // dc_t in full: carried from t+1, plus through h_t = o·tanh(c_t)
                Vector<float> dct = GateMath.Load(dc, row + j, n, pad) + dhv * o * (one - tc * tc);
                GateMath.Store(dct * gg * i * (one - i), g, j, n, pad);
                GateMath.Store(dct * GateMath.Load(cPrev, row + j, n, pad) * f * (one - f), g, units + j, n, pad);
                GateMath.Store(dct * i * (one - gg * gg), g, 2 * units + j, n, pad);
                GateMath.Store(dhv * tc * o * (one - o), g, 3 * units + j, n, pad);
                GateMath.Store(dct * f, dc, row + j, n, pad);
            }
        }
    }

    /// <summary>The scratch, cut into its buffers (see <see cref="ScratchFloats"/>).</summary>
    private readonly ref struct Buffers
    {
        public readonly Span<float> X, Gates, H, C, TanhC, Dh, Dc;

        public Buffers(RecurrentShape shape, Span<float> scratch)
        {
            int rows = shape.Rows, bh = shape.Batch * shape.Units, states = rows * shape.Units + bh;
            X = Recurrence.Take(ref scratch, rows * shape.Inputs);
            Gates = Recurrence.Take(ref scratch, rows * Lstm.Gates * shape.Units);
            H = Recurrence.Take(ref scratch, states);
            C = Recurrence.Take(ref scratch, states);
            TanhC = Recurrence.Take(ref scratch, rows * shape.Units);
            Dh = Recurrence.Take(ref scratch, bh);
            Dc = Recurrence.Take(ref scratch, bh);
        }
    }
}
