using System.Collections;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Sweep;

/// <summary>
/// The part of a sweep run that happens where the run trains (a local runspace or a remote session): the script that
/// builds and trains the network, and the helpers it calls. The script is the same in both places; it reads the data
/// from a global variable the worker set when it was prepared.
/// </summary>
public static class SweepRun
{
    /// <summary>
    /// Builds the network with the user's script (given as text: a script block belongs to the runspace that made it),
    /// trains it with Invoke-Training and returns <see cref="Outcome"/>. $Settings is both the script's first argument
    /// and a variable it can see, so a script with or without a param block works.
    /// </summary>
    internal const string Script = """
        param([string] $NetworkScript, [hashtable] $Settings, [string] $DataVariable, [hashtable] $Training)
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $data = Get-Variable -Name $DataVariable -Scope Global -ValueOnly
        if ($null -ne $data.ValidationData) { $Training.ValidationData = $data.ValidationData }
        $built = & ([scriptblock]::Create($NetworkScript)) $Settings
        # A .NET method's exception comes wrapped ("Exception calling ..."); thrown bare, its own message crosses remoting.
        try { $network = [NeuralPS.Sweep.SweepRun]::NetworkFrom(@($built)) } catch { throw $_.Exception.GetBaseException() }
        $epochsBefore = $network.History.Count
        # Each epoch's result comes out while the network is as that epoch left it: the best one's model is kept then.
        $best = [NeuralPS.Sweep.BestEpochModel]::new($network)
        $network | Invoke-Training -Data $data.Data @Training | ForEach-Object { $best.Observe($_) }
        try { [NeuralPS.Sweep.SweepRun]::Outcome($network, $epochsBefore, $watch.Elapsed, $best) } catch { throw $_.Exception.GetBaseException() }
        """;

    /// <summary>Identifies the build of NeuralPS loaded here, so that a sweep can tell whether a session runs the same one.</summary>
    public static string BuildId => ModulePackage.BuildId;

    /// <summary>The one network among what the -Network script wrote; anything else is an error that says what to write.</summary>
    public static Network NetworkFrom(object[] output)
    {
        var networks = output.Select(o => o is PSObject p ? p.BaseObject : o).OfType<Network>().ToList();
        if (networks.Count == 1) return networks[0];
        string got = output.Length == 0 ? "nothing"
            : "objects of type " + string.Join(", ", output.Select(o => (o is PSObject p ? p.BaseObject : o)?.GetType().Name ?? "$null").Distinct());
        throw new NeuralPSException("InvalidNetworkScript", ErrorKind.InvalidOperation,
            $"The -Network script must write exactly one network, but wrote {(networks.Count > 1 ? $"{networks.Count} networks" : got)}. " +
            "End it with the network, for example: New-Network 4 -Seed $Settings.Seed | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam.");
    }

    /// <summary>
    /// What a run sends back: plain numbers, names and the models' bytes, which cross remoting as they are (a live
    /// Network or its float arrays would come back as property bags and ArrayLists).
    /// </summary>
    public static Hashtable Outcome(Network network, int epochsBefore, TimeSpan elapsed, BestEpochModel bestModel)
    {
        List<EpochResult> epochs = network.History.Skip(epochsBefore).ToList();
        if (epochs.Count == 0)
            throw new NeuralPSException("NoEpochs", ErrorKind.InvalidOperation, "The run trained no epoch (it was stopped before the first one ended).");
        EpochResult last = epochs[^1];
        byte[] lastModel = ModelFile.ToBytes(network);
        // No epoch with a finite loss: the last one stands for the best.
        int best = bestModel.Model is null ? epochs.Count - 1 : bestModel.Epoch - epochsBefore - 1;
        EpochResult b = epochs[best];
        return new Hashtable
        {
            ["Epochs"] = epochs.Count,
            ["Loss"] = last.Loss,
            ["Accuracy"] = last.Accuracy,
            ["ValidationLoss"] = last.ValidationLoss,
            ["ValidationAccuracy"] = last.ValidationAccuracy,
            ["BestEpoch"] = best + 1,
            ["BestLoss"] = b.Loss,
            ["BestAccuracy"] = b.Accuracy,
            ["BestValidationLoss"] = b.ValidationLoss,
            ["BestValidationAccuracy"] = b.ValidationAccuracy,
            ["Duration"] = elapsed.Ticks,
            ["ComputerName"] = Environment.MachineName,
            ["ProcessId"] = Environment.ProcessId,
            ["Model"] = bestModel.Model ?? lastModel,
            ["LastModel"] = lastModel,
        };
    }

    /// <summary>Makes the result object from what a run sent back (a live hashtable, or its deserialized copy).</summary>
    internal static SweepResult ToResult(SweepPoint point, IDictionary outcome, string session)
    {
        T Get<T>(string key) => LanguagePrimitives.ConvertTo<T>(outcome[key] is PSObject p ? p.BaseObject : outcome[key]);
        double? Maybe(string key) => outcome[key] is null ? null : Get<double>(key);
        return new SweepResult
        {
            Run = point.Run,
            Settings = point.Settings,
            Epochs = Get<int>("Epochs"),
            Loss = Get<double>("Loss"),
            Accuracy = Maybe("Accuracy"),
            ValidationLoss = Maybe("ValidationLoss"),
            ValidationAccuracy = Maybe("ValidationAccuracy"),
            BestEpoch = Get<int>("BestEpoch"),
            BestLoss = Get<double>("BestLoss"),
            BestAccuracy = Maybe("BestAccuracy"),
            BestValidationLoss = Maybe("BestValidationLoss"),
            BestValidationAccuracy = Maybe("BestValidationAccuracy"),
            Duration = TimeSpan.FromTicks(Get<long>("Duration")),
            ComputerName = Get<string>("ComputerName"),
            ProcessId = Get<int>("ProcessId"),
            Session = session,
            Attempts = point.Attempts,
            Model = Get<byte[]>("Model"),
            LastModel = Get<byte[]>("LastModel"),
        };
    }
}

/// <summary>
/// The model of a run's best epoch, taken as the epoch ends: the lowest validation loss, else the lowest training loss
/// (the first such epoch on a tie), the epoch early stopping would keep. Invoke-Training writes each epoch's result
/// while the network is as that epoch left it, so its bytes are that epoch's model, history and optimizer included.
/// </summary>
public sealed class BestEpochModel
{
    private readonly Network _network;
    private double _best = double.PositiveInfinity;

    public BestEpochModel(Network network) => _network = network;

    /// <summary>The best epoch so far, numbered as the network's history numbers it (0 before any).</summary>
    public int Epoch { get; private set; }

    /// <summary>The network's model file bytes at the end of <see cref="Epoch"/> (null before any epoch with a finite loss).</summary>
    public byte[]? Model { get; private set; }

    /// <summary>Takes the network's model if <paramref name="result"/>, the epoch that just ended, is the best so far.</summary>
    public void Observe(EpochResult result)
    {
        double score = result.ValidationLoss ?? result.Loss;
        if (!(score < _best)) return;
        _best = score;
        Epoch = result.Epoch;
        Model = ModelFile.ToBytes(_network);
    }
}
