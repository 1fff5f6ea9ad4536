using System.Management.Automation;
using NeuralPS.Core;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Invoke-CrossValidation and Invoke-Sweep -Folds as a user's session runs them: the folds train in local runspaces of
/// the test process, and the summary's figures are the folds' own, averaged.
/// </summary>
public class CrossValidationTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public CrossValidationTests(PowerShellSession ps) => _ps = ps;

    // The cmdlet assembly is the module's, loaded by the runspace: its objects are read through their properties.
    private static dynamic? P(PSObject o, string name) => o.Properties[name].Value is PSObject p ? p.BaseObject : o.Properties[name].Value;

    private static bool Is(PSObject o, string type) => o.BaseObject.GetType().Name == type;

    private static double Metric(PSObject result, string name) => (double)((System.Collections.IDictionary)P(result, "Metrics")!)[name]!;

    /// <summary>The Done-when of issue 20: 5-fold cross-validation of Iris on 2 runspaces reports mean ± std per metric.</summary>
    [Fact]
    public void FiveFoldsOfIrisOnTwoRunspacesReportMeanAndStandardDeviationOfEveryMetric()
    {
        List<PSObject> output = _ps.Run("""
            New-Network 4 -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.02 |
                Invoke-CrossValidation -Data (Get-SampleDataset Iris) -Folds 5 -Epochs 25 -ThrottleLimit 2 -OutVariable out
            $out[-1] | Out-String -Width 200
            """).ToList();
        string table = (string)output[^1].BaseObject;
        output.RemoveAt(output.Count - 1);
        var folds = output.Where(o => Is(o, "SweepResult")).OrderBy(f => (int)P(f, "Run")!).ToList();
        PSObject summary = output[^1]; // the summary comes last
        Assert.True(Is(summary, "CrossValidationSummary"));
        Assert.Equal(5, folds.Count);
        Assert.Equal(Enumerable.Range(1, 5), folds.Select(f => (int)P(f, "Fold")!).Order());
        Assert.Equal(2, folds.Select(f => (string)P(f, "Session")!).Distinct().Count()); // both runspaces trained folds
        Assert.Equal(5, (int)P(summary, "Runs")!);
        var metrics = ((IEnumerable<object>)P(summary, "Metrics")!).Select(PSObject.AsPSObject).ToList();
        Assert.Equal(new[] { "Accuracy", "Loss", "ValidationAccuracy", "ValidationLoss" }, metrics.Select(m => (string)P(m, "Name")!).Order(StringComparer.Ordinal));
        foreach (PSObject metric in metrics)
        {
            string name = (string)P(metric, "Name")!;
            double[] values = folds.Select(f => Metric(f, name)).ToArray();
            Assert.Equal(values, (double[])P(metric, "Values")!);
            double mean = values.Average();
            Assert.Equal(mean, (double)P(metric, "Mean")!, 12);
            Assert.Equal(Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / 4), (double)P(metric, "StandardDeviation")!, 12);
        }
        PSObject accuracy = PSObject.AsPSObject(P(summary, "ValidationAccuracy")!);
        double meanAccuracy = (double)P(accuracy, "Mean")!;
        Assert.Equal(folds.Average(f => (double)P(f, "ValidationAccuracy")!), meanAccuracy, 12);
        Assert.True(meanAccuracy > 0.85, $"cross-validated accuracy {accuracy}");
        Assert.True((double)P(accuracy, "StandardDeviation")! > 0); // the folds differ: each held out other rows
        PSObject loss = PSObject.AsPSObject(P(summary, "ValidationLoss")!);
        Assert.Equal((double)P(loss, "Mean")!, (double)P(summary, "Score")!);
        Assert.Matches(@"^[\d.]+ ± [\d.]+$", loss.BaseObject.ToString());
        Assert.Contains(meanAccuracy.ToString("P1", System.Globalization.CultureInfo.CurrentCulture) + " ±", table);
    }

    [Fact]
    public void ASweepWithFoldsScoresEachPointByItsCrossValidatedMean()
    {
        List<PSObject> output = _ps.Run("""
            Invoke-Sweep -Grid @{ Units = 2, 16 } -Folds 3 -Repeat 2 -Data (Get-SampleDataset Iris) -Epochs 15 -ThrottleLimit 2 -Normalize -Network {
                New-Network 4 -Seed 1 | Add-DenseLayer $Settings.Units -Activation Relu | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.02
            }
            """).ToList();
        var runs = output.Where(o => Is(o, "SweepResult")).ToList();
        var summaries = output.Where(o => Is(o, "CrossValidationSummary")).OrderBy(s => (int)P(s, "Point")!).ToList();
        Assert.Equal(12, runs.Count); // 2 points × 2 repeats × 3 folds
        Assert.Equal(2, summaries.Count);
        foreach (PSObject summary in summaries)
        {
            int point = (int)P(summary, "Point")!;
            var mine = runs.Where(r => (int)P(r, "Point")! == point).ToList();
            Assert.Equal(6, (int)P(summary, "Runs")!);
            Assert.Equal(mine.Average(r => (double)P(r, "ValidationLoss")!), (double)P(summary, "Score")!, 12);
            Assert.Equal(new[] { (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3) }, mine.Select(r => ((int)P(r, "Repeat")!, (int)P(r, "Fold")!)).Order());
            Assert.Equal(point == 1 ? "Units=2" : "Units=16", (string)P(summary, "SettingsText")!);
        }
        Assert.True((double)P(summaries[1], "Score")! < (double)P(summaries[0], "Score")!); // 16 units fit Iris better than 2
    }

    [Fact]
    public void FoldsRefuseValidationDataAndAFoldCountAboveTheRows()
    {
        ErrorRecord error = _ps.Fail("""
            $train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Seed 1
            New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax | Invoke-CrossValidation -Data $train -ValidationData $test -Epochs 1
            """);
        Assert.Equal(ErrorIds.FoldsWithValidation, error.FullyQualifiedErrorId.Split(',')[0]);
        ErrorRecord tooMany = _ps.Fail("""
            $small = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.98 -Seed 1 | Select-Object -First 1
            New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax | Invoke-CrossValidation -Data $small -Folds 5 -Epochs 1
            """);
        Assert.Contains("between 2 and the number of rows (3)", tooMany.Exception.Message);
        Assert.Equal(ErrorIds.InvalidFolds, tooMany.FullyQualifiedErrorId.Split(',')[0]);
    }
}
