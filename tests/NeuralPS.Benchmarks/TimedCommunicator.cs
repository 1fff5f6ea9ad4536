using System.Diagnostics;
using NeuralPS.Core.Distributed;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W1 --distributed: the MPI communicator with a clock around its collectives, so that each epoch can say what
/// share of its time went to the reduces (the wait for the slowest rank included, as a user's epoch sees it).
/// </summary>
internal sealed class TimedCommunicator(ICommunicator inner) : ICommunicator
{
    private long _ticks;

    public int Rank => inner.Rank;
    public int Size => inner.Size;

    /// <summary>Seconds spent in collectives since the last call, and the count restarts.</summary>
    public double TakeSeconds()
    {
        double seconds = (double)_ticks / Stopwatch.Frequency;
        _ticks = 0;
        return seconds;
    }

    public void Broadcast(Span<byte> data, CancellationToken cancellation)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Broadcast(data, cancellation);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void Sum(Span<float> data, CancellationToken cancellation)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Sum(data, cancellation);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void Sum(Span<double> data, CancellationToken cancellation)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Sum(data, cancellation);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void Abort(string message, int errorCode) => inner.Abort(message, errorCode);
}
