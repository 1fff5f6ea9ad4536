namespace NeuralPS.Core.Training;

/// <summary>How to train: epochs, batches, validation and early stopping.</summary>
public sealed class TrainingOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per mini-batch; 0 means the whole dataset (full-batch gradient descent).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the rows every epoch (seeded by the network's training stream).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Fraction of the training rows held out for validation when no validation data is given.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Re-seeds shuffling and dropout when set.</summary>
    public long? Seed { get; init; }

    /// <summary>Threads for the engine (null: keep the network's).</summary>
    public int? ThreadCount { get; init; }

    /// <summary>Stop when the monitored loss has not improved for this many epochs (0: off).</summary>
    public int Patience { get; init; }

    /// <summary>The smallest decrease that counts as an improvement.</summary>
    public double MinDelta { get; init; }

    /// <summary>What early stopping and plateau schedules watch: ValidationLoss (default when validation data exists) or Loss.</summary>
    public string? Monitor { get; init; }

    /// <summary>
    /// Standardize the inputs: put a normalization layer in front if the network has none, adapted to the training
    /// data (an adapted one is kept as it is, so training more does not move the inputs under the weights).
    /// </summary>
    public bool Normalize { get; init; }

    /// <summary>With early stopping, put back the best epoch's weights when training ends, whatever ended it.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Train data-parallel with the other ranks of this communicator (an MPI job): each rank computes the gradient of
    /// its slice of every global batch and the ranks sum them. Null: train in this process alone. A run that stops or
    /// fails on one rank leaves the others waiting in their next collective: the caller ends the job then
    /// (<see cref="Distributed.ICommunicator.Abort"/>), as Invoke-Training does.
    /// </summary>
    public Distributed.ICommunicator? Communicator { get; init; }

    /// <summary>Write checkpoints (complete model files to resume from) while training; null: none.</summary>
    public CheckpointOptions? Checkpoints { get; init; }
}
