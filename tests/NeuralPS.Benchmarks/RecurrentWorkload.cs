using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W6k: the recurrent kernels of W6 one pass at a time: LSTM(64) and GRU(64) over a batch (64) of 48 steps × 8
/// features, last state out; "forward" and "train_step" (forward, then backward into every weight gradient; a first
/// layer's dx is never needed). ms a call, median and best of 7 runs after a warm-up, on one thread the process's
/// CPU time (ConvWorkload.Measure). W6 runs 8,192 windows an epoch: 128 such steps at batch 64.
/// </summary>
internal static class RecurrentWorkload
{
    public static void Run(BenchOptions options)
    {
        int batch = options.BatchGiven ? options.Batch : 64;
        var shape = new RecurrentShape(batch, 48, 8, 64);
        Output.Emit(("work", "w6k"), ("clock", options.Threads == 1 ? "process cpu time" : "wall"), ("shape", $"{batch}x{shape.Steps}x{shape.Inputs} -> {shape.Units}"));
        using var pool = new WorkerPool(options.Threads);
        var random = new Random(0);
        foreach (string cell in new[] { "lstm", "gru" })
        {
            bool lstm = cell == "lstm";
            int gates = lstm ? Lstm.Gates : Gru.Gates;
            float[] p = Fill(random, RecurrentLayout.CountFor(gates, shape.Inputs, shape.Units), 0.125f);
            float[] x = Fill(random, shape.InputLength, 1f), dy = Fill(random, shape.OutputLength, 1f);
            float[] y = new float[shape.OutputLength], dp = new float[p.Length];
            var scratch = new float[lstm ? Lstm.ScratchFloats(shape) : Gru.ScratchFloats(shape)];
            void Forward()
            {
                if (lstm) Lstm.Forward(shape, p, x, y, scratch, pool);
                else Gru.Forward(shape, p, x, y, scratch, pool);
            }
            void Step()
            {
                Forward();
                if (lstm) Lstm.Backward(shape, p, dy, dp, Span<float>.Empty, scratch, pool);
                else Gru.Backward(shape, p, dy, dp, Span<float>.Empty, scratch, pool);
            }
            // forward: x·W_ih for all steps, h·W_hh for 47; backward: those again for dh and dW (dx skipped)
            double forwardFlops = 2.0 * batch * gates * shape.Units * (shape.Steps * shape.Inputs + (shape.Steps - 1) * shape.Units);
            double stepFlops = forwardFlops + 2.0 * batch * gates * shape.Units * (shape.Steps * (shape.Inputs + shape.Units) + (shape.Steps - 1) * shape.Units);
            foreach ((string pass, Action run, double flops) in new (string, Action, double)[] { ("forward", Forward, forwardFlops), ("train_step", Step, stepFlops) })
            {
                (double median, double best) = ConvWorkload.Measure(run, options.Threads == 1);
                Output.Emit(("work", "w6k"), ("layer", cell), ("pass", pass), ("batch", batch), ("ms_median", median * 1e3),
                    ("ms_best", best * 1e3), ("gflops_median", flops / median / 1e9), ("epoch_s_estimate", pass == "train_step" ? median * 8192 / batch : null));
            }
        }
    }

    private static float[] Fill(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
