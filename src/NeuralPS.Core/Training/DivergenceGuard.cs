namespace NeuralPS.Core.Training;

/// <summary>
/// Notices a training that diverges while its loss is still finite (SGD at a learning rate of 1e6 takes Iris's loss
/// from 1 to 1e22 without a NaN): a batch loss more than <see cref="Factor"/> times the reference loss, or weights
/// that stopped being finite. The reference is the larger of the network's first epoch ever (its History) and the
/// first batch of this run, so a well-trained network resumed at a tiny loss is measured against the scale its loss
/// started from, not against its best. The trainer then puts back the last good weights, as for a non-finite loss.
/// </summary>
internal sealed class DivergenceGuard
{
    /// <summary>How many times the reference loss a batch's loss may reach before the training counts as diverged.</summary>
    public const double Factor = 1e4;

    private double _reference;
    private bool _started;

    /// <summary>A guard for one run of <paramref name="network"/>.</summary>
    public DivergenceGuard(Network network) =>
        _reference = network.History.Count > 0 && double.IsFinite(network.History[0].Loss) ? network.History[0].Loss : 0;

    /// <summary>The bound a batch's loss must stay under (infinite until the first batch sets the reference).</summary>
    public double Bound
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        get => _reference > 0 ? Factor * _reference : double.PositiveInfinity;
    }

    /// <summary>
    /// True when <paramref name="loss"/> (finite, as the trainer checked) shows divergence. The first batch of the run
    /// sets the reference when the network has no history (or a smaller first loss).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Exceeded(double loss)
    {
        if (!_started)
        {
            _started = true;
            _reference = Math.Max(_reference, loss);
            return false;
        }
        return loss > Bound;
    }

    /// <summary>True when every parameter is finite (checked once an epoch, after its last step).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool AreFinite(ReadOnlySpan<float> parameters)
    {
        foreach (float value in parameters)
            if (!float.IsFinite(value)) return false;
        return true;
    }

    /// <summary>
    /// The error for batch <paramref name="batch"/> of epoch <paramref name="epoch"/>: <c>NonFiniteLoss</c> for a
    /// loss that is NaN or infinite, <c>Diverged</c> for one past the bound or for non-finite weights.
    /// </summary>
    public TrainingDivergedException Error(int epoch, int batch, double loss, bool weights = false)
    {
        if (!weights && !double.IsFinite(loss)) return new TrainingDivergedException(epoch, batch, loss);
        string what = weights
            ? $"The weights stopped being finite at epoch {epoch}, batch {batch}, though the loss was {loss:G4}."
            : $"The loss grew to {loss:G4} at epoch {epoch}, batch {batch}, more than {Factor:G0} times the {_reference:G4} it started from: the training diverged.";
        return new TrainingDivergedException(ErrorIds.Diverged, epoch, batch,
            $"{what} The network keeps the weights of the last good epoch. Lower the learning rate (Set-Optimizer -LearningRate), " +
            "normalize the inputs (Add-NormalizationLayer) or clip gradients (Set-Optimizer -ClipNorm).");
    }
}
