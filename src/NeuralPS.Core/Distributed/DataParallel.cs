using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Distributed;

/// <summary>
/// What the trainer does differently when it trains one network on the ranks of a job (data parallelism):
/// every rank holds the whole dataset and the same shuffled order, takes its own slice of each global mini-batch,
/// and the ranks sum their weighted gradients, so every rank applies the same update as one process training on the
/// whole batch would.
/// </summary>
internal sealed class DataParallel
{
    private readonly ICommunicator _comm;
    private readonly double[] _step = new double[3];

    public DataParallel(ICommunicator communicator) => _comm = communicator;

    public int Rank => _comm.Rank;

    /// <summary>Rank 0's value of a seed, on every rank (the validation split must hold out the same rows everywhere).</summary>
    public long AgreeOnSeed(long seed, CancellationToken cancellation)
    {
        Span<long> value = [seed];
        _comm.Broadcast(MemoryMarshal.AsBytes(value), cancellation);
        return value[0];
    }

    /// <summary>
    /// Checks that every rank is about to run the same training on the same data, then makes every rank's network
    /// rank 0's: parameters, layer state (normalization, batch-norm statistics), optimizer state and the shuffling
    /// stream. Each rank other than 0 then draws dropout masks from its own stream, so the shards do not share masks.
    /// </summary>
    public void Synchronize(Network net, Dataset train, Dataset? validation, TrainingOptions options, CancellationToken cancellation)
    {
        (string What, long Value)[] facts =
        [
            ("parameter count", net.ParameterCount),
            ("layer count", net.Layers.Count),
            ("epochs already trained", net.History.Count),
            ("optimizer", (long)net.OptimizerSettings.Kind),
            ("epochs", options.Epochs),
            ("batch size", options.BatchSize),
            ("training rows", train.Rows),
            ("training features", train.FeatureCount),
            ("training data (hash of features and targets)", Fingerprint(train)),
            ("validation rows", validation?.Rows ?? -1),
            ("validation data (hash of features and targets)", validation is null ? 0 : Fingerprint(validation)),
        ];
        long[] mine = facts.Select(f => f.Value).ToArray(), rank0 = (long[])mine.Clone();
        _comm.Broadcast(MemoryMarshal.AsBytes(rank0.AsSpan()), cancellation);
        for (int i = 0; i < facts.Length; i++)
            if (mine[i] != rank0[i])
                throw new NeuralPSException(ErrorIds.DistributedMismatch, ErrorKind.InvalidData,
                    $"Rank {Rank} differs from rank 0 in its {facts[i].What}: {mine[i]} here, {rank0[i]} on rank 0. " +
                    "Every rank must run the same script on the same data (same files, same order, same -Seed for splits).", train);

        Broadcast(net.Parameters, cancellation);
        foreach (Layer layer in net.Layers) Broadcast(layer.State, cancellation);
        if (net.Optimizer is { } optimizer)
        {
            foreach (float[] buffer in optimizer.StateBuffers) Broadcast(buffer, cancellation);
            Span<long> steps = [optimizer.StepCount];
            _comm.Broadcast(MemoryMarshal.AsBytes(steps), cancellation);
            optimizer.RestoreStepCount(steps[0]);
        }
        net.TrainingRandom = new RandomSource(BroadcastState(net.TrainingRandom, cancellation));
        ulong[] dropout = BroadcastState(net.DropoutRandom, cancellation);
        net.DropoutRandom = Rank == 0 ? new RandomSource(dropout) : new RandomSource(RandomSource.Derive((long)dropout[0], 7_000 + Rank));
    }

    /// <summary>This rank's slice of the global batch of <paramref name="count"/> rows from <paramref name="start"/>.</summary>
    public (int Start, int Count) Shard(int start, int count)
    {
        // Slices differ in length by at most one row; a rank whose slice is empty (batch smaller than the job)
        // contributes nothing but still joins the reduce.
        int from = (int)((long)count * Rank / _comm.Size), to = (int)((long)count * (Rank + 1) / _comm.Size);
        return (start + from, to - from);
    }

    /// <summary>
    /// Turns this rank's mean gradient over its shard into the mean gradient over the global batch, on every rank:
    /// each rank weighs its gradient by its shard's share of the batch, and the weighted gradients are summed. The
    /// batch's loss, correct predictions and predictions counted are summed the same way. Returns the global batch's
    /// loss (penalty included); <paramref name="correct"/> and <paramref name="counted"/> become the global counts.
    /// </summary>
    public double Reduce(float[] gradients, int shardRows, int batchRows, double shardLoss, ref long correct, ref long counted,
        CancellationToken cancellation)
    {
        // The penalty's gradient, part of every rank's gradient, adds up to itself: the weights sum to 1.
        if (shardRows == 0) Array.Clear(gradients);
        else if (shardRows != batchRows) TensorPrimitives.Multiply(gradients, (float)((double)shardRows / batchRows), gradients);
        _comm.Sum(gradients.AsSpan(), cancellation);
        _step[0] = shardRows == 0 ? 0 : shardLoss * shardRows;
        _step[1] = correct;
        _step[2] = counted;
        _comm.Sum(_step.AsSpan(), cancellation);
        correct = (long)_step[1];
        counted = (long)_step[2];
        return _step[0] / batchRows;
    }

    /// <summary>
    /// Averages the batch-normalization running statistics over the ranks (each rank's come from its own shards),
    /// so that every rank holds the same network after each epoch.
    /// </summary>
    public void AverageLayerState(Network net, CancellationToken cancellation)
    {
        float share = 1f / _comm.Size;
        foreach (Layer layer in net.Layers)
        {
            if (layer is not BatchNormLayer) continue;
            TensorPrimitives.Multiply(layer.State, share, layer.State);
            _comm.Sum(layer.State.AsSpan(), cancellation);
        }
    }

    /// <summary>Loss and accuracy on the validation data, each rank evaluating a slice of the rows.</summary>
    public (double Loss, double? Accuracy) Evaluate(Network net, Dataset data, CancellationToken cancellation, float[]? weights = null)
    {
        Evaluator.EnsureCompatible(net, data);
        (int first, int count) = Shard(0, data.Rows);
        (double lossSum, long correct, long total) = Evaluator.Sum(net, data, first, count, Span<float>.Empty, weights);
        Span<double> sums = [lossSum, correct, total];
        _comm.Sum(sums, cancellation);
        return Evaluator.Metrics(net, data, sums[0], sums[1], sums[2]);
    }

    private void Broadcast(float[] values, CancellationToken cancellation) =>
        _comm.Broadcast(MemoryMarshal.AsBytes(values.AsSpan()), cancellation);

    private ulong[] BroadcastState(RandomSource random, CancellationToken cancellation)
    {
        ulong[] state = random.GetState();
        _comm.Broadcast(MemoryMarshal.AsBytes(state.AsSpan()), cancellation);
        return state;
    }

    /// <summary>A 64-bit hash of a dataset's features and targets (FNV-1a over 8-byte words): equal data, equal hash.</summary>
    private static long Fingerprint(Dataset data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (float[] buffer in new[] { data.Features, data.Targets })
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(buffer.AsSpan());
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(bytes);
            foreach (ulong word in words) hash = (hash ^ word) * 1099511628211UL;
            foreach (byte b in bytes[(words.Length * 8)..]) hash = (hash ^ b) * 1099511628211UL;
        }
        return (long)hash;
    }
}
