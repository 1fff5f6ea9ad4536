namespace NeuralPS.Core.Training;

/// <summary>Where training is inside an epoch, reported after every batch.</summary>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double RunningLoss, TimeSpan EpochElapsed);
