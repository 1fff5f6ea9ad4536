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
/// </summary>
[Cmdlet(VerbsCommon.Get, "Attribution")]
[OutputType(typeof(FeatureAttribution))]
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
        HelpMessage = "Records with the properties the network was trained on, or rows of numbers (double[]).")]
    public PSObject InputObject { get; set; } = null!;

    [Parameter(HelpMessage = "The reference input the attributions are measured from: a record with the same properties, or a row of numbers (the mean of the training data if omitted).")]
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
        _baseline = Baseline is null ? TrainingMean() : ReadRow(Baseline, 0, "The baseline");
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
            float[] row = ReadRow(InputObject, _recordNumber, $"Record {_recordNumber}");
            FeatureAttribution[] attributions = IntegratedGradients.Explain(Network, row, _baseline!,
                Steps > 0 ? Steps : 64, _classIndex, _recordNumber, Steps > 0 ? null : Tolerance);
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
