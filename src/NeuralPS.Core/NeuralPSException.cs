namespace NeuralPS.Core;

/// <summary>What kind of failure an engine error is; the cmdlets map it to an ErrorCategory.</summary>
public enum ErrorKind
{
    /// <summary>An argument is out of range or malformed.</summary>
    InvalidArgument,
    /// <summary>Data is malformed: NaN, infinity, unknown labels, empty.</summary>
    InvalidData,
    /// <summary>The network cannot do this in its current state.</summary>
    InvalidOperation,
    /// <summary>A file cannot be read as what it claims to be.</summary>
    InvalidFile,
    /// <summary>A file or resource is missing.</summary>
    NotFound,
    /// <summary>The object is in use by another command (a network another pipeline holds).</summary>
    InUse,
    /// <summary>The request needs more memory than a buffer can index or the machine holds.</summary>
    TooLarge,
    /// <summary>A thing NeuralPS does not do (yet), such as reading an ONNX model.</summary>
    NotSupported,
}

/// <summary>
/// An engine failure with a stable identifier (ShapeMismatch, InvalidData, ModelFileCorrupt, …)
/// and a message that names the thing and says what to do.
/// </summary>
public class NeuralPSException : Exception
{
    /// <summary>Creates the error.</summary>
    public NeuralPSException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>A stable identifier that scripts can test for.</summary>
    public string ErrorId { get; }

    /// <summary>The kind of failure.</summary>
    public ErrorKind Kind { get; }

    /// <summary>The object the error is about.</summary>
    public object? Target { get; }
}

/// <summary>
/// The training stopped at a loss that became NaN or infinite (<c>NonFiniteLoss</c>), or that diverged while finite
/// (<c>Diverged</c>); the network was put back to the last good epoch.
/// </summary>
public sealed class TrainingDivergedException : NeuralPSException
{
    /// <summary>Creates the error for a given epoch and batch (both 1-based).</summary>
    public TrainingDivergedException(int epoch, int batch, double loss)
        : base("NonFiniteLoss", ErrorKind.InvalidOperation,
            $"The loss became {loss} at epoch {epoch}, batch {batch}. The network keeps the weights of the last good epoch. " +
            "Lower the learning rate, normalize the inputs (Add-NormalizationLayer) or clip gradients (Set-Optimizer -ClipNorm).")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>Creates the error with another identifier and message (Diverged).</summary>
    public TrainingDivergedException(string errorId, int epoch, int batch, string message)
        : base(errorId, ErrorKind.InvalidOperation, message)
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The epoch (1-based) in which the loss stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The batch (1-based) in which the loss stopped being finite.</summary>
    public int Batch { get; }
}
