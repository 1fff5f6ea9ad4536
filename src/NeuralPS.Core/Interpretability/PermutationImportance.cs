using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Interpretability;

/// <summary>
/// Permutation importance (Breiman 2001; Fisher, Rudin and Dominici 2019): shuffle one feature's column, so it no
/// longer carries information about the target, and measure how much worse the network does — accuracy drop for a
/// classifier, mean squared error increase otherwise — averaged over repeats with a seeded shuffle.
/// </summary>
public static class PermutationImportance
{
    /// <summary>One result per feature, in the dataset's feature order, ranked by importance.</summary>
    public static FeatureImportance[] Compute(Network network, Dataset data, int repeats = 5, long seed = 0, CancellationToken cancellation = default)
    {
        network.EnsureReady();
        if (data.FeatureCount != network.InputSize)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidData,
                $"The network expects {network.InputSize} inputs but the dataset '{data.Name}' has {data.FeatureCount} features.", data);
        if (repeats < 1)
            throw new NeuralPSException("InvalidRepeats", ErrorKind.InvalidArgument, $"Repeats must be at least 1; {repeats} was given.", repeats);
        bool classification = data.Task == DatasetTask.Classification;
        if (classification && network.OutputSize > 1 && data.ClassCount > network.OutputSize)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidData,
                $"The dataset has {data.ClassCount} classes but the network has {network.OutputSize} outputs.", data);
        if (!classification && data.TargetWidth != network.OutputSize)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidData,
                $"The dataset has {data.TargetWidth} targets a row but the network has {network.OutputSize} outputs.", data);

        int rows = data.Rows, n = data.FeatureCount;
        string metric = classification ? "Accuracy" : "MeanSquaredError";
        var outputs = new float[rows * network.OutputSize];
        network.Predict(data.Features, rows, outputs);
        double baseline = Score(network, data, outputs);

        var shuffled = (float[])data.Features.Clone();
        var column = new float[rows];
        var order = new int[rows];
        var random = new RandomSource(RandomSource.Derive(seed, 4_000));
        var results = new (double Mean, double StdDev)[n];
        var drops = new double[repeats];
        for (int j = 0; j < n; j++)
        {
            for (int r = 0; r < rows; r++) column[r] = data.Features[r * n + j];
            for (int k = 0; k < repeats; k++)
            {
                cancellation.ThrowIfCancellationRequested();
                for (int r = 0; r < rows; r++) order[r] = r;
                random.Shuffle(order);
                for (int r = 0; r < rows; r++) shuffled[r * n + j] = column[order[r]];
                network.Predict(shuffled, rows, outputs);
                double score = Score(network, data, outputs);
                drops[k] = classification ? baseline - score : score - baseline;
            }
            for (int r = 0; r < rows; r++) shuffled[r * n + j] = column[r];
            double mean = drops.Average();
            double variance = repeats > 1 ? drops.Sum(d => (d - mean) * (d - mean)) / (repeats - 1) : 0;
            results[j] = (mean, Math.Sqrt(variance));
        }

        int[] ranking = Enumerable.Range(0, n).OrderByDescending(j => results[j].Mean).ToArray();
        var rank = new int[n];
        for (int i = 0; i < n; i++) rank[ranking[i]] = i + 1;
        return Enumerable.Range(0, n).Select(j => new FeatureImportance
        {
            Feature = data.FeatureNames[j], Importance = results[j].Mean, StdDev = results[j].StdDev,
            Metric = metric, Baseline = baseline, Rank = rank[j], FeatureCount = n,
        }).ToArray();
    }

    /// <summary>Accuracy for a classification dataset, mean squared error otherwise.</summary>
    private static double Score(Network network, Dataset data, ReadOnlySpan<float> outputs)
    {
        int width = network.OutputSize, rows = data.Rows;
        if (data.Task == DatasetTask.Classification)
        {
            int correct = 0;
            for (int r = 0; r < rows; r++)
            {
                int predicted = width == 1 ? (outputs[r] >= 0.5f ? 1 : 0) : Evaluator.ArgMax(outputs.Slice(r * width, width));
                if (predicted == data.LabelOf(r)) correct++;
            }
            return (double)correct / rows;
        }
        double squared = 0;
        for (int i = 0; i < rows * width; i++)
        {
            double d = outputs[i] - data.Targets[i];
            squared += d * d;
        }
        return squared / (rows * width);
    }
}
