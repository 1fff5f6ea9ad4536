using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>A save removes the temporary files that saves killed before their rename left in its folder, and nothing else.</summary>
public sealed class StaleTemporaryFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-stale-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A temporary file as a save that was killed leaves it: written, never renamed, from an earlier process.</summary>
    private string Leftover(string target, DateTime? written = null)
    {
        string path = StaleTemporaryFiles.NameFor(Path.Combine(_folder, target));
        File.WriteAllBytes(path, new byte[1000]);
        File.SetLastWriteTimeUtc(path, written ?? DateTime.UtcNow.AddHours(-1));
        return path;
    }

    [Fact]
    public void TheNextSaveToTheFolderRemovesTheLeftovers()
    {
        var leftovers = Enumerable.Range(0, 20).Select(i => Leftover($"model{i % 3}.npsm")).ToList();
        Assert.All(leftovers, p => Assert.Matches(@"^\.model\d\.npsm\.[0-9a-f]{32}\.neuralps-partial$", Path.GetFileName(p)));
        AtomicFile.WriteAllBytes(Path.Combine(_folder, "other.npsm"), new byte[] { 1, 2, 3 }, "model");
        Assert.Equal(new[] { "other.npsm" }, Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void AFileStillBeingWrittenOrWrittenByThisProcessIsKept()
    {
        string locked = Leftover("a.npsm");
        string recent = Leftover("b.npsm", written: DateTime.UtcNow); // may be a save of this process, under way
        using (new FileStream(locked, FileMode.Open, FileAccess.Write, FileShare.Read)) // a live save holds its file so
        {
            AtomicFile.WriteAllBytes(Path.Combine(_folder, "c.npsm"), new byte[] { 1 }, "model");
            Assert.True(File.Exists(locked));
            Assert.True(File.Exists(recent));
        }
        AtomicFile.WriteAllBytes(Path.Combine(_folder, "c.npsm"), new byte[] { 2 }, "model");
        Assert.False(File.Exists(locked));
        Assert.True(File.Exists(recent));
    }

    [Fact]
    public void FilesNamedOtherwiseAreNeverTouched()
    {
        string[] foreign =
        {
            ".model.npsm.0123456789abcdef0123456789abcdef.tmp", // another program's (or an old NeuralPS's) temporary file
            "model.npsm.0123456789abcdef0123456789abcdef.neuralps-partial", // not hidden
            ".model.npsm.0123456789ABCDEF.neuralps-partial", // not a GUID
            "notes.neuralps-partial",
        };
        foreach (string name in foreign)
        {
            string path = Path.Combine(_folder, name);
            File.WriteAllText(path, "keep");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
        }
        AtomicFile.WriteAllBytes(Path.Combine(_folder, "model.npsm"), new byte[] { 1 }, "model");
        Assert.All(foreign, name => Assert.True(File.Exists(Path.Combine(_folder, name)), name));
    }

    [Fact]
    public void AFolderThatCannotBeListedIsNoError()
    {
        Assert.Equal(0, StaleTemporaryFiles.RemoveIn(Path.Combine(_folder, "missing")));
    }
}
