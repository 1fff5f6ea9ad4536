using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// One rule for every cmdlet that takes a network and data: -Network is position 0, -Data position 1, and either may
/// come from the pipeline (then the other is the first positional argument).
/// </summary>
public class PositionTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public PositionTests(PowerShellSession ps)
    {
        _ps = ps;
        _ps.Run("""
            $global:pdata = Get-SampleDataset Iris
            $global:pnet = New-Network 4 -Seed 3 | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.01
            """);
    }

    [Fact]
    public void EveryCmdletWithNetworkAndDataPutsNetworkFirstAndDataSecond()
    {
        var commands = _ps.Run("Get-Command -Module NeuralPS -CommandType Cmdlet").Select(o => (CmdletInfo)o.BaseObject)
            .Where(c => c.Parameters.TryGetValue("Network", out var n) && n.ParameterType == typeof(Network) &&
                        c.Parameters.TryGetValue("Data", out var d) && d.ParameterType == typeof(Dataset))
            .ToList();
        Assert.Equal(new[] { "Find-LearningRate", "Get-FeatureImportance", "Get-LayerStatistics", "Invoke-Prediction", "Invoke-Training", "Test-Network" },
            commands.Select(c => c.Name).Order());
        foreach (CmdletInfo command in commands)
        {
            // in every parameter set that has both: Network 0 and Data 1, or (the network piped) Data 0
            foreach (CommandParameterSetInfo set in command.ParameterSets)
            {
                var network = set.Parameters.SingleOrDefault(p => p.Name == "Network");
                var data = set.Parameters.SingleOrDefault(p => p.Name == "Data");
                if (network is null || data is null) continue;
                bool networkFirst = network.Position == 0 && data.Position == 1;
                bool networkPiped = network.Position < 0 && network.ValueFromPipeline && data.Position == 0;
                Assert.True(networkFirst || networkPiped,
                    $"{command.Name} ({set.Name}): -Network at {network.Position}, -Data at {data.Position}");
            }
        }
    }

    [Theory]
    [InlineData("Invoke-Training $pnet $pdata -Epochs 1", typeof(EpochResult))]
    [InlineData("$pnet | Invoke-Training $pdata -Epochs 1", typeof(EpochResult))]
    [InlineData("$pnet | Invoke-Training -Data $pdata -Epochs 1", typeof(EpochResult))]
    [InlineData("$pdata | Invoke-Training $pnet -Epochs 1", typeof(EpochResult))]
    [InlineData("Test-Network $pnet $pdata", typeof(Evaluation))]
    [InlineData("$pnet | Test-Network $pdata", typeof(Evaluation))]
    [InlineData("$pdata | Test-Network $pnet", typeof(Evaluation))]
    [InlineData("Get-FeatureImportance $pnet $pdata -Repeats 1", typeof(NeuralPS.Core.Interpretability.FeatureImportance))]
    [InlineData("$pnet | Get-FeatureImportance $pdata -Repeats 1", typeof(NeuralPS.Core.Interpretability.FeatureImportance))]
    [InlineData("$pdata | Get-FeatureImportance $pnet -Repeats 1", typeof(NeuralPS.Core.Interpretability.FeatureImportance))]
    [InlineData("Get-LayerStatistics $pnet $pdata", typeof(NeuralPS.Core.Interpretability.LayerStatistics))]
    [InlineData("$pnet | Get-LayerStatistics $pdata", typeof(NeuralPS.Core.Interpretability.LayerStatistics))]
    [InlineData("$pnet | Get-LayerStatistics", typeof(NeuralPS.Core.Interpretability.LayerStatistics))]
    [InlineData("$pdata | Get-LayerStatistics $pnet", typeof(NeuralPS.Core.Interpretability.LayerStatistics))]
    [InlineData("Invoke-Prediction $pnet $pdata", typeof(PSCustomObject))]
    [InlineData("$pdata | Invoke-Prediction $pnet", typeof(PSCustomObject))]
    public void NetworkThenDataByPositionOrEitherFromThePipeline(string script, Type expected)
    {
        var output = _ps.Run(script, out var errors);
        Assert.Empty(errors);
        Assert.NotEmpty(output);
        Assert.All(output, o => Assert.IsType(expected, o.BaseObject));
    }

    [Fact]
    public void InvokePredictionOnAPipedDatasetEqualsData()
    {
        var piped = _ps.Run("$pdata | Invoke-Prediction $pnet").Select(o => o.Properties["Prediction"].Value).ToList();
        var named = _ps.Run("Invoke-Prediction -Network $pnet -Data $pdata").Select(o => o.Properties["Prediction"].Value).ToList();
        Assert.Equal(150, piped.Count);
        Assert.Equal(named, piped);
    }
}
