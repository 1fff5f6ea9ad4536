using System.Collections;
using NeuralPS.Cmdlets;
using NeuralPS.Core.Data;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Sweep;

/// <summary>What every run of one sweep shares: the module, the network script, the data and the training options.</summary>
internal sealed class SweepContext
{
    private readonly Lazy<byte[]> _dataBytes;
    private readonly Lazy<byte[]?> _validationBytes;
    private readonly Hashtable _training;

    public SweepContext(ModulePackage package, string networkScript, Dataset data, Dataset? validationData, Hashtable training)
    {
        Package = package;
        NetworkScript = networkScript;
        Data = data;
        ValidationData = validationData;
        _training = training;
        // Made once, when the first session needs them, and shared: every session gets the same bytes.
        _dataBytes = new Lazy<byte[]>(() => DatasetBytes.ToBytes(data));
        _validationBytes = new Lazy<byte[]?>(() => validationData is null ? null : DatasetBytes.ToBytes(validationData));
    }

    public ModulePackage Package { get; }
    public string NetworkScript { get; }
    public Dataset Data { get; }
    public Dataset? ValidationData { get; }
    public byte[] DataBytes => _dataBytes.Value;
    public byte[]? ValidationBytes => _validationBytes.Value;

    /// <summary>The global variable that holds the data in each worker; unique, so that sweeps sharing a session do not collide.</summary>
    public string DataVariable { get; } = "NeuralPSSweep_" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Invoke-Training's parameters for one run: the training options given to the sweep, then the point's settings
    /// that name one (a grid key "BatchSize"); other settings are only for the network script.
    /// </summary>
    public Hashtable TrainingFor(SweepPoint point)
    {
        var parameters = new Hashtable(_training, StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in point.Settings)
            if (TrainingCommandBase.OptionNames.Contains((string)e.Key)) parameters[(string)e.Key] = e.Value;
        return parameters;
    }
}

/// <summary>
/// The runs not yet taken, shared by the workers: each takes the next as it finishes one, so a fast worker does more
/// runs than a slow one. A run whose session broke goes back to the front. Workers wait while runs are out, since one
/// of them may come back.
/// </summary>
internal sealed class RunQueue
{
    private readonly LinkedList<SweepPoint> _waiting;
    private int _outstanding;
    private bool _stopped;

    public RunQueue(IEnumerable<SweepPoint> points)
    {
        _waiting = new LinkedList<SweepPoint>(points);
        _outstanding = _waiting.Count;
    }

    /// <summary>The next run, or false when every run has ended (or the sweep was stopped).</summary>
    public bool TryTake(out SweepPoint point)
    {
        lock (_waiting)
        {
            while (true)
            {
                if (!_stopped && _waiting.First is { } first)
                {
                    _waiting.RemoveFirst();
                    point = first.Value;
                    return true;
                }
                if (_stopped || _outstanding == 0)
                {
                    point = null!;
                    return false;
                }
                Monitor.Wait(_waiting);
            }
        }
    }

    /// <summary>A run ended, with a result or an error of its own.</summary>
    public void Done()
    {
        lock (_waiting)
        {
            _outstanding--;
            Monitor.PulseAll(_waiting);
        }
    }

    /// <summary>A run's session broke: the run goes back, first in line.</summary>
    public void Retry(SweepPoint point)
    {
        lock (_waiting)
        {
            _waiting.AddFirst(point);
            Monitor.PulseAll(_waiting);
        }
    }

    public void Stop()
    {
        lock (_waiting)
        {
            _stopped = true;
            Monitor.PulseAll(_waiting);
        }
    }

    /// <summary>The runs no worker took (every worker is gone), in run order.</summary>
    public List<SweepPoint> Remaining()
    {
        lock (_waiting) return _waiting.OrderBy(p => p.Run).ToList();
    }
}
