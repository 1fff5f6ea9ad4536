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
