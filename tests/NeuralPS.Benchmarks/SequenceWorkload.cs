using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W6 (as ../../bench/peers/torch_bench.py w6): LSTM(8 → 64) over 48 steps, its last state into Dense 1, MSE, Adam 1e-3,
/// on 8,192 seeded random windows x ~ N(0, 1) [48, 8] labelled by the mean of feature 0 over the last 6 steps plus
/// N(0, 0.1²) noise; --batch (64), --epochs (3: epoch 1 warm-up), wall-clock seconds an epoch, built as
/// New-Network -InputShape 48,8 | Add-LstmLayer 64 | Add-DenseLayer 1 | Set-Optimizer Adam builds it.
/// </summary>
internal static class SequenceWorkload
{
    private const int Windows = 8192, Steps = 48, Features = 8, Units = 64;

    public static Dataset Data()
    {
        var random = new RandomSource(1);
        var x = new float[Windows * Steps * Features];
        var y = new float[Windows];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextGaussian();
        for (int n = 0; n < Windows; n++)
        {
            double sum = 0;
            for (int t = Steps - 6; t < Steps; t++) sum += x[(n * Steps + t) * Features];
            y[n] = (float)(sum / 6 + 0.1 * random.NextGaussian());
        }
        return new Dataset(x, Steps * Features, y, 1, DatasetTask.Regression, name: "w6") { Shape = new[] { Steps, Features } };
    }

    public static void W6(BenchOptions options)
    {
        int batch = options.BatchGiven ? options.Batch : 64, epochs = options.Epochs;
        Dataset data = Data();
        var net = new Network(Shape.From(data.Shape!), "w6", options.Seed);
        net.Add(new LstmLayer(Units));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        var trainer = new Trainer(net, data, null, new TrainingOptions
        {
            Epochs = epochs, BatchSize = batch, Seed = options.Seed, ThreadCount = options.Threads,
        });
        var times = new List<double>();
        int epoch = 0;
        var clock = Stopwatch.StartNew();
        foreach (EpochResult result in trainer.Run())
        {
            double seconds = clock.Elapsed.TotalSeconds;
            epoch++;
            if (epoch > 1) times.Add(seconds);
            Output.Emit(("work", "w6"), ("batch", batch), ("epoch", epoch), ("warmup", epoch == 1), ("seconds", seconds),
                ("samples_per_s", Windows / seconds), ("loss", result.Loss));
            clock.Restart();
        }
        double median = Output.Median(times);
        Output.Emit(("work", "w6_summary"), ("batch", batch), ("timed_epochs", times.Count), ("median_epoch_s", median),
            ("samples_per_s", Windows / median));
    }
}
