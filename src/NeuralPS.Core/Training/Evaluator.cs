using System.Runtime.CompilerServices;
namespace NeuralPS.Core.Training;

using NeuralPS.Core.Data;

/// <summary>Loss and accuracy of a network on a dataset, in inference mode.</summary>
public static class Evaluator
{
    /// <summary>The targets a network trains against for this dataset: class indices, one-hot rows or values.</summary>
    public static (float[] Targets, int Width) TargetsFor(Network network, Dataset data)
    {
        if (data.Task == DatasetTask.Classification && network.OutputSize > 1 &&
            network.Loss is not (LossKind.CategoricalCrossEntropy or LossKind.SparseCategoricalCrossEntropy))
        {
            var oneHot = new float[data.Rows * network.OutputSize];
            for (int r = 0; r < data.Rows; r++) oneHot[r * network.OutputSize + data.LabelOf(r)] = 1f;
            return (oneHot, network.OutputSize);
        }
        return (data.Targets, data.TargetWidth);
    }

    /// <summary>Throws a clear error when the dataset does not fit the network.</summary>
    public static void EnsureCompatible(Network network, Dataset data, string what = "dataset")
    {
        network.EnsureReady();
        Forecaster.EnsureWindows(network, data.Shape, data.FeatureCount, what, data);
        if (data.FeatureCount != network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"The network expects {network.InputSize} inputs but the {what} has {data.FeatureCount} features.", data);
        // Data made apart from the training data (another CSV, columns in another order) can fit by shape and still
        // mean something else: catch the two silent cases, classes in another order and features in another order.
        // (Classes that differ in number too: a binary network's [a, b] against data made with only b would read b as a.)
        if (network.ClassNames is string[] classes && data.ClassNames is string[] dataClasses && !classes.SequenceEqual(dataClasses))
            throw new NeuralPSException(ErrorIds.ClassMismatch, ErrorKind.InvalidData,
                $"The network's classes are {string.Join(", ", classes.Take(10))} but the {what}'s are {string.Join(", ", dataClasses.Take(10))}. " +
                "Make the data with the network's encoding: ConvertTo-Dataset (or Import-Dataset) -Encoding $net.FeatureEncoding.", data);
        if (network.FeatureNames is string[] names && !names.SequenceEqual(data.FeatureNames) &&
            names.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(data.FeatureNames.OrderBy(n => n, StringComparer.Ordinal)))
            throw new NeuralPSException(ErrorIds.FeatureOrderMismatch, ErrorKind.InvalidData,
                $"The {what} has the network's features in another order ({string.Join(", ", data.FeatureNames.Take(8))} instead of {string.Join(", ", names.Take(8))}). " +
                "Make the data with the network's encoding: ConvertTo-Dataset (or Import-Dataset) -Encoding $net.FeatureEncoding, or -Feature in the network's order.", data);
        int outputs = network.OutputSize;
        if (network.OutputActivation == Activation.Softmax && outputs == 1) throw SoftmaxOverOneUnit(network);
        if (data.Task == DatasetTask.Classification)
        {
            if (data.ClassCount < 2)
                throw new NeuralPSException(ErrorIds.OneClass, ErrorKind.InvalidData,
                    $"The {what} has only one class ('{data.ClassNames![0]}'): there is nothing to tell apart, so no classifier " +
                    $"learns from it. Check {(data.LabelName is string label ? $"the label column ('{label}')" : "the labels")}, or add rows of the other classes.", data);
            bool binary = outputs == 1 && data.ClassCount <= 2;
            if (!binary && outputs != data.ClassCount)
                throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                    $"The output layer has {outputs} units but the {what} has {data.ClassCount} classes " +
                    $"({string.Join(", ", data.ClassNames!.Take(10))}). Make the last layer Add-DenseLayer {data.ClassCount} -Activation Softmax.", data);
        }
        else if (data.TargetWidth != outputs)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"The output layer has {outputs} units but the {what} has {data.TargetWidth} target value{(data.TargetWidth == 1 ? "" : "s")} a row. " +
                (LooksLikeClassIds(data, outputs)
                    ? $"Its label{(data.LabelName is null ? "" : $" '{data.LabelName}'")} holds whole numbers, read as values to regress; if they are class ids, " +
                      $"make the data with -Classification: ConvertTo-Dataset -Label {data.LabelName ?? "<label>"} -Classification (or Import-Dataset <file> -Label {data.LabelName ?? "<label>"} -Classification)."
                    : $"Make the last layer Add-DenseLayer {data.TargetWidth}."), data);
    }

    /// <summary>
    /// A regression dataset of one whole-number target a row, and a network of several outputs: the label was most
    /// likely meant as class ids (digits 0-9 in a CSV) and read as numbers.
    /// </summary>
    private static bool LooksLikeClassIds(Dataset data, int outputs)
    {
        if (data.Task != DatasetTask.Regression || data.TargetWidth != 1 || outputs < 2) return false;
        foreach (float t in data.Targets)
            if (t < 0 || t != MathF.Floor(t)) return false;
        return true;
    }

    /// <summary>
    /// Throws a clear error when the network cannot sensibly be trained on the data: on top of
    /// <see cref="EnsureCompatible"/>, a loss that does not fit the output layer, and classes fitted by an output
    /// that gives no probabilities with a loss nobody chose (a linear output trains on one-hot rows with mean squared
    /// error: it runs, learns poorly and its "confidence" means nothing).
    /// </summary>
    public static void EnsureTrainable(Network network, Dataset data)
    {
        EnsureCompatible(network, data, "training data");
        LossFunctions.EnsureFits(network.Loss, network.OutputActivation, network.OutputSize, network.Name);
        if (network.LossOverride is null && data.Task != DatasetTask.Regression &&
            network.OutputActivation is not (Activation.Softmax or Activation.Sigmoid))
        {
            int outputs = network.OutputSize;
            string fix = data.Task == DatasetTask.MultiLabel || outputs == 1
                ? $"Add-DenseLayer {outputs} -Activation Sigmoid (binary cross-entropy)"
                : $"Add-DenseLayer {outputs} -Activation Softmax (cross-entropy)";
            throw new NeuralPSException(ErrorIds.OutputMismatch, ErrorKind.InvalidOperation,
                $"The output layer of '{network.Name}' is {network.OutputActivation}, which gives no probabilities, so it would fit the " +
                $"{(data.Task == DatasetTask.MultiLabel ? "labels" : "classes")} of the training data with mean squared error. " +
                $"Make the last layer {fix}, or choose the loss on purpose: Set-Loss MeanSquaredError.", network);
        }
    }

    /// <summary>The error for a softmax output of one unit, whose one probability is always 1.</summary>
    public static NeuralPSException SoftmaxOverOneUnit(object? target) =>
        new(ErrorIds.SoftmaxOneUnit, ErrorKind.InvalidArgument,
            "A softmax over one unit always outputs 1, so it can neither learn nor tell classes apart. For two classes " +
            "use Add-DenseLayer 1 -Activation Sigmoid; for more, one softmax unit per class (Add-DenseLayer 3 -Activation " +
            "Softmax for three); for a number, a linear output (Add-DenseLayer 1).", target);

    /// <summary>Whether accuracy means something for this network and data.</summary>
    public static bool HasAccuracy(Network network, Dataset data) =>
        data.Task != DatasetTask.Regression || network.OutputActivation is Activation.Softmax or Activation.Sigmoid;

    /// <summary>Correct predictions in a batch of outputs [rows, width] against targets [rows, targetWidth].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int targetWidth, int rows, int width,
        out int total)
    {
        int correct = 0;
        if (width == 1 || (targetWidth == width && !IsOneHotLike(targets, targetWidth, rows)))
        {
            // binary or multi-label: threshold each output at 0.5
            total = rows * width;
            for (int i = 0; i < rows * width; i++)
                if ((outputs[i] >= 0.5f) == (targets[i] >= 0.5f)) correct++;
            return correct;
        }
        total = rows;
        for (int r = 0; r < rows; r++)
        {
            int predicted = ArgMax(outputs.Slice(r * width, width));
            int actual = targetWidth == 1 ? (int)targets[r] : ArgMax(targets.Slice(r * targetWidth, targetWidth));
            if (predicted == actual) correct++;
        }
        return correct;
    }

    private static bool IsOneHotLike(ReadOnlySpan<float> targets, int width, int rows)
    {
        if (rows == 0) return true;
        float sum = 0;
        for (int j = 0; j < width; j++) sum += targets[j];
        return MathF.Abs(sum - 1f) < 1e-4f;
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int j = 1; j < values.Length; j++) if (values[j] > values[best]) best = j;
        return best;
    }

    /// <summary>Rows an evaluation runs through the network's workspace at a time.</summary>
    internal const int Chunk = 1024;

    /// <summary>
    /// Mean loss (penalty included; weighted by the data's row weights, Σw·loss/Σw) and accuracy (the fraction of rows
    /// right, unweighted; null where it does not apply) over the dataset.
    /// </summary>
    public static (double Loss, double? Accuracy) Evaluate(Network network, Dataset data) => Evaluate(network, data, Span<float>.Empty);

    /// <summary>
    /// The same, also keeping the outputs [rows, OutputSize] of that one inference pass in <paramref name="outputs"/>
    /// (unless empty), so that a caller needing both does not run the network twice.
    /// </summary>
    public static (double Loss, double? Accuracy) Evaluate(Network network, Dataset data, Span<float> outputs) =>
        Evaluate(network, data, outputs, RowWeights.For(data, null));

    /// <summary>
    /// The same with the loss weighted by <paramref name="weights"/> (a row's weight divided by their mean, as
    /// <see cref="RowWeights.For"/> makes them; null: unweighted).
    /// </summary>
    internal static (double Loss, double? Accuracy) Evaluate(Network network, Dataset data, Span<float> outputs, float[]? weights)
    {
        EnsureCompatible(network, data);
        (double lossSum, long correct, long total) = Sum(network, data, 0, data.Rows, outputs, weights);
        return Metrics(network, data, lossSum, correct, total);
    }

    /// <summary>
    /// Mean loss (penalty included) and accuracy over the whole dataset from the sums of <see cref="Sum"/>, taken in
    /// one pass or added up over shards.
    /// </summary>
    internal static (double Loss, double? Accuracy) Metrics(Network network, Dataset data, double lossSum, double correct, double total) =>
        (lossSum / data.Rows + network.Penalty(), HasAccuracy(network, data) ? correct / total : null);

    /// <summary>
    /// Summed loss (without the penalty), correct predictions and predictions counted over rows
    /// [<paramref name="first"/>, first + <paramref name="count"/>): the parts of <see cref="Evaluate(Network, Dataset)"/>
    /// that add up across shards of the data (distributed validation).
    /// </summary>
    internal static (double LossSum, long Correct, long Total) Sum(Network network, Dataset data, int first, int count, Span<float> outputs,
        float[]? weights = null)
    {
        (float[] targets, int targetWidth) = TargetsFor(network, data);
        Workspace ws = network.GetWorkspace(Math.Max(1, Math.Min(Chunk, count)));
        int width = network.OutputSize, inputs = network.InputSize;
        double lossSum = 0;
        long correct = 0, total = 0;
        for (int start = first; start < first + count; start += ws.BatchSize)
        {
            int rows = Math.Min(ws.BatchSize, first + count - start);
            ReadOnlySpan<float> y = ws.Forward(data.Features.AsSpan(start * inputs, rows * inputs), rows, training: false);
            if (!outputs.IsEmpty) y[..(rows * width)].CopyTo(outputs.Slice((start - first) * width, rows * width));
            ReadOnlySpan<float> t = targets.AsSpan(start * targetWidth, rows * targetWidth);
            lossSum += ws.LossOnly(t, targetWidth, rows, weights is null ? default : weights.AsSpan(start, rows)) * rows;
            correct += CountCorrect(y, t, targetWidth, rows, width, out int n);
            total += n;
        }
        return (lossSum, correct, total);
    }
}
