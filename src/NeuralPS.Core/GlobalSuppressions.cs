// Analyzer findings kept on purpose, each with its reason (the rules themselves are set in .editorconfig).
using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Scope = "type",
    Target = "~T:NeuralPS.Core.Network",
    Justification = "A Network is a live object the user keeps and PowerShell never disposes. Its workspace's only " +
        "disposable part, the WorkerPool, ends its idle worker threads by itself after 10 s, so a forgotten network " +
        "holds no thread.")]
[assembly: SuppressMessage("Globalization", "CA1305:Specify IFormatProvider", Scope = "member",
    Target = "~M:NeuralPS.Core.Network.ToSummary(System.String)~System.String",
    Justification = "The summary is for the user's console: its numbers are formatted in the user's culture, as " +
        "PowerShell's own views format theirs.")]
