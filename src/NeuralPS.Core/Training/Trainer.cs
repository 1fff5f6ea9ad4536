using System.Diagnostics;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>
/// Trains a network on a dataset, one epoch at a time. <see cref="Run"/> yields each epoch's result as the epoch
/// ends. Stopping (the token) takes effect between steps and leaves the weights of the last completed step.
/// </summary>
public sealed partial class Trainer
{
    private readonly Network _network;
    private readonly TrainingState _state;
    private readonly Dataset _train;
    private readonly Dataset? _validation;
    private readonly TrainingOptions _options;
    private readonly DataParallel? _parallel; // set when the ranks of an MPI job train this network together
    private readonly float[]? _trainWeights, _validationWeights; // the rows' loss weights (RowWeights); null: unweighted
    private readonly MetricPass? _trainMetrics, _validationMetrics; // -Metric (and a metric -Monitor watches)

    /// <summary>
    /// Prepares training. With <see cref="TrainingOptions.ValidationSplit"/> and no validation data, a seeded
    /// random fraction of the rows is held out. <paramref name="cancellation"/> stops the wait for the other ranks
    /// when a distributed training agrees on that split.
    /// </summary>
    public Trainer(Network network, Dataset train, Dataset? validation, TrainingOptions options, CancellationToken cancellation = default)
    {
        _network = network;
        _state = TrainingState.Of(network);
        _options = options;
        if (options.Epochs < 1)
            throw new NeuralPSException(ErrorIds.InvalidEpochs, ErrorKind.InvalidArgument, $"Epochs must be at least 1; {options.Epochs} was given.");
        if (options.BatchSize < 0)
            throw new NeuralPSException(ErrorIds.InvalidBatchSize, ErrorKind.InvalidArgument, $"BatchSize must be positive (0 = full batch); {options.BatchSize} was given.");
        Evaluator.EnsureTrainable(network, train);
        if (options.Communicator is { } communicator)
        {
            if (_state.OptimizerSettings.Kind is OptimizerKind.Lbfgs or OptimizerKind.LevenbergMarquardt)
                throw new NeuralPSException(ErrorIds.DistributedNotSupported, ErrorKind.InvalidOperation,
                    $"{(_state.OptimizerSettings.Kind == OptimizerKind.Lbfgs ? "L-BFGS" : "Levenberg-Marquardt")} cannot train with -Distributed: it takes full-batch steps that NeuralPS does not split across ranks. " +
                    "Use a first-order optimizer (Set-Optimizer Adam or Sgd), or train it in one process without -Distributed.");
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
        // Class weights come from the training rows (Balanced counts them) and weigh the validation rows the same.
        double[]? classWeights = options.ClassWeight?.Resolve(train);
        _trainWeights = RowWeights.For(train, classWeights);
        _validationWeights = validation is null ? null : RowWeights.For(validation, classWeights);
        TrainingMetric[] metrics = options.Metrics.Concat(EarlyStopping.MetricOf(options.Monitor) is TrainingMetric watched ? [watched] : [])
            .Distinct().ToArray();
        if (metrics.Length > 0)
        {
            MetricFunctions.EnsureFits(metrics, train);
            if (_parallel is not null)
                throw new NeuralPSException(ErrorIds.DistributedNotSupported, ErrorKind.InvalidOperation,
                    "-Metric cannot be computed with -Distributed yet: each rank sees only its slice of every batch. " +
                    "Train without -Metric, and measure the trained network with Test-Network.");
            _trainMetrics = new MetricPass(metrics, train, network.OutputSize);
            _validationMetrics = validation is null ? null : new MetricPass(metrics, validation, network.OutputSize);
        }
    }

    /// <summary>Loss and accuracy on <paramref name="data"/>, weighted by <paramref name="weights"/>, filling <paramref name="metrics"/> on the way.</summary>
    private (double Loss, double? Accuracy) Evaluate(Dataset data, float[]? weights, MetricPass? metrics)
    {
        if (metrics is null) return Evaluator.Evaluate(_network, data, Span<float>.Empty, weights);
        (double, double?) result = Evaluator.Evaluate(_network, data, metrics.AllOutputs, weights);
        metrics.TookAll();
        return result;
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
            _state.TrainingRandom = new RandomSource(RandomSource.Derive(seed, 1_000));
            _state.DropoutRandom = new RandomSource(RandomSource.Derive(seed, 2_000));
        }
        net.FeatureNames ??= _train.FeatureNames;
        net.ClassNames ??= _train.ClassNames;
        net.FeatureEncoding ??= _train.Encoding;
        net.Series ??= _train.Series;
        net.ImageFormat ??= ImageFormat.FromShape(_train.Shape);
        net.InputMean ??= _train.FeatureMeans();
        if (_options.Normalize) net.InsertFirst(new NormalizationLayer());
        if (net.Layers[0].NeedsAdapting) net.Layers[0].Adapt(_train.Features, _train.Rows, net.FeatureEncoding);

        Optimizer optimizer = _state.EnsureOptimizer();
        return optimizer switch
        {
            LbfgsOptimizer lbfgs => RunFullBatch(lbfgs, cancellation),
            LevenbergMarquardtOptimizer lm => RunLevenbergMarquardt(lm, cancellation), // Trainer.LevenbergMarquardt.cs
            _ => RunMiniBatches(cancellation),
        };
    }

    /// <summary>
    /// Where a two-thread optimizer step divides the parameters: at the first layer's weight rows that the second
    /// thread's products read and write (GemmPlan.RunKHalves; the weight gradient splits by the same rows), so that
    /// neither core stores into lines the other has in its cache. 0 (halves) otherwise.
    /// </summary>
    private static int TwoThreadSplitPoint(Network net, WorkerPool pool)
    {
        if (pool.ThreadCount != 2 || net.Layers.Count == 0 || net.Layers[0] is not DenseLayer first) return 0;
        int row = GemmPlan.SecondHalfOfK(first.InputSize);
        return row == 0 ? 0 : first.ParameterOffset + row * first.OutputSize;
    }

    /// <summary>
    /// The workspace for this run: large enough for the validation passes too, which take up to Evaluator.Chunk rows
    /// at a time from the training state's workspace; a larger request would replace (and dispose, with its worker
    /// pool) the workspace the run goes on using (2 threads, validation rows > batch size: ObjectDisposedException).
    /// </summary>
    private Workspace WorkspaceFor(int batchSize) =>
        _state.GetWorkspace(_validation is null ? batchSize : Math.Max(batchSize, Math.Min(Evaluator.Chunk, _validation.Rows)));

    /// <summary>
    /// L-BFGS: each epoch is one call of the optimizer's minimizer on the whole training set, at the epoch's rate.
    /// </summary>
    private IEnumerable<EpochResult> RunFullBatch(LbfgsOptimizer optimizer, CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = _train;
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(net, data);
        Workspace ws = WorkspaceFor(data.Rows);
        double Objective(Span<float> gradient)
        {
            cancellation.ThrowIfCancellationRequested();
            ws.Forward(data.Features, data.Rows, training: true);
            double loss = ws.Backward(data.Features, targets, targetWidth, data.Rows, _trainWeights);
            ws.Gradients.AsSpan(0, gradient.Length).CopyTo(gradient);
            return loss;
        }
        (double, double?) Epoch(double rate)
        {
            optimizer.Minimize(net.Parameters, Objective, rate);
            // The gradients of the minimizer's last evaluation, per layer, for Get-LayerStatistics.
            GradientNorms.Record(net, ws.Gradients);
            return Evaluate(data, _trainWeights, _trainMetrics);
        }
        // Stopped inside an epoch: back to its start, with a fresh optimizer whose curvature pairs that epoch did not
        // touch (Trainer.WholeSet.cs).
        foreach (EpochResult result in RunWholeSetEpochs(optimizer, Epoch, keepStateWhenStopped: false, () => null, cancellation))
            yield return result;
    }

    /// <summary>
    /// The checkpoint writer of this run, if asked for: on rank 0 alone in a distributed training (every rank holds the
    /// same network), watching the loss early stopping watches.
    /// </summary>
    private Checkpoints? MakeCheckpoints()
    {
        if (_options.Checkpoints is not { } options || (_options.Communicator is { } c && c.Rank != 0)) return null;
        bool validation = (_options.Monitor ?? (_validation is not null ? "ValidationLoss" : "Loss")).Equals("ValidationLoss", StringComparison.OrdinalIgnoreCase);
        return new Checkpoints(_network, options, validation);
    }

    /// <summary>
    /// A fresh optimizer of the same configuration whose schedule stands where <paramref name="old"/>'s stood: its
    /// slots belong to steps just undone (and may not be finite), the epochs it has counted do not.
    /// </summary>
    private static Optimizer Restarted(Optimizer old)
    {
        Optimizer fresh = Optimizer.Create(old.Settings, old.ParameterCount);
        fresh.RestoreSchedule(old.Schedule.Position);
        return fresh;
    }

    private IEnumerable<EpochResult> RunMiniBatches(CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = _train;
        int rows = data.Rows;
        int batchSize = _options.BatchSize == 0 ? rows : Math.Min(_options.BatchSize, rows);
        NetworkSize.EnsureBatchFits(net, batchSize); // NetworkTooLarge before the workspace allocates [batch, width] buffers
        Workspace ws = WorkspaceFor(batchSize);
        _parallel?.Synchronize(net, data, _validation, _options, cancellation); // every rank starts from rank 0's network
        Optimizer optimizer = _state.EnsureOptimizer();
        OptimizerSettings settings = optimizer.Settings;
        optimizer.Pool = ws.Pool; // a large update splits across the same threads as the products
        optimizer.SplitPoint = TwoThreadSplitPoint(net, ws.Pool);
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(net, data);
        bool hasAccuracy = Evaluator.HasAccuracy(net, data);
        int inputs = net.InputSize, width = net.OutputSize;
        int batches = (rows + batchSize - 1) / batchSize;
        int[] order = Enumerable.Range(0, rows).ToArray();
        var lastGood = new Snapshot(net);
        optimizer.BeginRun(_options.Epochs);
        var stopping = new EarlyStopping(net, _options, _validation is not null);
        Checkpoints? checkpoints = MakeCheckpoints();
        StopReason = null;
        int lastEpoch = net.History.Count + _options.Epochs;
        var loop = new BatchLoop
        {
            Data = data, Ws = ws, Optimizer = optimizer, Settings = settings, Targets = targets, TargetWidth = targetWidth,
            HasAccuracy = hasAccuracy, Rows = rows, BatchSize = batchSize, Batches = batches, Inputs = inputs, Width = width,
            LastEpoch = lastEpoch, Order = order, LastGood = lastGood, Stopping = stopping,
            Divergence = new DivergenceGuard(net),
            Weights = _trainWeights, Metrics = _trainMetrics, Checkpoints = checkpoints, Clock = new Stopwatch(),
        };

        try
        {
            for (int e = 0; e < _options.Epochs; e++)
            {
                (EpochResult? result, bool stop) = RunEpoch(loop, endOfRun: e == _options.Epochs - 1, cancellation);
                if (result is null) { StopReason = "Stopped"; yield break; }
                yield return result;
                if (stop) { StopReason = stopping.Reason; yield break; }
            }
        }
        finally
        {
            stopping.RestoreBestIfAsked();
        }
    }

    /// <summary>
    /// One epoch: its steps, then its result, weighed for early stopping and saved by the checkpoints. A method of its
    /// own, optimized from the first call, for the same reason as <see cref="RunBatches"/>: a tiny network's epoch is one
    /// step, and the iterator around it runs unoptimized for the first second or so of training. Returns a null
    /// result when cancelled between steps, and whether early stopping ends the run after this epoch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (EpochResult? Result, bool Stop) RunEpoch(BatchLoop loop, bool endOfRun, CancellationToken cancellation)
    {
        Network net = _network;
        Optimizer optimizer = loop.Optimizer;
        int rows = loop.Rows;
        int epoch = net.History.Count + 1;
        double rate = optimizer.BeginEpoch();
        float lr = (float)rate;
        loop.LastGood.Take();
        if (_options.Shuffle)
        {
            // Shuffle the identity every epoch, not last epoch's order: an epoch's order then depends only on the
            // random stream's state, so training resumed from a saved model goes on exactly as if never stopped.
            ShuffleIdentity(loop.Order, _state.TrainingRandom);
        }
        Stopwatch clock = loop.Clock;
        clock.Restart();
        _trainMetrics?.Reset();
        (double lossSum, long correct, long counted, bool stopped) = RunBatches(loop, epoch, lr, clock, cancellation);
        if (stopped) return (null, true);
        _parallel?.AverageLayerState(net, cancellation);
        // The last step's gradients, per layer, for Get-LayerStatistics: one pass an epoch, no allocation.
        GradientNorms.Record(net, loop.Ws.Gradients);

        EpochResult result = Finish(epoch, lossSum / rows, loop.HasAccuracy ? (double)correct / counted : null, rate, clock, rows, cancellation);
        // Weigh the epoch before handing it out: a consumer that stops here (Select-Object -First, Ctrl+C)
        // must still have this epoch counted as a candidate for the best weights.
        optimizer.EndEpoch(loop.Stopping.Monitored(result));
        bool stop = loop.Stopping.ShouldStop(result);
        // Before the result goes out: a consumer that stops the run here still finds this epoch saved.
        loop.Checkpoints?.AfterEpoch(result, endOfRun: stop || endOfRun);
        return (result, stop);
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
        public required DivergenceGuard Divergence;
        public float[]? Weights;
        public MetricPass? Metrics;
        public Checkpoints? Checkpoints;
        public required Stopwatch Clock; // one for the run, restarted every epoch
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
        double lossSum = 0;
        long correct = 0, counted = 0;
        for (int b = 0; b < batches; b++)
        {
            if (cancellation.IsCancellationRequested) return (lossSum, correct, counted, true);
            int start = b * batchSize, count = Math.Min(batchSize, rows - start);
            // Distributed: this rank's slice of the global batch (the same order on every rank); the reduce below
            // turns the slices' gradients and metrics into the whole batch's.
            (int first, int shard) = _parallel?.Shard(start, count) ?? (start, count);
            // A first dense layer reads the batch's rows straight from the data, in both passes: only the targets
            // (and row weights) are gathered then.
            long phase = StepProfile.Start();
            bool forwarded = shard > 0 && ws.TryForwardGathered(data.Features, order, first, shard);
            StepProfile.Stop(StepPhase.Forward, phase);
            phase = StepProfile.Start();
            ws.Gather(data.Features, inputs, targets, targetWidth, order, first, shard, loop.Weights, copyFeatures: !forwarded);
            StepProfile.Stop(StepPhase.Gather, phase);
            double loss = 0;
            long batchCorrect = 0, batchCounted = 0;
            if (shard > 0)
            {
                phase = StepProfile.Start();
                if (!forwarded) ws.Forward(ws.Inputs, shard, training: true);
                StepProfile.Stop(StepPhase.Forward, phase);
                phase = StepProfile.Start();
                loss = ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, shard * targetWidth), targetWidth, shard,
                    loop.Weights is null ? default : ws.Weights.AsSpan(0, shard));
                StepProfile.Stop(StepPhase.Backward, phase);
                phase = StepProfile.Start();
                loop.Metrics?.Add(ws.Output(shard), order.AsSpan(first, shard));
                if (hasAccuracy)
                {
                    batchCorrect = Evaluator.CountCorrect(ws.Output(shard), ws.Targets.AsSpan(0, shard * targetWidth), targetWidth, shard, width, out int n);
                    batchCounted = n;
                }
            }
            if (_parallel is not null)
                loss = _parallel.Reduce(ws.Gradients, shard, count, loss, ref batchCorrect, ref batchCounted, cancellation);
            if (!double.IsFinite(loss) || loop.Divergence.Exceeded(loss))
                throw Diverged(loop, loop.Divergence.Error(epoch, b + 1, loss));
            lossSum += loss * count;
            correct += batchCorrect;
            counted += batchCounted;
            StepProfile.Stop(StepPhase.Bookkeeping, phase);
            phase = StepProfile.Start();
            ws.Clip(settings.ClipNorm, settings.ClipValue); // after the reduce: clipping the whole batch's gradient
            StepProfile.Stop(StepPhase.Clip, phase);
            phase = StepProfile.Start();
            optimizer.Step(net.Parameters, ws.Gradients, lr);
            StepProfile.Stop(StepPhase.Optimizer, phase);
            phase = StepProfile.Start();
            // Non-finite weights show in the next batch's loss; after an epoch's last step, no batch may follow.
            if (b == batches - 1 && !DivergenceGuard.AreFinite(net.Parameters))
                throw Diverged(loop, loop.Divergence.Error(epoch, b + 1, loss, weights: true));
            BatchCompleted?.Invoke(new BatchProgress(epoch, lastEpoch, b + 1, batches, lossSum / (start + count), clock.Elapsed));
            StepProfile.Stop(StepPhase.Bookkeeping, phase);
            StepProfile.StepDone();
        }
        return (lossSum, correct, counted, false);
    }

    /// <summary>Puts the network back to the last good epoch after a divergence; returns the error to throw.</summary>
    private TrainingDivergedException Diverged(BatchLoop loop, TrainingDivergedException error)
    {
        loop.LastGood.Restore();
        _state.Optimizer = Restarted(loop.Optimizer); // its moments belong to the steps just undone, and may not be finite
        loop.Stopping.KeepCurrentWeights(); // the error says: the weights of the last good epoch
        return error;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EpochResult Finish(int epoch, double loss, double? accuracy, double lr, Stopwatch clock, int rows,
        CancellationToken cancellation = default)
    {
        double? validationLoss = null, validationAccuracy = null;
        if (_validation is not null)
            (validationLoss, validationAccuracy) = _parallel?.Evaluate(_network, _validation, cancellation, _validationWeights)
                ?? Evaluate(_validation, _validationWeights, _validationMetrics);
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
        if (_trainMetrics is not null) MetricValues.Apply(result, _trainMetrics.Compute(), _validationMetrics?.Compute());
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
