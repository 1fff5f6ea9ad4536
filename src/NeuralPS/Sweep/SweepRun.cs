using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Sweep;

/// <summary>
/// The part of a sweep run that happens where the run trains (a local runspace or a remote session): the helpers that
/// the run's script (Sweep/Scripts/Run.ps1, the same in both places) calls.
/// </summary>
public static class SweepRun
{
    /// <summary>Identifies the build of NeuralPS loaded here, so that a sweep can tell whether a session runs the same one.</summary>
    public static string BuildId => ModulePackage.BuildId;

    /// <summary>The one network among what the -Network script wrote; anything else is an error that says what to write.</summary>
    public static Network NetworkFrom(object[] output)
    {
        var networks = output.Select(o => o is PSObject p ? p.BaseObject : o).OfType<Network>().ToList();
        if (networks.Count == 1) return networks[0];
        string got = output.Length == 0 ? "nothing"
            : "objects of type " + string.Join(", ", output.Select(o => (o is PSObject p ? p.BaseObject : o)?.GetType().Name ?? "$null").Distinct());
        throw new NeuralPSException(ErrorIds.InvalidNetworkScript, ErrorKind.InvalidOperation,
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
            throw new NeuralPSException(ErrorIds.NoEpochs, ErrorKind.InvalidOperation, "The run trained no epoch (it was stopped before the first one ended).");
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
            ["Metrics"] = MetricsOf(last),
            ["Model"] = bestModel.Model ?? lastModel,
            ["LastModel"] = lastModel,
        };
    }

    /// <summary>
    /// Every metric an epoch result carries (its numeric properties but the epoch, the rate and the speed), by name:
    /// what a cross-validation summarizes, so a metric added to the epoch results is summarized too.
    /// </summary>
    public static Hashtable MetricsOf(EpochResult epoch)
    {
        var metrics = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (System.Reflection.PropertyInfo p in typeof(EpochResult).GetProperties())
        {
            if (p.Name is nameof(EpochResult.Epoch) or nameof(EpochResult.LearningRate) or nameof(EpochResult.SamplesPerSecond)) continue;
            if (p.PropertyType != typeof(double) && p.PropertyType != typeof(double?)) continue;
            if (p.GetValue(epoch) is double value) metrics[p.Name] = value;
        }
        return metrics;
    }

    /// <summary>Makes the result object from what a run sent back (a live hashtable, or its deserialized copy).</summary>
    internal static SweepResult ToResult(SweepPoint point, IDictionary outcome, string session)
    {
        T Get<T>(string key) => LanguagePrimitives.ConvertTo<T>(outcome[key] is PSObject p ? p.BaseObject : outcome[key]);
        double? Maybe(string key) => outcome[key] is null ? null : Get<double>(key);
        return new SweepResult
        {
            Run = point.Run,
            Point = point.Point,
            Repeat = point.Fold?.Repeat,
            Fold = point.Fold?.Number,
            Settings = point.Settings,
            Metrics = MetricsFrom(outcome["Metrics"]),
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

    /// <summary>The metrics a run sent back (a hashtable, deserialized or not), in name order.</summary>
    private static OrderedDictionary MetricsFrom(object? value)
    {
        var metrics = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        if ((value is PSObject p ? p.BaseObject : value) is IDictionary dictionary)
            foreach (DictionaryEntry e in dictionary.Cast<DictionaryEntry>().OrderBy(e => e.Key.ToString(), StringComparer.Ordinal))
                metrics[e.Key.ToString()!] = LanguagePrimitives.ConvertTo<double>(e.Value is PSObject v ? v.BaseObject : e.Value);
        return metrics;
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
