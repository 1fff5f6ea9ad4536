using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Turns pipeline objects (Import-Csv rows, hashtables, typed objects) into a Dataset. Numbers and numeric text become
/// features, true/false becomes 0/1, other text is one-hot encoded ("Color=red"). A text or boolean label makes a
/// classification dataset (classes sorted), a numeric one a regression dataset unless -Classification is given.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "Dataset")]
[OutputType(typeof(Dataset))]
public sealed class ConvertToDatasetCommand : NeuralPSCmdlet
{
    private readonly List<PSObject> _records = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The records: piped one at a time, or all at once as an array.")]
    [AllowEmptyCollection]
    public PSObject[] InputObject { get; set; } = Array.Empty<PSObject>();

    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The property that holds the label (what the network learns to predict).")]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "";

    [Parameter(Position = 1, HelpMessage = "The properties to use as features, in this order (default: every number, boolean or text property but the label).")]
    [ValidateNotNullOrEmpty]
    public string[]? Feature { get; set; }

    [Parameter(HelpMessage = "Properties to leave out of the features (an Id, a row number).")]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    [Parameter(HelpMessage = "Properties to one-hot encode even though they hold numbers (codes, digits standing for categories).")]
    public string[] Categorical { get; set; } = Array.Empty<string>();

    [Parameter(HelpMessage = "Treat a numeric label as class names (classification) instead of a value to regress.")]
    public SwitchParameter Classification { get; set; }

    [Parameter(HelpMessage = "Encode as this encoding does (a network's FeatureEncoding or a training dataset's Encoding), so that test data means what the training data meant.")]
    public FeatureEncoding? Encoding { get; set; }

    [Parameter(HelpMessage = "A name for the dataset (shown in its view).")]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (PSObject record in InputObject)
            if (record is not null) _records.Add(record);
    }

    protected override void EndProcessing() => Guard(() =>
    {
        if (_records.Count == 0)
            throw new NeuralPSException(ErrorIds.EmptyDataset, ErrorKind.InvalidData, "No records were given: pipe objects in, or pass them with -InputObject.");
        string label = Label;
        if (!RecordAccess.Lookup(_records[0], label).Found)
            throw new NeuralPSException(ErrorIds.MissingLabel, ErrorKind.InvalidArgument,
                $"Record 1 has no property '{label}' to use as the label. Its properties are: {string.Join(", ", RecordAccess.Columns(_records[0]))}.", label);
        string[] features = Feature ?? Encoding?.Columns.Select(c => c.Name).ToArray()
            ?? RecordAccess.Columns(_records[0]).Where(c => !string.Equals(c, label, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (Exclude.Length > 0)
            features = DatasetBuilder.Exclude(features, RecordAccess.Columns(_records[0]), label, Exclude, "Record 1: ");
        var builder = new DatasetBuilder(features, label, new DatasetBuildOptions
        {
            Categorical = Categorical,
            Classification = Classification,
            Encoding = Encoding,
            Name = Name ?? "dataset",
            RowNoun = "Record",
        });
        string[] columns = features.Append(label).ToArray();
        foreach (PSObject record in _records)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                (bool found, object? value) = RecordAccess.Lookup(record, columns[c]);
                if (!found) throw builder.MissingColumn(columns[c]);
                builder.Add(c, value);
            }
            builder.EndRow();
        }
        Dataset data = builder.Build();
        WriteVerbose($"{data}; encoding: {data.Encoding}");
        WriteObject(data);
    }, _records);
}
