// Analyzer findings kept on purpose, each with its reason (the rules themselves are set in .editorconfig).
using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Scope = "type",
    Target = "~T:NeuralPS.Cmdlets.InvokeTrainingCommand",
    Justification = "The field is a CancellationTokenSource that StopProcessing cancels. Without a timer (CancelAfter) " +
        "or its WaitHandle it holds nothing to release, and disposing it could race a late Ctrl+C (Cancel on a disposed " +
        "source throws).")]
[assembly: SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Scope = "type",
    Target = "~T:NeuralPS.Cmdlets.GetFeatureImportanceCommand",
    Justification = "As for InvokeTrainingCommand: a CancellationTokenSource without a timer, cancelled by StopProcessing.")]
