using System.Management.Automation;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a dataset from files: a CSV file with a header (the encoding rules of ConvertTo-Dataset), or IDX files as
/// MNIST and Fashion-MNIST ship them (gzipped or not), with the pixels scaled to [0, 1].
/// </summary>
[Cmdlet(VerbsData.Import, "Dataset", DefaultParameterSetName = CsvSet)]
[OutputType(typeof(Dataset))]
public sealed class ImportDatasetCommand : NeuralPSCmdlet
{
    private const string CsvSet = "Csv", IdxSet = "Idx";

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The CSV file, or the IDX file of images.")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = CsvSet, HelpMessage = "The column that holds the label.")]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "";

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "The columns to use as features, in this order (default: every column but the label).")]
    [ValidateNotNullOrEmpty]
    public string[]? Feature { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Columns to one-hot encode even though they hold numbers.")]
    public string[] Categorical { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Treat a numeric label as class names (classification).")]
    public SwitchParameter Classification { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "The field separator (detected among , ; tab and | when not given).")]
    public char? Delimiter { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Encode as this encoding does (a network's FeatureEncoding or a training dataset's Encoding).")]
    public FeatureEncoding? Encoding { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdxSet, HelpMessage = "The IDX file of labels that goes with the -Path images.")]
    [ValidateNotNullOrEmpty]
    public string LabelPath { get; set; } = "";

    [Parameter(ParameterSetName = IdxSet, HelpMessage = "Names for the label values 0, 1, 2, … (default: the digits).")]
    public string[]? ClassName { get; set; }

    [Parameter(HelpMessage = "A name for the dataset (default: the file name).")]
    public string? Name { get; set; }

    protected override void EndProcessing() => Guard(() =>
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dataset data = ParameterSetName == IdxSet
            ? IdxReader.ReadDataset(path, GetUnresolvedProviderPathFromPSPath(LabelPath), ClassName, Name)
            : CsvDatasetReader.Read(path, Label, Feature, Delimiter, new DatasetBuildOptions
            {
                Categorical = Categorical,
                Classification = Classification,
                Encoding = Encoding,
                Name = Name,
            });
        WriteVerbose($"Read {data} from {path} in {clock.Elapsed.TotalSeconds:N1}s.");
        WriteObject(data);
    });
}
