using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core;

/// <summary>The phases a training step's time is split into by <see cref="StepProfile"/>.</summary>
internal enum StepPhase
{
    // What the trainer does, one after the other: their sum is the step.
    Gather,
    Forward,
    Backward,
    Clip,
    Optimizer,
    Bookkeeping,
    // Inside Forward and Backward (each counted in its enclosing phase as well).
    Products,
    ColumnSums,
    Loss,
    Activations,
}

/// <summary>
/// Where a training step's time goes, for the benchmark's <c>--profile</c>: seconds per phase on the training thread,
/// seconds each thread of the pool spent running parts, and seconds the caller waited for the workers. Off unless
/// switched on; a switched-off probe is one static read, so the probes stay in the engine's hot paths.
/// Not for concurrent trainings: the counters are process-wide.
/// </summary>
internal static class StepProfile
{
    /// <summary>Threads whose busy time is kept (the caller is 0, worker i is i).</summary>
    public const int MaxThreads = 16;

    private static readonly long[] s_phaseTicks = new long[Enum.GetValues<StepPhase>().Length];
    private static readonly long[] s_busyTicks = new long[MaxThreads];
    private static long s_waitTicks, s_steps;

    /// <summary>Whether the probes record (the benchmark sets it; never the cmdlets).</summary>
    public static bool Enabled { get; set; }

    /// <summary>A phase's start: a timestamp when recording, else 0 (which <see cref="Stop"/> ignores).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="phase"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stop(StepPhase phase, long start)
    {
        if (start != 0) Interlocked.Add(ref s_phaseTicks[(int)phase], Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Adds the time since <paramref name="start"/> to thread <paramref name="thread"/>'s busy time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Busy(int thread, long start)
    {
        if (start != 0 && thread < MaxThreads) Interlocked.Add(ref s_busyTicks[thread], Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Adds the time since <paramref name="start"/> to the caller's wait for the workers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Waited(long start)
    {
        if (start != 0) Interlocked.Add(ref s_waitTicks, Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Counts a finished step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepDone()
    {
        if (Enabled) s_steps++;
    }

    /// <summary>Zeroes every counter.</summary>
    public static void Reset()
    {
        Array.Clear(s_phaseTicks);
        Array.Clear(s_busyTicks);
        s_waitTicks = 0;
        s_steps = 0;
    }

    /// <summary>Steps counted since the last reset.</summary>
    public static long Steps => s_steps;

    /// <summary>Seconds spent in <paramref name="phase"/> since the last reset.</summary>
    public static double Seconds(StepPhase phase) => Ticks(s_phaseTicks[(int)phase]);

    /// <summary>Seconds thread <paramref name="thread"/> spent running pool parts since the last reset.</summary>
    public static double BusySeconds(int thread) => Ticks(s_busyTicks[thread]);

    /// <summary>Seconds the caller spent waiting for workers to finish their parts since the last reset.</summary>
    public static double WaitSeconds => Ticks(s_waitTicks);

    private static double Ticks(long ticks) => (double)ticks / Stopwatch.Frequency;
}
