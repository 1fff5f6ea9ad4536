using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Benchmarks;

/// <summary>W1 (Fashion-MNIST 784-128-64-10, Adam) and, after w1acc, W4 (inference on the trained network).</summary>
internal static class TrainingWorkloads
{
    private static readonly string DataDirectory =
        Environment.GetEnvironmentVariable("FMNIST_DIR") ?? "/usr/share/datasets/fashion-mnist";

    // FLOP accounting identical to peers/fmnist.py.
    private const long Weights = 784L * 128 + 128 * 64 + 64 * 10, Parameters = Weights + 128 + 64 + 10;
    private static double FlopsNominal(int n) => 6.0 * Parameters * n;
    private static double FlopsGemm(int n) => 2.0 * n * Weights * 2 + 2.0 * n * (Weights - 784 * 128);

    public static Dataset Load(string split)
    {
        string prefix = split == "train" ? "train" : "t10k";
        return IdxReader.ReadDataset(Path.Combine(DataDirectory, $"{prefix}-images-idx3-ubyte.gz"),
            Path.Combine(DataDirectory, $"{prefix}-labels-idx1-ubyte.gz"));
    }

    /// <summary>The W1 network as New-Network | Add-DenseLayer ×3 | Set-Optimizer Adam builds it.</summary>
    public static Network Build(long seed)
    {
        var net = new Network(784, "w1", seed);
        net.Add(new DenseLayer(128, Activation.Relu));
        net.Add(new DenseLayer(64, Activation.Relu));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    public static void W1(BenchOptions options, bool withAccuracy)
    {
        Dataset train = Load("train");
        Network net = Build(options.Seed);
        // --distributed: one rank of an MPI job (each rank runs --threads threads); --batch is the global batch.
        TimedCommunicator? mpi = options.Distributed ? new TimedCommunicator(MpiCommunicator.Join()) : null;
        bool print = mpi is null || mpi.Rank == 0;
        var trainer = new Trainer(net, train, null, new TrainingOptions
        {
            Epochs = options.Epochs, BatchSize = options.Batch, Seed = options.Seed, ThreadCount = options.Threads, Communicator = mpi,
        });
        var times = new List<double>();
        var shares = new List<double>();
        int epoch = 0;
        StepProfile.Enabled = options.Profile; // from the first epoch, so that the warm-up compiles the probes too
        var clock = Stopwatch.StartNew();
        foreach (EpochResult _ in trainer.Run())
        {
            double seconds = clock.Elapsed.TotalSeconds;
            epoch++;
            if (epoch > 1) times.Add(seconds);
            var fields = new List<(string, object?)> { ("work", "w1"), ("batch", options.Batch), ("epoch", epoch), ("warmup", epoch == 1),
                ("seconds", seconds), ("samples_per_s", train.Rows / seconds) };
            if (mpi is not null)
            {
                double reduce = mpi.TakeSeconds(); // the first epoch's includes the start-up broadcast of the network
                if (epoch > 1) shares.Add(reduce / seconds);
                fields.AddRange([("ranks", mpi.Size), ("allreduce_s", reduce), ("allreduce_share", reduce / seconds)]);
            }
            if (print) Output.Emit(fields.ToArray());
            if (epoch == 1) StepProfile.Reset(); // the profile covers the timed epochs only
            clock.Restart();
        }
        double median = Output.Median(times);
        var summary = new List<(string, object?)> { ("work", "w1_summary"), ("batch", options.Batch), ("timed_epochs", times.Count), ("median_epoch_s", median),
            ("samples_per_s", train.Rows / median), ("gflops_nominal", FlopsNominal(train.Rows) / median / 1e9),
            ("gflops_gemm", FlopsGemm(train.Rows) / median / 1e9) };
        if (mpi is not null) summary.AddRange([("ranks", mpi.Size), ("median_allreduce_share", Output.Median(shares))]);
        if (print) Output.Emit(summary.ToArray());
        if (options.Profile && print) EmitProfile(options, times.Sum());
        if (!withAccuracy || !print) return;

        Dataset test = Load("test");
        double accuracy = Accuracy(net, test);
        double trainLoss = CrossEntropy(net, train);
        Output.Emit(("work", "w1_accuracy"), ("batch", options.Batch), ("epochs", options.Epochs), ("seed", options.Seed),
            ("test_accuracy", accuracy), ("train_loss", trainLoss));
        W4(net, test);
    }

    /// <summary>
    /// The w1_profile line: microseconds a step per phase of the trainer (their sum is the step), the products,
    /// column sums, loss and activations inside them, each thread's time in split pool calls, the caller's wait for
    /// the workers, and what is left: the caller's serial time (no split call running) and each worker's idle time.
    /// </summary>
    private static void EmitProfile(BenchOptions options, double seconds)
    {
        long steps = Math.Max(1, StepProfile.Steps);
        double Us(double s) => s / steps * 1e6;
        var fields = new List<(string, object?)> { ("work", "w1_profile"), ("batch", options.Batch), ("steps", steps),
            ("step_us", Us(seconds)) };
        foreach (StepPhase phase in Enum.GetValues<StepPhase>())
            fields.Add(($"{phase.ToString().ToLowerInvariant()}_us", Us(StepProfile.Seconds(phase))));
        int threads = Math.Min(options.Threads, StepProfile.MaxThreads);
        fields.Add(("wait_us", Us(StepProfile.WaitSeconds)));
        fields.Add(("serial_us", Us(seconds - StepProfile.BusySeconds(0) - StepProfile.WaitSeconds)));
        for (int t = 0; t < threads; t++) fields.Add(($"busy{t}_us", Us(StepProfile.BusySeconds(t))));
        for (int t = 1; t < threads; t++) fields.Add(($"idle{t}_us", Us(seconds - StepProfile.BusySeconds(t))));
        Output.Emit(fields.ToArray());
    }

    private static double Accuracy(Network net, Dataset data)
    {
        float[] outputs = net.Predict(data.Features, data.Rows);
        int correct = 0;
        for (int r = 0; r < data.Rows; r++)
            if (ArgMax(outputs.AsSpan(r * 10, 10)) == (int)data.Targets[r]) correct++;
        return (double)correct / data.Rows;
    }

    private static double CrossEntropy(Network net, Dataset data)
    {
        float[] outputs = net.Predict(data.Features, data.Rows);
        double total = 0;
        for (int r = 0; r < data.Rows; r++) total -= Math.Log(Math.Max(outputs[r * 10 + (int)data.Targets[r]], 1e-12f));
        return total / data.Rows;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    /// <summary>
    /// W4 alone, for iterating on the prediction path: the W1 network trained as w1acc trains it (10 epochs at batch
    /// 128 unless --epochs/--batch say otherwise), saved to --model on the first run and read back from it after, so
    /// that each later run measures the same weights without training again.
    /// </summary>
    public static void W4Only(BenchOptions options)
    {
        string path = options.Model ?? Path.Combine(Path.GetTempPath(), $"neuralps-w4-e{options.Epochs}-b{options.Batch}-s{options.Seed}.npsm");
        Network net;
        if (File.Exists(path)) net = NeuralPS.Core.Serialization.ModelFile.Read(path);
        else
        {
            net = Build(options.Seed);
            var trainer = new Trainer(net, Load("train"), null, new TrainingOptions
            {
                Epochs = options.Epochs, BatchSize = options.Batch, Seed = options.Seed, ThreadCount = options.Threads,
            });
            foreach (EpochResult _ in trainer.Run()) { }
            NeuralPS.Core.Serialization.ModelFile.Write(net, path, overwrite: true);
        }
        net.ThreadCount = options.Threads;
        Dataset test = Load("test");
        W4(net, test);
        W4Parts(net, test);
    }

    /// <summary>
    /// Where a single prediction's time goes (µs each, best of 5 passes over the test set, one thread): the first
    /// layer's product alone, then with each further layer's product, then the whole Network.Predict (activations, the
    /// softmax and the call path on top), and the first product with one image over and over (the same rows of W
    /// each time: what the skipped rows' varying pattern costs).
    /// </summary>
    private static void W4Parts(Network net, Dataset test)
    {
        DenseLayer[] dense = net.Layers.OfType<DenseLayer>().ToArray();
        if (dense.Length != net.Layers.Count) return;
        int n = test.Rows, inputs = net.InputSize;
        float[] x = test.Features, outputs = new float[net.OutputSize];
        float[][] y = dense.Select(l => new float[l.OutputSize]).ToArray();
        void Products(int image, int layers)
        {
            ReadOnlySpan<float> input = x.AsSpan(image * inputs, inputs);
            for (int i = 0; i < layers; i++)
            {
                DenseLayer layer = dense[i];
                Span<float> p = net.ParametersOf(layer);
                NeuralPS.Core.Kernels.Gemm.MultiplyBias(NeuralPS.Core.Kernels.GemmForm.NN, 1, layer.OutputSize, layer.InputSize, input,
                    p[..layer.WeightCount], p.Slice(layer.WeightCount, layer.OutputSize), y[i], layer.Activation == Activation.Relu);
                input = y[i];
            }
        }
        double Best(Action<int> predict)
        {
            for (int i = 0; i < 500; i++) predict(i);
            double best = double.MaxValue;
            for (int rep = 0; rep < 5; rep++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < n; i++) predict(i);
                best = Math.Min(best, clock.Elapsed.TotalSeconds / n * 1e6);
            }
            return best;
        }
        var fields = new List<(string, object?)> { ("work", "w4parts"), ("batch", 1) };
        for (int layers = 1; layers <= dense.Length; layers++)
        {
            int count = layers;
            fields.Add(($"us_products_1_to_{layers}", Best(i => Products(i, count))));
        }
        fields.Add(("us_predict", Best(i => net.Predict(x.AsSpan(i * inputs, inputs), 1, outputs))));
        fields.Add(("us_product_1_same_image", Best(_ => Products(0, 1))));
        double live = 0;
        for (int i = 0; i < x.Length; i++) if (x[i] != 0) live++;
        fields.Add(("live_inputs", live / n));
        Output.Emit(fields.ToArray());
    }

    /// <summary>W4: one call on the whole test set, then one call per image, as torch_bench.py's w4.</summary>
    private static void W4(Network net, Dataset test)
    {
        int n = test.Rows, width = net.OutputSize;
        float[] inputs = test.Features, outputs = new float[n * width];
        int[] predictions = new int[n];
        void Batch()
        {
            net.Predict(inputs, n, outputs);
            for (int r = 0; r < n; r++) predictions[r] = ArgMax(outputs.AsSpan(r * width, width));
        }
        for (int i = 0; i < 3; i++) Batch();
        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            Batch();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        double median = Output.Median(times);
        Output.Emit(("work", "w4"), ("batch", n), ("median_s", median), ("predictions_per_s", n / median), ("repeats", times.Count));

        float[] one = new float[width];
        int Single(int i)
        {
            net.Predict(inputs.AsSpan(i * 784, 784), 1, one);
            return ArgMax(one);
        }
        for (int i = 0; i < 200; i++) Single(i);
        times.Clear();
        for (int rep = 0; rep < 3; rep++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) predictions[i] = Single(i);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        median = Output.Median(times);
        Output.Emit(("work", "w4"), ("batch", 1), ("median_s", median), ("predictions_per_s", n / median),
            ("us_per_prediction", median / n * 1e6), ("repeats", times.Count));
    }
}
