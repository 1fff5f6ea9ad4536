using System.Reflection;

namespace NeuralPS.Sweep;

/// <summary>
/// The PowerShell scripts a sweep runs where its runs train (Sweep/Scripts/*.ps1, embedded in the assembly): real .ps1
/// files, so that PSScriptAnalyzer checks them as it checks every script we ship (tests/Shell.Tests.ps1), and an editor
/// reads them as PowerShell. Each file says what it does; they are read once, when a sweep first needs them.
/// </summary>
internal static class SweepScripts
{
    /// <summary>Builds one run's network with the user's script, trains it and returns its outcome.</summary>
    public static readonly string Run = Load("Run.ps1");

    /// <summary>Tells whether a session has this build of NeuralPS, and its platform.</summary>
    public static readonly string Check = Load("Check.ps1");

    /// <summary>Appends one piece of bytes sent to a session.</summary>
    public static readonly string Chunk = Load("Chunk.ps1");

    /// <summary>Unzips the module sent to a session and imports it.</summary>
    public static readonly string Unpack = Load("Unpack.ps1");

    /// <summary>Makes the datasets sent to a session into the variable the runs read.</summary>
    public static readonly string LoadData = Load("LoadData.ps1");

    /// <summary>Takes back what preparing a session left in it.</summary>
    public static readonly string Cleanup = Load("Cleanup.ps1");

    private static string Load(string file)
    {
        // The names given in NeuralPS.csproj (LogicalName): NeuralPS.Sweep.Scripts.<file>.
        using Stream stream = typeof(SweepScripts).Assembly.GetManifestResourceStream("NeuralPS.Sweep.Scripts." + file)
            ?? throw new InvalidOperationException($"The sweep script {file} is not embedded in {typeof(SweepScripts).Assembly.GetName().Name}.dll: the build is broken.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
