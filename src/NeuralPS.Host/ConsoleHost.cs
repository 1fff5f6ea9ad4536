using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace NeuralPS.Host;

/// <summary>A minimal console host: output, warnings, errors, verbose and progress go to the terminal.</summary>
internal sealed class ConsoleHost : PSHost
{
    private readonly ConsoleUserInterface _ui = new();

    public override string Name => "NeuralPS.Host";
    public override Version Version => new(0, 1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public bool ErrorsWritten => _ui.ErrorsWritten;

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }
}

internal sealed class ConsoleUserInterface : PSHostUserInterface
{
    private readonly ConsoleRawUserInterface _raw = new();
    private string _lastProgress = "";

    public bool ErrorsWritten { get; private set; }
    public override PSHostRawUserInterface RawUI => _raw;

    // Text goes through GetOutputString, which drops ANSI escapes when $PSStyle.OutputRendering is PlainText or the
    // stream is not a terminal (the engine decorates table headers and errors; the host decides what reaches the user).
    public override void Write(string value) { EndProgressLine(); Console.Write(GetOutputString(value, SupportsVirtualTerminal)); }
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
    public override void WriteLine(string value) { EndProgressLine(); Console.WriteLine(GetOutputString(value, SupportsVirtualTerminal)); }
    public override void WriteErrorLine(string value)
    {
        EndProgressLine();
        ErrorsWritten = true;
        Console.Error.WriteLine(GetOutputString(value, !Console.IsErrorRedirected));
    }
    public override void WriteDebugLine(string message) => WriteLine("DEBUG: " + message);
    public override void WriteVerboseLine(string message) => WriteLine("VERBOSE: " + message);
    public override void WriteWarningLine(string message) => WriteLine("WARNING: " + message);
    public override void WriteInformation(InformationRecord record)
    {
        if (record.Tags.Contains("PSHOST")) WriteLine(record.MessageData?.ToString() ?? "");
    }

    /// <summary>
    /// Progress on standard error. On a terminal one line is redrawn in place and cleared when the activity completes;
    /// redirected to a file or a pipe, a plain line is written at most every <see cref="LogInterval"/>, so a log stays
    /// short and readable (nothing is redrawn, no control characters).
    /// </summary>
    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        bool terminal = !Console.IsErrorRedirected;
        if (record.RecordType == ProgressRecordType.Completed)
        {
            if (terminal && _progressShown) Console.Error.Write("\r" + new string(' ', _progressWidth) + "\r");
            _progressShown = false;
            return;
        }
        string line = $"[{record.Activity}] {record.StatusDescription}" +
            (record.PercentComplete >= 0 ? $" {record.PercentComplete}%" : "") +
            (record.SecondsRemaining >= 0 ? $", {record.SecondsRemaining}s left" : "");
        if (line == _lastProgress) return;
        _lastProgress = line;
        if (terminal)
        {
            int width = Math.Max(20, RawUI.WindowSize.Width - 1);
            if (line.Length > width) line = line[..(width - 1)] + "…";
            Console.Error.Write("\r" + line.PadRight(Math.Max(line.Length, _progressWidth)));
            _progressWidth = line.Length;
            _progressShown = true;
        }
        else if (_sinceProgressLine.Elapsed >= LogInterval || !_progressLogged)
        {
            Console.Error.WriteLine(line);
            _sinceProgressLine.Restart();
            _progressLogged = true;
        }
    }

    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly System.Diagnostics.Stopwatch _sinceProgressLine = System.Diagnostics.Stopwatch.StartNew();
    private bool _progressShown, _progressLogged;
    private int _progressWidth;

    /// <summary>A line of output ends the progress line first, so they do not run into each other.</summary>
    private void EndProgressLine()
    {
        if (!_progressShown) return;
        Console.Error.Write("\r" + new string(' ', _progressWidth) + "\r");
        _progressShown = false;
    }

    /// <summary>ANSI colours only on a terminal; redirected output is plain text.</summary>
    public override bool SupportsVirtualTerminal => !Console.IsOutputRedirected;

    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
        throw new NotSupportedException("NeuralPS.Host runs scripts without prompting; pass every mandatory parameter.");
    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    public override string ReadLine() => Console.ReadLine() ?? "";
    public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
}

internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
{
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize
    {
        get => new(Width(), 9999);
        set { }
    }
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => new(Width(), 50);
    public override Size MaxWindowSize => new(Width(), 50);
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize
    {
        get => new(Width(), 50);
        set { }
    }
    public override string WindowTitle { get; set; } = "NeuralPS";

    private static int Width()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 20) return columns;
        try { return Console.IsOutputRedirected ? 120 : Math.Max(40, Console.WindowWidth); } catch (IOException) { return 120; }
    }

    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}
