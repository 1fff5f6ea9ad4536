using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Benchmarks;

/// <summary>W2: tiny networks, where per-step overhead is everything.</summary>
internal static class TinyWorkloads
{
    public static void Run(BenchOptions options)
    {
        Xor(options);
        Regression(options);
    }

    /// <summary>
    /// The peers warm up with one short run (their kernels are compiled ahead of time); .NET compiles in tiers and
    /// optimizes a method only after it has run a while, so the warm-up repeats the short run for half a second.
    /// </summary>
    private static void WarmUp(Action run)
    {
        var clock = Stopwatch.StartNew();
        do run(); while (clock.ElapsedMilliseconds < 500);
    }

    /// <summary>XOR 2-4-1, tanh then sigmoid, binary cross-entropy, SGD lr 0.5, full batch, 5,000 steps.</summary>
    private static void Xor(BenchOptions options)
    {
        var data = new Dataset(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 2, new float[] { 0, 1, 1, 0 }, 1,
            DatasetTask.Classification, classNames: new[] { "0", "1" });
        (Network, double) Train(int epochs)
        {
            var net = new Network(2, "xor", options.Seed);
            net.Add(new DenseLayer(4, Activation.Tanh));
            net.Add(new DenseLayer(1, Activation.Sigmoid));
            net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.5 };
            double loss = double.NaN;
            var trainer = new Trainer(net, data, null, new TrainingOptions
            {
                Epochs = epochs, BatchSize = 0, Seed = options.Seed, ThreadCount = options.Threads,
            });
            foreach (EpochResult result in trainer.Run()) loss = result.Loss;
            return (net, loss);
        }

        WarmUp(() => Train(50));
        var clock = Stopwatch.StartNew();
        (Network trained, double finalLoss) = Train(5000);
        double seconds = clock.Elapsed.TotalSeconds;
        float[] outputs = trained.Predict(data.Features, 4);
        int correct = 0;
        for (int i = 0; i < 4; i++) if ((outputs[i] > 0.5f ? 1f : 0f) == data.Targets[i]) correct++;
        Output.Emit(("work", "w2_xor"), ("epochs", 5000), ("steps", 5000), ("seconds", seconds), ("us_per_step", seconds / 5000 * 1e6),
            ("final_loss", finalLoss), ("xor_correct_of_4", correct));
    }

    /// <summary>10-10-10-1 ReLU regression, MSE, SGD lr 0.01, batch 32, 100 epochs on 1,000 samples.</summary>
    private static void Regression(BenchOptions options)
    {
        var random = new Random((int)options.Seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var x = new float[1000 * 10];
        var y = new float[1000];
        for (int r = 0; r < 1000; r++)
        {
            double sum = 0;
            for (int j = 0; j < 10; j++) sum += Math.Sin(x[r * 10 + j] = (float)Normal());
            y[r] = (float)(sum + 0.1 * Normal());
        }
        var data = new Dataset(x, 10, y, 1, DatasetTask.Regression);
        (Network, int) Train(int epochs)
        {
            var net = new Network(10, "regression", options.Seed);
            net.Add(new DenseLayer(10, Activation.Relu));
            net.Add(new DenseLayer(10, Activation.Relu));
            net.Add(new DenseLayer(1, Activation.Linear));
            net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.01 };
            var trainer = new Trainer(net, data, null, new TrainingOptions
            {
                Epochs = epochs, BatchSize = 32, Seed = options.Seed, ThreadCount = options.Threads,
            });
            foreach (EpochResult _ in trainer.Run()) { }
            return (net, epochs * ((1000 + 31) / 32));
        }

        WarmUp(() => Train(2));
        var clock = Stopwatch.StartNew();
        (Network trained, int steps) = Train(100);
        double seconds = clock.Elapsed.TotalSeconds;
        float[] predictions = trained.Predict(x, 1000);
        double mse = 0;
        for (int r = 0; r < 1000; r++) mse += (predictions[r] - y[r]) * (double)(predictions[r] - y[r]);
        Output.Emit(("work", "w2_reg"), ("epochs", 100), ("steps", steps), ("seconds", seconds), ("us_per_step", seconds / steps * 1e6),
            ("final_mse", mse / 1000));
    }
}
