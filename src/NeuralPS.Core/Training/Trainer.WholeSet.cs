using System.Diagnostics;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>The epoch loop of the optimizers that take the whole training set at once: L-BFGS and Levenberg–Marquardt.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Runs the epochs of a whole-set optimizer. <paramref name="runEpoch"/> does one epoch's work at the epoch's rate
    /// and returns its loss and accuracy; stopped inside it (OperationCanceledException), the network goes back to the
    /// epoch's start with a restarted optimizer, which keeps the old one's state buffers when
    /// <paramref name="keepStateWhenStopped"/>. A non-finite loss also goes back and throws
    /// <see cref="TrainingDivergedException"/>. <paramref name="finished"/> gives the reason why the optimizer itself
    /// ends the run after an epoch, or null.
    /// </summary>
    private IEnumerable<EpochResult> RunWholeSetEpochs(Optimizer optimizer, Func<double, (double Loss, double? Accuracy)> runEpoch,
        bool keepStateWhenStopped, Func<string?> finished, CancellationToken cancellation)
    {
        Network net = _network;
        var epochStart = new Snapshot(net);
        var stopping = new EarlyStopping(net, _options, _validation is not null);
        Checkpoints? checkpoints = MakeCheckpoints();
        StopReason = null;
        optimizer.BeginRun(_options.Epochs);
        try
        {
            for (int e = 0; e < _options.Epochs; e++)
            {
                if (cancellation.IsCancellationRequested) { StopReason = "Stopped"; yield break; }
                int epoch = net.History.Count + 1;
                double rate = optimizer.BeginEpoch();
                var clock = Stopwatch.StartNew();
                epochStart.Take();
                (double loss, double? accuracy) = (0, null);
                bool stopped = false;
                try { (loss, accuracy) = runEpoch(rate); }
                catch (OperationCanceledException) { stopped = true; }
                if (stopped)
                {
                    epochStart.Restore();
                    Optimizer restarted = Restarted(optimizer);
                    if (keepStateWhenStopped) restarted.RestoreBuffers(optimizer.StateBuffers);
                    _state.Optimizer = restarted;
                    StopReason = "Stopped";
                    yield break;
                }
                if (!double.IsFinite(loss))
                {
                    epochStart.Restore();
                    _state.Optimizer = Restarted(optimizer);
                    stopping.KeepCurrentWeights();
                    throw new TrainingDivergedException(epoch, 1, loss);
                }
                EpochResult result = Finish(epoch, loss, accuracy, rate, clock, _train.Rows, cancellation);
                optimizer.EndEpoch(stopping.Monitored(result));
                bool stop = stopping.ShouldStop(result);
                string? done = finished();
                checkpoints?.AfterEpoch(result, endOfRun: stop || done is not null || e == _options.Epochs - 1);
                yield return result;
                if (stop) { StopReason = stopping.Reason; yield break; }
                if (done is not null) { StopReason = done; yield break; }
            }
        }
        finally
        {
            stopping.RestoreBestIfAsked();
        }
    }
}
