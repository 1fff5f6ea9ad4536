using System.Diagnostics;

namespace NeuralPS.Core.Distributed;

/// <summary>
/// Waits for a non-blocking collective by polling it. A rank blocked inside a blocking MPI call cannot be stopped
/// (Ctrl+C, StopProcessing) until every other rank arrives, which may be never; polling lets the wait see the
/// cancellation token between tests and end the job instead.
/// </summary>
internal static class RequestPoller
{
    // Spin briefly (a reduce between balanced ranks completes in tens of microseconds), then yield the core to the
    // other ranks' threads (mpirun --oversubscribe puts several ranks on one core), and after a long wait for a slow
    // rank sleep between tests so that a waiting rank does not burn a core the others need.
    private const int SpinTests = 200;
    private static readonly long YieldTicks = Stopwatch.Frequency / 50; // 20 ms

    /// <summary>
    /// Calls <paramref name="isComplete"/> until it returns true. When <paramref name="cancellation"/> is signalled
    /// first, calls <paramref name="onStopped"/> (which ends the job; it returns only in tests) and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public static void Wait<TState>(TState state, Func<TState, bool> isComplete, Action onStopped, CancellationToken cancellation)
    {
        long start = 0;
        for (int tests = 0; ; tests++)
        {
            if (isComplete(state)) return;
            if (cancellation.IsCancellationRequested)
            {
                onStopped();
                throw new OperationCanceledException(cancellation);
            }
            if (tests < SpinTests) { Thread.SpinWait(20); continue; }
            if (start == 0) start = Stopwatch.GetTimestamp();
            if (Stopwatch.GetTimestamp() - start < YieldTicks) Thread.Yield();
            else Thread.Sleep(1);
        }
    }
}
