using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS;

/// <summary>
/// The training state as properties of a network in PowerShell ($net.OptimizerSettings, $net.Optimizer,
/// $net.Training): the network itself is the model and has no such members; C# code gets them as extension members
/// (NeuralPS.Core.Training), PowerShell through the CodeProperties of module/NeuralPS.Types.ps1xml, which call these.
/// </summary>
public static class NetworkTrainingProperties
{
    /// <summary>$net.OptimizerSettings: the optimizer's configuration.</summary>
    public static OptimizerSettings GetOptimizerSettings(PSObject network) => TrainingState.Of(Unwrap(network)).OptimizerSettings;

    /// <summary>$net.OptimizerSettings = ...: starts a new optimizer with this configuration.</summary>
    public static void SetOptimizerSettings(PSObject network, OptimizerSettings value) => TrainingState.Of(Unwrap(network)).OptimizerSettings = value;

    /// <summary>$net.Optimizer: the live optimizer (null before training).</summary>
    public static Optimizer? GetOptimizer(PSObject network) => TrainingState.Of(Unwrap(network)).Optimizer;

    /// <summary>$net.Training: the whole training state.</summary>
    public static TrainingState GetTraining(PSObject network) => TrainingState.Of(Unwrap(network));

    private static Network Unwrap(PSObject network) => (Network)network.BaseObject;
}
