using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Loads a dataset from files: a CSV file with a header (the encoding rules of ConvertTo-Dataset), or IDX files as
/// MNIST and Fashion-MNIST ship them (gzipped or not), with the pixels scaled to [0, 1]. One dataset a file: -Path
/// takes wildcards, -LiteralPath takes names as they are, and files piped from Get-ChildItem bind to -LiteralPath
/// (by their PSPath), as with PowerShell's own file cmdlets. A file that cannot be read is a non-terminating error
/// and the other files are still read.
/// </summary>
[Cmdlet(VerbsData.Import, "Dataset", DefaultParameterSetName = CsvSet)]
[OutputType(typeof(Dataset))]
public sealed class ImportDatasetCommand : NeuralPSCmdlet
{
    // Two choices cross: CSV or IDX (by -Label or -LabelPath), and wildcard or literal paths.
    private const string CsvSet = "Csv", CsvLiteralSet = "CsvLiteral", IdxSet = "Idx", IdxLiteralSet = "IdxLiteral";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CsvSet,
        HelpMessage = "The CSV files, or the IDX file of images; wildcards are expanded.")]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdxSet,
        HelpMessage = "The CSV files, or the IDX file of images; wildcards are expanded.")]
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
            throw new NeuralPSException("FileNotFound", ErrorKind.NotFound,
                $"No file matches '{path}'. Check the folder and the pattern, or use -LiteralPath for a name with [ ] or * in it.", path);
        if (provider.ImplementingType != typeof(FileSystemProvider))
            throw new NeuralPSException("NotAFile", ErrorKind.InvalidArgument,
                $"'{path}' is on the {provider.Name} provider; Import-Dataset reads files only.", path);
        return files;
    }

    private Dataset Read(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dataset data = IsIdx
            ? IdxReader.ReadDataset(path, GetUnresolvedProviderPathFromPSPath(LabelPath), ClassName, Name)
            : CsvDatasetReader.Read(path, Label, Feature, Delimiter, new DatasetBuildOptions
            {
                Categorical = Categorical,
                Classification = Classification,
                Encoding = Encoding,
                Name = Name,
            }, Exclude);
        WriteVerbose($"Read {data} from {path} in {clock.Elapsed.TotalSeconds:N1}s.");
        return data;
    }
}
