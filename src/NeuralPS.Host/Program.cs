using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NeuralPS.Host;

// Runs a PowerShell script on the real engine with NeuralPS imported, as a console would show it:
//   dotnet run --project src/NeuralPS.Host -- examples/quickstart.ps1 [script arguments]
// Exits 1 when the script throws or writes errors, 0 otherwise.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: NeuralPS.Host <script.ps1> [arguments]");
    return 2;
}
string script = Path.GetFullPath(args[0]);
if (!File.Exists(script))
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
ps.AddCommand(script);
foreach (string argument in args.Skip(1)) ps.AddArgument(argument);
ps.AddCommand("Out-Default");
ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
Console.CancelKeyPress += (_, e) => { e.Cancel = true; ps.BeginStop(null, null); };
try
{
    ps.Invoke();
}
catch (RuntimeException e)
{
    host.UI.WriteErrorLine(e.ErrorRecord is { } record ? $"{record.InvocationInfo?.PositionMessage}\n{e.Message}" : e.Message);
    return 1;
}
return ps.HadErrors || host.ErrorsWritten ? 1 : 0;
