using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Sweep;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Trains one network per point of a grid or a list of settings, in parallel runspaces of this process or one run at
/// a time in each PSSession given, and writes one SweepResult per run as it finishes. Workers run on threads of their
/// own; everything they report goes through a queue to the pipeline thread, which alone writes to the pipeline.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Sweep", DefaultParameterSetName = "Grid")]
[OutputType(typeof(SweepResult))]
public sealed class InvokeSweepCommand : NeuralPSCmdlet
{
    private readonly List<SweepPoint> _piped = new();
    private readonly object _stopLock = new();
    private List<SweepWorker> _workers = new();
    private RunQueue? _queue;
    private volatile bool _stopping;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Grid", HelpMessage = "Settings and their values, one run per combination: @{ LearningRate = 0.1, 0.01; Units = 8, 16 }.")]
    public IDictionary Grid { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Settings", HelpMessage = "The settings of each run, as hashtables or objects (one run each); also from the pipeline.")]
    public object[] Settings { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, HelpMessage = "A script that gets a run's settings ($Settings, or its first parameter) and writes the network to train.")]
    public ScriptBlock Network { get; set; } = null!;

    [Parameter(Mandatory = true, HelpMessage = "The training data, the same for every run.")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Data to evaluate every run on after every epoch; the best epoch is the one with the lowest validation loss.")]
    public Dataset? ValidationData { get; set; }

    [Parameter(HelpMessage = "PSSessions to train in (New-PSSession -HostName ...), one run at a time in each; without it, runs train in runspaces of this process.")]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    [Parameter(HelpMessage = "Local runs at a time, each in a runspace of its own (the number of processors). Not used with -Session.")]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    [Parameter(HelpMessage = "A folder to write each run's model (Model, the best epoch's) to, as run-<number>.npsm (created if missing); results then also carry its path.")]
    [ValidateNotNullOrEmpty]
    public string? OutputFolder { get; set; }

    [Parameter(HelpMessage = "Passes over the training data in each run (10).")]
    [ValidateRange(1, int.MaxValue)]
    public int Epochs { get; set; } = 10;

    [Parameter(HelpMessage = "Rows per mini-batch (32); 0 trains on the full batch.")]
    [ValidateRange(0, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Parameter(HelpMessage = "Stop a run when its monitored loss stops improving for -Patience epochs.")]
    public SwitchParameter EarlyStopping { get; set; }

    [Parameter(HelpMessage = "Early stopping: epochs without improvement before stopping (5).")]
    [ValidateRange(1, int.MaxValue)]
    public int Patience { get; set; } = 5;

    [Parameter(HelpMessage = "Early stopping: the smallest decrease that counts as an improvement (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinDelta { get; set; }

    [Parameter(HelpMessage = "Early stopping watches Loss or ValidationLoss (the default when validation data is given).")]
    [ValidateSet("Loss", "ValidationLoss", IgnoreCase = true)]
    public string? Monitor { get; set; }

    [Parameter(HelpMessage = "Early stopping: keep the last epoch's weights instead of restoring the best epoch's.")]
    public SwitchParameter KeepLastWeights { get; set; }

    [Parameter(HelpMessage = "Do not shuffle the rows between epochs.")]
    public SwitchParameter NoShuffle { get; set; }

    [Parameter(HelpMessage = "Re-seeds shuffling and dropout in every run; a Seed setting overrides it for its run.")]
    public long? Seed { get; set; }

    [Parameter(HelpMessage = "Engine threads for each run (1: runs in parallel already use the processors).")]
    [ValidateRange(1, 256)]
    public int ThreadCount { get; set; } = 1;

    [Parameter(HelpMessage = "Standardize the inputs with a normalization layer learned from the training data in each run.")]
    public SwitchParameter Normalize { get; set; }

    [Parameter(HelpMessage = "Fraction of the training rows held out for validation when no -ValidationData is given.")]
    [ValidateRange(0.0, 0.99)]
    public double ValidationSplit { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != "Settings") return;
        foreach (object item in Settings)
        {
            try { _piped.Add(new SweepPoint(_piped.Count + 1, SweepPoint.SettingsFrom(item))); }
            catch (NeuralPSException e) { ThrowTerminatingError(Errors.From(e, item)); }
        }
    }

    protected override void EndProcessing()
    {
        List<SweepPoint> points = ParameterSetName == "Grid" ? Points(() => SweepPoint.FromGrid(Grid)) : _piped;
        if (points.Count == 0)
            ThrowTerminatingError(Errors.Create("EmptyGrid", ErrorCategory.InvalidArgument,
                "No settings were given, so the sweep has no points. Pipe hashtables or objects into Invoke-Sweep, or give -Grid.", null));
        string? folder = OutputFolder is null ? null : PrepareFolder(OutputFolder);
        ModulePackage package = Points(() => ModulePackage.Find(MyInvocation.MyCommand.Module));
        List<SweepWorker> workers = Session is null
            ? Enumerable.Range(1, Math.Min(ThrottleLimit, points.Count)).Select(i => (SweepWorker)new LocalWorker(i)).ToList()
            : UsableSessions();
        var context = new SweepContext(package, Network.ToString(), Data, ValidationData, TrainingParameters());
        var queue = new RunQueue(points);
        var messages = new BlockingCollection<object>();
        lock (_stopLock)
        {
            if (_stopping) return;
            _workers = workers;
            _queue = queue;
        }
        WriteVerbose($"Sweep of {points.Count} runs on {workers.Count} {(Session is null ? "local runspaces" : "sessions")}, {Epochs} epochs each.");

        int alive = workers.Count;
        var threads = workers.Select(worker => new Thread(() =>
        {
            try { Work(worker, context, queue, messages); }
            finally { if (Interlocked.Decrement(ref alive) == 0) messages.CompleteAdding(); }
        }) { IsBackground = true, Name = "NeuralPS sweep " + worker.Name }).ToList();
        try
        {
            threads.ForEach(t => t.Start());
            int done = 0, failed = 0;
            ProgressRecord Status() => new(1, "Invoke-Sweep", $"{done + failed} of {points.Count} runs done" + (failed > 0 ? $" ({failed} failed)" : ""))
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
                        case SweepResult result:
                            if (folder is not null) Save(result, folder, points.Count);
                            WriteObject(result);
                            done++;
                            stale = true;
                            break;
                        case ErrorRecord error:
                            WriteError(error);
                            if (error.FullyQualifiedErrorId.StartsWith("SweepRunFailed", StringComparison.Ordinal)) failed++;
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
                WriteError(Errors.Create("SweepRunNotRun", ErrorCategory.ResourceUnavailable,
                    $"Invoke-Sweep: {point.Label} was not run: no session is left to run it (see the errors and warnings above). Open new sessions and run it again.",
                    point.Settings));
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
    private static void Work(SweepWorker worker, SweepContext context, RunQueue queue, BlockingCollection<object> messages)
    {
        // Every exception is caught and reported: one escaping a thread would end the user's process, and a run neither
        // done nor given back would keep the other workers waiting for it.
        try { worker.Prepare(context); }
        catch (Exception e)
        {
            if (worker.Classify(e) != RunFailure.Stopped)
                messages.Add(Errors.Create("SessionSetupFailed", ErrorCategory.ResourceUnavailable,
                    $"Invoke-Sweep: {worker.Label} could not be prepared for the sweep and takes no runs: {MessageOf(e)}", worker.Name));
            return;
        }
        while (queue.TryTake(out SweepPoint point))
        {
            point.Attempts++;
            try
            {
                IDictionary outcome = worker.Run(point, context);
                messages.Add(SweepRun.ToResult(point, outcome, worker.Name));
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
                        messages.Add($"Invoke-Sweep: {worker.Label} broke during {point.Label} ({MessageOf(e)}). The run starts again on another session, if one is left; this session takes no more runs.");
                        return;
                    default:
                        messages.Add(Errors.Create("SweepRunFailed", CategoryOf(e),
                            $"Invoke-Sweep: {point.Label} failed on {worker.Label}: {MessageOf(e)}", point.Settings));
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
    private T Points<T>(Func<T> step)
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
                WriteError(Errors.Create("SessionUnavailable", ErrorCategory.ResourceUnavailable,
                    $"Invoke-Sweep: session '{session.Name}' ({session.ComputerName}) {why}, so it takes no runs. Open a new one with New-PSSession.", session));
                continue;
            }
            workers.Add(new RemoteWorker(session));
        }
        if (workers.Count == 0)
            ThrowTerminatingError(Errors.Create("NoSessionAvailable", ErrorCategory.ResourceUnavailable,
                $"Invoke-Sweep: none of the {Session!.Length} sessions given can run the sweep. Open sessions with New-PSSession and pass them to -Session.", Session));
        return workers;
    }

    /// <summary>Invoke-Training's parameters for every run, from this cmdlet's; the engine checks them again where the run trains.</summary>
    private Hashtable TrainingParameters()
    {
        var parameters = new Hashtable(StringComparer.OrdinalIgnoreCase) { ["Epochs"] = Epochs, ["BatchSize"] = BatchSize, ["ThreadCount"] = ThreadCount };
        foreach (string name in SweepContext.TrainingOptions)
            if (MyInvocation.BoundParameters.TryGetValue(name, out object? value))
                parameters[name] = value is SwitchParameter s ? s.IsPresent : value;
        return parameters;
    }

    private string PrepareFolder(string path)
    {
        string full = GetUnresolvedProviderPathFromPSPath(path);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            ThrowTerminatingError(Errors.Create("CannotWriteFile", ErrorCategory.WriteError, $"Invoke-Sweep cannot use '{path}' as the -OutputFolder: {e.Message}", path));
        }
        return full;
    }

    private void Save(SweepResult result, string folder, int runs)
    {
        string path = Path.Combine(folder, $"run-{result.Run.ToString(new string('0', runs.ToString().Length))}.npsm");
        try
        {
            AtomicFile.WriteAllBytes(path, result.Model, "model");
            result.ModelPath = path;
        }
        catch (NeuralPSException e) { WriteNonTerminating(e); }
    }
}
