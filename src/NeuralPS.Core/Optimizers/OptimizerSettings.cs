namespace NeuralPS.Core.Optimizers;

/// <summary>The optimizers, in order of increasing complexity.</summary>
public enum OptimizerKind
{
    /// <summary>Gradient descent (full batch or mini-batch), with optional momentum and Nesterov.</summary>
    Sgd,
    /// <summary>Per-parameter rates from the sum of squared gradients.</summary>
    AdaGrad,
    /// <summary>Per-parameter rates from a moving average of squared gradients, with optional momentum.</summary>
    RmsProp,
    /// <summary>Adaptive moments; weight decay here is an L2 term added to the gradient.</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay (the weights shrink directly, not through the gradient).</summary>
    AdamW,
    /// <summary>Adam with Nesterov momentum (PyTorch's NAdam, with momentum decay).</summary>
    Nadam,
    /// <summary>Limited-memory BFGS on the full batch (PyTorch's algorithm, with a strong-Wolfe line search that starts at the learning rate).</summary>
    Lbfgs,
    /// <summary>Levenberg–Marquardt on the full batch (MATLAB's trainlm): Gauss–Newton steps damped by μ, for MSE and small networks.</summary>
    LevenbergMarquardt,
}

/// <summary>
/// Everything that defines an optimizer, with every default (PyTorch's): the one place a default lives. The C# API
/// and Set-Optimizer both start from <c>new OptimizerSettings()</c> (the cmdlet only maps the parameters it is given
/// onto it). This and the optimizer's state are exactly what a model file saves of the optimizer.
/// </summary>
public sealed record OptimizerSettings
{
    /// <summary>Which optimizer.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size before any schedule (the schedule's base rate). NaN means the optimizer's default.</summary>
    public double LearningRate { get; init; } = double.NaN;

    /// <summary>SGD and RMSprop momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>SGD: Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>SGD: dampening of the momentum.</summary>
    public double Dampening { get; init; }

    /// <summary>Adam family: first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam family: second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to denominators. NaN means the optimizer's default (1e-8; AdaGrad 1e-10).</summary>
    public double Epsilon { get; init; } = double.NaN;

    /// <summary>RMSprop: decay of the squared-gradient average (PyTorch's alpha).</summary>
    public double Rho { get; init; } = 0.99;

    /// <summary>RMSprop: subtract the squared mean gradient (centered variant).</summary>
    public bool Centered { get; init; }

    /// <summary>AdaGrad: starting value of the accumulator.</summary>
    public double InitialAccumulator { get; init; }

    /// <summary>Weight decay. NaN means the default: 0.01 for AdamW, 0 otherwise. L2-style except for AdamW (decoupled).</summary>
    public double WeightDecay { get; init; } = double.NaN;

    /// <summary>NAdam: momentum decay.</summary>
    public double MomentumDecay { get; init; } = 0.004;

    /// <summary>L-BFGS: iterations per epoch (PyTorch's max_iter).</summary>
    public int MaxIterations { get; init; } = 20;

    /// <summary>Levenberg–Marquardt: the starting damping μ (MATLAB's mu).</summary>
    public double Mu { get; init; } = 0.001;

    /// <summary>Levenberg–Marquardt: μ is multiplied by this after a step that lowers the loss (mu_dec).</summary>
    public double MuDecrease { get; init; } = 0.1;

    /// <summary>Levenberg–Marquardt: μ is multiplied by this after a step that does not (mu_inc).</summary>
    public double MuIncrease { get; init; } = 10;

    /// <summary>Levenberg–Marquardt: training stops when μ grows past this (mu_max).</summary>
    public double MuMax { get; init; } = 1e10;

    /// <summary>Clip gradients whose global L2 norm exceeds this (0: off).</summary>
    public double ClipNorm { get; init; }

    /// <summary>Clip each gradient to [−v, v] (0: off).</summary>
    public double ClipValue { get; init; }

    /// <summary>The learning-rate schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();

    /// <summary>The learning rate in effect, with the default filled in.</summary>
    public double EffectiveLearningRate => !double.IsNaN(LearningRate) ? LearningRate : Kind switch
    {
        OptimizerKind.Sgd or OptimizerKind.AdaGrad or OptimizerKind.RmsProp => 0.01,
        OptimizerKind.Nadam => 0.002,
        OptimizerKind.Lbfgs or OptimizerKind.LevenbergMarquardt => 1.0,
        _ => 0.001,
    };

    /// <summary>Epsilon with the default filled in.</summary>
    public double EffectiveEpsilon => !double.IsNaN(Epsilon) ? Epsilon : Kind == OptimizerKind.AdaGrad ? 1e-10 : 1e-8;

    /// <summary>Weight decay with the default filled in.</summary>
    public double EffectiveWeightDecay => !double.IsNaN(WeightDecay) ? WeightDecay : Kind == OptimizerKind.AdamW ? 0.01 : 0.0;

    /// <summary>A one-line description for views.</summary>
    public override string ToString()
    {
        if (Kind == OptimizerKind.LevenbergMarquardt) return $"{Kind} mu={Mu:G4} muDecrease={MuDecrease:G4} muIncrease={MuIncrease:G4} muMax={MuMax:G4}";
        string text = $"{Kind} lr={EffectiveLearningRate:G4}";
        if (Momentum != 0) text += $" momentum={Momentum:G4}" + (Nesterov ? " nesterov" : "");
        if (EffectiveWeightDecay != 0) text += $" weightDecay={EffectiveWeightDecay:G4}";
        if (ClipNorm > 0) text += $" clipNorm={ClipNorm:G4}";
        if (ClipValue > 0) text += $" clipValue={ClipValue:G4}";
        if (Schedule.Kind != ScheduleKind.Constant) text += $" schedule={Schedule.Kind}";
        return text;
    }
}

/// <summary>Learning-rate schedules, applied per epoch.</summary>
public enum ScheduleKind
{
    /// <summary>The rate never changes.</summary>
    Constant,
    /// <summary>Multiply by Gamma every StepSize epochs.</summary>
    Step,
    /// <summary>Multiply by Gamma every epoch.</summary>
    Exponential,
    /// <summary>Cosine annealing from the rate down to MinLearningRate over TMax epochs.</summary>
    Cosine,
    /// <summary>Multiply by Factor when the monitored loss has not improved for Patience epochs.</summary>
    ReduceOnPlateau,
}

/// <summary>A learning-rate schedule's settings.</summary>
public sealed record ScheduleSettings
{
    /// <summary>Which schedule.</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;

    /// <summary>Step: epochs between decays.</summary>
    public int StepSize { get; init; } = 10;

    /// <summary>Step and Exponential: the decay factor. NaN means the schedule's default (Step 0.1, Exponential 0.95).</summary>
    public double Gamma { get; init; } = double.NaN;

    /// <summary>Gamma with the default filled in.</summary>
    public double EffectiveGamma => !double.IsNaN(Gamma) ? Gamma : Kind == ScheduleKind.Exponential ? 0.95 : 0.1;

    /// <summary>Cosine: the period in epochs (0: the number of epochs trained).</summary>
    public int TMax { get; init; }

    /// <summary>Cosine and ReduceOnPlateau: the smallest rate.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>ReduceOnPlateau: the factor.</summary>
    public double Factor { get; init; } = 0.1;

    /// <summary>ReduceOnPlateau: epochs without improvement before reducing.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>The schedule in a few words, with the settings it uses: "Step(every 10, x0.5)".</summary>
    public override string ToString()
    {
        string Number(double value) => value.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
        return Kind switch
        {
            ScheduleKind.Step => $"Step(every {StepSize}, x{Number(EffectiveGamma)})",
            ScheduleKind.Exponential => $"Exponential(x{Number(EffectiveGamma)})",
            ScheduleKind.Cosine => $"Cosine(over {(TMax > 0 ? TMax.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the run")}, down to {Number(MinLearningRate)})",
            ScheduleKind.ReduceOnPlateau => $"ReduceOnPlateau(x{Number(Factor)} after {Patience} without improvement, down to {Number(MinLearningRate)})",
            _ => "Constant",
        };
    }
}
