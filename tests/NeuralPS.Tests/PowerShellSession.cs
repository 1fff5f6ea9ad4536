using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace NeuralPS.Tests;

/// <summary>An in-process PowerShell session with NeuralPS imported from the repository root, as a user's session has it.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession() : this(ManifestPath) { }

    /// <summary>A session with the module imported from <paramref name="manifest"/>, optionally on a given host.</summary>
    internal PowerShellSession(string manifest, System.Management.Automation.Host.PSHost? host = null)
    {
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(manifest);
        _runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        _runspace.Open();
    }

    /// <summary>The repository root (the folder holding NeuralPS.psd1).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "NeuralPS.psd1"))) return dir.FullName;
            throw new DirectoryNotFoundException("NeuralPS.psd1 not found above the test assembly.");
        }
    }

    public static string ManifestPath => Path.Combine(RepoRoot, "NeuralPS.psd1");

    /// <summary>Runs a script; throws on a terminating error; returns the output.</summary>
    public Collection<PSObject> Run(string script) => Run(script, out _);

    /// <summary>Runs a script; returns the output and the non-terminating errors.</summary>
    public Collection<PSObject> Run(string script, out Collection<ErrorRecord> errors)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        Collection<PSObject> output = ps.Invoke();
        errors = new Collection<ErrorRecord>(ps.Streams.Error.ToList());
        return output;
    }

    /// <summary>Runs a script that must fail; returns the terminating or first non-terminating error.</summary>
    public ErrorRecord Fail(string script)
    {
        try
        {
            Run(script, out Collection<ErrorRecord> errors);
            if (errors.Count > 0) return errors[0];
        }
        catch (RuntimeException e) when (e.ErrorRecord is not null)
        {
            return e.ErrorRecord;
        }
        throw new Xunit.Sdk.XunitException($"The script did not fail: {script}");
    }

    public Runspace Runspace => _runspace;

    public void Dispose() => _runspace.Dispose();
}
