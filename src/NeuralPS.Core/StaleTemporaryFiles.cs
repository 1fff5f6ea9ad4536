using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NeuralPS.Core;

/// <summary>
/// The temporary files of <see cref="AtomicFile"/>: how they are named, and removing those that a save which never
/// finished left behind (a process killed between writing and renaming). Only files named as NeuralPS names them are
/// touched, and only when no save can still be writing them: last written before this process started, and not
/// locked (a save holds its temporary file open until the rename).
/// </summary>
internal static partial class StaleTemporaryFiles
{
    /// <summary>The temporary file for <paramref name="fullPath"/>: hidden, beside it, unique, recognisably NeuralPS's.</summary>
    public static string NameFor(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}{Suffix}");

    private const string Suffix = ".neuralps-partial";

    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.neuralps-partial$")]
    private static partial Regex Pattern();

    private static readonly DateTime ProcessStart = StartOfThisProcess();

    /// <summary>
    /// Deletes the temporary files of unfinished saves in <paramref name="directory"/>; returns how many. Never throws:
    /// a file it cannot check or delete stays for a later save.
    /// </summary>
    public static int RemoveIn(string directory)
    {
        int removed = 0;
        try
        {
            foreach (string path in Directory.EnumerateFiles(directory, "*" + Suffix))
            {
                if (!Pattern().IsMatch(Path.GetFileName(path))) continue;
                if (File.GetLastWriteTimeUtc(path) >= ProcessStart) continue; // may be a save of this process, under way
                if (TryDeleteUnlocked(path)) removed++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a folder we cannot list: nothing to do */ }
        return removed;
    }

    /// <summary>Deletes <paramref name="path"/> if no one holds it open (an interrupted save holds nothing).</summary>
    private static bool TryDeleteUnlocked(string path)
    {
        try
        {
            // FileShare.None fails while a live save has the file open (on Unix .NET takes an advisory lock for it,
            // which the writer's FileStream holds too); DeleteOnClose removes it the moment we let go.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static DateTime StartOfThisProcess()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return self.StartTime.ToUniversalTime();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTime.UtcNow; // unknown: count every existing file as older than us, the lock still guards live ones
        }
    }
}
