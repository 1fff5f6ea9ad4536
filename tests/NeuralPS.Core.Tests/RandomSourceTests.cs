using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>The random stream's shortcuts against its plain draws: a saved model resumes on the same numbers.</summary>
public class RandomSourceTests
{
    /// <summary>
    /// Shuffle keeps the state in locals and reduces with a 32-bit division; it must give the order of a Fisher–Yates
    /// drawn with <see cref="RandomSource.NextInt"/> and leave the stream where those draws leave it.
    /// </summary>
    [Theory]
    [InlineData(0L)]
    [InlineData(42L)]
    [InlineData(-7L)]
    [InlineData(long.MaxValue)]
    public void ShuffleDrawsAsNextIntDoes(long seed)
    {
        foreach (int n in new[] { 0, 1, 2, 3, 10, 1000, 65_537 })
        {
            var fast = new RandomSource(seed);
            var plain = new RandomSource(seed);
            int[] shuffled = Enumerable.Range(0, n).ToArray(), expected = Enumerable.Range(0, n).ToArray();
            fast.Shuffle(shuffled);
            for (int i = n - 1; i > 0; i--)
            {
                int j = plain.NextInt(i + 1);
                (expected[i], expected[j]) = (expected[j], expected[i]);
            }
            Assert.Equal(expected, shuffled);
            Assert.Equal(plain.GetState(), fast.GetState());
            Assert.Equal(plain.NextUInt64(), fast.NextUInt64());
        }
    }
}
