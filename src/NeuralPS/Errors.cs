using System.Management.Automation;
using NeuralPS.Core;

namespace NeuralPS;

/// <summary>Turns engine failures into ErrorRecords with stable ErrorIds, categories and targets.</summary>
internal static class Errors
{
    /// <summary>The ErrorRecord for an engine error; <paramref name="fallbackTarget"/> when the engine named no target.</summary>
    public static ErrorRecord From(NeuralPSException e, object? fallbackTarget = null) =>
        new(e, e.ErrorId, Category(e.Kind), e.Target ?? fallbackTarget);

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new NeuralPSException(errorId, ErrorKind.InvalidArgument, message, target), errorId, category, target);

    private static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.InvalidFile => ErrorCategory.InvalidData,
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.InUse => ErrorCategory.ResourceBusy,
        ErrorKind.TooLarge => ErrorCategory.LimitsExceeded,
        ErrorKind.NotSupported => ErrorCategory.NotImplemented,
        _ => ErrorCategory.NotSpecified,
    };
}

/// <summary>
/// The base of every NeuralPS cmdlet: engine errors become terminating ErrorRecords, not stack traces; a network held
/// for the whole pipeline (<see cref="Hold"/>) is given back when PowerShell disposes the command, however it ended.
/// </summary>
public abstract class NeuralPSCmdlet : PSCmdlet, IDisposable
{
    private NetworkLease? _held;

    /// <summary>Takes <paramref name="network"/> for this command (NetworkInUse if another pipeline holds it); dispose to give it back.</summary>
    protected NetworkLease Use(Network network, NetworkUse use) => NetworkLease.Acquire(network, MyInvocation.MyCommand.Name, use);

    /// <summary>Takes several networks for this command, all or none (see <see cref="Use"/>).</summary>
    protected IDisposable UseAll(IEnumerable<Network> networks, NetworkUse use) =>
        NetworkLease.AcquireAll(networks, MyInvocation.MyCommand.Name, use);

    /// <summary>Takes <paramref name="network"/> until the pipeline ends (commands that use it in every ProcessRecord).</summary>
    protected void Hold(Network network, NetworkUse use) => _held ??= Use(network, use);

    /// <summary>Gives back the network taken by <see cref="Hold"/>.</summary>
    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs <paramref name="action"/>, reporting engine errors as terminating errors whose target is the engine's, else
    /// <paramref name="target"/> (the cmdlet's main input).
    /// </summary>
    protected void Guard(Action action, object? target = null)
    {
        try { action(); }
        catch (NeuralPSException e) { ThrowTerminatingError(Errors.From(e, target)); }
    }

    /// <summary>Reports an engine error for one input and goes on with the next.</summary>
    protected void WriteNonTerminating(NeuralPSException e) => WriteError(Errors.From(e));
}
