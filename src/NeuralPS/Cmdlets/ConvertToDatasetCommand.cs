using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Turns pipeline objects (Import-Csv rows, hashtables, typed objects) into a Dataset. Numbers and numeric text become
/// features, true/false becomes 0/1, other text is one-hot encoded ("Color=red"). A text or boolean label makes a
/// classification dataset (classes sorted), a numeric one a regression dataset unless -Classification is given.
/// With -Window, the records are a series and each window of them is one sample (<see cref="SeriesWindows"/>).
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

    [Parameter(HelpMessage = "Text properties to encode as one category index each, for Add-EmbeddingLayer, instead of one-hot (1 to N for the categories seen; 0, the reserved row, for a category never seen in training).")]
    public string[] CategoryIndex { get; set; } = Array.Empty<string>();

    [Parameter(HelpMessage = "Treat a numeric label as class names (classification) instead of a value to regress.")]
    public SwitchParameter Classification { get; set; }

    [Parameter(HelpMessage = "Encode as this encoding does (a network's FeatureEncoding or a training dataset's Encoding), so that test data means what the training data meant.")]
    public FeatureEncoding? Encoding { get; set; }

    [Parameter(HelpMessage = "Make one sample per window of this many consecutive records (a time series, in the order given); the label is the record -Horizon steps after the window.")]
    [ValidateRange(1, 1_000_000)]
    public int Window { get; set; }

    [Parameter(HelpMessage = "With -Window: how many records after a window's last one its label lies (1, the next record; 0, the window's last record).")]
    [ValidateRange(0, 1_000_000)]
    public int Horizon { get; set; } = 1;

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
        bool windowed = MyInvocation.BoundParameters.ContainsKey(nameof(Window));
        if (!windowed && MyInvocation.BoundParameters.ContainsKey(nameof(Horizon)))
            throw new NeuralPSException(ErrorIds.HorizonNeedsWindow, ErrorKind.InvalidArgument,
                "-Horizon says where a window's label lies; give -Window too (the records a window holds).", Horizon);
        // Windows over a series: the label's own past is known when its future is predicted, so by default it is a
        // feature too (autoregression), unless the label is the window's last record (-Horizon 0), which it would give away.
        bool labelIsFeature = windowed && Horizon > 0;
        string[] features = Feature ?? Encoding?.Columns.Select(c => c.Name).ToArray()
            ?? RecordAccess.Columns(_records[0]).Where(c => labelIsFeature || !string.Equals(c, label, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (windowed && Horizon == 0 && features.Contains(label, StringComparer.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.LabelInWindow, ErrorKind.InvalidArgument,
                $"With -Horizon 0 a window's label is its own last record, so the label '{label}' cannot also be a feature: the network would read the answer. " +
                "Leave it out of -Feature, or predict ahead with -Horizon 1.", label);
        if (Exclude.Length > 0)
            features = DatasetBuilder.Exclude(features, RecordAccess.Columns(_records[0]), label, Exclude, "Record 1: ");
        SeriesWindows? series = windowed ? new SeriesWindows(Window, Horizon, _records.Count) : null;
        var unseen = new UnseenCategories();
        var builder = new DatasetBuilder(features, label, new DatasetBuildOptions
        {
            Categorical = Categorical,
            CategoryIndex = CategoryIndex,
            Unseen = unseen,
            Classification = Classification,
            Encoding = Encoding,
            LabelMayBeFeature = windowed,
            Name = Name ?? "dataset",
            RowNoun = "Record",
        });
        string[] columns = features.Append(label).ToArray();
        for (int r = 0; r < _records.Count; r++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                (bool found, object? value) = RecordAccess.Lookup(_records[r], columns[c]);
                if (!found) throw builder.MissingColumn(columns[c]);
                series?.Check(value, r, columns[c], isLabel: c == columns.Length - 1, text: builder.IsText(c));
                builder.Add(c, value);
            }
            builder.EndRow();
        }
        Dataset data = builder.Build();
        foreach (string warning in unseen.TakeWarnings()) WriteWarning(warning);
        foreach (string line in unseen.Summary()) WriteVerbose(line);
        if (series is not null) data = series.Make(data);
        WriteVerbose($"{data}; encoding: {data.Encoding}");
        WriteObject(data);
    }, _records);
}
