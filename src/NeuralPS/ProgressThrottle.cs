using System.Diagnostics;
using System.Management.Automation;

namespace NeuralPS;

/// <summary>
/// Decides when a cmdlet redraws its progress bar. A redraw can cost far more than the work between two of them: under a
/// terminal that does not answer cursor-position queries (script(1), CI runners and editor terminals that give a pty)
/// the console host's every redraw asks for the cursor and .NET waits 1 s for each answer, 10 s for the first. So the bar appears only once the work has gone on for
/// <c>firstAfter</c> (a bar for a quick run is a flash), is redrawn at most every <see cref="Interval"/>, and a slow
/// redraw spaces the next ones out, keeping redraws under a fifth of the caller's time. A redraw that took over
/// <see cref="Stalled"/> means the host waits on its terminal: the bar is cleared at once (while it shows, such a host
/// redraws it around every line of output, seconds a line) and not shown again in this run. Callers run on the
/// pipeline thread, the only one allowed to write progress; the work itself must not wait on them (see
/// BackgroundTraining).
/// </summary>
internal sealed class ProgressThrottle
{
    /// <summary>The shortest time between two redraws: five a second, like PowerShell's own console host.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>A redraw this slow means the host waits on its terminal: the bar is cleared and not shown again.</summary>
    public static readonly TimeSpan Stalled = TimeSpan.FromSeconds(1);

    private readonly Cmdlet _cmdlet;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next;
    private ProgressRecord? _shown;

    public ProgressThrottle(Cmdlet cmdlet, TimeSpan firstAfter) => (_cmdlet, _next) = (cmdlet, firstAfter);

    /// <summary>True when a redraw now would be on time.</summary>
    public bool Due => _clock.Elapsed >= _next;

    /// <summary>How long until a redraw is due (zero when it is; infinite when none will be).</summary>
    public TimeSpan UntilDue => _next == TimeSpan.MaxValue ? Timeout.InfiniteTimeSpan
        : _next > _clock.Elapsed ? _next - _clock.Elapsed : TimeSpan.Zero;

    /// <summary>Writes the record <paramref name="make"/> gives if a redraw is due; returns whether it did.</summary>
    public bool Offer(Func<ProgressRecord> make)
    {
        if (!Due) return false;
        TimeSpan start = _clock.Elapsed;
        // A new record each time: hosts and Streams.Progress may keep the ones they were given.
        ProgressRecord record = make();
        _cmdlet.WriteProgress(record);
        _shown = record;
        TimeSpan took = _clock.Elapsed - start;
        if (took > Stalled)
        {
            _next = TimeSpan.MaxValue;
            WriteCompleted(record);
        }
        else _next = _clock.Elapsed + (took * 4 > Interval ? took * 4 : Interval);
        return true;
    }

    /// <summary>
    /// Ends the bar, if one was shown: first <paramref name="final"/> (where the work ended, so the last record a host
    /// or the Progress stream keeps is the final state), then a Completed record.
    /// </summary>
    public void Complete(ProgressRecord final)
    {
        if (_shown is null) return;
        if (final.StatusDescription != _shown.StatusDescription || final.PercentComplete != _shown.PercentComplete)
            _cmdlet.WriteProgress(final);
        WriteCompleted(final);
    }

    private void WriteCompleted(ProgressRecord last)
    {
        _cmdlet.WriteProgress(new ProgressRecord(last.ActivityId, last.Activity, last.StatusDescription)
        {
            RecordType = ProgressRecordType.Completed,
        });
        _shown = null;
    }
}
