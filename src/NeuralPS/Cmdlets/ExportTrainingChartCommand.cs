using System.Management.Automation;
using System.Text;
using NeuralPS.Charts;
using NeuralPS.Core;
using NeuralPS.Core.Charts;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>What Export-TrainingChart wrote (with -PassThru).</summary>
public sealed class ChartFile
{
    /// <summary>The full path of the file.</summary>
    public string Path { get; init; } = "";

    /// <summary>Png or Svg.</summary>
    public string Format { get; init; } = "";

    /// <summary>What the chart shows: TrainingCurves, ConfusionMatrix, FeatureImportance or Saliency.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Width in pixels.</summary>
    public int Width { get; init; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; }

    /// <summary>The font family the text was drawn with (PNG: as ScottPlot resolved it; SVG: the family the file asks for).</summary>
    public string FontFamily { get; init; } = "";

    /// <summary>The font file the PNG's text was drawn from (null for SVG).</summary>
    public string? FontFile { get; init; }

    /// <summary>Size of the file in bytes.</summary>
    public long Length { get; init; }

    /// <summary>The titles written on the chart, top first: the chart's, then each panel's heading (the same in PNG and SVG).</summary>
    public IReadOnlyList<string> Titles { get; init; } = Array.Empty<string>();

    /// <inheritdoc />
    public override string ToString() => Path;
}

/// <summary>
/// Writes training curves (loss and accuracy, training against validation) from a network's history or from epoch
/// results, a confusion-matrix heatmap from a Test-Network evaluation, a bar chart from Get-FeatureImportance, or a
/// saliency map over the picture from Get-Attribution on an image, as PNG or SVG by the file's extension.
/// </summary>
[Cmdlet(VerbsData.Export, "TrainingChart", SupportsShouldProcess = true)]
[OutputType(typeof(ChartFile))]
public sealed class ExportTrainingChartCommand : NeuralPSCmdlet
{
    private readonly List<object> _inputs = new();

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The file to write: .png or .svg (the extension picks the format).")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 1,
        HelpMessage = "A trained network (its history), epoch results from Invoke-Training, a Test-Network evaluation, Get-FeatureImportance results, a Find-LearningRate result, or a Get-Attribution result on an image.")]
    public PSObject InputObject { get; set; } = null!;

    [Parameter(HelpMessage = "Width of the image in pixels (900 for curves, 640 for a confusion matrix or bars).")]
    [ValidateRange(100, 10000)]
    public int Width { get; set; }

    [Parameter(HelpMessage = "Height of the image in pixels (420 for curves, 560 for a confusion matrix, 28 a bar for bars).")]
    [ValidateRange(100, 10000)]
    public int Height { get; set; }

    [Parameter(HelpMessage = "The chart's title (the network's name, or what the chart shows).")]
    public string? Title { get; set; }

    [Parameter(HelpMessage = "Feature importance charts: how many of the most important features to draw (20); the chart says how many it leaves out.")]
    [ValidateRange(1, 10000)]
    public int Top { get; set; }

    [Parameter(HelpMessage = "Write a ChartFile object describing the file written.")]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        object value = InputObject.BaseObject;
        if (value is System.Collections.IEnumerable list and not string)
            foreach (object? item in list) { if (item is not null) _inputs.Add(item is PSObject p ? p.BaseObject : item); }
        else _inputs.Add(value);
    }

    protected override void EndProcessing()
    {
        string format = FormatOf(Path);
        string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        Guard(() =>
        {
            AtomicFile.CheckWritable(full, "chart");
            using IDisposable leases = UseAll(_inputs.OfType<Network>(), NetworkUse.Read); // histories do not grow meanwhile
            (Chart chart, string kind, int width, int height) = BuildChart();
            if (!ShouldProcess(full, $"Write a {width}×{height} {format} chart")) return;
            string fontFamily, fontFile = "";
            byte[] bytes;
            IReadOnlyList<string> titles = chart.Titles;
            if (format == "Svg")
            {
                bytes = new UTF8Encoding(false).GetBytes(SvgChartWriter.Render(chart, width, height));
                fontFamily = SvgChartWriter.FontFamily;
            }
            else
            {
                RenderedPng png = PngChartRenderer.Render(chart, width, height);
                (bytes, fontFamily, fontFile, titles) = (png.Bytes, png.FontFamily, png.FontFile, png.Titles);
            }
            AtomicFile.WriteAllBytes(full, bytes, "chart");
            WriteVerbose($"Wrote a {width}×{height} {format} {kind} chart to {full}.");
            if (PassThru)
                WriteObject(new ChartFile
                {
                    Path = full, Format = format, Kind = kind, Width = width, Height = height,
                    FontFamily = fontFamily, FontFile = format == "Png" ? fontFile : null, Length = bytes.Length, Titles = titles,
                });
        });
    }

    private string FormatOf(string path)
    {
        string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".png": return "Png";
            case ".svg": return "Svg";
            default:
                ThrowTerminatingError(Errors.Create(ErrorIds.UnknownChartFormat, ErrorCategory.InvalidArgument,
                    $"Export-TrainingChart writes .png or .svg files; '{path}' has {(extension.Length == 0 ? "no extension" : $"the extension '{extension}'")}. " +
                    "Name the file chart.png or chart.svg.", path));
                return "";
        }
    }

    private (Chart Chart, string Kind, int Width, int Height) BuildChart()
    {
        if (_inputs.Count == 0)
            throw new NeuralPSException(ErrorIds.NothingToChart, ErrorKind.InvalidArgument,
                "Nothing was given to chart: pipe a trained network, the epoch results of Invoke-Training, a Test-Network result or Get-FeatureImportance results.");
        object first = _inputs[0];
        if (Top > 0 && first is not FeatureImportance)
            throw new NeuralPSException(ErrorIds.TopNotApplicable, ErrorKind.InvalidArgument,
                $"-Top picks the features of a feature importance chart, but a {first.GetType().Name} was given. Leave -Top out.", first);
        switch (first)
        {
            case Network network:
                Single<Network>("a network");
                return (Chart.FromHistory(network.History, Title ?? $"Training of '{network.Name}'"), "TrainingCurves", Or(Width, 900), Or(Height, 420));
            case EpochResult:
            {
                List<EpochResult> epochs = All<EpochResult>("epoch results");
                return (Chart.FromHistory(epochs, Title ?? "Training"), "TrainingCurves", Or(Width, 900), Or(Height, 420));
            }
            case LearningRateSearch search:
                Single<LearningRateSearch>("a Find-LearningRate result");
                return (Chart.FromLearningRateCurve(search.Curve, search.SuggestedLearningRate, Title ?? $"Learning rate range test of '{search.NetworkName}'"),
                    "LearningRateCurve", Or(Width, 900), Or(Height, 420));
            case LearningRatePoint:
                return (Chart.FromLearningRateCurve(All<LearningRatePoint>("learning-rate points"), null, Title ?? "Learning rate range test"),
                    "LearningRateCurve", Or(Width, 900), Or(Height, 420));
            case Evaluation evaluation:
                Single<Evaluation>("a Test-Network result");
                return (Chart.FromEvaluation(evaluation, Title ?? "Test results"), "ConfusionMatrix", Or(Width, 640), Or(Height, 560));
            case ImageAttribution attribution:
            {
                Single<ImageAttribution>("image attribution");
                // room for the title and heading, and cells of several screen pixels for small pictures (8x8 digits)
                int side = Math.Max(280, Math.Min(640, 8 * Math.Max(attribution.Height, attribution.Width)));
                return (Chart.FromImageAttribution(attribution, Title ?? $"Attribution to '{attribution.Target}'"), "Saliency",
                    Or(Width, side + 20), Or(Height, side + 70));
            }
            case FeatureImportance:
            {
                List<FeatureImportance> features = All<FeatureImportance>("feature importances");
                string metric = features[0].Metric == "Accuracy" ? "Accuracy drop when shuffled" : $"{features[0].Metric} increase when shuffled";
                // The 20 most important by default: a bar a feature for all 784 pixels of an image is 22,000 pixels tall.
                int shown = Math.Min(features.Count, Top > 0 ? Top : DefaultTop);
                Chart chart = Chart.FromBars(Title ?? "Permutation feature importance", metric,
                    features.Select(f => (f.Feature, f.Importance, f.StdDev)).ToList(), shown, features.Max(f => f.FeatureCount));
                return (chart, "FeatureImportance", Or(Width, 640), Or(Height, Math.Max(300, 90 + 28 * shown)));
            }
            default:
                throw new NeuralPSException(ErrorIds.UnsupportedChartInput, ErrorKind.InvalidArgument,
                    $"Export-TrainingChart cannot chart a {first.GetType().Name}. Pipe a trained network, the epoch results of Invoke-Training, " +
                    "a Test-Network result, Get-FeatureImportance results or Get-Attribution on an image.", first);
        }
    }

    /// <summary>Bars drawn without -Top.</summary>
    private const int DefaultTop = 20;

    private static int Or(int value, int fallback) => value > 0 ? value : fallback;

    private void Single<T>(string what)
    {
        if (_inputs.Count > 1)
            throw new NeuralPSException(ErrorIds.TooManyChartInputs, ErrorKind.InvalidArgument,
                $"Export-TrainingChart charts one {what} a file, but {_inputs.Count} objects came down the pipeline. Chart them one at a time.", _inputs[1]);
    }

    private List<T> All<T>(string what)
    {
        var items = new List<T>();
        foreach (object item in _inputs)
        {
            if (item is not T typed)
                throw new NeuralPSException(ErrorIds.MixedChartInputs, ErrorKind.InvalidArgument,
                    $"Export-TrainingChart got {what} mixed with a {item.GetType().Name}; chart one kind of object a file.", item);
            items.Add(typed);
        }
        return items;
    }
}
