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

    public static IEnumerable<object[]> Examples() =>
        Directory.GetFiles(Path.Combine(PowerShellSession.RepoRoot, "examples"), "*.ps1")
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Examples))]
    public void RunsThroughTheHost(string example)
    {
        string hostDll = Path.Combine(PowerShellSession.RepoRoot, "src", "NeuralPS.Host", "bin", Configuration, "net10.0", "NeuralPS.Host.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{hostDll}\" \"{Path.Combine("examples", example)}\"")
        {
            WorkingDirectory = PowerShellSession.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{example} did not finish in 10 minutes");
        string output = stdout.Result, errors = stderr.Result;
        Assert.True(process.ExitCode == 0, $"{example} exited {process.ExitCode}\n{output}\n{errors}");
        Assert.False(string.IsNullOrWhiteSpace(output), $"{example} printed nothing");
        // Redirected output is plain text: no ANSI escapes in a log.
        Assert.DoesNotContain("\u001b[", output);
    }
}
