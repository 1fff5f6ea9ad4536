using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using NeuralPS.Core;

namespace NeuralPS.Sweep;

/// <summary>How a run on a worker ended when it did not give a result.</summary>
internal enum RunFailure
{
    /// <summary>The run itself failed (its network script, its training): an error for that run; the worker goes on.</summary>
    Run,
    /// <summary>The worker's session broke under it: the run goes to another worker; this one is finished.</summary>
    Session,
    /// <summary>The sweep was stopped.</summary>
    Stopped,
}

/// <summary>A runspace that trains one run at a time: a local one of its own, or a PSSession the user opened.</summary>
internal abstract class SweepWorker : IDisposable
{
    private readonly object _lock = new();
    private PowerShell? _current;
    private bool _stopped;

    /// <summary>The name results carry in their Session property.</summary>
    public abstract string Name { get; }

    /// <summary>The worker for messages: "session 'Runspace5' (server1)".</summary>
    public abstract string Label { get; }

    protected abstract Runspace? Runspace { get; }

    /// <summary>True when the runspace can no longer run anything (the connection broke, the process ended).</summary>
    public bool IsBroken => Runspace is not { RunspaceStateInfo.State: RunspaceState.Opened };

    /// <summary>Makes the worker ready to run: the module imported, the data loaded into a global variable.</summary>
    public abstract void Prepare(SweepContext context);

    /// <summary>Takes back what <see cref="Prepare"/> left behind, leaving a user's session as usable as it was.</summary>
    public abstract void Cleanup(SweepContext context);

    public virtual void Dispose() { }

    /// <summary>Trains one point and returns what the run sent back.</summary>
    public IDictionary Run(SweepPoint point, SweepContext context)
    {
        var parameters = new Hashtable
        {
            ["NetworkScript"] = context.NetworkScript,
            ["Settings"] = point.SettingsCopy(),
            ["DataVariable"] = context.DataVariable,
            ["Training"] = context.TrainingFor(point),
        };
        if (point.Fold is { } fold)
        {
            // A fold is two lists of row numbers of the data the worker already holds: only they cross to a session.
            parameters["TrainRows"] = fold.TrainRows;
            parameters["ValidationRows"] = fold.TestRows;
            parameters["FoldName"] = point.FoldText;
        }
        Collection<PSObject> output = Invoke(SweepScripts.Run, parameters);
        return output.Select(o => o?.BaseObject).OfType<IDictionary>().LastOrDefault()
            ?? throw new NeuralPSException(ErrorIds.SweepRunFailed, ErrorKind.InvalidOperation, $"{point.Label} sent back no result from {Label}.");
    }

    /// <summary>What a failed run means: the sweep stopped, the session broke, or the run failed on its own.</summary>
    public RunFailure Classify(Exception e)
    {
        lock (_lock) if (_stopped) return RunFailure.Stopped;
        // A killed remote process or a dropped connection shows as a transport error, or as a pipeline stopped by the
        // remoting layer rather than by us; either way the runspace leaves the Opened state.
        if (e is PSRemotingTransportException or PSRemotingDataStructureException or PipelineStoppedException) return RunFailure.Session;
        return IsBroken ? RunFailure.Session : RunFailure.Run;
    }

    /// <summary>Stops the running pipeline, if any, and every later one; the runspace itself stays open.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _current?.BeginStop(null, null);
        }
    }

    /// <summary>Runs a script in its own scope on this worker's runspace, from the calling thread.</summary>
    protected Collection<PSObject> Invoke(string script, IDictionary parameters, bool evenIfStopped = false)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script, useLocalScope: true);
        foreach (DictionaryEntry p in parameters) ps.AddParameter((string)p.Key, p.Value);
        lock (_lock)
        {
            if (_stopped && !evenIfStopped) throw new PipelineStoppedException();
            _current = ps;
        }
        try
        {
            Collection<PSObject> output = ps.Invoke();
            // The scripts run with $ErrorActionPreference = 'Stop'; an error that still got only written is not ignored.
            if (ps.Streams.Error.Count > 0) throw new RuntimeException(ps.Streams.Error[0].ToString(), ps.Streams.Error[0].Exception, ps.Streams.Error[0]);
            return output;
        }
        finally
        {
            lock (_lock) _current = null;
        }
    }
}

/// <summary>A runspace of this process, with the module imported from the manifest this process loaded it from.</summary>
internal sealed class LocalWorker : SweepWorker
{
    private readonly int _number;
    private Runspace? _runspace;

    public LocalWorker(int number) => _number = number;

    public override string Name => $"Local {_number}";
    public override string Label => $"local runspace {_number}";
    protected override Runspace? Runspace => _runspace;

    public override void Prepare(SweepContext context)
    {
        // A module imported by the caller is not visible in a new runspace: it imports its own (the assembly, and so
        // every static field, is the same one, which is why the engine keeps no mutable static state).
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(new[] { context.Package.Manifest });
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
        _runspace.Open();
        // In one process the datasets need not be copied: training only reads them.
        _runspace.SessionStateProxy.SetVariable(context.DataVariable, new Hashtable { ["Data"] = context.Data, ["ValidationData"] = context.ValidationData });
    }

    public override void Cleanup(SweepContext context) => Dispose();

    public override void Dispose()
    {
        _runspace?.Dispose();
        _runspace = null;
        base.Dispose();
    }
}

/// <summary>A PSSession the user opened (SSH or WinRM remoting): the module and the data are sent to it as bytes.</summary>
internal sealed class RemoteWorker : SweepWorker
{
    // Bytes cross in pieces: a remoting endpoint may refuse one large object (MaximumReceivedObjectSizeMB).
    private const int ChunkSize = 4 << 20;

    private readonly PSSession _session;

    public RemoteWorker(PSSession session) => _session = session;

    public override string Name => _session.Name;
    public override string Label => $"session '{_session.Name}' ({_session.ComputerName})";
    protected override Runspace? Runspace => _session.Runspace;

    public override void Prepare(SweepContext context)
    {
        PSObject check = Invoke(SweepScripts.Check, new Hashtable { ["BuildId"] = ModulePackage.BuildId, ["Version"] = ModulePackage.Version }).Single();
        string status = (string)check.Properties["Status"].Value;
        if (status == "copy")
        {
            Send(context.Package.ZipFor((string)check.Properties["Os"].Value, (string)check.Properties["Rid"].Value), context.DataVariable + "_Module");
            Invoke(SweepScripts.Unpack, new Hashtable { ["Name"] = context.DataVariable + "_Module", ["Folder"] = check.Properties["Folder"].Value });
        }
        else if (status != "ready")
            throw new NeuralPSException(ErrorIds.SessionModuleMismatch, ErrorKind.InvalidOperation,
                $"it has {status} than this one ({ModulePackage.Version}, build {ModulePackage.BuildId}), and a loaded module cannot be replaced. " +
                "Open a new session for the sweep, or run the sweep from the same NeuralPS.");
        Send(context.DataBytes, context.DataVariable + "_Data");
        if (context.ValidationBytes is byte[] validation) Send(validation, context.DataVariable + "_ValidationData");
        Invoke(SweepScripts.LoadData, new Hashtable { ["DataVariable"] = context.DataVariable });
    }

    public override void Cleanup(SweepContext context)
    {
        if (IsBroken) return;
        try { Invoke(SweepScripts.Cleanup, new Hashtable { ["DataVariable"] = context.DataVariable }, evenIfStopped: true); }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException) { } // broke or still busy: nothing to do
    }

    private void Send(byte[] bytes, string name)
    {
        for (int at = 0; at < bytes.Length; at += ChunkSize)
        {
            byte[] chunk = bytes.AsSpan(at, Math.Min(ChunkSize, bytes.Length - at)).ToArray();
            Invoke(SweepScripts.Chunk, new Hashtable { ["Name"] = name, ["Chunk"] = chunk, ["Total"] = bytes.Length });
        }
    }
}
