using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>
/// Full-batch L-BFGS through Math.NET's minimizer: each epoch runs up to MaxIterations iterations on the
/// whole training set. The loss and gradient are computed by the engine in float32 and handed over in double.
/// </summary>
internal sealed class LbfgsRunner
{
    private readonly Network _network;
    private readonly Dataset _train;
    private readonly TrainingOptions _options;
    private readonly Trainer _trainer;
    private readonly bool _hasValidation;

    public LbfgsRunner(Network network, Dataset train, Dataset? validation, TrainingOptions options, Trainer trainer)
    {
        _network = network;
        _train = train;
        _options = options;
        _trainer = trainer;
        _hasValidation = validation is not null;
    }

    /// <summary>Why the run ended early (null if it ran every epoch).</summary>
    public string? StopReason { get; private set; }

    public IEnumerable<EpochResult> Run(CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = _train;
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(net, data);
        Workspace ws = net.GetWorkspace(data.Rows);
        int p = net.ParameterCount;
        var best = new float[p];
        double bestLoss = double.PositiveInfinity;
        int evaluations = 0;

        (double, Vector<double>) Objective(Vector<double> point)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int i = 0; i < p; i++) net.Parameters[i] = (float)point[i];
            ws.Forward(data.Features, data.Rows, training: true);
            double loss = ws.Backward(data.Features, targets, targetWidth, data.Rows);
            evaluations++;
            if (double.IsFinite(loss) && loss < bestLoss) { bestLoss = loss; net.Parameters.AsSpan().CopyTo(best); }
            var gradient = Vector<double>.Build.Dense(p);
            for (int i = 0; i < p; i++) gradient[i] = ws.Gradients[i];
            return (double.IsFinite(loss) ? loss : double.MaxValue, gradient);
        }

        var objective = ObjectiveFunction.Gradient(new Func<Vector<double>, (double, Vector<double>)>(Objective));
        int maxIterations = Math.Max(1, net.OptimizerSettings.MaxIterations);
        var epochStart = new Snapshot(net);
        var stopping = new EarlyStopping(net, _options, _hasValidation);
        StopReason = null;
        try
        {
            for (int e = 0; e < _options.Epochs; e++)
            {
                if (cancellation.IsCancellationRequested) { StopReason = "Stopped"; yield break; }
                int epoch = net.History.Count + 1;
                var clock = Stopwatch.StartNew();
                epochStart.Take();
                var start = Vector<double>.Build.Dense(p, i => net.Parameters[i]);
                bestLoss = double.PositiveInfinity;
                bool stopped = false;
                try
                {
                    var minimizer = new LimitedMemoryBfgsMinimizer(1e-8, 1e-10, 1e-12, 10, maxIterations);
                    minimizer.FindMinimum(objective, start);
                }
                catch (OperationCanceledException) { stopped = true; }
                catch (MaximumIterationsException) { }
                catch (Exception ex) when (ex is InnerOptimizationException or EvaluationException or ArgumentException) { }
                if (double.IsFinite(bestLoss)) best.AsSpan().CopyTo(net.Parameters);
                else epochStart.Restore(); // no finite loss anywhere: back to the last good epoch
                if (stopped) { StopReason = "Stopped"; yield break; }
                if (!double.IsFinite(bestLoss))
                {
                    stopping.KeepCurrentWeights();
                    throw new TrainingDivergedException(epoch, 1, double.NaN);
                }
                // The gradients of the minimizer's last evaluation, per layer, for Get-LayerStatistics.
                Interpretability.GradientNorms.Record(net, ws.Gradients);
                var (loss, accuracy) = Evaluator.Evaluate(net, data);
                EpochResult result = _trainer.Finish(epoch, loss, accuracy, net.OptimizerSettings.EffectiveLearningRate, clock, data.Rows, cancellation);
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
}
