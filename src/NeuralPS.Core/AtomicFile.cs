namespace NeuralPS.Core;

/// <summary>
/// Writes a file through a temporary file beside it and a rename, so a failure leaves neither a partial file nor a
/// damaged previous one, and a save killed half-way leaves a hidden temporary file that the next save to the folder
/// removes (<see cref="StaleTemporaryFiles"/>). Every failure is a <see cref="NeuralPSException"/> that names the path.
/// </summary>
public static class AtomicFile
{
    /// <summary>Checks that <paramref name="path"/> can be written (its folder exists, it is not a folder); returns the full path.</summary>
    public static string CheckWritable(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new NeuralPSException("InvalidPath", ErrorKind.InvalidArgument, $"Give a file path to write the {what} to.");
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new NeuralPSException("InvalidPath", ErrorKind.InvalidArgument, $"Cannot write the {what} to '{path}': {e.Message}", path, e);
        }
        string? directory = Path.GetDirectoryName(full);
        if (Directory.Exists(full))
            throw new NeuralPSException("CannotWriteFile", ErrorKind.InvalidArgument,
                $"Cannot write the {what} to '{path}': it is a folder. Give a file name in it.", path);
        if (directory is null || !Directory.Exists(directory))
            throw new NeuralPSException("DirectoryNotFound", ErrorKind.NotFound,
                $"Cannot write the {what} to '{path}': the folder '{directory}' does not exist. Create it first or choose another path.", path);
        return full;
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, string what)
    {
        string full = CheckWritable(path, what);
        string temporary = StaleTemporaryFiles.NameFor(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true); // on disk before the rename, or a crash could leave an empty file in its place
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception) { /* nothing more to clean up */ }
            throw new NeuralPSException("CannotWriteFile", ErrorKind.InvalidOperation, $"Cannot write the {what} to '{path}': {e.Message}", path, e);
        }
        // Saves killed between writing and renaming leave their temporary files; the next save here removes them.
        StaleTemporaryFiles.RemoveIn(Path.GetDirectoryName(full)!);
    }
}
