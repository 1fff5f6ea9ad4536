using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Imaging;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a dataset from files: a CSV file with a header (the encoding rules of ConvertTo-Dataset), or IDX files as
/// MNIST and Fashion-MNIST ship them (gzipped or not), with the pixels scaled to [0, 1], or a folder of pictures with
/// one sub-folder per class (<see cref="ImageFolderReader"/>). One dataset a file or folder: -Path
/// takes wildcards, -LiteralPath takes names as they are, and files piped from Get-ChildItem bind to -LiteralPath
/// (by their PSPath), as with PowerShell's own file cmdlets. A file that cannot be read is a non-terminating error
/// and the other files are still read.
/// </summary>
[Cmdlet(VerbsData.Import, "Dataset", DefaultParameterSetName = ImageFolderSet)]
[OutputType(typeof(Dataset))]
public sealed class ImportDatasetCommand : NeuralPSCmdlet
{
    // Two choices cross: CSV or IDX (by -Label or -LabelPath), and wildcard or literal paths; a folder of pictures
    // (neither -Label nor -LabelPath) is the default set, so that `Import-Dataset ./pictures` needs nothing more.
    private const string CsvSet = "Csv", CsvLiteralSet = "CsvLiteral", IdxSet = "Idx", IdxLiteralSet = "IdxLiteral",
        ImageFolderSet = "ImageFolder";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CsvSet,
        HelpMessage = "The CSV files, the IDX file of images, or a folder with one sub-folder of pictures per class; wildcards are expanded.")]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdxSet,
        HelpMessage = "The CSV files, the IDX file of images, or a folder with one sub-folder of pictures per class; wildcards are expanded.")]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ImageFolderSet,
        HelpMessage = "The CSV files, the IDX file of images, or a folder with one sub-folder of pictures per class; wildcards are expanded.")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CsvLiteralSet,
        HelpMessage = "The files, with names taken as they are (no wildcards); files piped from Get-ChildItem bind here.")]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdxLiteralSet,
        HelpMessage = "The files, with names taken as they are (no wildcards); files piped from Get-ChildItem bind here.")]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = CsvSet, HelpMessage = "The column that holds the label.")]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = CsvLiteralSet, HelpMessage = "The column that holds the label.")]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "";

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "The columns to use as features, in this order (default: every column but the label).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "The columns to use as features, in this order (default: every column but the label).")]
    [ValidateNotNullOrEmpty]
    public string[]? Feature { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Columns to leave out of the features (an Id, a row number).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "Columns to leave out of the features (an Id, a row number).")]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Columns to one-hot encode even though they hold numbers.")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "Columns to one-hot encode even though they hold numbers.")]
    public string[] Categorical { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Text columns to encode as one category index each, for Add-EmbeddingLayer, instead of one-hot (0 for a category never seen in training).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "Text columns to encode as one category index each, for Add-EmbeddingLayer, instead of one-hot (0 for a category never seen in training).")]
    public string[] CategoryIndex { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Treat a numeric label as class names (classification).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "Treat a numeric label as class names (classification).")]
    public SwitchParameter Classification { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "The field separator (detected among , ; tab and | when not given).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "The field separator (detected among , ; tab and | when not given).")]
    public char? Delimiter { get; set; }

    [Parameter(ParameterSetName = CsvSet, HelpMessage = "Encode as this encoding does (a network's FeatureEncoding or a training dataset's Encoding).")]
    [Parameter(ParameterSetName = CsvLiteralSet, HelpMessage = "Encode as this encoding does (a network's FeatureEncoding or a training dataset's Encoding).")]
    public FeatureEncoding? Encoding { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdxSet, HelpMessage = "The IDX file of labels that goes with the -Path images.")]
    [Parameter(Mandatory = true, ParameterSetName = IdxLiteralSet, HelpMessage = "The IDX file of labels that goes with the -Path images.")]
    [ValidateNotNullOrEmpty]
    public string LabelPath { get; set; } = "";

    [Parameter(ParameterSetName = IdxSet, HelpMessage = "Names for the label values 0, 1, 2, … (default: the digits).")]
    [Parameter(ParameterSetName = IdxLiteralSet, HelpMessage = "Names for the label values 0, 1, 2, … (default: the digits).")]
    public string[]? ClassName { get; set; }

    [Parameter(ParameterSetName = ImageFolderSet, HelpMessage = "Height and width every picture is resized to (one number: a square; default: the first picture's size).")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, 8192)]
    public int[]? ImageSize { get; set; }

    [Parameter(ParameterSetName = ImageFolderSet, HelpMessage = "Read pictures as one gray channel or three (red, green, blue).")]
    public ColorMode ColorMode { get; set; } = ColorMode.Rgb;

    [Parameter(HelpMessage = "A name for the dataset (default: the file name).")]
    public string? Name { get; set; }

    private bool IsIdx => ParameterSetName is IdxSet or IdxLiteralSet;

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName is CsvLiteralSet or IdxLiteralSet;
        foreach (string given in literal ? LiteralPath : Path)
        {
            try
            {
                foreach (string file in Resolve(given, literal)) WriteObject(Read(file));
            }
            catch (NeuralPSException e)
            {
                // one bad file among several should not stop the others
                WriteNonTerminating(e);
            }
        }
    }

    /// <summary>
    /// The file system paths a -Path or -LiteralPath names: a literal path as it is (a missing file is then reported by
    /// the reader, naming it), a wildcard expanded by PowerShell's provider (no match is an error naming the pattern).
    /// </summary>
    private IEnumerable<string> Resolve(string path, bool literal)
    {
        if (literal || !WildcardPattern.ContainsWildcardCharacters(path))
            return new[] { GetUnresolvedProviderPathFromPSPath(path) };
        List<string> files;
        ProviderInfo provider;
        try
        {
            // in name order, whatever order the file system lists them in: $train, $test = Import-Dataset data-*.csv
            files = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider).Order(StringComparer.OrdinalIgnoreCase).ToList();
        }
        catch (ItemNotFoundException)
        {
            files = new List<string>();
            provider = null!;
        }
        if (files.Count == 0)
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound,
                $"No file matches '{path}'. Check the folder and the pattern, or use -LiteralPath for a name with [ ] or * in it.", path);
        if (provider.ImplementingType != typeof(FileSystemProvider))
            throw new NeuralPSException(ErrorIds.NotAFile, ErrorKind.InvalidArgument,
                $"'{path}' is on the {provider.Name} provider; Import-Dataset reads files only.", path);
        return files;
    }

    private Dataset Read(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var unseen = new UnseenCategories();
        Dataset data = ParameterSetName == ImageFolderSet ? ReadImageFolder(path)
            : IsIdx ? IdxReader.ReadDataset(path, GetUnresolvedProviderPathFromPSPath(LabelPath), ClassName, Name)
            : CsvDatasetReader.Read(path, Label, Feature, Delimiter, new DatasetBuildOptions
            {
                Categorical = Categorical,
                CategoryIndex = CategoryIndex,
                Unseen = unseen,
                Classification = Classification,
                Encoding = Encoding,
                Name = Name,
            }, Exclude);
        foreach (string warning in unseen.TakeWarnings()) WriteWarning(warning);
        foreach (string line in unseen.Summary()) WriteVerbose(line);
        WriteVerbose($"Read {data} from {path} in {clock.Elapsed.TotalSeconds:N1}s.");
        return data;
    }

    private Dataset ReadImageFolder(string path)
    {
        if (File.Exists(path))
            throw new NeuralPSException(ErrorIds.MissingLabel, ErrorKind.InvalidArgument,
                $"'{path}' is a file. For a CSV file give -Label (the label column); for IDX images give -LabelPath (the labels file); " +
                "for pictures give -Path a folder with one sub-folder per class.", path);
        if (!Directory.Exists(path))
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound,
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
