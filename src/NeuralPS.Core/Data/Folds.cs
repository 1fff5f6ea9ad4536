namespace NeuralPS.Core.Data;

/// <summary>One fold of a cross-validation: the rows to train on and the rows held out to score the training.</summary>
public sealed record Fold(int Repeat, int Number, int[] TrainRows, int[] TestRows);

/// <summary>
/// K-fold splits as scikit-learn's KFold and StratifiedKFold (with shuffle) make them: every row is held out exactly
/// once in each repeat; for classification each class is dealt across the folds in turn, so every fold has the
/// class proportions of the whole (to one row). Each repeat shuffles with a seed of its own drawn from the seed.
/// </summary>
public static class Folds
{
    /// <summary>
    /// <paramref name="repeats"/> × <paramref name="k"/> folds of <paramref name="data"/>, repeat by repeat, fold by fold.
    /// Stratified when <paramref name="stratify"/> and the data is a classification.
    /// </summary>
    public static IReadOnlyList<Fold> Make(Dataset data, int k, int repeats, long seed, bool stratify = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (k < 2 || k > data.Rows)
            throw new NeuralPSException(ErrorIds.InvalidFolds, ErrorKind.InvalidArgument,
                $"-Folds must be between 2 and the number of rows ({data.Rows}); {k} was given.", k);
        if (repeats < 1)
            throw new NeuralPSException(ErrorIds.InvalidFolds, ErrorKind.InvalidArgument, $"-Repeat must be at least 1; {repeats} was given.", repeats);
        bool byClass = stratify && data.Task == DatasetTask.Classification && data.TargetWidth == 1;
        var folds = new List<Fold>();
        for (int repeat = 1; repeat <= repeats; repeat++)
        {
            var random = new RandomSource(RandomSource.Derive(seed, 4_000 + repeat));
            int[] foldOf = new int[data.Rows];
            // Rows in a shuffled order, grouped by class when stratified; dealt to folds 0, 1, …, k−1, 0, 1, … in that
            // order, the deal going on from class to class so the folds' sizes differ by one row at most.
            IEnumerable<int[]> groups = byClass
                ? Enumerable.Range(0, data.Rows).GroupBy(data.LabelOf).OrderBy(g => g.Key).Select(g => g.ToArray())
                : new[] { Enumerable.Range(0, data.Rows).ToArray() };
            int dealt = 0;
            foreach (int[] rows in groups)
            {
                random.Shuffle(rows);
                foreach (int row in rows) foldOf[row] = dealt++ % k;
            }
            for (int f = 0; f < k; f++)
            {
                int[] test = Enumerable.Range(0, data.Rows).Where(r => foldOf[r] == f).ToArray();
                int[] train = Enumerable.Range(0, data.Rows).Where(r => foldOf[r] != f).ToArray();
                folds.Add(new Fold(repeat, f + 1, train, test));
            }
        }
        return folds;
    }
}
