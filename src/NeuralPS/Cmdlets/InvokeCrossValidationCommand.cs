using System.Collections.Specialized;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;
using NeuralPS.Sweep;

namespace NeuralPS.Cmdlets;

/// <summary>
/// K-fold cross-validation, as scikit-learn's cross_validate and ML.NET's CrossValidate: a cmdlet of its own rather
/// than Invoke-Training -Folds, because Invoke-Training trains the one network it is given, in place, and writes its
/// epochs, while a cross-validation trains a fresh network per fold and writes one result per fold and a summary.
/// It is Invoke-Sweep's machinery with one point: the folds train in parallel runspaces or over PSSessions, and
/// Invoke-Sweep -Folds cross-validates every point of a grid the same way.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CrossValidation")]
[OutputType(typeof(SweepResult), typeof(CrossValidationSummary))]
public sealed class InvokeCrossValidationCommand : SweepCommandBase
{
    private string _script = "";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, HelpMessage = "The network to cross-validate (piped; each fold trains a copy of it as it is now), or a script that writes a new one.")]
    public object Network { get; set; } = null!;

    [Parameter(HelpMessage = "Folds (5): each trains on the other folds' rows and is validated on its own; stratified for classes.")]
    [ValidateRange(2, int.MaxValue)]
    public int Folds { get; set; } = 5;

    [Parameter(HelpMessage = "Repeat the cross-validation this many times, each with its own split (1).")]
    [ValidateRange(1, 1000)]
    public int Repeat { get; set; } = 1;

    protected override string NetworkScript => _script;
    protected override int FoldCount => Folds;
    protected override int RepeatCount => Repeat;

    protected override void ProcessRecord()
    {
        object value = Network is PSObject p ? p.BaseObject : Network;
        switch (value)
        {
            case ScriptBlock script:
                _script = script.ToString();
                break;
            case Network network:
                // A copy for every fold, wherever it trains: the network's model file, rebuilt by the run's script.
                byte[] bytes;
                using (Use(network, NetworkUse.Read)) bytes = ModelFile.ToBytes(network);
                _script = $"[NeuralPS.Core.Serialization.ModelFile]::FromBytes([System.Convert]::FromBase64String('{Convert.ToBase64String(bytes)}'), 'the network to cross-validate')";
                break;
            default:
                ThrowTerminatingError(Errors.Create(ErrorIds.InvalidNetworkScript, ErrorCategory.InvalidArgument,
                    $"Invoke-CrossValidation: -Network takes a network (New-Network ... | Invoke-CrossValidation) or a script that writes one, not a {value?.GetType().Name ?? "$null"}.", value));
                break;
        }
        RunSweep(new List<SweepPoint> { new(1, new OrderedDictionary()) });
    }
}
