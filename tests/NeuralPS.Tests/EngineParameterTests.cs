using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Every engine parameter from PowerShell, through the in-process runspace: what the cmdlet sets must reach the engine
/// (a network trained from PowerShell has the same bits as one trained from C# with the settings the parameters
/// name) and must matter (without the parameter the bits differ).
/// </summary>
public class EngineParameterTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    private const string Builder = "New-Network 3 -Seed 4 | Add-DenseLayer 8 -Activation Tanh | Add-DenseLayer 1";

    private static Dataset RegressionData() => SampleDatasets.Get("Regression", 64, 0.1, 1);

    private static Network CoreNet(OptimizerSettings settings)
    {
        var net = new Network(3, "network", 4);
        net.Add(new DenseLayer(8, Activation.Tanh));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = settings;
        return net;
    }

    private static Network Trained(OptimizerSettings settings, TrainingOptions? options = null)
    {
        Network net = CoreNet(settings);
        new Trainer(net, RegressionData(), null, options ?? new TrainingOptions { Epochs = 3, BatchSize = 16 }).Run().ToList();
        return net;
    }

    private Network TrainedInPowerShell(string optimizer, string training = "-Epochs 3 -BatchSize 16")
    {
        var result = _ps.Run($@"
            $data = Get-SampleDataset Regression -Samples 64 -Noise 0.1 -Seed 1
            $net = {Builder} | {optimizer}
            $null = $net | Invoke-Training -Data $data {training}
            $net");
        return (Network)result[^1].BaseObject;
    }

    // ---------------------------------------------------------------- Set-Optimizer

    public static IEnumerable<object[]> Optimizers()
    {
        OptimizerSettings S(OptimizerKind kind, double lr) => new() { Kind = kind, LearningRate = lr };
        object[] Row(string script, OptimizerSettings expected, OptimizerSettings without) => new object[] { script, expected, without };

        var sgd = S(OptimizerKind.Sgd, 0.05);
        yield return Row("Set-Optimizer Sgd 0.05", sgd, S(OptimizerKind.Sgd, 0.01));
        yield return Row("Set-Optimizer Sgd 0.05 -Momentum 0.9", sgd with { Momentum = 0.9 }, sgd);
        yield return Row("Set-Optimizer Sgd 0.05 -Momentum 0.9 -Nesterov", sgd with { Momentum = 0.9, Nesterov = true }, sgd with { Momentum = 0.9 });
        yield return Row("Set-Optimizer Sgd 0.05 -Momentum 0.9 -Dampening 0.5", sgd with { Momentum = 0.9, Dampening = 0.5 }, sgd with { Momentum = 0.9 });
        yield return Row("Set-Optimizer Sgd 0.05 -WeightDecay 0.1", sgd with { WeightDecay = 0.1 }, sgd);
        yield return Row("Set-Optimizer Sgd 0.05 -ClipNorm 0.05", sgd with { ClipNorm = 0.05 }, sgd);
        yield return Row("Set-Optimizer Sgd 0.05 -ClipValue 0.01", sgd with { ClipValue = 0.01 }, sgd);

        var adagrad = S(OptimizerKind.AdaGrad, 0.1);
        yield return Row("Set-Optimizer AdaGrad 0.1", adagrad, S(OptimizerKind.Sgd, 0.1));
        yield return Row("Set-Optimizer AdaGrad 0.1 -InitialAccumulator 0.5 -Epsilon 1e-6", adagrad with { InitialAccumulator = 0.5, Epsilon = 1e-6 }, adagrad);

        var rms = S(OptimizerKind.RmsProp, 0.01);
        yield return Row("Set-Optimizer RmsProp 0.01", rms, S(OptimizerKind.Sgd, 0.01));
        yield return Row("Set-Optimizer RmsProp 0.01 -Rho 0.9", rms with { Rho = 0.9 }, rms);
        yield return Row("Set-Optimizer RmsProp 0.01 -Momentum 0.5", rms with { Momentum = 0.5 }, rms);
        yield return Row("Set-Optimizer RmsProp 0.01 -Centered", rms with { Centered = true }, rms);

        var adam = S(OptimizerKind.Adam, 0.01);
        yield return Row("Set-Optimizer Adam 0.01", adam, S(OptimizerKind.Adam, 0.001));
        yield return Row("Set-Optimizer Adam 0.01 -Beta1 0.8 -Beta2 0.99", adam with { Beta1 = 0.8, Beta2 = 0.99 }, adam);
        yield return Row("Set-Optimizer Adam 0.01 -WeightDecay 0.1", adam with { WeightDecay = 0.1 }, adam);
        yield return Row("Set-Optimizer Adam 0.01 -Epsilon 0.1", adam with { Epsilon = 0.1 }, adam);

        var adamw = S(OptimizerKind.AdamW, 0.01);
        yield return Row("Set-Optimizer AdamW 0.01", adamw, adam); // default decoupled decay 0.01
        yield return Row("Set-Optimizer AdamW 0.01 -WeightDecay 0.1", adamw with { WeightDecay = 0.1 }, adam with { WeightDecay = 0.1 });

        var nadam = S(OptimizerKind.Nadam, 0.01);
        yield return Row("Set-Optimizer Nadam 0.01", nadam, adam);
        yield return Row("Set-Optimizer Nadam 0.01 -MomentumDecay 0.05", nadam with { MomentumDecay = 0.05 }, nadam);

        var lbfgs = new OptimizerSettings { Kind = OptimizerKind.Lbfgs };
        yield return Row("Set-Optimizer Lbfgs -MaxIterations 5", lbfgs with { MaxIterations = 5 }, lbfgs);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void SetOptimizerReachesTheEngine(string script, OptimizerSettings expected, OptimizerSettings without)
    {
        Network fromPowerShell = TrainedInPowerShell(script);
        Assert.Equal(expected, fromPowerShell.OptimizerSettings);
        Assert.Equal(Trained(expected).Parameters, fromPowerShell.Parameters);
        Assert.NotEqual(Trained(without).Parameters, fromPowerShell.Parameters);
    }

    [Fact]
    public void NesterovNeedsMomentumAndNoDampening()
    {
        Assert.StartsWith("NesterovWithoutMomentum", _ps.Fail($"{Builder} | Set-Optimizer Sgd -Nesterov").FullyQualifiedErrorId);
        Assert.StartsWith("NesterovWithDampening",
            _ps.Fail($"{Builder} | Set-Optimizer Sgd -Momentum 0.9 -Nesterov -Dampening 0.1").FullyQualifiedErrorId);
    }

    [Fact]
    public void WeightDecayHelpSaysAdamIsL2AndAdamWIsDecoupled()
    {
        string help = (string)_ps.Run(
            "(Get-Command Set-Optimizer).Parameters['WeightDecay'].Attributes | Where-Object HelpMessage | ForEach-Object HelpMessage")[0].BaseObject;
        Assert.Contains("Adam", help);
        Assert.Contains("L2 term added to the gradient", help);
        Assert.Contains("AdamW it is decoupled", help);
    }

    public static IEnumerable<object[]> Schedules()
    {
        yield return new object[] { "-Schedule Step -StepSize 2 -Gamma 0.5", new[] { 0.1, 0.1, 0.05, 0.05, 0.025, 0.025 } };
        yield return new object[] { "-Schedule Exponential", Enumerable.Range(0, 6).Select(e => 0.1 * Math.Pow(0.95, e)).ToArray() };
        yield return new object[] { "-Schedule Exponential -Gamma 0.5", Enumerable.Range(0, 6).Select(e => 0.1 * Math.Pow(0.5, e)).ToArray() };
        yield return new object[] { "-Schedule Cosine", Enumerable.Range(0, 6).Select(e => 0.1 * (1 + Math.Cos(Math.PI * e / 6)) / 2).ToArray() };
        yield return new object[] { "-Schedule Cosine -TMax 4 -MinLearningRate 0.02",
            Enumerable.Range(0, 6).Select(e => 0.02 + 0.08 * (1 + Math.Cos(Math.PI * Math.Min(e, 4) / 4)) / 2).ToArray() };
        yield return new object[] { "-Schedule Constant", Enumerable.Repeat(0.1, 6).ToArray() };
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void SchedulesGiveTheRateOfEveryEpoch(string schedule, double[] expected)
    {
        var epochs = _ps.Run($@"
            $data = Get-SampleDataset Regression -Samples 64 -Seed 1
            {Builder} | Set-Optimizer Sgd 0.1 {schedule} | Invoke-Training -Data $data -Epochs 6");
        double[] rates = epochs.Select(e => ((EpochResult)e.BaseObject).LearningRate).ToArray();
        Assert.Equal(expected.Length, rates.Length);
        for (int i = 0; i < rates.Length; i++) Assert.Equal(expected[i], rates[i], 12);
    }

    [Fact]
    public void ReduceOnPlateauFromPowerShell()
    {
        // a rate too small to improve the loss by the relative threshold 1e-4: cut by 0.5 after 1 + 1 epochs
        var epochs = _ps.Run($@"
            $data = Get-SampleDataset Regression -Samples 64 -Seed 1
            {Builder} | Set-Optimizer Sgd 1e-7 -Schedule ReduceOnPlateau -Factor 0.5 -SchedulePatience 1 -MinLearningRate 3e-8 |
                Invoke-Training -Data $data -Epochs 8 -BatchSize 0");
        double[] rates = epochs.Select(e => ((EpochResult)e.BaseObject).LearningRate).ToArray();
        Assert.Equal(new[] { 1e-7, 1e-7, 1e-7, 5e-8, 5e-8, 3e-8, 3e-8, 3e-8 }, rates);
    }

    // ---------------------------------------------------------------- layers

    public static IEnumerable<object[]> Activations() =>
        Enum.GetValues<Activation>().Where(a => a != Activation.Softmax).Select(a => new object[] { a }); // softmax: next test

    [Theory]
    [MemberData(nameof(Activations))]
    public void AddDenseLayerWithEachActivation(Activation activation)
    {
        var result = _ps.Run($@"
            $data = Get-SampleDataset Iris
            $net = New-Network 4 -Seed 2 | Add-DenseLayer 6 -Activation {activation} | Add-DenseLayer 3 -Activation Softmax
            $null = $net | Invoke-Training -Data $data -Epochs 2
            $net");
        var net = (Network)result[^1].BaseObject;
        Assert.Equal(activation, net.Layers[0].Activation);

        var core = new Network(4, "network", 2);
        core.Add(new DenseLayer(6, activation));
        core.Add(new DenseLayer(3, Activation.Softmax));
        new Trainer(core, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 2 }).Run().ToList();
        Assert.Equal(core.Parameters, net.Parameters);
    }

    [Fact]
    public void SoftmaxIsForTheOutputLayer()
    {
        var net = (Network)_ps.Run("New-Network 4 | Add-DenseLayer 3 -Activation Softmax")[0].BaseObject;
        Assert.Equal(Activation.Softmax, net.OutputActivation);
        Assert.Equal(LossKind.CategoricalCrossEntropy, net.Loss);
        Assert.StartsWith("LayerAfterSoftmax", _ps.Fail("New-Network 4 | Add-DenseLayer 3 -Activation Softmax | Add-DenseLayer 2").FullyQualifiedErrorId);
    }

    [Theory]
    [InlineData("GlorotUniform", 6.0 / (300 + 200), true)]
    [InlineData("GlorotNormal", 2.0 / (300 + 200), false)]
    [InlineData("HeUniform", 6.0 / 300, true)]
    [InlineData("HeNormal", 2.0 / 300, false)]
    [InlineData("LeCunNormal", 1.0 / 300, false)]
    [InlineData("LeCunUniform", 1.0 / 300, true)]
    [InlineData("Zeros", 0.0, true)]
    public void AddDenseLayerInitializer(string initializer, double parameter, bool uniform)
    {
        var net = (Network)_ps.Run($"New-Network 300 -Seed 3 | Add-DenseLayer 200 -Initializer {initializer}")[0].BaseObject;
        var dense = (DenseLayer)net.Layers[0];
        Assert.Equal(Enum.Parse<Initializer>(initializer), dense.Initializer);
        float[] w = net.Parameters[..dense.WeightCount];
        double variance = w.Sum(v => (double)v * v) / w.Length;
        double expected = uniform ? parameter / 3 : parameter; // U(−a, a) has variance a²/3
        if (expected == 0) Assert.All(w, v => Assert.Equal(0f, v));
        else Assert.InRange(variance / expected, 0.97, 1.03);
        if (uniform) Assert.All(w, v => Assert.True(Math.Abs(v) <= Math.Sqrt(parameter)));
        Assert.All(net.Parameters[dense.WeightCount..], b => Assert.Equal(0f, b));
    }

    [Fact]
    public void AddDenseLayerL1AndL2()
    {
        var result = _ps.Run(@"
            $data = Get-SampleDataset Regression -Samples 64 -Seed 1
            $net = New-Network 3 -Seed 4 | Add-DenseLayer 8 -Activation Tanh -L1 0.01 -L2 0.02 | Add-DenseLayer 1 -L2 0.5 | Set-Optimizer Sgd 0.05
            $epochs = $net | Invoke-Training -Data $data -Epochs 3 -BatchSize 16
            $net; $epochs");
        var net = (Network)result[0].BaseObject;
        var first = (DenseLayer)net.Layers[0];
        Assert.Equal((0.01f, 0.02f), (first.L1, first.L2));
        Assert.Equal(0.5f, ((DenseLayer)net.Layers[1]).L2);

        var core = new Network(3, "network", 4);
        core.Add(new DenseLayer(8, Activation.Tanh, l1: 0.01f, l2: 0.02f));
        core.Add(new DenseLayer(1, Activation.Linear, l2: 0.5f));
        core.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 };
        new Trainer(core, RegressionData(), null, new TrainingOptions { Epochs = 3, BatchSize = 16 }).Run().ToList();
        Assert.Equal(core.Parameters, net.Parameters);
        Assert.NotEqual(Trained(core.OptimizerSettings).Parameters, net.Parameters);
        // the loss reported includes the penalty L1·Σ|W| + L2·ΣW² of each layer
        Network plain = CoreNet(core.OptimizerSettings);
        plain.SetParameters(net.Parameters);
        double penalty = 0;
        foreach (DenseLayer d in net.Layers.Cast<DenseLayer>())
            for (int i = 0; i < d.WeightCount; i++)
            {
                double w = net.Parameters[d.ParameterOffset + i];
                penalty += d.L1 * Math.Abs(w) + d.L2 * w * w;
            }
        Assert.True(penalty > 0.01);
        Assert.Equal(penalty, Evaluator.Evaluate(net, RegressionData()).Loss - Evaluator.Evaluate(plain, RegressionData()).Loss, 5);
    }

    [Fact]
    public void AddDropoutLayer()
    {
        var result = _ps.Run(@"
            $data = Get-SampleDataset Iris
            $net = New-Network 4 -Seed 6 | Add-DenseLayer 16 -Activation Relu | Add-DropoutLayer 0.4 | Add-DenseLayer 3 -Activation Softmax
            $null = $net | Invoke-Training -Data $data -Epochs 3 -Seed 1
            $net
            Invoke-Prediction -Network $net -Data $data | Select-Object -First 5 | ForEach-Object Confidence
            Invoke-Prediction -Network $net -Data $data | Select-Object -First 5 | ForEach-Object Confidence");
        var net = (Network)result[0].BaseObject;
        var dropout = Assert.IsType<DropoutLayer>(net.Layers[1]);
        Assert.Equal(0.4f, dropout.Rate);
        // off at inference: two predictions agree, and they are those of the same network without the dropout layer
        double[] first = result.Skip(1).Take(5).Select(o => Convert.ToDouble(o.BaseObject)).ToArray();
        Assert.Equal(first, result.Skip(6).Take(5).Select(o => Convert.ToDouble(o.BaseObject)));
        var plain = new Network(4, "plain", 6);
        plain.Add(new DenseLayer(16, Activation.Relu));
        plain.Add(new DenseLayer(3, Activation.Softmax));
        plain.SetParameters(net.Parameters);
        float[] p = plain.Predict(SampleDatasets.Iris().Features, 5);
        for (int r = 0; r < 5; r++) Assert.Equal(p.Skip(3 * r).Take(3).Max(), first[r], 6);
        // seeded: the same -Seed gives the same bits, another seed others
        var core = new Network(4, "network", 6);
        core.Add(new DenseLayer(16, Activation.Relu));
        core.Add(new DropoutLayer(0.4f));
        core.Add(new DenseLayer(3, Activation.Softmax));
        new Trainer(core, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 3, Seed = 1 }).Run().ToList();
        Assert.Equal(core.Parameters, net.Parameters);
        Assert.StartsWith("InvalidDropoutRate", _ps.Fail("New-Network 4 | Add-DropoutLayer 1").FullyQualifiedErrorId);
    }

    [Fact]
    public void AddBatchNormLayerWithMomentumAndEpsilon()
    {
        var net = (Network)_ps.Run(@"
            $data = Get-SampleDataset Regression -Samples 64 -Seed 1
            $net = New-Network 3 -Seed 4 | Add-DenseLayer 8 | Add-BatchNormLayer Relu -Momentum 0.3 -Epsilon 0.001 | Add-DenseLayer 1
            $null = $net | Invoke-Training -Data $data -Epochs 2 -BatchSize 16
            $net")[^1].BaseObject;
        var bn = Assert.IsType<BatchNormLayer>(net.Layers[1]);
        Assert.Equal((Activation.Relu, 0.3f, 0.001f), (bn.Activation, bn.Momentum, bn.Epsilon));
        Assert.Equal(16, bn.ParameterCount);

        var core = new Network(3, "network", 4);
        core.Add(new DenseLayer(8, Activation.Linear));
        core.Add(new BatchNormLayer(Activation.Relu, 0.3f, 0.001f));
        core.Add(new DenseLayer(1, Activation.Linear));
        new Trainer(core, RegressionData(), null, new TrainingOptions { Epochs = 2, BatchSize = 16 }).Run().ToList();
        Assert.Equal(core.Parameters, net.Parameters);
        Assert.Equal(core.Layers[1].State, bn.State);
        Assert.NotEqual(new[] { 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f }, bn.RunningMean.ToArray());
    }

    [Fact]
    public void AddNormalizationLayerLearnsOnFirstTrainingAndKeepsIt()
    {
        var result = _ps.Run(@"
            $iris = Get-SampleDataset Iris
            $net = New-Network 4 -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 3 -Activation Softmax
            $before = $net.Layers[0].IsAdapted
            $null = $net | Invoke-Training -Data $iris -Epochs 1
            $first = $net.Layers[0].State.Clone()
            $shifted = [NeuralPS.Core.Data.Dataset]::new([float[]]($iris.Features | ForEach-Object { $_ * 10 + 3 }), 4, $iris.Targets, 1, 'Classification')
            $null = $net | Invoke-Training -Data $shifted -Epochs 1
            $before; $net.Layers[0].IsAdapted; ,$first; ,$net.Layers[0].State; $iris");
        Assert.False((bool)result[0].BaseObject);
        Assert.True((bool)result[1].BaseObject);
        float[] first = (float[])result[2].BaseObject, after = (float[])result[3].BaseObject;
        Assert.Equal(first, after);
        var iris = (Dataset)result[4].BaseObject;
        for (int j = 0; j < 4; j++)
        {
            double[] column = Enumerable.Range(0, iris.Rows).Select(r => (double)iris.Features[r * 4 + j]).ToArray();
            double mean = column.Average();
            Assert.Equal(mean, first[j], 4);
            Assert.Equal(Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / column.Length), first[4 + j], 4);
        }
    }

    // ---------------------------------------------------------------- Invoke-Training

    [Fact]
    public void ValidationDataAndValidationSplit()
    {
        var withData = _ps.Run($@"
            $data = Get-SampleDataset Regression -Samples 64 -Seed 1
            $validation = Get-SampleDataset Regression -Samples 20 -Seed 2
            $global:vnet = {Builder}
            $vnet | Invoke-Training -Data $data -ValidationData $validation -Epochs 2");
        var network = (Network)_ps.Run("$vnet")[0].BaseObject;
        Assert.All(withData, e => Assert.NotNull(((EpochResult)e.BaseObject).ValidationLoss));
        Assert.Equal(((EpochResult)withData[^1].BaseObject).ValidationLoss!.Value,
            Evaluator.Evaluate(network, SampleDatasets.Get("Regression", 20, double.NaN, 2)).Loss, 12);

        var split = _ps.Run($@"{Builder} | Invoke-Training -Data (Get-SampleDataset Regression -Samples 64 -Seed 1) -ValidationSplit 0.25 -Epochs 2 -BatchSize 0 -PassThru");
        var core = CoreNet(new OptimizerSettings());
        var coreResults = new Trainer(core, SampleDatasets.Get("Regression", 64, double.NaN, 1), null,
            new TrainingOptions { Epochs = 2, BatchSize = 0, ValidationSplit = 0.25 }).Run().ToList();
        var fromPowerShell = (Network)split[^1].BaseObject;
        Assert.Equal(core.Parameters, fromPowerShell.Parameters);
        Assert.Equal(coreResults[^1].ValidationLoss, fromPowerShell.History[^1].ValidationLoss);
        Assert.NotNull(fromPowerShell.History[^1].ValidationLoss);
        Assert.NotEqual(Trained(new OptimizerSettings(), new TrainingOptions { Epochs = 2, BatchSize = 0 }).Parameters, fromPowerShell.Parameters);
    }

    public static IEnumerable<object[]> TrainingSwitches() => new[]
    {
        new object[] { "-Epochs 4 -BatchSize 0", new TrainingOptions { Epochs = 4, BatchSize = 0 }, new TrainingOptions { Epochs = 4 } },
        new object[] { "-Epochs 3 -BatchSize 10", new TrainingOptions { Epochs = 3, BatchSize = 10 }, new TrainingOptions { Epochs = 3, BatchSize = 11 } },
        new object[] { "-Epochs 3 -NoShuffle", new TrainingOptions { Epochs = 3, Shuffle = false }, new TrainingOptions { Epochs = 3 } },
        new object[] { "-Epochs 3 -Seed 77", new TrainingOptions { Epochs = 3, Seed = 77 }, new TrainingOptions { Epochs = 3, Seed = 78 } },
        new object[] { "-Epochs 3 -ThreadCount 2", new TrainingOptions { Epochs = 3, ThreadCount = 2 }, new TrainingOptions { Epochs = 2 } },
    };

    [Theory]
    [MemberData(nameof(TrainingSwitches))]
    public void InvokeTrainingSwitchesReachTheEngine(string switches, TrainingOptions expected, TrainingOptions without)
    {
        var settings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 };
        Network fromPowerShell = TrainedInPowerShell("Set-Optimizer Sgd 0.05", switches);
        Assert.Equal(Trained(settings, expected).Parameters, fromPowerShell.Parameters);
        Assert.NotEqual(Trained(settings, without).Parameters, fromPowerShell.Parameters);
        if (expected.ThreadCount is int threads)
        {
            Assert.Equal(threads, fromPowerShell.ThreadCount);
            // the same bits on any number of threads
            Assert.Equal(Trained(settings, new TrainingOptions { Epochs = 3, ThreadCount = 1 }).Parameters, fromPowerShell.Parameters);
        }
    }

    /// <summary>Training on the task, validating on its negation: the validation loss is best early.</summary>
    private const string Fighting = @"
        $data = Get-SampleDataset Regression -Samples 64 -Seed 1
        $v = Get-SampleDataset Regression -Samples 32 -Seed 2
        $negated = [NeuralPS.Core.Data.Dataset]::new($v.Features, 3, [float[]]($v.Targets | ForEach-Object { -$_ }), 1, 'Regression')
        $global:snapshots = [System.Collections.Generic.List[object]]::new()
        $global:fnet = New-Network 3 -Seed 4 | Add-DenseLayer 8 -Activation Tanh | Add-DenseLayer 1 | Set-Optimizer Sgd 0.05
        $fnet | Invoke-Training -Data $data -ValidationData $negated -Epochs 12 -BatchSize 16 ";

    private (List<EpochResult> Epochs, List<float[]> Snapshots, Network Net) RunFighting(string extra)
    {
        var epochs = _ps.Run(Fighting + extra + " | ForEach-Object { $snapshots.Add($fnet.Parameters.Clone()); $_ }")
            .Select(e => (EpochResult)e.BaseObject).ToList();
        var snapshots = _ps.Run("$snapshots").Select(o => (float[])o.BaseObject).ToList();
        return (epochs, snapshots, (Network)_ps.Run("$fnet")[0].BaseObject);
    }

    private static int Best(List<EpochResult> epochs, Func<EpochResult, double> monitored)
    {
        int best = 0;
        for (int i = 1; i < epochs.Count; i++) if (monitored(epochs[i]) < monitored(epochs[best])) best = i;
        return best;
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        var (epochs, snapshots, net) = RunFighting("-EarlyStopping -Patience 3");
        Assert.True(epochs.Count < 12);
        int best = Best(epochs, e => e.ValidationLoss!.Value);
        Assert.Equal(epochs.Count - 4, best); // stopped after three epochs without improvement
        Assert.Equal(snapshots[best], net.Parameters);
    }

    [Fact]
    public void EarlyStoppingRestoresWhenTheEpochsRunOut()
    {
        var (epochs, snapshots, net) = RunFighting("-EarlyStopping -Patience 50");
        Assert.Equal(12, epochs.Count);
        int best = Best(epochs, e => e.ValidationLoss!.Value);
        Assert.True(best < 11);
        Assert.Equal(snapshots[best], net.Parameters);
    }

    [Fact]
    public void KeepLastWeightsDoesNotRestore()
    {
        var (epochs, snapshots, net) = RunFighting("-EarlyStopping -Patience 3 -KeepLastWeights");
        Assert.True(epochs.Count < 12);
        Assert.Equal(snapshots[^1], net.Parameters);
        Assert.NotEqual(snapshots[Best(epochs, e => e.ValidationLoss!.Value)], net.Parameters);
    }

    [Fact]
    public void EarlyStoppingMonitorAndMinDelta()
    {
        // monitoring the training loss, which falls every epoch: it runs to the end...
        var (epochs, _, _) = RunFighting("-EarlyStopping -Patience 2 -Monitor Loss");
        Assert.Equal(12, epochs.Count);
        // ...unless the min delta asks for more than any epoch gives
        (epochs, _, _) = RunFighting("-EarlyStopping -Patience 2 -Monitor Loss -MinDelta 10");
        Assert.Equal(3, epochs.Count);
        Assert.StartsWith("NoValidationData",
            _ps.Fail($"{Builder} | Invoke-Training -Data (Get-SampleDataset Regression -Samples 20) -EarlyStopping -Monitor ValidationLoss").FullyQualifiedErrorId);
    }

    public static IEnumerable<object[]> Losses() => new[]
    {
        new object[] { LossKind.MeanSquaredError, "Regression", 1, Activation.Linear },
        new object[] { LossKind.MeanAbsoluteError, "Regression", 1, Activation.Linear },
        new object[] { LossKind.Huber, "Regression", 1, Activation.Linear },
        new object[] { LossKind.BinaryCrossEntropy, "Moons", 1, Activation.Sigmoid },
        new object[] { LossKind.MeanSquaredError, "Moons", 1, Activation.Sigmoid },
        new object[] { LossKind.CategoricalCrossEntropy, "Spirals", 3, Activation.Softmax },
        new object[] { LossKind.SparseCategoricalCrossEntropy, "Spirals", 3, Activation.Softmax },
        new object[] { LossKind.MeanSquaredError, "Spirals", 3, Activation.Softmax },
        new object[] { LossKind.BinaryCrossEntropy, "Spirals", 3, Activation.Softmax },
    };

    [Theory]
    [MemberData(nameof(Losses))]
    public void SetLossWithEachLoss(LossKind loss, string dataset, int units, Activation output)
    {
        var result = _ps.Run($@"
            $data = Get-SampleDataset {dataset} -Samples 60 -Seed 1
            $net = New-Network $data.FeatureCount -Seed 8 | Add-DenseLayer 6 -Activation Tanh | Add-DenseLayer {units} -Activation {output} |
                Set-Loss {loss} | Set-Optimizer Adam 0.01
            $epochs = $net | Invoke-Training -Data $data -Epochs 5 -BatchSize 16
            $net; $epochs");
        var net = (Network)result[0].BaseObject;
        Assert.Equal(loss, net.LossOverride);
        Assert.Equal(loss, net.Loss);
        var epochs = result.Skip(1).Select(o => (EpochResult)o.BaseObject).ToList();
        Assert.True(epochs[^1].Loss < epochs[0].Loss);

        Dataset data = SampleDatasets.Get(dataset, 60, double.NaN, 1);
        Network Core(LossKind? lossKind)
        {
            var core = new Network(data.FeatureCount, "network", 8);
            core.Add(new DenseLayer(6, Activation.Tanh));
            core.Add(new DenseLayer(units, output));
            core.LossOverride = lossKind;
            core.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
            new Trainer(core, data, null, new TrainingOptions { Epochs = 5, BatchSize = 16 }).Run().ToList();
            return core;
        }
        Assert.Equal(Core(loss).Parameters, net.Parameters);
        Network inferred = Core(null);
        if (inferred.Loss != loss && !(inferred.Loss == LossKind.CategoricalCrossEntropy && loss == LossKind.SparseCategoricalCrossEntropy))
            Assert.NotEqual(inferred.Parameters, net.Parameters);
    }

    [Fact]
    public void ANonFiniteLossIsATerminatingErrorNamingEpochAndBatch()
    {
        // 1e20: one step takes the loss past float's range (1e12 takes it to a finite 1e24: Diverged, not this error)
        _ps.Run($@"$global:dnet = {Builder} | Set-Optimizer Sgd 1e20; $global:initial = $dnet.Parameters.Clone()");
        ErrorRecord error = _ps.Fail("$dnet | Invoke-Training -Data (Get-SampleDataset Regression -Samples 64 -Seed 1) -Epochs 5 -BatchSize 8");
        Assert.StartsWith("NonFiniteLoss", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        var diverged = Assert.IsType<TrainingDivergedException>(error.Exception);
        Assert.Equal(1, diverged.Epoch);
        Assert.Matches(@"at epoch 1, batch \d+\.", error.Exception.Message);
        Assert.Contains($"batch {diverged.Batch}", error.Exception.Message);
        var net = (Network)_ps.Run("$dnet")[0].BaseObject;
        Assert.Equal(_ps.Run("$initial").Select(o => (float)o.BaseObject), net.Parameters);
        Assert.Empty(net.History);
        // terminating: try/catch catches it (it would not catch a non-terminating error) and the statement stops there
        var caught = _ps.Run(@"
            try { $dnet | Invoke-Training -Data (Get-SampleDataset Regression -Samples 64 -Seed 1); 'not reached' }
            catch { 'caught ' + $_.FullyQualifiedErrorId }");
        Assert.StartsWith("caught NonFiniteLoss", caught[^1].ToString());
        Assert.DoesNotContain(caught, o => o.ToString() == "not reached");
    }

    // ---------------------------------------------------------------- tab completion

    [Theory]
    [InlineData("Add-DenseLayer 3 -Activation Leak", "LeakyRelu")]
    [InlineData("Add-DenseLayer 3 -Initializer HeU", "HeUniform")]
    [InlineData("Add-BatchNormLayer -Activation Sw", "Swish")]
    [InlineData("Set-Optimizer Nad", "Nadam")]
    [InlineData("Set-Optimizer Sgd -Schedule Redu", "ReduceOnPlateau")]
    [InlineData("Set-Loss Hub", "Huber")]
    [InlineData("Invoke-Training -Monitor Valid", "ValidationLoss")]
    public void NamesTabComplete(string line, string expected)
    {
        var matches = _ps.Run($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object CompletionText");
        Assert.Contains(expected, matches.Select(m => (string)m.BaseObject));
    }
}
