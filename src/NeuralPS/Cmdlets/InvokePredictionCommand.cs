using System.Collections;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Imaging;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Predicts for pipeline objects, numeric rows, picture files or a dataset. A record gets Prediction (the class name or
/// value) and Confidence added and is passed on; a picture file (a FileInfo, or a path with a picture extension) is read
/// at the network's picture size and color mode and answered with Name, Prediction, Confidence and Path; an input the
/// network cannot read gets a non-terminating error.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Prediction", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(PSObject))]
public sealed class InvokePredictionCommand : NeuralPSCmdlet
{
    private const string ObjectSet = "Object", DataSet = "Dataset";
    private int _recordNumber;

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The trained network.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet,
        HelpMessage = "Records with the properties the network was trained on, rows of numbers (double[]), or picture files (Get-ChildItem *.png, or paths).")]
    public PSObject InputObject { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = DataSet, HelpMessage = "A dataset to predict every row of.")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Also add one property per class with its probability.")]
    public SwitchParameter IncludeProbabilities { get; set; }

    private FeatureEncoding? _encoding;
    private readonly UnseenCategories _unseen = new();
    private ImageFormat? _imageFormat;
    private float[] _row = Array.Empty<float>();

    protected override void BeginProcessing() => Guard(() =>
    {
        Hold(Network, NetworkUse.Read); // its prediction buffers serve one pipeline at a time
        Network.EnsureReady();
        // Networks trained on plain numeric data (samples, IDX) read records by their feature names.
        _encoding = Network.FeatureEncoding ?? (Network.FeatureNames is string[] names ? FeatureEncoding.Numeric(names) : null);
        if (_encoding is not null && _encoding.FeatureCount != Network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidOperation,
                $"The network's encoding makes {_encoding.FeatureCount} features but the network takes {Network.InputSize} inputs.", Network);
        _row = new float[Network.InputSize];
    }, Network);

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DataSet)
        {
            Guard(() => PredictDataset(Data), Data);
            return;
        }
        if (InputObject.BaseObject is Dataset piped)
        {
            // $test | Invoke-Prediction $net: a piped dataset means its rows, as -Data does
            Guard(() => PredictDataset(piped), piped);
            return;
        }
        _recordNumber++;
        object value = InputObject.BaseObject;
        try
        {
            if (PicturePath(value) is string picture)
            {
                EnsureImageFormat();
                PredictPicture(picture);
                return;
            }
            bool isRow = value is IList && value is not string;
            float[] row = isRow ? NumericRow((IList)value) : ReadRecord();
            float[] output = Network.Predict(row, 1);
            PSObject result = isRow ? new PSObject() : value is IDictionary dictionary ? FromDictionary(dictionary) : InputObject.Copy();
            if (isRow) result.Properties.Add(new PSNoteProperty("Input", value));
            AddPrediction(result, output);
            WriteObject(result);
        }
        catch (NeuralPSException e)
        {
            WriteNonTerminating(e);
        }
    }

    /// <summary>The full path of a picture input: a FileInfo (whatever its extension), or a path with a picture extension.</summary>
    private string? PicturePath(object value) => value switch
    {
        FileInfo file => file.FullName,
        DirectoryInfo folder => throw new NeuralPSException(ErrorIds.NotAFile, ErrorKind.InvalidArgument,
            $"'{folder.FullName}' is a folder, not a picture. Pass its pictures: Get-ChildItem '{folder.FullName}' -Recurse -File | Invoke-Prediction -Network $net", folder.FullName),
        string text when ImageDecoder.HasImageExtension(text) => GetUnresolvedProviderPathFromPSPath(text),
        _ => null,
    };

    private void PredictPicture(string path)
    {
        ImageDecoder.Decode(path, _imageFormat!, _row);
        var result = new PSObject();
        result.Properties.Add(new PSNoteProperty("Name", System.IO.Path.GetFileName(path)));
        AddPrediction(result, Network.Predict(_row, 1));
        result.Properties.Add(new PSNoteProperty("Path", path));
        WriteObject(result);
    }

    /// <summary>The network's picture format, checked once: without one, every picture would fail the same way (terminating).</summary>
    private void EnsureImageFormat() => Guard(() =>
    {
        if (_imageFormat is not null) return;
        ImageFormat format = Network.ImageFormat ?? throw new NeuralPSException(ErrorIds.NoImageFormat, ErrorKind.InvalidOperation,
            $"The network '{Network.Name}' does not know what pictures it reads (size and color mode): it was not trained on pictures. " +
            "Train it on a dataset of pictures (Import-Dataset -Path <folder> -ImageSize 28,28, or IDX images), or pass rows of numbers.", Network);
        if (format.FeatureCount != Network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidOperation,
                $"The network's pictures of {format} make {format.FeatureCount} inputs but the network takes {Network.InputSize}.", Network);
        _imageFormat = format;
    }, Network);

    private float[] ReadRecord()
    {
        FeatureEncoding encoding = _encoding ?? throw new NeuralPSException(ErrorIds.NoFeatureNames, ErrorKind.InvalidOperation,
            "The network does not know its feature names (it was not trained on named data); pass rows of numbers instead.", Network);
        PSObject record = InputObject;
        encoding.Encode(name => RecordAccess.Lookup(record, name), _row, $"Record {_recordNumber}", _unseen);
        foreach (string warning in _unseen.TakeWarnings()) WriteWarning(warning);
        return _row;
    }

    /// <summary>A hashtable's entries as properties, so the prediction shows beside them in a table.</summary>
    private static PSObject FromDictionary(IDictionary dictionary)
    {
        var result = new PSObject();
        foreach (DictionaryEntry entry in dictionary) result.Properties.Add(new PSNoteProperty(entry.Key?.ToString() ?? "", entry.Value));
        return result;
    }

    private float[] NumericRow(IList list)
    {
        if (list.Count != Network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"Record {_recordNumber} has {list.Count} values but the network expects {Network.InputSize} inputs.", list);
        var row = new float[list.Count];
        for (int i = 0; i < row.Length; i++)
        {
            try { row[i] = LanguagePrimitives.ConvertTo<float>(list[i]); }
            catch (PSInvalidCastException)
            {
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Record {_recordNumber}, value {i + 1}: '{list[i]}' is not a number.", list);
            }
        }
        return row;
    }

    private void PredictDataset(Dataset data)
    {
        if (data.FeatureCount != Network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"The network expects {Network.InputSize} inputs but the dataset has {data.FeatureCount} features.", data);
        float[] outputs = Network.Predict(data.Features, data.Rows);
        int width = Network.OutputSize;
        for (int r = 0; r < data.Rows; r++)
        {
            var result = new PSObject();
            result.Properties.Add(new PSNoteProperty("Row", r + 1));
            if (data.Task == DatasetTask.Classification) result.Properties.Add(new PSNoteProperty("Actual", data.ClassNames![data.LabelOf(r)]));
            AddPrediction(result, outputs.AsSpan(r * width, width).ToArray());
            WriteObject(result);
        }
    }

    private void AddPrediction(PSObject target, float[] output)
    {
        string[]? classes = Network.ClassNames;
        var (prediction, confidence) = Interpret(output, classes);
        SetProperty(target, "Prediction", prediction);
        SetProperty(target, "Confidence", confidence);
        if (IncludeProbabilities && classes is not null)
        {
            if (output.Length == 1 && classes.Length == 2)
            {
                SetProperty(target, $"P({classes[0]})", 1.0 - output[0]);
                SetProperty(target, $"P({classes[1]})", (double)output[0]);
            }
            else
                for (int c = 0; c < Math.Min(classes.Length, output.Length); c++) SetProperty(target, $"P({classes[c]})", (double)output[c]);
        }
    }

    /// <summary>The answer in the user's terms: class name and its probability, or the predicted value(s).</summary>
    internal static (object Prediction, object? Confidence) Interpret(float[] output, string[]? classes)
    {
        if (classes is not null && output.Length == 1)
        {
            bool positive = output[0] >= 0.5f;
            return (classes[positive ? Math.Min(1, classes.Length - 1) : 0], positive ? output[0] : 1.0 - output[0]);
        }
        if (classes is not null)
        {
            int best = Core.Training.Evaluator.ArgMax(output);
            return (best < classes.Length ? classes[best] : best.ToString(System.Globalization.CultureInfo.InvariantCulture), (double)output[best]);
        }
        return output.Length == 1 ? ((double)output[0], null) : (output.Select(v => (double)v).ToArray(), null);
    }

    private static void SetProperty(PSObject target, string name, object? value)
    {
        if (target.Properties[name] is PSPropertyInfo existing && existing.IsSettable) existing.Value = value;
        else
        {
            target.Properties.Remove(name);
            target.Properties.Add(new PSNoteProperty(name, value));
        }
    }
}
