using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Chooses the optimizer, its hyper-parameters, the learning-rate schedule and gradient clipping. Every default lives in
/// <see cref="OptimizerSettings"/> (and <see cref="ScheduleSettings"/>): the cmdlet starts from them and maps only the
/// parameters it is given, so the C# API and the cmdlet cannot disagree.
/// </summary>
[Cmdlet(VerbsCommon.Set, "Optimizer", SupportsShouldProcess = true)]
[OutputType(typeof(Network))]
public sealed class SetOptimizerCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The network whose optimizer to set.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Sgd, AdaGrad, RmsProp, Adam, AdamW, Nadam, Lbfgs or LevenbergMarquardt.")]
    public OptimizerKind Name { get; set; }

    [Parameter(Position = 1, HelpMessage = "Step size. Defaults: Sgd/AdaGrad/RmsProp 0.01, Adam/AdamW 0.001, Nadam 0.002, Lbfgs 1.")]
    [ValidateRange(0.0, double.MaxValue)]
    public double LearningRate { get; set; }

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
    public double Beta1 { get; set; }

    [Parameter(HelpMessage = "Adam family: decay of the second moment (0.999).")]
    [ValidateRange(0.0, 1.0)]
    public double Beta2 { get; set; }

    [Parameter(HelpMessage = "Added to denominators (1e-8; AdaGrad 1e-10).")]
    [ValidateRange(0.0, 1.0)]
    public double Epsilon { get; set; }

    [Parameter(HelpMessage = "RmsProp: decay of the squared-gradient average (PyTorch's alpha, 0.99).")]
    [ValidateRange(0.0, 1.0)]
    public double Rho { get; set; }

    [Parameter(HelpMessage = "Weight decay. For Sgd, AdaGrad, RmsProp, Adam and Nadam it is an L2 term added to the gradient; for AdamW it is decoupled (the weights shrink directly; default 0.01).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double WeightDecay { get; set; }

    [Parameter(HelpMessage = "Nadam: momentum decay (0.004).")]
    [ValidateRange(0.0, 1.0)]
    public double MomentumDecay { get; set; }

    [Parameter(HelpMessage = "Lbfgs: iterations per epoch (20).")]
    [ValidateRange(1, 100000)]
    public int MaxIterations { get; set; }

    [Parameter(HelpMessage = "LevenbergMarquardt: the starting damping mu (0.001).")]
    [ValidateRange(1e-20, 1e300)]
    public double Mu { get; set; }

    [Parameter(HelpMessage = "LevenbergMarquardt: mu is multiplied by this after a step that lowers the loss (0.1).")]
    [ValidateRange(1e-10, 1.0)]
    public double MuDecrease { get; set; }

    [Parameter(HelpMessage = "LevenbergMarquardt: mu is multiplied by this after a step that does not (10).")]
    [ValidateRange(1.0, 1e10)]
    public double MuIncrease { get; set; }

    [Parameter(HelpMessage = "LevenbergMarquardt: training stops when mu grows past this (1e10).")]
    [ValidateRange(1e-20, 1e300)]
    public double MuMax { get; set; }

    [Parameter(HelpMessage = "Scale gradients down when their global L2 norm exceeds this (0 = off).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipNorm { get; set; }

    [Parameter(HelpMessage = "Clip every gradient to [-ClipValue, ClipValue] (0 = off).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipValue { get; set; }

    [Parameter(HelpMessage = "Learning-rate schedule: Constant, Step, Exponential, Cosine, ReduceOnPlateau.")]
    public ScheduleKind Schedule { get; set; }

    [Parameter(HelpMessage = "Step schedule: epochs between decays (10).")]
    [ValidateRange(1, int.MaxValue)]
    public int StepSize { get; set; }

    [Parameter(HelpMessage = "Step and Exponential schedules: decay factor (0.1 for Step, 0.95 for Exponential).")]
    [ValidateRange(0.0, 1.0)]
    public double Gamma { get; set; }

    [Parameter(HelpMessage = "Cosine schedule: period in epochs (0 = the epochs of each training run).")]
    [ValidateRange(0, int.MaxValue)]
    public int TMax { get; set; }

    [Parameter(HelpMessage = "Cosine and ReduceOnPlateau schedules: the lowest learning rate (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinLearningRate { get; set; }

    [Parameter(HelpMessage = "ReduceOnPlateau: factor applied on a plateau (0.1).")]
    [ValidateRange(0.0, 1.0)]
    public double Factor { get; set; }

    [Parameter(HelpMessage = "ReduceOnPlateau: epochs without improvement before reducing (10).")]
    [ValidateRange(0, int.MaxValue)]
    public int SchedulePatience { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (Nesterov && Momentum == 0)
            throw new NeuralPSException(ErrorIds.NesterovWithoutMomentum, ErrorKind.InvalidArgument,
                "Nesterov momentum needs a momentum: add -Momentum 0.9 (for example).", Network);
        if (Nesterov && Dampening != 0)
            throw new NeuralPSException(ErrorIds.NesterovWithDampening, ErrorKind.InvalidArgument,
                "Nesterov momentum works without dampening (as in PyTorch): drop -Dampening or -Nesterov.", Network);
        // A model file refuses a rate or an epsilon of 0 (ValidateRange cannot exclude it), so none is set.
        if ((Given(nameof(LearningRate)) && LearningRate == 0) || (Given(nameof(Epsilon)) && Epsilon == 0))
            throw new NeuralPSException(ErrorIds.InvalidOptimizerSetting, ErrorKind.InvalidArgument,
                $"-{(Given(nameof(LearningRate)) && LearningRate == 0 ? nameof(LearningRate) : nameof(Epsilon))} must be above 0: " +
                "give a small positive value (1e-8, say) instead of 0.", Network);
        var settings = new OptimizerSettings { Kind = Name };
        var schedule = new ScheduleSettings();
        if (Given(nameof(LearningRate))) settings = settings with { LearningRate = LearningRate };
        if (Given(nameof(Momentum))) settings = settings with { Momentum = Momentum };
        if (Given(nameof(Nesterov))) settings = settings with { Nesterov = Nesterov };
        if (Given(nameof(Dampening))) settings = settings with { Dampening = Dampening };
        if (Given(nameof(Centered))) settings = settings with { Centered = Centered };
        if (Given(nameof(InitialAccumulator))) settings = settings with { InitialAccumulator = InitialAccumulator };
        if (Given(nameof(Beta1))) settings = settings with { Beta1 = Beta1 };
        if (Given(nameof(Beta2))) settings = settings with { Beta2 = Beta2 };
        if (Given(nameof(Epsilon))) settings = settings with { Epsilon = Epsilon };
        if (Given(nameof(Rho))) settings = settings with { Rho = Rho };
        if (Given(nameof(WeightDecay))) settings = settings with { WeightDecay = WeightDecay };
        if (Given(nameof(MomentumDecay))) settings = settings with { MomentumDecay = MomentumDecay };
        if (Given(nameof(MaxIterations))) settings = settings with { MaxIterations = MaxIterations };
        if (Given(nameof(Mu))) settings = settings with { Mu = Mu };
        if (Given(nameof(MuDecrease))) settings = settings with { MuDecrease = MuDecrease };
        if (Given(nameof(MuIncrease))) settings = settings with { MuIncrease = MuIncrease };
        if (Given(nameof(MuMax))) settings = settings with { MuMax = MuMax };
        if (Given(nameof(ClipNorm))) settings = settings with { ClipNorm = ClipNorm };
        if (Given(nameof(ClipValue))) settings = settings with { ClipValue = ClipValue };
        if (Given(nameof(Schedule))) schedule = schedule with { Kind = Schedule };
        if (Given(nameof(StepSize))) schedule = schedule with { StepSize = StepSize };
        if (Given(nameof(Gamma))) schedule = schedule with { Gamma = Gamma };
        if (Given(nameof(TMax))) schedule = schedule with { TMax = TMax };
        if (Given(nameof(MinLearningRate))) schedule = schedule with { MinLearningRate = MinLearningRate };
        if (Given(nameof(Factor))) schedule = schedule with { Factor = Factor };
        if (Given(nameof(SchedulePatience))) schedule = schedule with { Patience = SchedulePatience };
        settings = settings with { Schedule = schedule };
        // -WhatIf changes nothing and passes the network on, so a pipeline can be tried out whole.
        if (ShouldProcess($"network '{Network.Name}'", $"Set optimizer {settings}"))
        {
            using (Use(Network, NetworkUse.Change)) Network.OptimizerSettings = settings; // not while another pipeline trains it
            WriteVerbose($"Optimizer: {Network.OptimizerSettings}");
        }
        WriteObject(Network);
    }, Network);

    private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);
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

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ShouldProcess($"network '{Network.Name}'", $"Set loss {Name} (was {Network.Loss})"))
        {
            using (Use(Network, NetworkUse.Change)) Network.LossOverride = Name;
            WriteVerbose($"Loss: {Name}");
        }
        WriteObject(Network);
    }, Network);
}
