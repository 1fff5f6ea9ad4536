using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>The parts of backpropagation through time that LSTM and GRU share.</summary>
internal static class Recurrence
{
    [ThreadStatic] private static WorkerPool? t_stepPool;

    /// <summary>
    /// The pool a timestep's product runs on, in LSTM and GRU alike: the calling thread's own one-thread pool. A step's
    /// product (batch 64 × 64 units × 256 gates on W6) is too small to split: two threads took longer than one. A pool
    /// of one wakes no thread and keeps its packing scratch between calls, so a step allocates nothing; the result does
    /// not depend on the split, so the bits are those of any thread count.
    /// </summary>
    public static WorkerPool StepPool => t_stepPool ??= new WorkerPool(1);

    /// <summary>
    /// dh [B, H] = (or +=, when <paramref name="add"/>) the output's gradient at timestep <paramref name="t"/>: the
    /// whole dOutput [B, H] for a last-state output (only its last step has one), row b of dOutput [B, T, H] otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutputGradientAt(RecurrentShape shape, ReadOnlySpan<float> outputGradient, int t, Span<float> dh, bool add)
    {
        int units = shape.Units, bh = shape.Batch * units;
        if (!shape.ReturnSequences)
        {
            if (add) GateMath.Add(dh[..bh], outputGradient[..bh]);
            else outputGradient[..bh].CopyTo(dh);
            return;
        }
        for (int b = 0; b < shape.Batch; b++)
        {
            ReadOnlySpan<float> source = outputGradient.Slice((b * shape.Steps + t) * units, units);
            if (add) GateMath.Add(dh.Slice(b * units, units), source);
            else source.CopyTo(dh.Slice(b * units, units));
        }
    }

    /// <summary>
    /// The gradients gathered over all timesteps, one GEMM each (the reduction over T·B rows runs inside the GEMM,
    /// which never splits it between threads):
    /// <code>
    ///   dW_ih = Xᵀ·dA [F, G·H]     dW_hh = H_prevᵀ·dR [H, G·H]     db_ih = Σ dA     db_hh = Σ dR     dX = dA·W_ihᵀ
    /// </code>
    /// with X [T·B, F] the time-major input, H_prev [T·B, H] the hidden states each step started from, dA the
    /// gradients of the gates' input parts and dR of their recurrent parts [T·B, G·H] (the same buffer for LSTM).
    /// dX [T·B, F] is made in <paramref name="x"/> (no longer needed) and written to <paramref name="inputGradient"/>
    /// [B, T, F], unless that is empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradients(RecurrentShape shape, RecurrentLayout layout, Span<float> x, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dInput, ReadOnlySpan<float> dRecurrent, ReadOnlySpan<float> wih, Span<float> gradients,
        Span<float> inputGradient, WorkerPool pool)
    {
        int rows = shape.Rows, inputs = shape.Inputs, units = shape.Units, width = layout.GateWidth;
        Gemm.Multiply(GemmForm.TN, inputs, width, rows, x, dInput, gradients.Slice(layout.InputWeights, inputs * width), pool: pool);
        Gemm.Multiply(GemmForm.TN, units, width, rows, hPrev, dRecurrent, gradients.Slice(layout.RecurrentWeights, units * width), pool: pool);
        Span<float> dbih = gradients.Slice(layout.InputBias, width), dbhh = gradients.Slice(layout.RecurrentBias, width);
        ColumnSums.Compute(dInput, rows, width, dbih, pool);
        if (dRecurrent.Overlaps(dInput)) dbih.CopyTo(dbhh);
        else ColumnSums.Compute(dRecurrent, rows, width, dbhh, pool);
        if (inputGradient.IsEmpty) return;
        Gemm.Multiply(GemmForm.NT, rows, inputs, width, dInput, wih, x, pool: pool);
        GateMath.SwapOuter(x, inputGradient, shape.Steps, shape.Batch, inputs);
    }

    /// <summary>The first <paramref name="length"/> floats of <paramref name="rest"/>, which moves past them.</summary>
    public static Span<float> Take(scoped ref Span<float> rest, int length)
    {
        Span<float> part = rest[..length];
        rest = rest[length..];
        return part;
    }
}
