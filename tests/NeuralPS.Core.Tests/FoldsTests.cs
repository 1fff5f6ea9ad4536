using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>K-fold splits: every row held out once a repeat, classes dealt evenly, repeats split anew, seeds reproduce.</summary>
public class FoldsTests
{
    [Fact]
    public void EveryRowIsHeldOutOnceARepeatAndTheClassesAreStratified()
    {
        Dataset iris = SampleDatasets.Get("Iris", 0, 0, 1);
        IReadOnlyList<Fold> folds = Folds.Make(iris, 5, 2, seed: 7);
        Assert.Equal(10, folds.Count);
        foreach (IGrouping<int, Fold> repeat in folds.GroupBy(f => f.Repeat))
        {
            Assert.Equal(Enumerable.Range(0, iris.Rows), repeat.SelectMany(f => f.TestRows).Order());
            foreach (Fold fold in repeat)
            {
                Assert.Empty(fold.TrainRows.Intersect(fold.TestRows));
                Assert.Equal(iris.Rows, fold.TrainRows.Length + fold.TestRows.Length);
                // 50 rows a class over 5 folds: 10 of each class in every fold.
                Assert.All(fold.TestRows.GroupBy(iris.LabelOf), g => Assert.Equal(10, g.Count()));
            }
        }
        Assert.NotEqual(folds[0].TestRows, folds[5].TestRows); // the second repeat splits anew
        Assert.Equal(folds.Select(f => f.TestRows), Folds.Make(iris, 5, 2, seed: 7).Select(f => f.TestRows));
        Assert.NotEqual(folds[0].TestRows, Folds.Make(iris, 5, 2, seed: 8)[0].TestRows);
    }

    [Fact]
    public void RegressionFoldsDifferInSizeByOneRowAtMost()
    {
        Dataset data = SampleDatasets.Get("Regression", 23, 0.1, 1);
        IReadOnlyList<Fold> folds = Folds.Make(data, 4, 1, seed: 1);
        Assert.Equal(new[] { 5, 6, 6, 6 }, folds.Select(f => f.TestRows.Length).Order());
        Assert.Equal(Enumerable.Range(0, 23), folds.SelectMany(f => f.TestRows).Order());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(24, 1)]
    [InlineData(3, 0)]
    public void RefusesFoldCountsThatCannotSplitTheRows(int k, int repeats)
    {
        var error = Assert.Throws<NeuralPSException>(() => Folds.Make(SampleDatasets.Get("Regression", 23, 0.1, 1), k, repeats, 1));
        Assert.Equal(ErrorIds.InvalidFolds, error.ErrorId);
    }
}
