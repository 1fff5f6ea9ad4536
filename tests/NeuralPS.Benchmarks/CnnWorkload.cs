using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W5: the images issue's CNN trained on the first 10,000 Fashion-MNIST training images, as bench/peers'
/// torch_bench.py w5 defines it — Conv(32, 3×3, same, ReLU) → MaxPool 2 → Conv(64, 3×3, same, ReLU) → MaxPool 2
/// → Dense 128 ReLU → Dense 10 softmax (the flatten before it implicit), Adam 1e-3, --batch (64), --epochs (3;
/// epoch 1 warm-up), then the test accuracy on the first 2,000 test images. The network is built as
/// New-Network -InputShape 1,28,28 | Add-Conv2DLayer | Add-MaxPoolLayer | Add-DenseLayer | Set-Optimizer Adam builds it.
/// </summary>
internal static class CnnWorkload
{
    private const int TrainRows = 10_000, TestRows = 2_000;

    /// <summary>The W5 network.</summary>
    public static Network Build(long seed)
    {
        var net = new Network(new Shape(1, 28, 28), "w5", seed);
        net.Add(new Conv2DLayer(32, 3, 3, padding: Padding.Same, activation: Activation.Relu));
        net.Add(new MaxPool2DLayer(2, 2));
        net.Add(new Conv2DLayer(64, 3, 3, padding: Padding.Same, activation: Activation.Relu));
        net.Add(new MaxPool2DLayer(2, 2));
        net.Add(new DenseLayer(128, Activation.Relu));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    public static void Run(BenchOptions options)
    {
        int batch = options.BatchGiven ? options.Batch : 64;
        Dataset train = First(TrainingWorkloads.Load("train"), TrainRows);
        Network net = Build(options.Seed);
        var trainer = new Trainer(net, train, null, new TrainingOptions
        {
            Epochs = options.Epochs, BatchSize = batch, Seed = options.Seed, ThreadCount = options.Threads,
        });
        var times = new List<double>();
        int epoch = 0;
        var clock = Stopwatch.StartNew();
        foreach (EpochResult _ in trainer.Run())
        {
            double seconds = clock.Elapsed.TotalSeconds;
            epoch++;
            if (epoch > 1) times.Add(seconds);
            Output.Emit(("work", "w5"), ("batch", batch), ("epoch", epoch), ("warmup", epoch == 1),
                ("seconds", seconds), ("samples_per_s", train.Rows / seconds));
            clock.Restart();
        }
        double median = times.Count > 0 ? Output.Median(times) : double.NaN;
        Output.Emit(("work", "w5_summary"), ("batch", batch), ("timed_epochs", times.Count), ("median_epoch_s", median),
            ("samples_per_s", train.Rows / median));

        Dataset test = First(TrainingWorkloads.Load("test"), TestRows);
        float[] outputs = net.Predict(test.Features, test.Rows);
        int correct = 0;
        for (int r = 0; r < test.Rows; r++)
        {
            int best = 0;
            for (int j = 1; j < 10; j++) if (outputs[r * 10 + j] > outputs[r * 10 + best]) best = j;
            if (best == test.LabelOf(r)) correct++;
        }
        Output.Emit(("work", "w5_accuracy"), ("epochs", options.Epochs), ("test_accuracy", (double)correct / test.Rows));
    }

    private static Dataset First(Dataset data, int rows) =>
        data.Subset(Enumerable.Range(0, Math.Min(rows, data.Rows)).ToArray());
}

/// <summary>
/// W5 step by step (--work w5layers): where a training step's time goes, each layer's forward and backward (its
/// activation's derivative included) and the Adam update, as the workspace runs them, on real batches of W5's data;
/// the median over 100 steps after 30 of warm-up, ms; on one thread the process's CPU time (clock_gettime), which
/// others' load inflates less than wall time. A profile, not a peer comparison.
/// </summary>
internal static partial class CnnLayersWorkload
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* time);

    private static unsafe double CpuMilliseconds()
    {
        long* t = stackalloc long[2];   // struct timespec: seconds, nanoseconds
        ClockGetTime(2, t);             // CLOCK_PROCESS_CPUTIME_ID
        return t[0] * 1e3 + t[1] / 1e6;
    }

    public static void Run(BenchOptions options)
    {
        int batch = options.BatchGiven ? options.Batch : 64, steps = 100, warm = 30;
        Dataset train = TrainingWorkloads.Load("train");
        Network net = CnnWorkload.Build(options.Seed);
        net.ThreadCount = options.Threads;
        var pass = new ForwardPass(net.Layers, batch, options.Threads);
        int count = net.Layers.Count;
        var gradient = new float[count][];
        for (int i = 0; i < count; i++) gradient[i] = new float[batch * net.Layers[i].OutputSize];
        var grads = new float[net.ParameterCount];
        var targets = new float[batch];
        Optimizer adam = Optimizer.Create(net.OptimizerSettings, net.ParameterCount);
        adam.Pool = pass.Pool;
        var times = new List<double>[2 * count + 1];
        for (int i = 0; i < times.Length; i++) times[i] = new List<double>();
        var wall = Stopwatch.StartNew();
        bool cpu = options.Threads == 1 && OperatingSystem.IsLinux();
        double mark = 0;
        double Lap()
        {
            double now = cpu ? CpuMilliseconds() : wall.Elapsed.TotalMilliseconds, lap = now - mark;
            mark = now;
            return lap;
        }
        float[] parameters = net.Parameters;
        for (int step = 0; step < warm + steps; step++)
        {
            int first = step * batch % (train.Rows - batch);
            ReadOnlySpan<float> x0 = train.Features.AsSpan(first * 784, batch * 784);
            train.Targets.AsSpan(first, batch).CopyTo(targets);
            bool keep = step >= warm;
            ReadOnlySpan<float> x = x0;
            for (int i = 0; i < count; i++)
            {
                Layer layer = net.Layers[i];
                int size = batch * layer.OutputSize;
                Lap();
                layer.ForwardActivated(parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount), x, pass.Z[i].AsSpan(0, size),
                    pass.Y[i].AsSpan(0, size), batch, true, pass.Scratch[i], pass.Context);
                if (keep) times[i].Add(Lap());
                x = pass.Y[i].AsSpan(0, size);
            }
            Lap();
            LossFunctions.Compute(net.Loss, Activation.Softmax, pass.Z[^1].AsSpan(0, batch * 10), pass.Y[^1].AsSpan(0, batch * 10),
                targets, 1, batch, 10, gradient[^1].AsSpan(0, batch * 10));
            for (int i = count - 1; i >= 0; i--)
            {
                Layer layer = net.Layers[i];
                int size = batch * layer.OutputSize;
                Span<float> dz = gradient[i].AsSpan(0, size);
                if (i < count - 1 && layer.Activation != Activation.Linear)
                    ActivationFunctions.Backward(layer.Activation, pass.Z[i].AsSpan(0, size), pass.Y[i].AsSpan(0, size), dz, dz, layer.OutputSize);
                ReadOnlySpan<float> input = i == 0 ? x0 : pass.Y[i - 1].AsSpan(0, batch * layer.InputSize);
                Span<float> dx = i == 0 ? Span<float>.Empty : gradient[i - 1].AsSpan(0, batch * layer.InputSize);
                layer.Backward(parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount), input, dz,
                    grads.AsSpan(layer.ParameterOffset, layer.ParameterCount), dx, batch, pass.Scratch[i], pass.Context);
                if (keep) times[count + i].Add(Lap());
            }
            adam.Step(parameters, grads, 1e-3f);
            if (keep) times[2 * count].Add(Lap());
        }
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double forward = Output.Median(times[i]), backward = Output.Median(times[count + i]);
            total += forward + backward;
            Output.Emit(("work", "w5layers"), ("layer", i), ("kind", net.Layers[i].Describe()), ("batch", batch),
                ("forward_ms", forward), ("backward_ms", backward));
        }
        double update = Output.Median(times[2 * count]);
        total += update;
        Output.Emit(("work", "w5layers"), ("layer", "adam"), ("batch", batch), ("update_ms", update), ("parameters", net.ParameterCount));
        Output.Emit(("work", "w5layers_summary"), ("batch", batch), ("step_ms", total), ("epoch_s_estimate", total * 157 / 1e3));
        pass.Dispose();
    }
}
