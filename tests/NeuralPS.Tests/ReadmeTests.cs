using System.Text.RegularExpressions;
using NeuralPS.Core;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>The README's first one-liner, exactly as a new user pastes it, learns every time.</summary>
public class ReadmeTests
{
    /// <summary>The first ```powershell block of README.md.</summary>
    private static string FirstOneLiner()
    {
        string readme = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "README.md"));
        Match block = Regex.Match(readme, @"```powershell\r?\n(.*?)\r?\n```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```powershell block");
        return block.Groups[1].Value;
    }

    [Fact]
    public void TheFirstOneLinerReaches90PercentTrainingAccuracyInEveryUnseededRun()
    {
        string oneLiner = FirstOneLiner();
        Assert.Contains("Get-SampleDataset Iris", oneLiner);
        // Unseeded: each run draws its own initial weights and batch order, as each new user's run does.
        Assert.DoesNotContain("-Seed", oneLiner, StringComparison.OrdinalIgnoreCase);
        using var ps = new PowerShellSession();
        const int Runs = 20;
        var accuracies = new List<double>();
        for (int run = 0; run < Runs; run++)
        {
            var epochs = ps.Run(oneLiner).Select(o => Assert.IsType<EpochResult>(o.BaseObject)).ToList();
            Assert.Equal(50, epochs.Count);
            accuracies.Add(epochs[^1].Accuracy!.Value);
        }
        Assert.True(accuracies.Distinct().Count() > 1, "the runs are all alike: the one-liner is seeded somewhere");
        Assert.True(accuracies.All(a => a >= 0.9),
            $"last-epoch training accuracy of {Runs} runs: {string.Join(", ", accuracies.Select(a => a.ToString("P1")))}");
    }
}
