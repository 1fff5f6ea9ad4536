namespace NeuralPS.Host;

/// <summary>Finds NeuralPS.psd1: $NEURALPS_MODULE, else the first folder above the host that holds it (the repository root).</summary>
internal static class ModuleLocator
{
    public static string FindManifest()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("NEURALPS_MODULE");
        if (!string.IsNullOrEmpty(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "NeuralPS.psd1");
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException("Cannot find NeuralPS.psd1 above the host; set NEURALPS_MODULE to its path.");
    }
}
