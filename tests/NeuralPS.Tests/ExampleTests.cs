using System.Diagnostics;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Every script in examples/ runs through NeuralPS.Host, as a user would run it, and succeeds.</summary>
public class ExampleTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    // Examples with a mandatory parameter (the computers of sweep-remote.ps1) cannot run here without the user's
    // input; tests/Sweep.Tests.ps1 runs sweep-remote.ps1 against the test sshd (tests/ci/sshd-start.sh).
    public static IEnumerable<object[]> Examples() =>
        Directory.GetFiles(Path.Combine(PowerShellSession.RepoRoot, "examples"), "*.ps1")
            .Where(f => !HasMandatoryParameter(f))
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    /// <summary>True when the script's param block has a parameter marked Mandatory (found by PowerShell's parser).</summary>
    private static bool HasMandatoryParameter(string file)
    {
        var ast = System.Management.Automation.Language.Parser.ParseFile(file, out _, out _);
        return ast.ParamBlock?.Parameters.Any(p => p.Attributes.OfType<System.Management.Automation.Language.AttributeAst>()
            .Any(a => a.NamedArguments.Any(n => n.ArgumentName.Equals("Mandatory", StringComparison.OrdinalIgnoreCase)))) == true;
    }

    [Fact]
    public void TheHostRunsACommandAndPrintsPlainTextWhenRedirected()
    {
        var (exitCode, output, errors) = RunHost("-Command", "Get-Help New-Network -Examples; New-Network 3 -Seed 1 | Add-DenseLayer 2; Get-SampleDataset Iris | Split-Dataset | Format-Table Name, Rows");
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("Example 1", output);
        Assert.Contains("Network 'network'  (inputs: 3, seed: 1)", output);
        Assert.Contains("Iris (train)", output);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.True(RunHost("-Command", "Get-SampleDataset Nope").ExitCode == 1);
        Assert.True(RunHost("no-such-script.ps1").ExitCode == 2);
    }

    private static (int ExitCode, string Output, string Errors) RunHost(params string[] arguments)
    {
        string hostDll = Path.Combine(PowerShellSession.RepoRoot, "src", "NeuralPS.Host", "bin", Configuration, "net10.0", "NeuralPS.Host.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = PowerShellSession.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hostDll);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the host did not finish in 5 minutes");
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task RunsThroughTheHost(string example)
    {
        string hostDll = Path.Combine(PowerShellSession.RepoRoot, "src", "NeuralPS.Host", "bin", Configuration, "net10.0", "NeuralPS.Host.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{hostDll}\" \"{Path.Combine("examples", example)}\"")
        {
            WorkingDirectory = PowerShellSession.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Examples that train on a large dataset (fashion-mnist-cnn.ps1) take a subset of this many rows.
        start.Environment["NEURALPS_EXAMPLE_ROWS"] = "2000";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{example} did not finish in 10 minutes");
        string output = await stdout, errors = await stderr;
        Assert.True(process.ExitCode == 0, $"{example} exited {process.ExitCode}\n{output}\n{errors}");
        Assert.False(string.IsNullOrWhiteSpace(output), $"{example} printed nothing");
        // Redirected output is plain text: no ANSI escapes in a log.
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
    }
}
