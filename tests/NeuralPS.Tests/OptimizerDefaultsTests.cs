using System.Reflection;
using NeuralPS.Core;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Set-Optimizer and the C# API give the same configuration: every default lives in OptimizerSettings and
/// ScheduleSettings, and the cmdlet only maps the parameters it is given onto them.
/// </summary>
public class OptimizerDefaultsTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private OptimizerSettings FromCmdlet(string arguments) =>
        ((Network)_ps.Run($"New-Network 3 -Seed 1 | Add-DenseLayer 1 | Set-Optimizer {arguments}")[^1].BaseObject).OptimizerSettings;

    public static IEnumerable<object[]> Kinds() => Enum.GetValues<OptimizerKind>().Select(k => new object[] { k });

    public static IEnumerable<object[]> ScheduleKinds() => Enum.GetValues<ScheduleKind>().Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachOptimizerHasTheDefaultsOfTheRecord(OptimizerKind kind)
    {
        OptimizerSettings fromCmdlet = FromCmdlet(kind.ToString());
        Assert.Equal(new OptimizerSettings { Kind = kind }, fromCmdlet);
        Assert.Equal(new OptimizerSettings { Kind = kind }.EffectiveLearningRate, fromCmdlet.EffectiveLearningRate);
    }

    [Theory]
    [MemberData(nameof(ScheduleKinds))]
    public void EachScheduleHasTheDefaultsOfTheRecord(ScheduleKind kind)
    {
        OptimizerSettings fromCmdlet = FromCmdlet($"Sgd -Schedule {kind}");
        var fromApi = new OptimizerSettings { Kind = OptimizerKind.Sgd, Schedule = new ScheduleSettings { Kind = kind } };
        Assert.Equal(fromApi, fromCmdlet);
        Assert.Equal(fromApi.Schedule.EffectiveGamma, fromCmdlet.Schedule.EffectiveGamma);
    }

    [Fact]
    public void ExponentialDecaysBy095AnEpochBothWays()
    {
        Assert.Equal(0.95, new ScheduleSettings { Kind = ScheduleKind.Exponential }.EffectiveGamma);
        Assert.Equal(0.95, FromCmdlet("Sgd 0.1 -Schedule Exponential").Schedule.EffectiveGamma);
        Assert.Equal(0.1, new ScheduleSettings { Kind = ScheduleKind.Step }.EffectiveGamma);
        Network net = (Network)_ps.Run(@"
            $data = Get-SampleDataset Regression -Samples 16 -Seed 1
            $net = New-Network 3 -Seed 1 | Add-DenseLayer 1 | Set-Optimizer Sgd 0.1 -Schedule Exponential
            $null = $net | Invoke-Training -Data $data -Epochs 2
            $net")[^1].BaseObject;
        Assert.Equal(0.1 * 0.95, net.History[1].LearningRate, 12);
    }

    [Fact]
    public void EveryOptionSetBothWaysGivesTheSameSettings()
    {
        OptimizerSettings fromCmdlet = FromCmdlet(
            "RmsProp 0.2 -Momentum 0.3 -Nesterov -Dampening 0 -Centered -InitialAccumulator 0.4 -Beta1 0.5 -Beta2 0.6 -Epsilon 0.001 " +
            "-Rho 0.7 -WeightDecay 0.02 -MomentumDecay 0.03 -MaxIterations 7 -Mu 0.5 -MuDecrease 0.2 -MuIncrease 4 -MuMax 1e6 " +
            "-ClipNorm 2 -ClipValue 3 -Schedule Cosine -StepSize 4 " +
            "-Gamma 0.8 -TMax 9 -MinLearningRate 0.0001 -Factor 0.25 -SchedulePatience 5");
        var fromApi = new OptimizerSettings
        {
            Kind = OptimizerKind.RmsProp, LearningRate = 0.2, Momentum = 0.3, Nesterov = true, Dampening = 0, Centered = true,
            InitialAccumulator = 0.4, Beta1 = 0.5, Beta2 = 0.6, Epsilon = 0.001, Rho = 0.7, WeightDecay = 0.02, MomentumDecay = 0.03,
            MaxIterations = 7, Mu = 0.5, MuDecrease = 0.2, MuIncrease = 4, MuMax = 1e6, ClipNorm = 2, ClipValue = 3,
            Schedule = new ScheduleSettings
            {
                Kind = ScheduleKind.Cosine, StepSize = 4, Gamma = 0.8, TMax = 9, MinLearningRate = 0.0001, Factor = 0.25, Patience = 5,
            },
        };
        Assert.Equal(fromApi, fromCmdlet);
        // and every setting differs from its default, so none was left at it by accident
        foreach (PropertyInfo p in SettingsProperties(typeof(OptimizerSettings)).Where(p => p.Name != nameof(OptimizerSettings.Dampening)))
            Assert.False(Equals(p.GetValue(fromApi), p.GetValue(new OptimizerSettings())), $"{p.Name} is at its default");
        foreach (PropertyInfo p in SettingsProperties(typeof(ScheduleSettings)))
            Assert.False(Equals(p.GetValue(fromApi.Schedule), p.GetValue(new ScheduleSettings())), $"Schedule.{p.Name} is at its default");
    }

    [Fact]
    public void EverySettingHasAParameter()
    {
        var parameters = _ps.Run("(Get-Command Set-Optimizer).Parameters.Keys").Select(k => k.ToString()).ToHashSet();
        string ParameterFor(Type record, string property) => (record.Name, property) switch
        {
            (nameof(OptimizerSettings), "Kind") => "Name",
            (nameof(ScheduleSettings), "Kind") => "Schedule",
            (nameof(ScheduleSettings), "Patience") => "SchedulePatience",
            _ => property,
        };
        foreach (Type record in new[] { typeof(OptimizerSettings), typeof(ScheduleSettings) })
            foreach (PropertyInfo p in SettingsProperties(record).Where(p => p.Name != nameof(OptimizerSettings.Schedule)))
                Assert.Contains(ParameterFor(record, p.Name), parameters);
    }

    private static IEnumerable<PropertyInfo> SettingsProperties(Type record) =>
        record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null && p.Name != "EqualityContract");
}
