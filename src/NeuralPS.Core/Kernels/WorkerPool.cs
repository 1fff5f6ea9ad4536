namespace NeuralPS.Core.Kernels;

/// <summary>
/// The engine's threads. One pool per network (no static state), sized by -ThreadCount.
/// The calling thread always takes part, so a pool of 1 runs everything inline.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>A pool that runs everything on the calling thread.</summary>
    public WorkerPool(int threadCount = 1)
    {
        ThreadCount = Math.Max(1, threadCount);
    }

    /// <summary>Threads that share the work, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>Releases the worker threads.</summary>
    public void Dispose() { }
}
