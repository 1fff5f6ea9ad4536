using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;

namespace NeuralPS.CrashChild;

/// <summary>
/// The training the crash test kills: a small network with many tiny epochs, checkpointed every epoch. Shared (as a
/// linked file) with the test, which trains the same network uninterrupted for the reference bits. The same network
/// in cmdlets: New-Network 3 -Seed 7 | Add-DenseLayer 8 -Activation Tanh | Add-DropoutLayer 0.1 | Add-DenseLayer 1 |
/// Set-Optimizer Adam 0.01, on Get-SampleDataset Regression -Samples 64 -Noise 0.1 -Seed 1, batch 16.
/// </summary>
public static class CrashWorkload
{
    public const int BatchSize = 16, Keep = 2;

    public static Dataset Data() => SampleDatasets.Get("Regression", 64, 0.1, 1);

    public static Network NewNetwork()
    {
        var net = new Network(3, "network", seed: 7);
        net.Add(new DenseLayer(8, Activation.Tanh));
        net.Add(new DropoutLayer(0.1f));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        return net;
    }

    /// <summary>Resumes from <paramref name="folder"/>'s last.npsm (or starts afresh) and trains <paramref name="epochs"/> more, checkpointing every epoch.</summary>
    public static Network Train(string? folder, int epochs)
    {
        string? last = folder is null ? null : Path.Combine(folder, "last.npsm");
        Network net = last is not null && File.Exists(last) ? ModelFile.Read(last) : NewNetwork();
        var options = new TrainingOptions
        {
            Epochs = epochs, BatchSize = BatchSize,
            Checkpoints = folder is null ? null : new CheckpointOptions { Folder = folder, Keep = Keep },
        };
        foreach (EpochResult _ in new Trainer(net, Data(), null, options).Run()) { }
        return net;
    }
}
