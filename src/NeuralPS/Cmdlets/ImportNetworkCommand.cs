using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a network saved by Export-Network: it predicts exactly as the saved one did and goes on training where it
/// stopped. An ONNX model of a feed-forward network (PyTorch's, Keras's, Export-Network's) is imported too
/// (<see cref="Core.Onnx.OnnxImporter"/>), whatever the file is called. A truncated, damaged or foreign file is refused
/// with the error ModelFileCorrupt (ModelFileVersion for a file from a newer NeuralPS; OnnxUnsupportedOperator,
/// OnnxUnsupportedVersion or OnnxUnsupportedModel for an ONNX model NeuralPS cannot represent). -Bytes takes the same
/// contents from memory: the Model of an Invoke-Sweep result, which binds by property name, so a sweep's best result
/// pipes straight in.
/// </summary>
[Cmdlet(VerbsData.Import, "Network", DefaultParameterSetName = "Path")]
[OutputType(typeof(Network))]
public sealed class ImportNetworkCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path", HelpMessage = "The model file to read.")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Bytes", HelpMessage = "The contents of a model file, as bytes (the Model property of an Invoke-Sweep result).")]
    [Alias("Model")]
    [ValidateNotNull]
    public byte[] Bytes { get; set; } = Array.Empty<byte>();

    protected override void ProcessRecord()
    {
        try
        {
            bool fromBytes = ParameterSetName == "Bytes";
            Network network = fromBytes ? ModelFile.FromBytes(Bytes, "the model bytes") : ModelFile.Read(GetUnresolvedProviderPathFromPSPath(Path));
            WriteVerbose($"Loaded '{network.Name}' ({network.ParameterCount} parameters, {network.History.Count} epochs) from {(fromBytes ? $"{Bytes.Length} bytes" : Path)}.");
            WriteObject(network);
        }
        catch (NeuralPSException e)
        {
            // one bad file among several piped in should not stop the others
            WriteNonTerminating(e);
        }
    }
}
