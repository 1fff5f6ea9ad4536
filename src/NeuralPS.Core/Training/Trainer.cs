using System.Runtime.CompilerServices;
using System.Diagnostics;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>
/// Trains a network on a dataset, one epoch at a time. <see cref="Run"/> yields each epoch's result as the epoch
/// ends. Stopping (the token) takes effect between steps and leaves the weights of the last completed step.
/// </summary>
public sealed class Trainer
{
    private readonly Network _network;
    private readonly Dataset _train;
    private readonly Dataset? _validation;
    private readonly TrainingOptions _options;
    private readonly DataParallel? _parallel; // set when the ranks of an MPI job train this network together

    /// <summary>
    /// Prepares training. With <see cref="TrainingOptions.ValidationSplit"/> and no validation data, a seeded
    /// random fraction of the rows is held out. <paramref name="cancellation"/> stops the wait for the other ranks
    /// when a distributed training agrees on that split.
    /// </summary>
    public Trainer(Network network, Dataset train, Dataset? validation, TrainingOptions options, CancellationToken cancellation = default)
    {
        _network = network;
        _options = options;
        if (options.Epochs < 1)
            throw new NeuralPSException(ErrorIds.InvalidEpochs, ErrorKind.InvalidArgument, $"Epochs must be at least 1; {options.Epochs} was given.");
        if (options.BatchSize < 0)
            throw new NeuralPSException(ErrorIds.InvalidBatchSize, ErrorKind.InvalidArgument, $"BatchSize must be positive (0 = full batch); {options.BatchSize} was given.");
        Evaluator.EnsureCompatible(network, train, "training data");
        if (options.Communicator is { } communicator)
        {
            if (network.OptimizerSettings.Kind == OptimizerKind.Lbfgs)
                throw new NeuralPSException(ErrorIds.DistributedNotSupported, ErrorKind.InvalidOperation,
                    "L-BFGS cannot train with -Distributed: it runs full-batch line searches that NeuralPS does not split across ranks. " +
                    "Use a first-order optimizer (Set-Optimizer Adam or Sgd), or train L-BFGS in one process without -Distributed.");
            _parallel = new DataParallel(communicator);
        }
        if (validation is null && options.ValidationSplit > 0)
        {
            if (options.ValidationSplit >= 1)
                throw new NeuralPSException(ErrorIds.InvalidValidationSplit, ErrorKind.InvalidArgument,
                    $"ValidationSplit is a fraction below 1; {options.ValidationSplit} was given.");
            // Distributed: every rank must hold out the same rows, also when each network drew its own random seed.
            long splitSeed = _parallel?.AgreeOnSeed(network.Seed, cancellation) ?? network.Seed;
            (train, validation) = SplitForValidation(train, options.ValidationSplit, splitSeed);
        }
        if (validation is not null) Evaluator.EnsureCompatible(network, validation, "validation data");
        _train = train;
        _validation = validation;
    }

    /// <summary>Why the last run ended early (null if it ran every epoch).</summary>
    public string? StopReason { get; private set; }

    /// <summary>Reports progress after every batch, on the training thread.</summary>
    public Action<BatchProgress>? BatchCompleted { get; set; }

    private static (Dataset Train, Dataset Validation) SplitForValidation(Dataset data, double fraction, long seed)
    {
        int holdOut = Math.Max(1, (int)Math.Round(data.Rows * fraction));
        if (holdOut >= data.Rows)
            throw new NeuralPSException(ErrorIds.InvalidValidationSplit, ErrorKind.InvalidArgument,
                $"A validation split of {fraction} leaves no training rows out of {data.Rows}.");
        int[] order = Enumerable.Range(0, data.Rows).ToArray();
        new RandomSource(RandomSource.Derive(seed, 3_000)).Shuffle(order);
        return (data.Subset(order[holdOut..], data.Name), data.Subset(order[..holdOut], data.Name + " (validation)"));
    }

    /// <summary>Trains, yielding one result per epoch as it ends.</summary>
    public IEnumerable<EpochResult> Run(CancellationToken cancellation = default)
    {
        Network net = _network;
        if (_options.ThreadCount is int threads) net.ThreadCount = threads;
        if (_options.Seed is long seed)
        {
            net.TrainingRandom = new RandomSource(RandomSource.Derive(seed, 1_000));
            net.DropoutRandom = new RandomSource(RandomSource.Derive(seed, 2_000));
        }
        net.FeatureNames ??= _train.FeatureNames;
        net.ClassNames ??= _train.ClassNames;
        net.FeatureEncoding ??= _train.Encoding;
        if (_options.Normalize) net.InsertNormalizationLayer();
        if (net.Layers[0] is NormalizationLayer { IsAdapted: false } normalization)
            normalization.Adapt(_train.Features, _train.Rows);

        return net.OptimizerSettings.Kind == OptimizerKind.Lbfgs ? RunLbfgs(cancellation) : RunMiniBatches(cancellation);
    }

    private IEnumerable<EpochResult> RunLbfgs(CancellationToken cancellation)
    {
        var runner = new LbfgsRunner(_network, _train, _validation, _options, this);
        StopReason = null;
        foreach (EpochResult result in runner.Run(cancellation)) yield return result;
        StopReason = runner.StopReason;
    }

    private IEnumerable<EpochResult> RunMiniBatches(CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = _train;
        int rows = data.Rows;
        int batchSize = _options.BatchSize == 0 ? rows : Math.Min(_options.BatchSize, rows);
        // Large enough for the validation passes too: they take up to Evaluator.Chunk rows at a time from the
        // network's workspace, and a larger request would replace (and dispose, with its worker pool) the workspace
        // this loop goes on using (2 threads, validation rows > batch size: ObjectDisposedException in epoch 2).
        Workspace ws = net.GetWorkspace(_validation is null ? batchSize : Math.Max(batchSize, Math.Min(Evaluator.Chunk, _validation.Rows)));
        OptimizerSettings settings = net.OptimizerSettings;
        net.Optimizer ??= Optimizer.Create(settings, net.ParameterCount);
        Optimizer optimizer = net.Optimizer;
        _parallel?.Synchronize(net, data, _validation, _options, cancellation); // every rank starts from rank 0's network
        optimizer.Pool = ws.Pool; // a large update splits across the same threads as the products
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(net, data);
        bool hasAccuracy = Evaluator.HasAccuracy(net, data);
        int inputs = net.InputSize, width = net.OutputSize;
        int batches = (rows + batchSize - 1) / batchSize;
        int[] order = Enumerable.Range(0, rows).ToArray();
        var lastGood = new Snapshot(net);
        LearningRateSchedule schedule = net.Schedule ??= new LearningRateSchedule(settings);
        schedule.StartRun(net.History.Count - net.ScheduleStart, _options.Epochs);
        var stopping = new EarlyStopping(net, _options, _validation is not null);
        StopReason = null;
        int lastEpoch = net.History.Count + _options.Epochs;
        var loop = new BatchLoop
        {
            Data = data, Ws = ws, Optimizer = optimizer, Settings = settings, Targets = targets, TargetWidth = targetWidth,
            HasAccuracy = hasAccuracy, Rows = rows, BatchSize = batchSize, Batches = batches, Inputs = inputs, Width = width,
            LastEpoch = lastEpoch, Order = order, LastGood = lastGood, Stopping = stopping,
        };

        try
        {
            for (int e = 0; e < _options.Epochs; e++)
            {
                int epoch = net.History.Count + 1;
                double rate = schedule.Rate;
                float lr = (float)rate;
                lastGood.Take();
                if (_options.Shuffle)
                {
                    // Shuffle the identity every epoch, not last epoch's order: an epoch's order then depends only on the
                    // random stream's state, so training resumed from a saved model goes on exactly as if never stopped.
                    ShuffleIdentity(order, net.TrainingRandom);
                }
                var clock = Stopwatch.StartNew();
                (double lossSum, long correct, long counted, bool stopped) = RunBatches(loop, epoch, lr, clock, cancellation);
                if (stopped) { StopReason = "Stopped"; yield break; }
                _parallel?.AverageLayerState(net, cancellation);
                // The last step's gradients, per layer, for Get-LayerStatistics: one pass an epoch, no allocation.
                Interpretability.GradientNorms.Record(net, ws.Gradients);

                EpochResult result = Finish(epoch, lossSum / rows, hasAccuracy ? (double)correct / counted : null, rate, clock, rows, cancellation);
                // Weigh the epoch before handing it out: a consumer that stops here (Select-Object -First, Ctrl+C)
                // must still have this epoch counted as a candidate for the best weights.
                schedule.Advance(stopping.Monitored(result));
                bool stop = stopping.ShouldStop(result);
                yield return result;
                if (stop) { StopReason = stopping.Reason; yield break; }
            }
        }
        finally
        {
            stopping.RestoreBestIfAsked();
        }
    }

    /// <summary>What the batches of a run share: fixed for the run, so an epoch's loop takes one argument for all of it.</summary>
    private sealed class BatchLoop
    {
        public required Dataset Data;
        public required Workspace Ws;
        public required Optimizer Optimizer;
        public required OptimizerSettings Settings;
        public required float[] Targets;
        public required int TargetWidth, Rows, BatchSize, Batches, Inputs, Width, LastEpoch;
        public required bool HasAccuracy;
        public required int[] Order;
        public required Snapshot LastGood;
        public required EarlyStopping Stopping;
    }

    /// <summary>
    /// The steps of one epoch. A method of its own, not part of the iterator: the iterator's MoveNext runs unoptimized
    /// until .NET's tiered compilation gets to it (a second or more of training), this runs optimized from the first
    /// step. Returns the epoch's loss sum and correct/counted predictions; <c>Stopped</c> when cancelled between steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double LossSum, long Correct, long Counted, bool Stopped) RunBatches(BatchLoop loop, int epoch, float lr, Stopwatch clock,
        CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = loop.Data;
        Workspace ws = loop.Ws;
        Optimizer optimizer = loop.Optimizer;
        OptimizerSettings settings = loop.Settings;
        float[] targets = loop.Targets;
        int targetWidth = loop.TargetWidth, rows = loop.Rows, batchSize = loop.BatchSize, batches = loop.Batches;
        int inputs = loop.Inputs, width = loop.Width, lastEpoch = loop.LastEpoch;
        bool hasAccuracy = loop.HasAccuracy;
        int[] order = loop.Order;
        Snapshot lastGood = loop.LastGood;
        EarlyStopping stopping = loop.Stopping;
        double lossSum = 0;
        long correct = 0, counted = 0;
        for (int b = 0; b < batches; b++)
        {
            if (cancellation.IsCancellationRequested) return (lossSum, correct, counted, true);
            int start = b * batchSize, count = Math.Min(batchSize, rows - start);
            // Distributed: this rank's slice of the global batch (the same order on every rank); the reduce below
            // turns the slices' gradients and metrics into the whole batch's.
            (int first, int shard) = _parallel?.Shard(start, count) ?? (start, count);
            ws.Gather(data.Features, inputs, targets, targetWidth, order, first, shard);
            double loss = 0;
            long batchCorrect = 0, batchCounted = 0;
            if (shard > 0)
            {
                ws.Forward(ws.Inputs, shard, training: true);
                loss = ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, shard * targetWidth), targetWidth, shard);
                if (hasAccuracy)
                {
                    batchCorrect = Evaluator.CountCorrect(ws.Output(shard), ws.Targets.AsSpan(0, shard * targetWidth), targetWidth, shard, width, out int n);
                    batchCounted = n;
                }
            }
            if (_parallel is not null)
                loss = _parallel.Reduce(ws.Gradients, shard, count, loss, ref batchCorrect, ref batchCounted, cancellation);
            if (!double.IsFinite(loss))
            {
                lastGood.Restore();
                net.Optimizer = null; // its moments belong to the steps just undone, and may not be finite
                stopping.KeepCurrentWeights(); // the error says: the weights of the last good epoch
                throw new TrainingDivergedException(epoch, b + 1, loss);
            }
            lossSum += loss * count;
            correct += batchCorrect;
            counted += batchCounted;
            ws.Clip(settings.ClipNorm, settings.ClipValue); // after the reduce: clipping the whole batch's gradient
            optimizer.Step(net.Parameters, ws.Gradients, lr);
            BatchCompleted?.Invoke(new BatchProgress(epoch, lastEpoch, b + 1, batches, lossSum / (start + count), clock.Elapsed));
        }
        return (lossSum, correct, counted, false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal EpochResult Finish(int epoch, double loss, double? accuracy, double lr, Stopwatch clock, int rows,
        CancellationToken cancellation = default)
    {
        double? validationLoss = null, validationAccuracy = null;
        if (_validation is not null)
            (validationLoss, validationAccuracy) = _parallel?.Evaluate(_network, _validation, cancellation) ?? Evaluator.Evaluate(_network, _validation);
        clock.Stop();
        var result = new EpochResult
        {
            Epoch = epoch,
            Loss = loss,
            Accuracy = accuracy,
            ValidationLoss = validationLoss,
            ValidationAccuracy = validationAccuracy,
            LearningRate = lr,
            Duration = clock.Elapsed,
            SamplesPerSecond = rows / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
        };
        _network.History.Add(result);
        return result;
    }

    /// <summary>order = a shuffle of 0..n-1 (optimized from the first epoch, like the steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShuffleIdentity(int[] order, RandomSource random)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        random.Shuffle(order);
    }

}

/// <summary>A copy of a network's parameters and layer state, to go back to.</summary>
internal sealed class Snapshot
{
    private readonly Network _network;
    private readonly float[] _parameters;
    private readonly float[][] _states;

    public Snapshot(Network network)
    {
        _network = network;
        _parameters = new float[network.ParameterCount];
        _states = network.Layers.Select(l => new float[l.State.Length]).ToArray();
    }

    public bool Taken { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Take()
    {
        _network.Parameters.AsSpan().CopyTo(_parameters);
        for (int i = 0; i < _states.Length; i++) _network.Layers[i].State.AsSpan().CopyTo(_states[i]);
        Taken = true;
    }

    public void Restore()
    {
        _parameters.AsSpan().CopyTo(_network.Parameters);
        for (int i = 0; i < _states.Length; i++) _states[i].AsSpan().CopyTo(_network.Layers[i].State);
    }
}
