using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NeuralPS.Host;

// Runs a PowerShell script, or a command, on the real engine with NeuralPS imported, as a console would show it:
//   dotnet run --project src/NeuralPS.Host -- examples/quickstart.ps1 [script arguments]
//   dotnet run --project src/NeuralPS.Host -- -Command "Get-Help Invoke-Training -Examples"
// Exits 1 when the script throws or writes errors, 0 otherwise; 2 for a usage error.
const string Usage = "usage: NeuralPS.Host <script.ps1> [arguments]\n       NeuralPS.Host -Command <PowerShell command text>";
if (args.Length == 0 || args[0] is "-h" or "-?" or "--help" or "-Help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
bool isCommand = args[0].Equals("-Command", StringComparison.OrdinalIgnoreCase) || args[0].Equals("-c", StringComparison.OrdinalIgnoreCase);
if (isCommand && args.Length < 2)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
string script = isCommand ? string.Join(' ', args.Skip(1)) : Path.GetFullPath(args[0]);
if (!isCommand && !File.Exists(script))
{
    Console.Error.WriteLine($"NeuralPS.Host: cannot find the script '{args[0]}'.");
    return 2;
}
string manifest = ModuleLocator.FindManifest();
var host = new ConsoleHost();
InitialSessionState state = InitialSessionState.CreateDefault2();
if (OperatingSystem.IsWindows()) state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
state.ImportPSModule(manifest);
using Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
runspace.Open();
// Redirected output (a file, a pipe, a test reading it) gets plain text: no ANSI escapes in logs. NO_COLOR too.
if (Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")))
{
    using PowerShell plain = PowerShell.Create();
    plain.Runspace = runspace;
    plain.AddScript("$PSStyle.OutputRendering = 'PlainText'").Invoke();
}
using PowerShell ps = PowerShell.Create();
ps.Runspace = runspace;
if (isCommand) ps.AddScript(script);
else
{
    ps.AddCommand(script);
    foreach (string argument in args.Skip(1)) ps.AddArgument(argument);
}
ps.AddCommand("Out-Default");
ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
// Ctrl+C stops the pipeline as pwsh does (training ends within a batch, the network stays usable); a second Ctrl+C
// while stopping ends the process.
bool stopping = false;
Console.CancelKeyPress += (_, e) =>
{
    if (stopping) return;
    stopping = true;
    e.Cancel = true;
    ps.BeginStop(null, null);
};
try
{
    ps.Invoke();
}
catch (PipelineStoppedException)
{
    host.UI.WriteErrorLine("Stopped.");
    return 130;
}
catch (RuntimeException e)
{
    host.UI.WriteErrorLine(e.ErrorRecord is { } record ? $"{record.InvocationInfo?.PositionMessage}\n{e.Message}" : e.Message);
    return 1;
}
return ps.HadErrors || host.ErrorsWritten ? 1 : 0;
