using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Sweep;

namespace NeuralPS.Cmdlets;

/// <summary>
/// What Invoke-Sweep and Invoke-CrossValidation share: many trainings in parallel runspaces of this process or one run
/// at a time in each PSSession given, one SweepResult per run as it finishes, and with folds each point once a fold and
/// a CrossValidationSummary per point. Workers run on threads of their own; everything they report goes through a
/// queue to the pipeline thread, which alone writes to the pipeline.
/// </summary>
public abstract class SweepCommandBase : TrainingCommandBase
{
    private readonly object _stopLock = new();
    private List<SweepWorker> _workers = new();
    private RunQueue? _queue;
    private volatile bool _stopping;

    /// <summary>The network script's text: what every run calls to build its network.</summary>
    protected abstract string NetworkScript { get; }

    /// <summary>Folds of a cross-validation of every point (0: none, each point is one run).</summary>
    protected abstract int FoldCount { get; }

    /// <summary>Repeats of the cross-validation, each with its own split.</summary>
    protected abstract int RepeatCount { get; }

    [Parameter(Mandatory = true, HelpMessage = "The training data (Get-SampleDataset, ConvertTo-Dataset, Import-Dataset).")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "PSSessions to train in (New-PSSession -HostName ...), one run at a time in each; without it, runs train in runspaces of this process.")]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    [Parameter(HelpMessage = "Local runs at a time, each in a runspace of its own (the number of processors). Not used with -Session.")]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    [Parameter(HelpMessage = "A folder to write each run's model (Model, the best epoch's) to, as run-<number>.npsm (created if missing); results then also carry its path.")]
    [ValidateNotNullOrEmpty]
    public string? OutputFolder { get; set; }

    // -ValidationData, -Epochs, -BatchSize and the other training options: TrainingCommandBase, shared with
    // Invoke-Training, which every run calls with the ones given here.

    /// <summary>
    /// Trains every point (once a fold with folds), writing each run's result as it finishes and, with folds, each
    /// point's <see cref="CrossValidationSummary"/> as its last fold finishes.
    /// </summary>
    private protected void RunSweep(List<SweepPoint> points)
    {
        string name = MyInvocation.MyCommand.Name;
        if (FoldCount > 0)
        {
            if (ValidationData is not null || MyInvocation.BoundParameters.ContainsKey(nameof(ValidationSplit)))
                ThrowTerminatingError(Errors.Create(ErrorIds.FoldsWithValidation, ErrorCategory.InvalidArgument,
                    $"{name}: each fold's held-out rows are its validation data, so -ValidationData and -ValidationSplit cannot be given with folds. Drop them; " +
                    "to keep a final test set apart, split it off first (Split-Dataset) and give the rest as -Data.", ValidationData ?? (object)ValidationSplit));
            IReadOnlyList<Fold> folds = Points(() => Folds.Make(Data, FoldCount, RepeatCount, Seed ?? 1));
            points = SweepPoint.WithFolds(points, folds);
        }
        string? folder = OutputFolder is null ? null : PrepareFolder(OutputFolder);
        ModulePackage package = Points(() => ModulePackage.Find(MyInvocation.MyCommand.Module));
        List<SweepWorker> workers = Session is null
            ? Enumerable.Range(1, Math.Min(ThrottleLimit, points.Count)).Select(i => (SweepWorker)new LocalWorker(i)).ToList()
            : UsableSessions();
        var context = new SweepContext(package, NetworkScript, Data, ValidationData, BoundTrainingOptions());
        var queue = new RunQueue(points);
        var messages = new BlockingCollection<object>();
        lock (_stopLock)
        {
            if (_stopping) return;
            _workers = workers;
            _queue = queue;
        }
        WriteVerbose($"{name}: {points.Count} runs on {workers.Count} {(Session is null ? "local runspaces" : "sessions")}, {Epochs} epochs each.");
        // With folds: the results of each point so far, and the runs of it still to end (with a result or an error).
        var byPoint = points.GroupBy(p => p.Point).ToDictionary(g => g.Key, g => (Settings: g.First().Settings, Left: g.Count(), Results: new List<SweepResult>()));
        void Ended(SweepPoint point, SweepResult? result)
        {
            if (FoldCount == 0) return;
            var entry = byPoint[point.Point];
            if (result is not null) entry.Results.Add(result);
            entry.Left--;
            byPoint[point.Point] = entry;
            if (entry.Left == 0 && entry.Results.Count > 0) WriteObject(new CrossValidationSummary(point.Point, entry.Settings, FoldCount, RepeatCount, entry.Results));
        }

        int alive = workers.Count;
        var threads = workers.Select(worker => new Thread(() =>
        {
            try { Work(name, worker, context, queue, messages); }
            finally { if (Interlocked.Decrement(ref alive) == 0) messages.CompleteAdding(); }
        })
        { IsBackground = true, Name = $"NeuralPS {name} {worker.Name}" }).ToList();
        try
        {
            threads.ForEach(t => t.Start());
            int done = 0, failed = 0;
            ProgressRecord Status() => new(1, name, $"{done + failed} of {points.Count} runs done" + (failed > 0 ? $" ({failed} failed)" : ""))
            {
                PercentComplete = 100 * (done + failed) / points.Count,
            };
            // Workers go on while the bar is redrawn (their messages wait in the queue); redraws are throttled.
            var progress = new ProgressThrottle(this, TimeSpan.Zero);
            bool stale = false; // a run ended since the bar was last drawn
            while (true)
            {
                if (messages.TryTake(out object? message, stale ? progress.UntilDue : Timeout.InfiniteTimeSpan))
                {
                    switch (message)
                    {
                        case (SweepPoint point, SweepResult result):
                            if (folder is not null) Save(result, folder, points.Count);
                            WriteObject(result);
                            done++;
                            stale = true;
                            Ended(point, result);
                            break;
                        case (SweepPoint point, ErrorRecord error):
                            WriteError(error);
                            failed++;
                            stale = true;
                            Ended(point, null);
                            break;
                        case ErrorRecord error:
                            WriteError(error);
                            stale = true;
                            break;
                        case string warning:
                            WriteWarning(warning);
                            break;
                    }
                }
                else if (messages.IsCompleted) break;
                if (stale && progress.Offer(Status)) stale = false;
            }
            if (_stopping) return;
            // Every worker is gone (sessions broke or could not be prepared): the runs left can no longer train.
            foreach (SweepPoint point in queue.Remaining())
            {
                WriteError(Errors.Create(ErrorIds.SweepRunNotRun, ErrorCategory.ResourceUnavailable,
                    $"{name}: {point.Label} was not run: no session is left to run it (see the errors and warnings above). Open new sessions and run it again.",
                    point.Settings));
                Ended(point, null);
            }
            progress.Complete(Status());
        }
        finally
        {
            // Reached also when the pipeline is stopped or a write fails: no run goes on behind the user's back, and the
            // sessions are left as they were given (the module stays imported; the data variables go).
            queue.Stop();
            workers.ForEach(w => w.Stop());
            foreach (Thread t in threads.Where(t => t.IsAlive)) t.Join(TimeSpan.FromSeconds(30));
            foreach (SweepWorker worker in workers)
            {
                worker.Cleanup(context);
                worker.Dispose();
            }
        }
    }

    protected override void StopProcessing()
    {
        lock (_stopLock)
        {
            _stopping = true;
            _queue?.Stop();
            _workers.ForEach(w => w.Stop());
        }
    }

    /// <summary>One worker's thread: prepare, then take runs until none is left, the session breaks or the sweep stops.</summary>
    private static void Work(string name, SweepWorker worker, SweepContext context, RunQueue queue, BlockingCollection<object> messages)
    {
        // Every exception is caught and reported: one escaping a thread would end the user's process, and a run neither
        // done nor given back would keep the other workers waiting for it.
        try { worker.Prepare(context); }
        catch (Exception e)
        {
            if (worker.Classify(e) != RunFailure.Stopped)
                messages.Add(Errors.Create(ErrorIds.SessionSetupFailed, ErrorCategory.ResourceUnavailable,
                    $"{name}: {worker.Label} could not be prepared for the sweep and takes no runs: {MessageOf(e)}", worker.Name));
            return;
        }
        while (queue.TryTake(out SweepPoint point))
        {
            point.Attempts++;
            try
            {
                IDictionary outcome = worker.Run(point, context);
                messages.Add((point, SweepRun.ToResult(point, outcome, worker.Name)));
                queue.Done();
            }
            catch (Exception e)
            {
                switch (worker.Classify(e))
                {
                    case RunFailure.Stopped:
                        return;
                    case RunFailure.Session:
                        queue.Retry(point);
                        messages.Add($"{name}: {worker.Label} broke during {point.Label} ({MessageOf(e)}). The run starts again on another session, if one is left; this session takes no more runs.");
                        return;
                    default:
                        messages.Add((point, Errors.Create(ErrorIds.SweepRunFailed, CategoryOf(e),
                            $"{name}: {point.Label} failed on {worker.Label}: {MessageOf(e)}", point.Settings)));
                        queue.Done();
                        break;
                }
            }
        }
    }

    /// <summary>The message of what went wrong where it went wrong: the error record's, through .NET method-call wrappers.</summary>
    private static string MessageOf(Exception e)
    {
        Exception inner = (e as IContainsErrorRecord)?.ErrorRecord?.Exception ?? e;
        while (inner is MethodInvocationException or System.Reflection.TargetInvocationException && inner.InnerException is not null) inner = inner.InnerException!;
        return inner.Message;
    }

    /// <summary>The category of what went wrong: the engine error's, or the error record's (one from a remote session).</summary>
    private static ErrorCategory CategoryOf(Exception e)
    {
        ErrorRecord? record = (e as IContainsErrorRecord)?.ErrorRecord;
        return (record?.Exception ?? e).GetBaseException() is NeuralPSException engine ? Errors.From(engine).CategoryInfo.Category
            : record?.CategoryInfo.Category ?? ErrorCategory.NotSpecified;
    }

    /// <summary>Runs a step that can fail on the user's input, as a terminating error.</summary>
    protected T Points<T>(Func<T> step)
    {
        try { return step(); }
        catch (NeuralPSException e) { ThrowTerminatingError(Errors.From(e, e.Target)); throw; }
    }

    /// <summary>
    /// The sessions that can take runs, each once (a session runs one pipeline at a time); a closed, broken or busy one
    /// is reported and left out. None usable is a terminating error.
    /// </summary>
    private List<SweepWorker> UsableSessions()
    {
        var workers = new List<SweepWorker>();
        var seen = new HashSet<Guid>();
        foreach (PSSession session in Session!)
        {
            if (session is null || !seen.Add(session.InstanceId)) continue;
            RunspaceState state = session.Runspace.RunspaceStateInfo.State;
            if (state != RunspaceState.Opened || session.Runspace.RunspaceAvailability != RunspaceAvailability.Available)
            {
                string why = state != RunspaceState.Opened ? $"is {state}" : $"is {session.Runspace.RunspaceAvailability} (running another command)";
                WriteError(Errors.Create(ErrorIds.SessionUnavailable, ErrorCategory.ResourceUnavailable,
                    $"{MyInvocation.MyCommand.Name}: session '{session.Name}' ({session.ComputerName}) {why}, so it takes no runs. Open a new one with New-PSSession.", session));
                continue;
            }
            workers.Add(new RemoteWorker(session));
        }
        if (workers.Count == 0)
            ThrowTerminatingError(Errors.Create(ErrorIds.NoSessionAvailable, ErrorCategory.ResourceUnavailable,
                $"{MyInvocation.MyCommand.Name}: none of the {Session!.Length} sessions given can run the sweep. Open sessions with New-PSSession and pass them to -Session.", Session));
        return workers;
    }

    private string PrepareFolder(string path)
    {
        string full = GetUnresolvedProviderPathFromPSPath(path);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            ThrowTerminatingError(Errors.Create(ErrorIds.CannotWriteFile, ErrorCategory.WriteError, $"{MyInvocation.MyCommand.Name} cannot use '{path}' as the -OutputFolder: {e.Message}", path));
        }
        return full;
    }

    private void Save(SweepResult result, string folder, int runs)
    {
        string digits = new('0', runs.ToString(CultureInfo.InvariantCulture).Length);
        string path = Path.Combine(folder, $"run-{result.Run.ToString(digits, CultureInfo.InvariantCulture)}.npsm");
        try
        {
            AtomicFile.WriteAllBytes(path, result.Model, "model");
            result.ModelPath = path;
        }
        catch (NeuralPSException e) { WriteNonTerminating(e); }
    }
}
