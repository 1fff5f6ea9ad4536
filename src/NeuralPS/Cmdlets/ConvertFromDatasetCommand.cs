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
            foreach (KeyValuePair<string, object> pair in Data.RowValues(r)) row.Properties.Add(new PSNoteProperty(pair.Key, Plain(pair.Value)));
            WriteObject(row);
        }
    });

    /// <summary>
    /// A dataset's number (a float) as the user wrote it: a whole number as an int (a year shows 1990, not 1990.00, which
    /// is how PowerShell's tables show a float), another as the double that prints the same digits (2.3, not
    /// 2.29999995231628).
    /// </summary>
    private static object Plain(object value) => value switch
    {
        float f when f == MathF.Round(f) && Math.Abs(f) < 1e9f => (int)f,
        float f => double.Parse(f.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture),
        float[] values => values.Select(v => Plain(v)).ToArray(),
        _ => value,
    };
}
