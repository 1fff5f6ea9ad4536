using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets;

/// <summary>The file formats Export-Network writes.</summary>
public enum ModelFormat
{
    /// <summary>Chosen from the extension: .onnx is Onnx, .npsm NeuralPS; any other extension is refused.</summary>
    Auto,
    /// <summary>The NeuralPS model file: everything needed to predict and to resume training exactly.</summary>
    NeuralPS,
    /// <summary>ONNX, for other runtimes (inference only).</summary>
    Onnx,
}

/// <summary>
/// Saves a network to one file: architecture, weights, layer and optimizer state, encoding, class names, history and
/// random streams, so that Import-Network gives back a network that predicts the same bits and trains on exactly as
/// this one would. The file is written beside the target and renamed over it, so a crash never destroys the old one.
/// </summary>
[Cmdlet(VerbsData.Export, "Network", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetworkCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The network to save.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The file to write: .npsm (the NeuralPS model file) or .onnx (ONNX); another extension needs -Format.")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(HelpMessage = "NeuralPS or Onnx, whatever the extension (by default the extension decides: .npsm or .onnx).")]
    public ModelFormat Format { get; set; } = ModelFormat.Auto;

    [Parameter(HelpMessage = "Overwrite an existing file.")]
    public SwitchParameter Force { get; set; }

    [Parameter(HelpMessage = "Write the file's FileInfo when done.")]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        ModelFormat format = Format != ModelFormat.Auto ? Format : FormatOf(path);
        if (File.Exists(path) && !Force)
            throw new NeuralPSException("ModelFileExists", ErrorKind.InvalidOperation,
                $"'{path}' already exists. Use -Force to overwrite it, or choose another path.", path);
        if (!ShouldProcess(path, $"Export network '{Network.Name}' as {format}")) return;
        using NetworkLease lease = Use(Network, NetworkUse.Read); // a network being trained elsewhere is not saved half-way
        if (format == ModelFormat.Onnx) OnnxExporter.Write(Network, path);
        else ModelFile.Write(Network, path, overwrite: true);
        WriteVerbose($"Saved '{Network.Name}' ({Network.ParameterCount} parameters, {Network.History.Count} epochs) to {path}.");
        if (PassThru) WriteObject(new FileInfo(path));
    });

    /// <summary>
    /// The format a path's extension names. Any other extension is refused rather than written as .npsm: a user who
    /// asks for model.h5 expects a Keras file, and a .npsm under that name would only fail later, elsewhere.
    /// </summary>
    private static ModelFormat FormatOf(string path)
    {
        string extension = System.IO.Path.GetExtension(path);
        if (string.Equals(extension, ".onnx", StringComparison.OrdinalIgnoreCase)) return ModelFormat.Onnx;
        if (string.Equals(extension, ModelFile.Extension, StringComparison.OrdinalIgnoreCase)) return ModelFormat.NeuralPS;
        throw new NeuralPSException("UnknownModelExtension", ErrorKind.InvalidArgument,
            $"Export-Network does not write {(extension.Length == 0 ? "files without an extension" : $"'{extension}' files")} ('{path}'). " +
            "Use .npsm for the NeuralPS model file (Import-Network reads it back, ready to predict and to train on) or .onnx for ONNX " +
            "(for other runtimes), or give -Format NeuralPS or -Format Onnx to write that format under any name.", path);
    }
}
