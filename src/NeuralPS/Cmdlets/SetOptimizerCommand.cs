using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Cmdlets;

/// <summary>Chooses the optimizer, its hyper-parameters, the learning-rate schedule and gradient clipping.</summary>
[Cmdlet(VerbsCommon.Set, "Optimizer", SupportsShouldProcess = true)]
[OutputType(typeof(Network))]
public sealed class SetOptimizerCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The network whose optimizer to set.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Sgd, AdaGrad, RmsProp, Adam, AdamW, Nadam or Lbfgs.")]
    public OptimizerKind Name { get; set; }

    [Parameter(Position = 1, HelpMessage = "Step size. Defaults: Sgd/AdaGrad/RmsProp 0.01, Adam/AdamW 0.001, Nadam 0.002, Lbfgs 1.")]
    [ValidateRange(0.0, double.MaxValue)]
    public double LearningRate { get; set; } = double.NaN;

    [Parameter(HelpMessage = "Momentum for Sgd and RmsProp (0 = none).")]
    [ValidateRange(0.0, 1.0)]
    public double Momentum { get; set; }

    [Parameter(HelpMessage = "Sgd: use Nesterov momentum (needs -Momentum).")]
    public SwitchParameter Nesterov { get; set; }

    [Parameter(HelpMessage = "Sgd: dampening of the momentum (0), as PyTorch's: the velocity adds (1 - Dampening) times the gradient.")]
    [ValidateRange(0.0, 1.0)]
    public double Dampening { get; set; }

    [Parameter(HelpMessage = "RmsProp: centered variant, dividing by the estimated variance of the gradient instead of its mean square.")]
    public SwitchParameter Centered { get; set; }

    [Parameter(HelpMessage = "AdaGrad: starting value of the sum of squared gradients (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double InitialAccumulator { get; set; }

    [Parameter(HelpMessage = "Adam family: decay of the first moment (0.9).")]
    [ValidateRange(0.0, 1.0)]
    public double Beta1 { get; set; } = 0.9;

    [Parameter(HelpMessage = "Adam family: decay of the second moment (0.999).")]
    [ValidateRange(0.0, 1.0)]
    public double Beta2 { get; set; } = 0.999;

    [Parameter(HelpMessage = "Added to denominators (1e-8; AdaGrad 1e-10).")]
    [ValidateRange(0.0, 1.0)]
    public double Epsilon { get; set; } = double.NaN;

    [Parameter(HelpMessage = "RmsProp: decay of the squared-gradient average (PyTorch's alpha, 0.99).")]
    [ValidateRange(0.0, 1.0)]
    public double Rho { get; set; } = 0.99;

    [Parameter(HelpMessage = "Weight decay. For Sgd, AdaGrad, RmsProp, Adam and Nadam it is an L2 term added to the gradient; for AdamW it is decoupled (the weights shrink directly; default 0.01).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double WeightDecay { get; set; } = double.NaN;

    [Parameter(HelpMessage = "Nadam: momentum decay (0.004).")]
    [ValidateRange(0.0, 1.0)]
    public double MomentumDecay { get; set; } = 0.004;

    [Parameter(HelpMessage = "Lbfgs: iterations per epoch (20).")]
    [ValidateRange(1, 100000)]
    public int MaxIterations { get; set; } = 20;

    [Parameter(HelpMessage = "Scale gradients down when their global L2 norm exceeds this (0 = off).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipNorm { get; set; }

    [Parameter(HelpMessage = "Clip every gradient to [-ClipValue, ClipValue] (0 = off).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipValue { get; set; }

    [Parameter(HelpMessage = "Learning-rate schedule: Constant, Step, Exponential, Cosine, ReduceOnPlateau.")]
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Constant;

    [Parameter(HelpMessage = "Step schedule: epochs between decays (10).")]
    [ValidateRange(1, int.MaxValue)]
    public int StepSize { get; set; } = 10;

    [Parameter(HelpMessage = "Step and Exponential schedules: decay factor (0.1 for Step, 0.95 for Exponential).")]
    [ValidateRange(0.0, 1.0)]
    public double Gamma { get; set; } = double.NaN;

    [Parameter(HelpMessage = "Cosine schedule: period in epochs (0 = the epochs of each training run).")]
    [ValidateRange(0, int.MaxValue)]
    public int TMax { get; set; }

    [Parameter(HelpMessage = "Cosine and ReduceOnPlateau schedules: the lowest learning rate (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinLearningRate { get; set; }

    [Parameter(HelpMessage = "ReduceOnPlateau: factor applied on a plateau (0.1).")]
    [ValidateRange(0.0, 1.0)]
    public double Factor { get; set; } = 0.1;

    [Parameter(HelpMessage = "ReduceOnPlateau: epochs without improvement before reducing (10).")]
    [ValidateRange(0, int.MaxValue)]
    public int SchedulePatience { get; set; } = 10;

    protected override void ProcessRecord() => Guard(() =>
    {
        if (Nesterov && Momentum == 0)
            throw new NeuralPSException(ErrorIds.NesterovWithoutMomentum, ErrorKind.InvalidArgument,
                "Nesterov momentum needs a momentum: add -Momentum 0.9 (for example).", Network);
        if (Nesterov && Dampening != 0)
            throw new NeuralPSException(ErrorIds.NesterovWithDampening, ErrorKind.InvalidArgument,
                "Nesterov momentum works without dampening (as in PyTorch): drop -Dampening or -Nesterov.", Network);
        var settings = new OptimizerSettings
        {
            Kind = Name,
            LearningRate = LearningRate,
            Momentum = Momentum,
            Nesterov = Nesterov,
            Dampening = Dampening,
            Centered = Centered,
            InitialAccumulator = InitialAccumulator,
            Beta1 = Beta1,
            Beta2 = Beta2,
            Epsilon = Epsilon,
            Rho = Rho,
            WeightDecay = WeightDecay,
            MomentumDecay = MomentumDecay,
            MaxIterations = MaxIterations,
            ClipNorm = ClipNorm,
            ClipValue = ClipValue,
            Schedule = new ScheduleSettings
            {
                Kind = Schedule,
                StepSize = StepSize,
                Gamma = !double.IsNaN(Gamma) ? Gamma : Schedule == ScheduleKind.Exponential ? 0.95 : 0.1,
                TMax = TMax,
                MinLearningRate = MinLearningRate,
                Factor = Factor,
                Patience = SchedulePatience,
            },
        };
        // -WhatIf changes nothing and passes the network on, so a pipeline can be tried out whole.
        if (ShouldProcess($"network '{Network.Name}'", $"Set optimizer {settings}"))
        {
            Network.OptimizerSettings = settings;
            WriteVerbose($"Optimizer: {Network.OptimizerSettings}");
        }
        WriteObject(Network);
    }, Network);
}

/// <summary>Overrides the loss inferred from the output layer.</summary>
[Cmdlet(VerbsCommon.Set, "Loss", SupportsShouldProcess = true)]
[OutputType(typeof(Network))]
public sealed class SetLossCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The network whose loss to set.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossEntropy, CategoricalCrossEntropy or SparseCategoricalCrossEntropy.")]
    public LossKind Name { get; set; }

    protected override void ProcessRecord()
    {
        if (ShouldProcess($"network '{Network.Name}'", $"Set loss {Name} (was {Network.Loss})"))
        {
            Network.LossOverride = Name;
            WriteVerbose($"Loss: {Name}");
        }
        WriteObject(Network);
    }
}
