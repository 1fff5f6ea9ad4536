using System.Collections;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Explains single predictions with integrated gradients: for each record, one object per feature (in the user's column
/// names) with its attribution to the predicted class's probability (or the regression output), measured from a
/// baseline: the average training input the network keeps unless -Baseline is given (an all-zeros input is rarely a
/// neutral one: 0 cm of sepal width). The attributions of a record sum to its output minus the baseline's output.
/// For a network over images the input is a row of pixels or a picture file, the baseline a black picture unless
/// -Baseline is given, and the answer one <see cref="ImageAttribution"/> per picture, in its C, H, W shape
/// (Export-TrainingChart draws it as a saliency map over the picture).
/// </summary>
[Cmdlet(VerbsCommon.Get, "Attribution")]
[OutputType(typeof(FeatureAttribution), typeof(ImageAttribution))]
public sealed class GetAttributionCommand : NeuralPSCmdlet
{
    /// <summary>The completeness gap the automatic step count aims for.</summary>
    public const double Tolerance = 1e-4;

    private int _recordNumber;
    private float[]? _baseline;
    private int? _classIndex;
    private FeatureEncoding? _encoding;
    private readonly UnseenCategories _unseen = new();

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The trained network.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 1,
        HelpMessage = "Records with the properties the network was trained on, rows of numbers (double[]), or for a network over images picture files.")]
    public PSObject InputObject { get; set; } = null!;

    [Parameter(HelpMessage = "The reference input the attributions are measured from: a record with the same properties, or a row of numbers (the mean of the training data if omitted; a black picture for a network over images).")]
    public PSObject? Baseline { get; set; }

    [Parameter(HelpMessage = "Intervals of the path from the baseline; by default 64, doubled until the attributions sum to the output difference within 1e-4.")]
    [ValidateRange(1, IntegratedGradients.MaximumSteps)]
    public int Steps { get; set; }

    [Parameter(HelpMessage = "Explain this class's probability instead of the predicted class's.")]
    public string? Class { get; set; }

    protected override void BeginProcessing() => Guard(() =>
    {
        Hold(Network, NetworkUse.Read);
        Network.EnsureReady();
        _encoding = Network.FeatureEncoding ?? (Network.FeatureNames is string[] names ? FeatureEncoding.Numeric(names) : null);
        if (_encoding is not null && _encoding.FeatureCount != Network.InputSize) _encoding = null;
        // Pictures are explained from black (integrated gradients' usual baseline): the mean picture is a blur whose
        // pixels already carry the class's shape, and would hide it from the attribution.
        _baseline = Baseline is null ? Network.InputShape.IsImage ? new float[Network.InputSize] : TrainingMean() : ReadRow(Baseline, 0, "The baseline");
        if (Class is not null)
        {
            string[] classes = Network.ClassNames ?? throw new NeuralPSException(ErrorIds.NotAClassifier, ErrorKind.InvalidArgument,
                $"-Class needs a classifier, but '{Network.Name}' has no class names (it is a regression).", Class);
            int index = Array.FindIndex(classes, c => string.Equals(c, Class, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                throw new NeuralPSException(ErrorIds.UnknownClass, ErrorKind.InvalidArgument,
                    $"'{Class}' is not a class of '{Network.Name}'. Its classes are: {string.Join(", ", classes)}.", Class);
            _classIndex = index;
        }
    });

    protected override void ProcessRecord()
    {
        _recordNumber++;
        try
        {
            string? picture = Network.InputShape.IsImage ? PicturePath(InputObject.BaseObject) : null;
            float[] row = picture is not null ? ReadPicture(picture) : ReadRow(InputObject, _recordNumber, $"Record {_recordNumber}");
            FeatureAttribution[] attributions = IntegratedGradients.Explain(Network, row, _baseline!,
                Steps > 0 ? Steps : 64, _classIndex, _recordNumber, Steps > 0 ? null : Tolerance);
            if (Network.InputShape.IsImage)
            {
                WriteObject(ImageAttribution.FromInputs(Network.InputShape, row, attributions, picture));
                return;
            }
            // Records are explained in the user's columns: a one-hot column's inputs add up to one attribution.
            if (_encoding is not null) attributions = IntegratedGradients.ByColumn(attributions, _encoding, row, _baseline!);
            WriteObject(attributions, enumerateCollection: true);
        }
        catch (NeuralPSException e)
        {
            WriteNonTerminating(e);
        }
    }

    /// <summary>
    /// The average input the network trained on: the mean the trainer keeps in the model, else (a model file older than
    /// that) the mean of its normalization layer; all zeros, with a warning, for a network that never trained.
    /// </summary>
    private float[] TrainingMean()
    {
        if (Network.InputMean is float[] mean) return (float[])mean.Clone();
        if (Network.Layers.Count > 0 && Network.Layers[0] is NormalizationLayer { IsAdapted: true } normalization)
            return normalization.Mean.ToArray();
        WriteWarning($"'{Network.Name}' keeps no mean of its training data (it has not been trained, or was saved by an older NeuralPS), " +
            "so the attributions are measured from an input of all zeros. Give -Baseline to measure from a typical record instead.");
        return new float[Network.InputSize];
    }

    /// <summary>The full path of a picture input: a FileInfo, or a path with a picture extension.</summary>
    private string? PicturePath(object value) => value switch
    {
        FileInfo file => file.FullName,
        string text when Imaging.ImageDecoder.HasImageExtension(text) => GetUnresolvedProviderPathFromPSPath(text),
        _ => null,
    };

    /// <summary>A picture file read as the network's pictures are (its size and color mode, or its input shape's).</summary>
    private float[] ReadPicture(string path)
    {
        ImageFormat format = Network.ImageFormat ?? ImageFormat.FromShape(Network.InputShape.Dimensions)
            ?? throw new NeuralPSException(ErrorIds.NoImageFormat, ErrorKind.InvalidOperation,
                $"The network '{Network.Name}' reads images of {Network.InputShape.Channels} channels, which no picture file has; pass rows of numbers instead.", Network);
        var row = new float[Network.InputSize];
        Imaging.ImageDecoder.Decode(path, format, row);
        return row;
    }

    private float[] ReadRow(PSObject input, int recordNumber, string what)
    {
        object value = input.BaseObject;
        if (value is IList list)
        {
            if (list.Count != Network.InputSize)
                throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                    $"{what} has {list.Count} values but the network expects {Network.InputSize} inputs.", value);
            var row = new float[list.Count];
            for (int i = 0; i < row.Length; i++)
            {
                try { row[i] = LanguagePrimitives.ConvertTo<float>(list[i]); }
                catch (PSInvalidCastException)
                {
                    throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData, $"{what}, value {i + 1}: '{list[i]}' is not a number.", value);
                }
            }
            return row;
        }
        FeatureEncoding encoding = _encoding ?? throw new NeuralPSException(ErrorIds.NoFeatureNames, ErrorKind.InvalidOperation,
            "The network does not know its feature names (it was not trained on named data); pass rows of numbers instead.", Network);
        var values = new float[Network.InputSize];
        encoding.Encode(name => RecordAccess.Lookup(input, name), values, what, _unseen);
        foreach (string warning in _unseen.TakeWarnings()) WriteWarning(warning);
        return values;
    }
}
