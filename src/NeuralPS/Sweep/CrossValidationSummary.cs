using System.Collections.Specialized;
using System.Globalization;

namespace NeuralPS.Sweep;

/// <summary>A metric over the folds of a cross-validation: its mean and standard deviation, and each fold's value.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1036", Justification = "Comparable only so that Sort-Object orders summaries by their means; no operators are wanted.")]
public sealed class MetricSummary : IComparable<MetricSummary>, IComparable
{
    public MetricSummary(string name, IReadOnlyList<double> values)
    {
        Name = name;
        Values = values.ToArray();
        Mean = Values.Average();
        // The sample standard deviation (n − 1), as MATLAB's std and pandas give it; 0 for a single value.
        StandardDeviation = Values.Length < 2 ? 0 : Math.Sqrt(Values.Sum(v => (v - Mean) * (v - Mean)) / (Values.Length - 1));
    }

    /// <summary>The metric: Loss, Accuracy, ValidationLoss, ValidationAccuracy, or any other an epoch result carries.</summary>
    public string Name { get; }

    /// <summary>The mean over the folds.</summary>
    public double Mean { get; }

    /// <summary>The sample standard deviation over the folds (divided by n − 1).</summary>
    public double StandardDeviation { get; }

    /// <summary>Each fold's value, in run order.</summary>
    public double[] Values { get; }

    /// <summary>Summaries sort by their means (Sort-Object ValidationLoss).</summary>
    public int CompareTo(MetricSummary? other) => other is null ? 1 : Mean.CompareTo(other.Mean);

    int IComparable.CompareTo(object? obj) => obj is MetricSummary other ? CompareTo(other) : 1;

    /// <summary>"0.0612 ± 0.0211".</summary>
    public override string ToString() =>
        $"{Mean.ToString("G4", CultureInfo.CurrentCulture)} ± {StandardDeviation.ToString("G3", CultureInfo.CurrentCulture)}";
}

/// <summary>
/// The cross-validated result of one point of settings (Invoke-CrossValidation, or a grid point of Invoke-Sweep -Folds):
/// every metric's mean and standard deviation over the folds, and the fold results themselves. Its score is the mean
/// validation loss: the loss on rows the runs did not train on.
/// </summary>
public sealed class CrossValidationSummary
{
    internal CrossValidationSummary(int point, OrderedDictionary settings, int folds, int repeats, IReadOnlyList<SweepResult> results)
    {
        Point = point;
        Settings = settings;
        Folds = folds;
        Repeats = repeats;
        Results = results.OrderBy(r => r.Run).ToArray();
        var metrics = new List<MetricSummary>();
        foreach (string name in Results.SelectMany(r => r.Metrics.Keys.Cast<string>()).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            // A metric only some folds have (accuracy of a fold without a class) is summarized over those.
            double[] values = Results.Where(r => r.Metrics.Contains(name)).Select(r => (double)r.Metrics[name]!).ToArray();
            metrics.Add(new MetricSummary(name, values));
        }
        Metrics = metrics.ToArray();
    }

    /// <summary>The grid point summarized (1 for Invoke-CrossValidation).</summary>
    public int Point { get; }

    /// <summary>The settings of the point (empty for Invoke-CrossValidation).</summary>
    public OrderedDictionary Settings { get; }

    /// <summary>The settings as one line.</summary>
    public string SettingsText => SweepPoint.Describe(Settings);

    /// <summary>Folds of each repeat.</summary>
    public int Folds { get; }

    /// <summary>Repeats, each with its own split.</summary>
    public int Repeats { get; }

    /// <summary>Runs that gave a result (Folds × Repeats unless some failed).</summary>
    public int Runs => Results.Length;

    /// <summary>The fold results, in run order.</summary>
    public SweepResult[] Results { get; }

    /// <summary>Every metric of the last epoch over the folds: Loss, Accuracy, ValidationLoss, ValidationAccuracy, and any other.</summary>
    public MetricSummary[] Metrics { get; }

    /// <summary>Training loss over the folds (of the rows each run trained on).</summary>
    public MetricSummary? Loss => Metric(nameof(Loss));

    /// <summary>Training accuracy over the folds (null for regression).</summary>
    public MetricSummary? Accuracy => Metric(nameof(Accuracy));

    /// <summary>Loss on each fold's held-out rows, over the folds.</summary>
    public MetricSummary? ValidationLoss => Metric(nameof(ValidationLoss));

    /// <summary>Accuracy on each fold's held-out rows, over the folds (null for regression).</summary>
    public MetricSummary? ValidationAccuracy => Metric(nameof(ValidationAccuracy));

    /// <summary>The point's score: its mean validation loss (lower is better).</summary>
    public double Score => ValidationLoss?.Mean ?? double.NaN;

    /// <summary>The summary of one metric by name, or null.</summary>
    public MetricSummary? Metric(string name) => Metrics.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Settings.Count > 0 ? SettingsText + ": " : "")}{Runs} runs, " + string.Join(", ", Metrics.Select(m => $"{m.Name} {m}"));
}
