using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Core.Training;

/// <summary>One mini-batch of a learning-rate range test: the rate it used, its loss, and the smoothed loss so far.</summary>
public sealed record LearningRatePoint(int Step, double LearningRate, double Loss, double SmoothedLoss);

/// <summary>How to run a learning-rate range test.</summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>The rate of the first mini-batch.</summary>
    public double Start { get; init; } = 1e-7;

    /// <summary>The rate the last mini-batch would use.</summary>
    public double End { get; init; } = 10;

    /// <summary>Mini-batches to run; 0: one pass over the data.</summary>
    public int Steps { get; init; }

    /// <summary>Rows per mini-batch; 0 means the whole dataset.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Weight of the past in the loss's moving average (fastai's 0.98).</summary>
    public double Smoothing { get; init; } = 0.98;

    /// <summary>Stop when the smoothed loss exceeds this many times its minimum.</summary>
    public double StopFactor { get; init; } = 4;

    /// <summary>Standardize the inputs first, as Invoke-Training -Normalize would.</summary>
    public bool Normalize { get; init; }
}

/// <summary>
/// What a learning-rate range test found: the curve, and a suggested rate. The suggestion is the rate where the
/// smoothed loss falls fastest against the logarithm of the rate (the steepest descent), searched below the rate of
/// the lowest smoothed loss; <see cref="MinimumLossLearningRate"/>/10 is given too, the other rule of thumb.
/// </summary>
public sealed class LearningRateSearch
{
    /// <summary>The network the test was run on (on a copy: the network itself is unchanged).</summary>
    public required string NetworkName { get; init; }

    /// <summary>The suggested learning rate: the steepest descent of the smoothed loss.</summary>
    public required double SuggestedLearningRate { get; init; }

    /// <summary>How <see cref="SuggestedLearningRate"/> was chosen.</summary>
    public string Method { get; } = "SteepestDescent";

    /// <summary>The rate at the lowest smoothed loss.</summary>
    public required double MinimumLossLearningRate { get; init; }

    /// <summary>The lowest smoothed loss.</summary>
    public required double MinimumLoss { get; init; }

    /// <summary>One point per mini-batch run.</summary>
    public required IReadOnlyList<LearningRatePoint> Curve { get; init; }

    /// <summary>Why the test ended: Diverged (the smoothed loss passed 4× its minimum), NonFiniteLoss (a loss was NaN or infinite), or Completed.</summary>
    public required string StopReason { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Suggested learning rate {SuggestedLearningRate:G3} ({Method}); lowest smoothed loss {MinimumLoss:G4} at {MinimumLossLearningRate:G3}; {Curve.Count} steps, {StopReason}";
}

/// <summary>
/// The learning-rate range test (Leslie Smith, "Cyclical Learning Rates for Training Neural Networks", 2017, as fastai's
/// lr_find runs it): mini-batches at a learning rate growing exponentially from Start to End, the loss smoothed by an
/// exponential moving average with bias correction, stopping when the smoothed loss passes StopFactor × its minimum.
/// The test trains a copy made through the model file, so the network keeps its weights, layer state, optimizer state
/// and random streams.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>Points at the ends of the curve left out of the steepest-descent search: the average there is still settling, or already diverging.</summary>
    private const int SkipStart = 10, SkipEnd = 5;

    public static LearningRateSearch Run(Network network, Dataset data, LearningRateFinderOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!(options.Start > 0) || !(options.End > options.Start) || !double.IsFinite(options.End))
            throw new NeuralPSException(ErrorIds.LearningRateFinderNotSupported, ErrorKind.InvalidArgument,
                $"The rates grow from Start to End: give 0 < Start < End (Start {options.Start:G3}, End {options.End:G3} were given).");
        if (options.Steps < 0 || options.Steps == 1)
            throw new NeuralPSException(ErrorIds.InvalidSteps, ErrorKind.InvalidArgument, $"Steps must be at least 2 (0: one pass over the data); {options.Steps} was given.", options.Steps);
        if (network.OptimizerSettings.Kind == OptimizerKind.Lbfgs)
            throw new NeuralPSException(ErrorIds.LearningRateFinderNotSupported, ErrorKind.InvalidOperation,
                "Find-LearningRate sweeps the rate of a first-order optimizer; L-BFGS searches its own step length. Set-Optimizer Adam or Sgd to use it.");
        Evaluator.EnsureTrainable(network, data);

        network.EnsureReady();
        Network copy = ModelFile.FromBytes(ModelFile.ToBytes(network));
        copy.ThreadCount = network.ThreadCount;
        copy.FeatureNames ??= data.FeatureNames;
        copy.ClassNames ??= data.ClassNames;
        copy.FeatureEncoding ??= data.Encoding;
        copy.ImageFormat ??= ImageFormat.FromShape(data.Shape);
        copy.InputMean ??= data.FeatureMeans();
        if (options.Normalize) copy.InsertFirst(new NormalizationLayer());
        if (copy.Layers[0].NeedsAdapting) copy.Layers[0].Adapt(data.Features, data.Rows);

        int rows = data.Rows;
        int batchSize = options.BatchSize == 0 ? rows : Math.Min(options.BatchSize, rows);
        NetworkSize.EnsureBatchFits(copy, batchSize);
        int perPass = (rows + batchSize - 1) / batchSize;
        int steps = options.Steps > 0 ? options.Steps : perPass;
        if (steps < 2)
            throw new NeuralPSException(ErrorIds.InvalidSteps, ErrorKind.InvalidArgument,
                $"One pass over {rows} rows in batches of {batchSize} is a single step: give -Steps (at least 2) or a smaller -BatchSize.", steps);

        Workspace ws = copy.GetWorkspace(batchSize);
        Optimizer optimizer = copy.Training.EnsureOptimizer();
        optimizer.Pool = ws.Pool;
        OptimizerSettings settings = optimizer.Settings;
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(copy, data);
        int[] order = new int[rows];
        double growth = Math.Log(options.End / options.Start) / (steps - 1);
        double beta = options.Smoothing, average = 0, minimum = double.PositiveInfinity;
        int minimumAt = 0;
        var curve = new List<LearningRatePoint>(steps);
        string reason = "Completed";
        for (int i = 0; i < steps; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            int batch = i % perPass;
            if (batch == 0)
            {
                for (int r = 0; r < rows; r++) order[r] = r;
                copy.TrainingRandom.Shuffle(order);
            }
            int start = batch * batchSize, count = Math.Min(batchSize, rows - start);
            double rate = options.Start * Math.Exp(growth * i);
            ws.Gather(data.Features, copy.InputSize, targets, targetWidth, order, start, count);
            ws.Forward(ws.Inputs, count, training: true);
            double loss = ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, count * targetWidth), targetWidth, count);
            if (!double.IsFinite(loss)) { reason = ErrorIds.NonFiniteLoss; break; }
            average = beta * average + (1 - beta) * loss;
            double smoothed = average / (1 - Math.Pow(beta, i + 1)); // bias correction: the average starts at 0
            curve.Add(new LearningRatePoint(i + 1, rate, loss, smoothed));
            if (smoothed < minimum) { minimum = smoothed; minimumAt = curve.Count - 1; }
            if (smoothed > options.StopFactor * minimum) { reason = ErrorIds.Diverged; break; }
            ws.Clip(settings.ClipNorm, settings.ClipValue);
            optimizer.Step(copy.Parameters, ws.Gradients, (float)rate);
        }
        if (curve.Count == 0)
            throw new NeuralPSException(ErrorIds.NonFiniteLoss, ErrorKind.InvalidData,
                "The loss of the first mini-batch is not finite, before any rate was tried: check the data (Test-Network) and the network.");
        return new LearningRateSearch
        {
            NetworkName = network.Name,
            SuggestedLearningRate = curve[SteepestDescent(curve, minimumAt)].LearningRate,
            MinimumLossLearningRate = curve[minimumAt].LearningRate,
            MinimumLoss = minimum,
            Curve = curve,
            StopReason = reason,
        };
    }

    /// <summary>
    /// The index where the smoothed loss falls fastest per decade of rate (central differences over log10 of the
    /// rate), among the points before the lowest smoothed loss, leaving out the first <see cref="SkipStart"/>: left of
    /// the minimum because past it a steep fall is the recovery from a divergence. Too few points: the minimum's own.
    /// </summary>
    internal static int SteepestDescent(IReadOnlyList<LearningRatePoint> curve, int minimumAt)
    {
        int first = Math.Min(SkipStart, Math.Max(1, curve.Count - SkipEnd)), last = Math.Min(minimumAt, curve.Count - 2);
        int best = minimumAt;
        double steepest = 0;
        for (int i = Math.Max(first, 1); i <= last; i++)
        {
            double slope = (curve[i + 1].SmoothedLoss - curve[i - 1].SmoothedLoss)
                / (Math.Log10(curve[i + 1].LearningRate) - Math.Log10(curve[i - 1].LearningRate));
            if (slope < steepest) { steepest = slope; best = i; }
        }
        return best;
    }
}
