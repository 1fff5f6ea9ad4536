using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>The cmdlets as a user calls them, through an in-process runspace.</summary>
public class FoundationTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void XorTrainsThroughThePipelineAndPredictsAllFourRows()
    {
        var epochs = _ps.Run(@"
            $global:net = New-Network -InputSize 2 -Seed 1 | Add-DenseLayer 4 -Activation Tanh | Add-DenseLayer 1 -Activation Sigmoid |
                Set-Optimizer Sgd -LearningRate 0.5
            $net | Invoke-Training -Data (Get-SampleDataset Xor) -Epochs 2000 -BatchSize 4");
        Assert.Equal(2000, epochs.Count);
        Assert.All(epochs, e => Assert.IsType<EpochResult>(e.BaseObject));
        Assert.Equal(Enumerable.Range(1, 2000), epochs.Select(e => ((EpochResult)e.BaseObject).Epoch));

        var predictions = _ps.Run("@(0,0), @(0,1), @(1,0), @(1,1) | ForEach-Object { Invoke-Prediction -Network $net -InputObject $_ }");
        Assert.Equal(new[] { "0", "1", "1", "0" }, predictions.Select(p => (string)p.Properties["Prediction"].Value));
        var network = (Network)_ps.Run("$net")[0].BaseObject;
        Assert.Equal(2000, network.History.Count);
    }

    [Fact]
    public void IrisReachesNinetyFivePercentOnAHeldOutSplit()
    {
        var result = _ps.Run(@"
            $train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42
            $net = New-Network 4 -Seed 42 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.01
            $null = $net | Invoke-Training -Data $train -Epochs 80 -BatchSize 16
            Test-Network -Network $net -Data $test");
        var evaluation = (Evaluation)result[0].BaseObject;
        Assert.Equal(30, evaluation.Rows);
        Assert.True(evaluation.Accuracy >= 0.95, $"accuracy {evaluation.Accuracy}");
    }

    [Fact]
    public void EpochObjectsCarryTheMetricsAndTheLearningRate()
    {
        var epochs = _ps.Run(@"
            New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 3 -ValidationSplit 0.2");
        var last = (EpochResult)epochs[^1].BaseObject;
        Assert.NotNull(last.Accuracy);
        Assert.NotNull(last.ValidationLoss);
        Assert.NotNull(last.ValidationAccuracy);
        Assert.Equal(0.001, last.LearningRate, 6);
        Assert.True(last.SamplesPerSecond > 0);
        Assert.True(last.Duration > TimeSpan.Zero);
    }

    [Fact]
    public void SameSeedGivesTheSameBits()
    {
        const string script = @"
            $n = New-Network 4 -Seed 5 | Add-DenseLayer 8 -Activation Relu | Add-DropoutLayer 0.2 | Add-DenseLayer 3 -Activation Softmax
            $null = $n | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 3 -Seed 9
            $n";
        var a = (Network)_ps.Run(script)[0].BaseObject;
        var b = (Network)_ps.Run(script)[0].BaseObject;
        Assert.Equal(a.Parameters, b.Parameters);
    }

    [Fact]
    public void ALayerAfterSoftmaxIsAClearError()
    {
        ErrorRecord error = _ps.Fail("New-Network 4 | Add-DenseLayer 3 -Activation Softmax | Add-DenseLayer 2");
        Assert.Equal(ErrorIds.LayerAfterSoftmax, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("softmax", error.Exception.Message);
    }

    [Fact]
    public void TrainingANetworkWithoutLayersIsAClearError()
    {
        ErrorRecord error = _ps.Fail("New-Network 2 | Invoke-Training -Data (Get-SampleDataset Xor)");
        Assert.StartsWith(ErrorIds.NoLayers, error.FullyQualifiedErrorId);
        Assert.Contains("Add-DenseLayer", error.Exception.Message);
    }

    [Fact]
    public void ADatasetOfTheWrongWidthIsAClearError()
    {
        ErrorRecord error = _ps.Fail("New-Network 3 | Add-DenseLayer 3 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Iris)");
        Assert.StartsWith(ErrorIds.ShapeMismatch, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("expects 3 inputs but the training data has 4 features", error.Exception.Message);
        Assert.IsNotType<NullReferenceException>(error.Exception);
    }
}
