using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>The default views (module/NeuralPS.Format.ps1xml and the objects' ToString) as Out-String renders them.</summary>
public sealed class ViewTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public ViewTests(PowerShellSession ps) => _ps = ps;

    private string OutString(object value, string? format = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        if (format is null) ps.AddCommand("Out-String").AddParameter("InputObject", value).AddParameter("Width", 120);
        else ps.AddCommand(format).AddParameter("InputObject", value).AddCommand("Out-String").AddParameter("Width", 120);
        return (string)ps.Invoke()[0].BaseObject;
    }

    [Theory]
    [InlineData(489_510, "489,510")]
    [InlineData(12_489_510, "12.5M")]
    [InlineData(3_200_000_000, "3.2G")]
    public void SamplesPerSecondFitsItsColumn(double samplesPerSecond, string shown)
    {
        var epoch = new EpochResult { Epoch = 1, Loss = 0.25, LearningRate = 0.001, Duration = TimeSpan.FromMilliseconds(5), SamplesPerSecond = samplesPerSecond };
        string row = OutString(epoch).Split('\n').Single(l => l.TrimStart().StartsWith("1 ", StringComparison.Ordinal));
        Assert.EndsWith(" " + shown, row.TrimEnd());
        Assert.DoesNotContain("…", row);
    }

    [Fact]
    public void OptimizerSettingsShowTheEffectiveValuesAndTheScheduleInWords()
    {
        var settings = (OptimizerSettings)_ps.Run("(New-Network 2 | Add-DenseLayer 1 | Set-Optimizer Adam -Schedule Step -StepSize 10 -Gamma 0.5).OptimizerSettings")[0].BaseObject;
        string text = OutString(settings);
        Assert.DoesNotContain("NaN", text);
        Assert.Matches(@"LearningRate\s+: 0\.001 \(default\)", text);
        Assert.Matches(@"Epsilon\s+: 1E-08 \(default\)", text);
        Assert.Matches(@"Schedule\s+: Step\(every 10, x0\.5\)", text);
        Assert.DoesNotContain("Momentum ", text); // Adam has no momentum setting: the view leaves it out

        var sgd = (OptimizerSettings)_ps.Run("(New-Network 2 | Add-DenseLayer 1 | Set-Optimizer Sgd -LearningRate 0.1 -Momentum 0.9).OptimizerSettings")[0].BaseObject;
        string sgdText = OutString(sgd);
        Assert.Matches(@"LearningRate\s+: 0\.1\r?\n", sgdText);
        Assert.Matches(@"Momentum\s+: 0\.9", sgdText);
        Assert.Matches(@"Schedule\s+: Constant", sgdText);
    }

    [Theory]
    [InlineData(ScheduleKind.Constant, "Constant")]
    [InlineData(ScheduleKind.Step, "Step(every 10, x0.1)")]
    [InlineData(ScheduleKind.Exponential, "Exponential(x0.95)")]
    [InlineData(ScheduleKind.Cosine, "Cosine(over the run, down to 0)")]
    [InlineData(ScheduleKind.ReduceOnPlateau, "ReduceOnPlateau(x0.1 after 10 without improvement, down to 0)")]
    public void AScheduleReadsAsWords(ScheduleKind kind, string expected)
    {
        var schedule = new ScheduleSettings { Kind = kind };
        Assert.Equal(expected, schedule.ToString());
        Assert.Equal(expected, OutString(new OptimizerSettings { Schedule = schedule })
            .Split('\n').Single(l => l.StartsWith("Schedule", StringComparison.Ordinal)).Split(": ", 2)[1].TrimEnd());
    }

    [Fact]
    public void ConvertFromDatasetShowsWholeNumbersAsIntegersAndOthersAsWritten()
    {
        var rows = _ps.Run("""
            $d = [pscustomobject]@{ Year = 1990; Price = 2.3; Label = 'a' }, [pscustomobject]@{ Year = 2001; Price = -7; Label = 'b' } |
                ConvertTo-Dataset -Label Label
            $d | ConvertFrom-Dataset
            """);
        Assert.Equal(1990, rows[0].Properties["Year"].Value);
        Assert.Equal(2.3, rows[0].Properties["Price"].Value);
        Assert.Equal(-7, rows[1].Properties["Price"].Value);
        string table = string.Join("\n", _ps.Run("$d | ConvertFrom-Dataset | Format-Table | Out-String -Width 80").Select(o => o.ToString()));
        Assert.Contains("1990", table);
        Assert.DoesNotContain("1990.00", table);
        Assert.DoesNotContain("2001.00", table);
    }
}
