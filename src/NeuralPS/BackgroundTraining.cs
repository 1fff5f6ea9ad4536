using System.Globalization;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using NeuralPS.Core;
using NeuralPS.Core.Training;

namespace NeuralPS;

/// <summary>
/// Runs a trainer on a thread of its own while the pipeline thread, which alone may write to the pipeline, writes its
/// epoch results and progress. Each epoch's result is handed over and the trainer waits until it has been written, so
/// whatever runs downstream sees the network as that epoch left it, exactly as when training ran on the pipeline
/// thread. The batches in between never wait on the pipeline thread, so a host that is slow to redraw the progress bar
/// does not hold training up; only an epoch that ends during a redraw waits for it, and ProgressThrottle keeps a slow
/// host's redraws rare (and stops them after one that stalls).
/// </summary>
internal sealed class BackgroundTraining
{
    /// <summary>Training shorter than this shows no bar: it would only flash, and cost seconds on a stalling terminal.</summary>
    private static readonly TimeSpan FirstProgressAfter = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Trainer _trainer;
    private readonly CancellationTokenSource _stop;
    private EpochResult? _pending;      // an epoch result waiting for the pipeline thread
    private BatchProgress? _latest;     // the last batch the trainer finished
    private bool _finished, _abandoned; // the trainer is done; the pipeline thread left early
    private ExceptionDispatchInfo? _error;
    private int _firstEpoch = -1;      // the run's first epoch (a network trained before goes on counting)

    private BackgroundTraining(Trainer trainer, CancellationTokenSource stop) => (_trainer, _stop) = (trainer, stop);

    /// <summary>
    /// Trains to the end (or until <paramref name="stop"/> is cancelled), calling <paramref name="write"/> with each
    /// epoch's result and writing progress as "Training 'name'" when <paramref name="progress"/> is set, all on the
    /// calling (pipeline) thread. An error of the trainer is rethrown here; when a write throws (the pipeline stops),
    /// training is stopped and waited for before the exception goes on.
    /// </summary>
    public static void Run(Cmdlet cmdlet, Trainer trainer, CancellationTokenSource stop, bool progress, string networkName,
        Action<EpochResult> write) => new BackgroundTraining(trainer, stop).Run(cmdlet, progress, $"Training '{networkName}'", write);

    private void Run(Cmdlet cmdlet, bool progress, string activity, Action<EpochResult> write)
    {
        var throttle = new ProgressThrottle(cmdlet, FirstProgressAfter);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BatchProgress? shown = null;
        _trainer.BatchCompleted = p =>
        {
            lock (_gate)
            {
                _latest = p;
                if (_firstEpoch < 0) _firstEpoch = p.Epoch; // the time left counts this run's epochs only
            }
        };
        CultureInfo culture = CultureInfo.CurrentCulture, uiCulture = CultureInfo.CurrentUICulture;
        var thread = new Thread(() =>
        {
            CultureInfo.CurrentCulture = culture; // messages read as they would on the pipeline thread
            CultureInfo.CurrentUICulture = uiCulture;
            Train();
        })
        { IsBackground = true, Name = "NeuralPS training" };
        thread.Start();
        try
        {
            while (true)
            {
                EpochResult? result;
                bool finished;
                lock (_gate)
                {
                    if (_pending is null && !_finished)
                        Monitor.Wait(_gate, !progress ? Timeout.InfiniteTimeSpan : throttle.Due ? ProgressThrottle.Interval : throttle.UntilDue);
                    (result, finished) = (_pending, _finished);
                }
                if (result is not null)
                {
                    write(result);
                    lock (_gate)
                    {
                        _pending = null;
                        Monitor.PulseAll(_gate);
                    }
                }
                else if (finished) break;
                if (!progress || !throttle.Due) continue;
                BatchProgress? latest;
                lock (_gate) latest = _latest;
                if (latest is BatchProgress p && p != shown && throttle.Offer(() => Record(activity, p, clock.Elapsed)))
                    shown = p;
            }
        }
        finally
        {
            lock (_gate)
            {
                if (!_finished)
                {
                    _stop.Cancel(); // a write threw: the trainer stops between two steps, or at the epoch it waits at
                    _abandoned = true;
                    Monitor.PulseAll(_gate);
                }
            }
            thread.Join();
        }
        _error?.Throw();
        if (progress && !_stop.IsCancellationRequested && _latest is BatchProgress last)
            throttle.Complete(Record(activity, last, clock.Elapsed));
    }

    /// <summary>The training thread: runs the epochs, handing each result over and waiting until it is written.</summary>
    private void Train()
    {
        try
        {
            foreach (EpochResult result in _trainer.Run(_stop.Token))
            {
                lock (_gate)
                {
                    _pending = result;
                    Monitor.PulseAll(_gate);
                    while (_pending is not null && !_abandoned) Monitor.Wait(_gate);
                    if (_abandoned) break; // ends the run at this epoch, as a consumer that stops reading would
                }
            }
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Epoch, batch, running loss and the time left for the whole run.</summary>
    private ProgressRecord Record(string activity, BatchProgress p, TimeSpan elapsed)
    {
        long total = (long)(p.Epochs - _firstEpoch + 1) * p.Batches;
        long done = Math.Max(1, (long)(p.Epoch - _firstEpoch) * p.Batches + p.Batch);
        double left = elapsed.TotalSeconds / done * (total - done);
        return new ProgressRecord(1, activity, $"Epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches}, loss {p.RunningLoss:G4}")
        {
            PercentComplete = (int)Math.Min(100, 100.0 * done / total),
            SecondsRemaining = (int)Math.Ceiling(left),
        };
    }
}
