namespace NeuralPS.Core.Interpretability;

/// <summary>How much a network's score drops when one feature's values are shuffled (permutation importance).</summary>
public sealed class FeatureImportance
{
    /// <summary>The feature, in the user's column name.</summary>
    public string Feature { get; init; } = "";

    /// <summary>Mean drop in the metric over the repeats (accuracy drop, or increase in mean squared error).</summary>
    public double Importance { get; init; }

    /// <summary>Standard deviation of the drop over the repeats.</summary>
    public double StdDev { get; init; }

    /// <summary>What was measured: "Accuracy" (importance = drop) or "MeanSquaredError" (importance = increase).</summary>
    public string Metric { get; init; } = "";

    /// <summary>The metric on the unshuffled data.</summary>
    public double Baseline { get; init; }

    /// <summary>The feature's rank, 1 for the most important.</summary>
    public int Rank { get; init; }

    /// <summary>How many features were ranked (Rank runs from 1 to this), also when fewer were written (-Top).</summary>
    public int FeatureCount { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Feature}: {Importance:G4} ± {StdDev:G2}";
}
