using NeuralPS.Core.Training;

namespace NeuralPS.Core.Interpretability;

/// <summary>How much one input feature contributed to one output of one record (integrated gradients).</summary>
public sealed class FeatureAttribution
{
    /// <summary>The feature, in the user's column name.</summary>
    public string Feature { get; init; } = "";

    /// <summary>The record's value of the feature (a number; a boolean or category for an encoded column).</summary>
    public object Value { get; init; } = 0.0;

    /// <summary>The baseline's value of the feature.</summary>
    public object Baseline { get; init; } = 0.0;

    /// <summary>
    /// The feature's integrated gradient: its share of Output − BaselineOutput. Positive pushes the explained output
    /// up, negative down; the attributions of a record sum to Output − BaselineOutput.
    /// </summary>
    public double Attribution { get; init; }

    /// <summary>The output explained: a class name, or "output" / "output[k]" for a regression.</summary>
    public string Target { get; init; } = "";

    /// <summary>The network's explained output for the record (a probability for a classifier).</summary>
    public double Output { get; init; }

    /// <summary>The network's explained output for the baseline.</summary>
    public double BaselineOutput { get; init; }

    /// <summary>Intervals of the path the integral was computed over.</summary>
    public int Steps { get; init; }

    /// <summary>The record's number in the input (1 for the first).</summary>
    public int Record { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Feature}: {Attribution:+0.####;-0.####;0}";
}

/// <summary>
/// Integrated gradients (Sundararajan, Taly and Yan, 2017): the attribution of feature i is
/// (xᵢ − x′ᵢ)·∫₀¹ ∂F(x′ + α(x − x′))/∂xᵢ dα, here with the trapezoidal rule over <c>steps</c> intervals, all points
/// of the path computed as one batch. The attributions sum to F(x) − F(x′) (completeness) up to the quadrature error.
/// </summary>
public static class IntegratedGradients
{
    /// <summary>
    /// Attributions of <paramref name="record"/> [InputSize] for the output <paramref name="outputIndex"/>
    /// (null: the predicted class of a classifier, the first output of a regression).
    /// </summary>
    /// <remarks>
    /// With a <paramref name="tolerance"/>, the number of steps is doubled (up to <see cref="MaximumSteps"/>) until the
    /// attributions sum to the output difference within it: ReLU kinks on the path slow the quadrature down.
    /// </remarks>
    public static FeatureAttribution[] Explain(Network network, ReadOnlySpan<float> record, ReadOnlySpan<float> baseline,
        int steps = 64, int? outputIndex = null, int recordNumber = 1, double? tolerance = null)
    {
        network.EnsureReady();
        int n = network.InputSize, width = network.OutputSize;
        if (network.Layers.FirstOrDefault(l => l.ReadsIndices) is Layers.Layer indexed)
            throw new NeuralPSException(ErrorIds.AttributionUnsupported, ErrorKind.InvalidOperation,
                $"Integrated gradients move each input along a path from the baseline, but a category index ({indexed.Describe()}) " +
                "has no values in between. Use Get-FeatureImportance (permutation importance), which works on such networks.", network);
        if (record.Length != n)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"Record {recordNumber} has {record.Length} features but the network expects {n}.", recordNumber);
        if (baseline.Length != n)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidArgument,
                $"The baseline has {baseline.Length} values but the network expects {n} inputs.");
        if (steps < 1)
            throw new NeuralPSException(ErrorIds.InvalidSteps, ErrorKind.InvalidArgument, $"Steps must be at least 1; {steps} was given.", steps);
        for (int i = 0; i < n; i++)
            if (!float.IsFinite(record[i]) || !float.IsFinite(baseline[i]))
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Record {recordNumber}: feature {i + 1} of the record or the baseline is not a finite number.", recordNumber);

        float[] output = network.Predict(record, 1);
        string[]? classes = network.ClassNames;
        bool binary = width == 1 && classes is { Length: 2 };
        var weights = new float[width];
        string target;
        int index;
        if (binary)
        {
            // One sigmoid output: the predicted class's probability is p or 1 − p.
            bool positive = outputIndex is int k ? k == 1 : output[0] >= 0.5f;
            index = 0;
            weights[0] = positive ? 1f : -1f;
            target = classes![positive ? 1 : 0];
        }
        else
        {
            index = outputIndex ?? (classes is not null ? Evaluator.ArgMax(output) : 0);
            if (index < 0 || index >= width)
                throw new NeuralPSException(ErrorIds.InvalidOutput, ErrorKind.InvalidArgument,
                    $"The network has {width} outputs; output {index + 1} does not exist.", index);
            weights[index] = 1f;
            target = classes is not null && index < classes.Length ? classes[index] : width == 1 ? "output" : $"output[{index}]";
        }
        bool complement = binary && weights[0] < 0;

        FeatureAttribution[] result;
        while (true)
        {
            result = Integrate(network, record, baseline, steps, weights, index, complement, target, recordNumber);
            double gap = Math.Abs(result.Sum(a => a.Attribution) - (result[0].Output - result[0].BaselineOutput));
            if (tolerance is not double limit || gap <= limit || steps >= MaximumSteps) return result;
            steps = Math.Min(MaximumSteps, steps * 2);
        }
    }

    /// <summary>
    /// The attributions of encoded inputs summed per raw column of <paramref name="encoding"/> (a one-hot column's
    /// features become one attribution under the column's name; integrated gradients add up, so completeness holds).
    /// </summary>
    public static FeatureAttribution[] ByColumn(FeatureAttribution[] perInput, Data.FeatureEncoding encoding,
        ReadOnlySpan<float> record, ReadOnlySpan<float> baseline)
    {
        if (encoding.FeatureCount != perInput.Length || encoding.Columns.All(c => c.Width == 1 && c.Kind == Data.ColumnKind.Numeric))
            return perInput;
        var result = new FeatureAttribution[encoding.Columns.Length];
        int offset = 0;
        for (int c = 0; c < encoding.Columns.Length; c++)
        {
            Data.FeatureColumn column = encoding.Columns[c];
            int width = column.Width;
            double sum = 0;
            for (int k = 0; k < width; k++) sum += perInput[offset + k].Attribution;
            FeatureAttribution first = perInput[offset];
            result[c] = new FeatureAttribution
            {
                Feature = column.Name, Attribution = sum,
                Value = Raw(column, record.Slice(offset, width)), Baseline = Raw(column, baseline.Slice(offset, width)),
                Target = first.Target, Output = first.Output, BaselineOutput = first.BaselineOutput, Record = first.Record, Steps = first.Steps,
            };
            offset += width;
        }
        return result;
    }

    private static object Raw(Data.FeatureColumn column, ReadOnlySpan<float> features) => column.Kind switch
    {
        Data.ColumnKind.Numeric => (double)features[0],
        Data.ColumnKind.Boolean => features[0] >= 0.5f,
        Data.ColumnKind.CategoryIndex => features[0] >= 1 && features[0] <= column.Categories.Length
            ? column.Categories[(int)features[0] - 1] : Data.UnseenCategories.Placeholder,
        _ => features.IndexOfAnyExcept(0f) is int i && i >= 0 ? column.Categories[Evaluator.ArgMax(features)] : "",
    };

    /// <summary>The most steps a tolerance can ask for.</summary>
    public const int MaximumSteps = 8192;

    private static FeatureAttribution[] Integrate(Network network, ReadOnlySpan<float> record, ReadOnlySpan<float> baseline, int steps,
        float[] weights, int explainedIndex, bool complement, string target, int recordNumber)
    {
        double Explained(ReadOnlySpan<float> outputs) => complement ? 1.0 - outputs[0] : outputs[explainedIndex];
        int n = network.InputSize, width = network.OutputSize;
        int points = steps + 1;
        var path = new float[points * n];
        for (int p = 0; p < points; p++)
        {
            float alpha = (float)p / steps;
            for (int i = 0; i < n; i++) path[p * n + i] = baseline[i] + alpha * (record[i] - baseline[i]);
        }
        var gradients = new float[points * n];
        double outputValue, baselineValue;
        using (var engine = new InputGradients(network, points))
        {
            engine.Compute(path, points, weights, gradients);
            ReadOnlySpan<float> outputs = engine.Outputs(points);
            baselineValue = Explained(outputs[..width]);
            outputValue = Explained(outputs.Slice(steps * width, width));
        }

        string[] names = network.FeatureNames is { } known && known.Length == n ? known : Enumerable.Range(1, n).Select(i => $"x{i}").ToArray();
        var result = new FeatureAttribution[n];
        for (int i = 0; i < n; i++)
        {
            // Trapezoidal rule over the path: half weight at both ends.
            double sum = 0.5 * (gradients[i] + gradients[steps * n + i]);
            for (int p = 1; p < steps; p++) sum += gradients[p * n + i];
            double integral = sum / steps;
            result[i] = new FeatureAttribution
            {
                Feature = names[i], Value = (double)record[i], Baseline = (double)baseline[i],
                Attribution = (record[i] - baseline[i]) * integral,
                Target = target, Output = outputValue, BaselineOutput = baselineValue, Record = recordNumber, Steps = steps,
            };
        }
        return result;
    }
}
