using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a network saved by Export-Network: it predicts exactly as the saved one did and goes on training where it
/// stopped. A truncated, damaged or foreign file is refused with the error ModelFileCorrupt (ModelFileVersion for a
/// file from a newer NeuralPS).
/// </summary>
[Cmdlet(VerbsData.Import, "Network")]
[OutputType(typeof(Network))]
public sealed class ImportNetworkCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, HelpMessage = "The model file to read.")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        try
        {
            Network network = ModelFile.Read(GetUnresolvedProviderPathFromPSPath(Path));
            WriteVerbose($"Loaded '{network.Name}' ({network.ParameterCount} parameters, {network.History.Count} epochs) from {Path}.");
            WriteObject(network);
        }
        catch (NeuralPSException e)
        {
            // one bad file among several piped in should not stop the others
            WriteNonTerminating(e);
        }
    }
}
