using System.Management.Automation;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Turns a dataset's rows back into objects, one per row, with the user's columns (categories and booleans decoded)
/// and the label: the way to look at a dataset's first rows (-First 5) or to hand it to Export-Csv.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "Dataset")]
[OutputType(typeof(PSObject))]
public sealed class ConvertFromDatasetCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, HelpMessage = "The dataset to read.")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Only this many rows from the start (all by default).")]
    [ValidateRange(0, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    [Parameter(HelpMessage = "Rows to skip before the first one written.")]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        int end = (int)Math.Min((long)Skip + First, Data.Rows);
        for (int r = Skip; r < end; r++)
        {
            var row = new PSObject();
            foreach (KeyValuePair<string, object> pair in Data.RowValues(r)) row.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            WriteObject(row);
        }
    });
}
