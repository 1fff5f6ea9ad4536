using System.Globalization;
using System.Text.RegularExpressions;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Core.Training;

/// <summary>Where and how often a training writes checkpoints (Invoke-Training -CheckpointPath).</summary>
public sealed class CheckpointOptions
{
    /// <summary>The folder the checkpoints go to (made if missing).</summary>
    public required string Folder { get; init; }

    /// <summary>Write epoch-NNNN.npsm and last.npsm every this many epochs (and after a run's last epoch).</summary>
    public int Every { get; init; } = 1;

    /// <summary>How many epoch-NNNN.npsm files to keep: the most recently written; older ones are deleted.</summary>
    public int Keep { get; init; } = 3;
}

/// <summary>
/// Writes a training's checkpoints: complete model files (weights, layer state, optimizer state and schedule position,
/// history, random streams), so that <c>Import-Network</c> of any of them trains on with the same bits as a training
/// that never stopped. Each file is written through <see cref="AtomicFile"/>: a process killed while writing leaves the
/// previous version whole and a hidden temporary file that the next write to the folder removes.
/// <list type="bullet">
/// <item><c>last.npsm</c>: the newest state, written first at every checkpoint.</item>
/// <item><c>epoch-NNNN.npsm</c>: the state after epoch NNNN (the network's own count, so a resumed training goes on
/// numbering); the <see cref="CheckpointOptions.Keep"/> most recently written stay.</item>
/// <item><c>best.npsm</c>: the epoch with the lowest monitored loss in the network's whole history (the validation loss
/// when there is validation data), written whenever an epoch beats it.</item>
/// </list>
/// </summary>
internal sealed partial class Checkpoints
{
    public const string LastFile = "last.npsm", BestFile = "best.npsm";

    private readonly Network _network;
    private readonly CheckpointOptions _options;
    private readonly string _folder;
    private readonly Func<EpochResult, double?> _monitored;
    private double _best;

    [GeneratedRegex(@"^epoch-(\d+)\.npsm$")]
    private static partial Regex EpochFile();

    /// <summary>The name of the checkpoint after <paramref name="epoch"/>.</summary>
    public static string EpochFileName(int epoch) => $"epoch-{epoch.ToString("D4", CultureInfo.InvariantCulture)}.npsm";

    public Checkpoints(Network network, CheckpointOptions options, bool monitorValidation)
    {
        if (options.Every < 1)
            throw new NeuralPSException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"CheckpointEvery must be at least 1; {options.Every} was given.");
        if (options.Keep < 1)
            throw new NeuralPSException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"KeepCheckpoints must be at least 1; {options.Keep} was given.");
        _network = network;
        _options = options;
        _folder = PrepareFolder(options.Folder);
        _monitored = monitorValidation ? r => r.ValidationLoss : r => r.Loss;
        // The best so far counts the epochs before this run too: a resumed training replaces best.npsm only when it beats them.
        _best = network.History.Select(_monitored).Where(v => v is double d && double.IsFinite(d)).Select(v => v!.Value).DefaultIfEmpty(double.PositiveInfinity).Min();
    }

    private static string PrepareFolder(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw new NeuralPSException(ErrorIds.InvalidPath, ErrorKind.InvalidArgument, "Give a folder to write the checkpoints to.");
        string full;
        try { full = Path.GetFullPath(folder); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new NeuralPSException(ErrorIds.InvalidPath, ErrorKind.InvalidArgument, $"Cannot write checkpoints to '{folder}': {e.Message}", folder, e);
        }
        if (File.Exists(full))
            throw new NeuralPSException(ErrorIds.CannotWriteFile, ErrorKind.InvalidArgument,
                $"Cannot write checkpoints to '{folder}': it is a file. Give a folder (it is made if missing).", folder);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NeuralPSException(ErrorIds.CannotWriteFile, ErrorKind.InvalidOperation, $"Cannot make the checkpoint folder '{folder}': {e.Message}", folder, e);
        }
        return full;
    }

    /// <summary>
    /// An epoch has ended (its result is in the history, the optimizer has moved to the next epoch): writes what is due.
    /// <paramref name="endOfRun"/>: no epoch follows in this run, so last.npsm and the epoch's file are written whatever
    /// <see cref="CheckpointOptions.Every"/> says.
    /// </summary>
    public void AfterEpoch(EpochResult result, bool endOfRun)
    {
        bool periodic = result.Epoch % _options.Every == 0 || endOfRun;
        bool best = _monitored(result) is double value && double.IsFinite(value) && value < _best;
        if (!periodic && !best) return;
        byte[] bytes = ModelFile.ToBytes(_network); // once for every file of this epoch: they hold the same state
        if (periodic)
        {
            // last.npsm first: whenever a kill interrupts this, last.npsm is at least as new as every epoch file.
            AtomicFile.WriteAllBytes(Path.Combine(_folder, LastFile), bytes, "checkpoint");
            AtomicFile.WriteAllBytes(Path.Combine(_folder, EpochFileName(result.Epoch)), bytes, "checkpoint");
            Prune();
        }
        if (best)
        {
            AtomicFile.WriteAllBytes(Path.Combine(_folder, BestFile), bytes, "checkpoint");
            _best = _monitored(result)!.Value;
        }
    }

    /// <summary>
    /// Deletes all but the <see cref="CheckpointOptions.Keep"/> most recently written epoch files. Written time, not
    /// number: a training resumed from an older checkpoint is a new branch, and the higher-numbered files of the branch it
    /// left are older than its own.
    /// </summary>
    private void Prune()
    {
        var files = new List<(string Path, DateTime Written, int Epoch)>();
        foreach (string path in Directory.EnumerateFiles(_folder, "epoch-*.npsm"))
        {
            Match m = EpochFile().Match(Path.GetFileName(path));
            if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)) continue;
            files.Add((path, File.GetLastWriteTimeUtc(path), epoch));
        }
        foreach (var old in files.OrderByDescending(f => f.Written).ThenByDescending(f => f.Epoch).Skip(_options.Keep))
        {
            try { File.Delete(old.Path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* stays; the next checkpoint tries again */ }
        }
    }
}
