using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Charts;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Draws the loss and accuracy curves of a training in the terminal with Unicode braille characters. The lines go to the
/// information stream tagged PSHOST, as Write-Host's do: they show in a console, land in a transcript, and can be
/// captured with 6>&amp;1. Colour is used only where $PSStyle.OutputRendering allows it.
/// </summary>
[Cmdlet(VerbsCommon.Show, "TrainingHistory")]
[OutputType(typeof(void))]
public sealed class ShowTrainingHistoryCommand : NeuralPSCmdlet
{
    private readonly List<EpochResult> _epochs = new();
    private readonly List<Network> _networks = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0,
        HelpMessage = "A trained network (its history) or the epoch results of Invoke-Training.")]
    public PSObject InputObject { get; set; } = null!;

    [Parameter(HelpMessage = "Which curves: Loss, Accuracy, a metric of Invoke-Training -Metric (F1, Precision, Recall, AUC, MAE, R2) or All (the default: loss, then accuracy and the metrics there are).")]
    [ValidateSet("All", "Loss", "Accuracy", "F1", "Precision", "Recall", "AUC", "MAE", "R2", IgnoreCase = true)]
    public string Metric { get; set; } = "All";

    [Parameter(HelpMessage = "Width of the plot in characters (the console's width less the axis labels, at most 100).")]
    [ValidateRange(10, 500)]
    public int Width { get; set; }

    [Parameter(HelpMessage = "Height of each plot in lines (10).")]
    [ValidateRange(2, 200)]
    public int Height { get; set; } = 10;

    protected override void ProcessRecord()
    {
        object value = InputObject.BaseObject;
        IEnumerable<object> items = value is System.Collections.IEnumerable list and not string
            ? list.Cast<object?>().Where(i => i is not null).Select(i => i is PSObject p ? p.BaseObject : i!)
            : new[] { value };
        foreach (object item in items)
        {
            switch (item)
            {
                case EpochResult epoch: _epochs.Add(epoch); break;
                case Network network: _networks.Add(network); break;
                default:
                    ThrowTerminatingError(Errors.Create(ErrorIds.UnsupportedInput, ErrorCategory.InvalidArgument,
                        $"Show-TrainingHistory shows a network's history or epoch results, not a {item.GetType().Name}.", item));
                    break;
            }
        }
    }

    protected override void EndProcessing() => Guard(() =>
    {
        bool color = ColorAllowed();
        int width = Width > 0 ? Width : DefaultWidth();
        if (_networks.Count == 0 && _epochs.Count == 0) return;
        using IDisposable leases = UseAll(_networks, NetworkUse.Read); // their histories do not grow while drawn
        var histories = new List<(string Title, IReadOnlyList<EpochResult> History)>();
        foreach (Network network in _networks)
        {
            if (network.History.Count == 0)
                throw new NeuralPSException(ErrorIds.NeverTrained, ErrorKind.InvalidOperation,
                    $"The network '{network.Name}' has not been trained yet: there is no history to show. Train it first (Invoke-Training).", network);
            histories.Add(($"Training of '{network.Name}' ({network.History.Count} epochs)", network.History));
        }
        if (_epochs.Count > 0) histories.Add(($"Training ({_epochs.Count} epochs)", _epochs));
        // Everything is drawn before anything is written, so an error leaves no half chart behind.
        var lines = new List<string>();
        foreach (var (title, history) in histories)
        {
            if (lines.Count > 0) lines.Add("");
            lines.Add(color ? $"\u001b[1m{title}\u001b[0m" : title);
            lines.AddRange(TerminalChart.Render(history, width, Height, color, Metric));
        }
        foreach (string line in lines) Write(line);
    });

    private void Write(string line) =>
        WriteInformation(new HostInformationMessage { Message = line, NoNewLine = false }, new[] { "PSHOST" });

    /// <summary>Colour where $PSStyle.OutputRendering allows it: Ansi always, Host when the host renders escape sequences.</summary>
    private bool ColorAllowed()
    {
        object? style = SessionState.PSVariable.GetValue("PSStyle");
        string rendering = style is null ? "PlainText" : PSObject.AsPSObject(style).Properties["OutputRendering"]?.Value?.ToString() ?? "PlainText";
        return rendering switch
        {
            "Ansi" => true,
            "Host" => Host.UI.SupportsVirtualTerminal && !Console.IsOutputRedirected,
            _ => false,
        };
    }

    private int DefaultWidth()
    {
        try
        {
            int columns = Host.UI.RawUI.WindowSize.Width;
            if (columns > 0) return Math.Clamp(columns - 12, 20, 100);
        }
        catch (Exception e) when (e is NotImplementedException or System.Management.Automation.Host.HostException or InvalidOperationException or IOException) { }
        return 60;
    }
}
