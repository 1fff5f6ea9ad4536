namespace NeuralPS.Core.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of processes (ranks). Every rank must
/// call the same operations in the same order with buffers of the same length. <see cref="MpiCommunicator"/> is the
/// one over Open MPI; tests put their own behind it.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's rank, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="data"/> on every rank by rank 0's bytes.</summary>
    void Broadcast(Span<byte> data, CancellationToken cancellation);

    /// <summary>Replaces <paramref name="data"/> on every rank by the elementwise sum over all ranks.</summary>
    void Sum(Span<float> data, CancellationToken cancellation);

    /// <summary>Replaces <paramref name="data"/> on every rank by the elementwise sum over all ranks.</summary>
    void Sum(Span<double> data, CancellationToken cancellation);

    /// <summary>
    /// Ends the whole job after this rank failed or was stopped: the other ranks would otherwise wait forever in the
    /// next collective. <paramref name="message"/> says why; it is written where the user sees it before the job ends.
    /// The MPI implementation does not return.
    /// </summary>
    void Abort(string message, int errorCode);
}
