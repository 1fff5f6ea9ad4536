using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Imaging;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a dataset from files: a CSV file with a header (the encoding rules of ConvertTo-Dataset), or IDX files as
/// MNIST and Fashion-MNIST ship them (gzipped or not), with the pixels scaled to [0, 1], or a folder of pictures with
/// one sub-folder per class (<see cref="ImageFolderReader"/>).
/// </summary>
[Cmdlet(VerbsData.Import, "Dataset", DefaultParameterSetName = ImageFolderSet)]
[OutputType(typeof(Dataset))]
public sealed class ImportDatasetCommand : NeuralPSCmdlet
{
    private const string CsvSet = "Csv", IdxSet = "Idx", ImageFolderSet = "ImageFolder";

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The CSV file, the IDX file of images, or a folder with one sub-folder of pictures per class.")]
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

    [Parameter(ParameterSetName = ImageFolderSet, HelpMessage = "Height and width every picture is resized to (one number: a square; default: the first picture's size).")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, 8192)]
    public int[]? ImageSize { get; set; }

    [Parameter(ParameterSetName = ImageFolderSet, HelpMessage = "Read pictures as one gray channel or three (red, green, blue).")]
    public ColorMode ColorMode { get; set; } = ColorMode.Rgb;

    [Parameter(HelpMessage = "A name for the dataset (default: the file name).")]
    public string? Name { get; set; }

    protected override void EndProcessing() => Guard(() =>
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dataset data = ParameterSetName switch
        {
            IdxSet => IdxReader.ReadDataset(path, GetUnresolvedProviderPathFromPSPath(LabelPath), ClassName, Name),
            ImageFolderSet => ReadImageFolder(path),
            _ => CsvDatasetReader.Read(path, Label, Feature, Delimiter, new DatasetBuildOptions
            {
                Categorical = Categorical,
                Classification = Classification,
                Encoding = Encoding,
                Name = Name,
            }),
        };
        WriteVerbose($"Read {data} from {path} in {clock.Elapsed.TotalSeconds:N1}s.");
        WriteObject(data);
    });

    private Dataset ReadImageFolder(string path)
    {
        if (File.Exists(path))
            throw new NeuralPSException("MissingLabel", ErrorKind.InvalidArgument,
                $"'{path}' is a file. For a CSV file give -Label (the label column); for IDX images give -LabelPath (the labels file); " +
                "for pictures give -Path a folder with one sub-folder per class.", path);
        if (!Directory.Exists(path))
            throw new NeuralPSException("FileNotFound", ErrorKind.NotFound,
                $"Cannot find '{path}'. Import-Dataset reads a CSV file (with -Label), IDX files (with -LabelPath) or a folder of pictures with one sub-folder per class.", path);
        var progress = new ProgressRecord(1, "Import-Dataset", $"Reading pictures from {path}");
        return ImageFolderReader.Read(path, new ImageFolderOptions
        {
            Size = ImageSize is { Length: > 0 } size ? (size[0], size[^1]) : null,
            ColorMode = ColorMode,
            Name = Name,
            BadFile = WriteNonTerminating,
            Warning = WriteWarning,
            Verbose = WriteVerbose,
            Progress = (done, total) =>
            {
                progress.PercentComplete = total == 0 ? 100 : (int)(100L * done / total);
                progress.StatusDescription = $"{done} of {total} files";
                if (done == total) progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            },
        });
    }
}
