using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;
using NeuralPS.CrashChild;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Tests;

/// <summary>
/// The crash test of checkpoints (issue 20): a checkpointed training killed with SIGKILL fifty times at random moments.
/// Each time the newest checkpoint (last.npsm) loads, is no older than before, and the next training resumes from it;
/// once another process has written a checkpoint, no temporary file of an interrupted write is left. Finally Invoke-
/// Training in NeuralPS.Host resumes the last checkpoint as a user would, and the network that comes out of fifty kills
/// and a resume has the bits of one training that never stopped.
/// </summary>
public sealed class CheckpointKillTests(ITestOutputHelper output) : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private const int Kills = 50;
    private const string TemporarySuffix = ".neuralps-partial";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "neuralps-kill-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static string Built(string project, string dll) =>
        Path.Combine(PowerShellSession.RepoRoot, project.StartsWith("NeuralPS.Host", StringComparison.Ordinal) ? "src" : "tests", project, "bin", Configuration, "net10.0", dll);

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine(); // drained, so that a full pipe never blocks the child
        process.BeginErrorReadLine();
        return process;
    }

    private string[] TemporaryFiles() => Directory.Exists(_folder) ? Directory.GetFiles(_folder, "*" + TemporarySuffix) : Array.Empty<string>();

    [Fact]
    public void FiftyKillsAtRandomMomentsLeaveACheckpointThatResumesWithTheSameBits()
    {
        string child = Built("NeuralPS.CrashChild", "NeuralPS.CrashChild.dll");
        Assert.True(File.Exists(child), $"build tests/NeuralPS.CrashChild first ({child} is missing)");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"random seed {seed}");
        string last = Path.Combine(_folder, "last.npsm");
        int epochs = 0, progressed = 0, killedWriting = 0;
        int window = 2000; // milliseconds from a start to its first checkpoint, as last measured (a loaded machine starts slower)
        for (int kill = 1; kill <= Kills; kill++)
        {
            DateTime started = DateTime.UtcNow;
            using (Process process = Start(child, _folder, "1000000"))
            {
                try
                {
                    if (kill % 5 == 0)
                    {
                        // one kill in five at any moment from the start: in start-up, loading, or the first epochs
                        Thread.Sleep(random.Next(0, window + 1));
                    }
                    else
                    {
                        // the others once this process is writing checkpoints: at a random moment among its writes
                        var clock = Stopwatch.StartNew();
                        while (!(File.Exists(last) && File.GetLastWriteTimeUtc(last) >= started) && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                            Thread.Sleep(2);
                        window = (int)clock.ElapsedMilliseconds;
                        Thread.Sleep(random.Next(0, 300));
                    }
                    Assert.False(process.HasExited, $"kill {kill}: the training ended before it was killed (exit {(process.HasExited ? process.ExitCode : 0)})");
                }
                finally
                {
                    process.Kill(entireProcessTree: true); // SIGKILL, as kill -9
                    process.WaitForExit();
                }
            }
            string[] temporary = TemporaryFiles();
            if (temporary.Length > 0) killedWriting++;
            if (!File.Exists(last)) continue; // killed before its first checkpoint
            Network newest = ModelFile.Read(last); // whole, whenever the kill came
            Assert.True(newest.History.Count >= epochs, $"kill {kill}: last.npsm went back from epoch {epochs} to {newest.History.Count}");
            foreach (string file in Directory.GetFiles(_folder, "epoch-*.npsm"))
                Assert.True(ModelFile.Read(file).History.Count <= newest.History.Count, $"kill {kill}: {Path.GetFileName(file)} is newer than last.npsm");
            if (newest.History.Count > epochs)
            {
                progressed++;
                // this process wrote a checkpoint, so the temporary files of the processes killed before it are gone
                Assert.All(temporary, t => Assert.True(File.GetLastWriteTimeUtc(t) >= started.AddSeconds(-1),
                    $"kill {kill}: {Path.GetFileName(t)} of an earlier process was left behind"));
            }
            epochs = newest.History.Count;
        }
        output.WriteLine($"{Kills} kills: {progressed} after new checkpoints, {killedWriting} left a temporary file; last.npsm at epoch {epochs}");
        Assert.True(progressed >= Kills / 2, $"only {progressed} of {Kills} kills came after a new checkpoint: the moments miss the training");

        // The next training: Invoke-Training resumes the newest checkpoint, as a user would, in NeuralPS.Host.
        string script = $"$net = Import-Network '{last}'; $data = Get-SampleDataset Regression -Samples 64 -Noise 0.1 -Seed 1; " +
            $"$net | Invoke-Training -Data $data -Epochs 3 -BatchSize {CrashWorkload.BatchSize} -CheckpointPath '{_folder}' -KeepCheckpoints {CrashWorkload.Keep} | Out-Null";
        using (Process host = Start(Built("NeuralPS.Host", "NeuralPS.Host.dll"), "-Command", script))
        {
            try { Assert.True(host.WaitForExit(TimeSpan.FromMinutes(3)), "the resumed training did not finish in 3 minutes"); }
            finally { if (!host.HasExited) { host.Kill(entireProcessTree: true); host.WaitForExit(); } }
            Assert.Equal(0, host.ExitCode);
        }
        Assert.Empty(TemporaryFiles());
        Network resumed = ModelFile.Read(last);
        Assert.Equal(epochs + 3, resumed.History.Count);

        Network uninterrupted = CrashWorkload.Train(folder: null, epochs + 3);
        Assert.True(uninterrupted.Parameters.AsSpan().SequenceEqual(resumed.Parameters),
            $"after {Kills} kills and a resume at epoch {epochs}, the weights differ from one training of {epochs + 3} epochs");
        Assert.Equal(uninterrupted.History.Select(h => h.Loss), resumed.History.Select(h => h.Loss));
    }
}
