using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>Returns a sample dataset: Xor, Iris, AirPassengers and BreastCancer are embedded; Moons, Circles, Spirals and Regression are generated.</summary>
[Cmdlet(VerbsCommon.Get, "SampleDataset")]
[OutputType(typeof(Dataset))]
public sealed class GetSampleDatasetCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Xor, Iris, AirPassengers, BreastCancer, Moons, Circles, Spirals or Regression.")]
    [ValidateSet("Xor", "Iris", "AirPassengers", "Moons", "Circles", "Spirals", "Regression", "BreastCancer", IgnoreCase = true)]
    public string Name { get; set; } = "";

    [Parameter(HelpMessage = "Rows to generate (generators only).")]
    [ValidateRange(1, 10_000_000)]
    public int Samples { get; set; }

    [Parameter(HelpMessage = "Standard deviation of the Gaussian noise added (generators only).")]
    [ValidateRange(0.0, 100.0)]
    public double Noise { get; set; } = double.NaN;

    [Parameter(HelpMessage = "Seed for the generators.")]
    public long Seed { get; set; }

    protected override void EndProcessing() => Guard(() => WriteObject(SampleDatasets.Get(Name, Samples, Noise, Seed)));
}

/// <summary>Splits a dataset into training and test parts (and validation), at random, optionally stratified, or in order (-Chronological).</summary>
[Cmdlet(VerbsCommon.Split, "Dataset")]
[OutputType(typeof(Dataset))]
public sealed class SplitDatasetCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, HelpMessage = "The dataset to split.")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Fraction of rows for the test part (0.2).")]
    [ValidateRange(0.0, 0.99)]
    public double TestFraction { get; set; } = 0.2;

    [Parameter(HelpMessage = "Fraction of rows for a validation part, returned third (0 = none).")]
    [ValidateRange(0.0, 0.99)]
    public double ValidationFraction { get; set; }

    [Parameter(HelpMessage = "Keep the class proportions in every part (classification datasets only).")]
    public SwitchParameter Stratify { get; set; }

    [Parameter(HelpMessage = "Seed for the random split.")]
    public long Seed { get; set; }

    [Parameter(HelpMessage = "Split in row order, unshuffled: the first rows train, the last test (windows over a series, or any rows in time order).")]
    public SwitchParameter Chronological { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (Chronological && Stratify)
            throw new NeuralPSException(ErrorIds.ChronologicalStratify, ErrorKind.InvalidArgument,
                "-Chronological keeps the rows in their order and -Stratify regroups them by class; choose one.", Data);
        Dataset[] parts = Chronological
            ? DatasetSplitter.SplitChronologically(Data, TestFraction, ValidationFraction)
            : DatasetSplitter.Split(Data, TestFraction, ValidationFraction, Stratify, Seed);
        foreach (Dataset part in parts) WriteObject(part);
    }, Data);
}
