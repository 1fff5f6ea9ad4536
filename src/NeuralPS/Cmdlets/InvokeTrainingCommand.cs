using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Trains a network, writing one EpochResult as each epoch ends. Training runs on a thread of its own (the engine's
/// worker threads help with the arithmetic) and hands each epoch to the pipeline thread, which writes the results and
/// the progress (see BackgroundTraining).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Training", DefaultParameterSetName = NetworkFirst)]
[OutputType(typeof(EpochResult), typeof(Network))]
public sealed class InvokeTrainingCommand : NeuralPSCmdlet
{
    private readonly CancellationTokenSource _stop = new();
    // Network is position 0 and Data position 1, and either may come from the pipeline; when the network is piped,
    // the data is the first positional argument ($net | Invoke-Training $data), hence the second parameter set.
    private const string NetworkFirst = "NetworkFirst", NetworkPiped = "NetworkPiped";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The network to train (changed in place).")]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkPiped, HelpMessage = "The network to train (changed in place).")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The training data (Get-SampleDataset, ConvertTo-Dataset, Import-Dataset).")]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NetworkPiped, HelpMessage = "The training data (Get-SampleDataset, ConvertTo-Dataset, Import-Dataset).")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Data to evaluate after every epoch.")]
    public Dataset? ValidationData { get; set; }

    [Parameter(HelpMessage = "Fraction of the training rows held out for validation when no -ValidationData is given.")]
    [ValidateRange(0.0, 0.99)]
    public double ValidationSplit { get; set; }

    [Parameter(HelpMessage = "Passes over the training data (10).")]
    [ValidateRange(1, int.MaxValue)]
    public int Epochs { get; set; } = 10;

    [Parameter(HelpMessage = "Rows per mini-batch (32); 0 trains on the full batch.")]
    [ValidateRange(0, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Parameter(HelpMessage = "Stop when the monitored loss stops improving for -Patience epochs.")]
    public SwitchParameter EarlyStopping { get; set; }

    [Parameter(HelpMessage = "Early stopping: epochs without improvement before stopping (5).")]
    [ValidateRange(1, int.MaxValue)]
    public int Patience { get; set; } = 5;

    [Parameter(HelpMessage = "Early stopping: the smallest decrease that counts as an improvement (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinDelta { get; set; }

    [Parameter(HelpMessage = "Early stopping and plateau schedules watch Loss or ValidationLoss (the default when validation data is given).")]
    [ValidateSet("Loss", "ValidationLoss", IgnoreCase = true)]
    public string? Monitor { get; set; }

    [Parameter(HelpMessage = "Early stopping: keep the last epoch's weights instead of restoring the best epoch's.")]
    public SwitchParameter KeepLastWeights { get; set; }

    [Parameter(HelpMessage = "Do not shuffle the rows between epochs.")]
    public SwitchParameter NoShuffle { get; set; }

    [Parameter(HelpMessage = "Re-seeds shuffling and dropout for this run; the same seed gives the same bits.")]
    public long? Seed { get; set; }

    [Parameter(HelpMessage = "Threads for the engine (the pipeline's own thread included).")]
    [ValidateRange(1, 256)]
    public int ThreadCount { get; set; }

    [Parameter(HelpMessage = "Standardize the inputs with a normalization layer learned from the training data and kept in the model (added in front if the network has none).")]
    public SwitchParameter Normalize { get; set; }

    [Parameter(HelpMessage = "Write the trained network at the end instead of the epoch results.")]
    public SwitchParameter PassThru { get; set; }

    [Parameter(HelpMessage = "Train one network on every process of an MPI job (mpirun -np 4 pwsh -File train.ps1): each rank computes the gradient of its slice of every batch and the ranks sum them; rank 0 alone writes epoch results and progress.")]
    public SwitchParameter Distributed { get; set; }

    protected override void ProcessRecord()
    {
        MpiCommunicator? mpi = null;
        IDisposable? lease = null;
        if (Distributed)
        {
            try
            {
                mpi = MpiCommunicator.Join();
                lease = mpi.Acquire();
            }
            catch (NeuralPSException e)
            {
                ThrowTerminatingError(Errors.From(e, Network));
            }
        }
        try
        {
            Train(mpi);
        }
        catch (Exception e) when (mpi is not null)
        {
            // Any rank leaving a distributed training early (an error, Ctrl+C, a downstream Select-Object -First)
            // would leave the other ranks waiting forever in their next reduce: end the whole job, saying why.
            string what = e is NeuralPSException n ? $"{n.ErrorId}: {n.Message}" : e is PipelineStoppedException
                ? "the pipeline was stopped" : $"{e.GetType().Name}: {e.Message}";
            mpi.Abort($"NeuralPS rank {mpi.Rank} of {mpi.Size}: Invoke-Training -Distributed failed: {what.TrimEnd('.')}. Ending the MPI job.", 1);
            throw;
        }
        finally
        {
            lease?.Dispose();
        }
    }

    private void Train(MpiCommunicator? mpi)
    {
        bool rank0 = mpi is null || mpi.Rank == 0; // in an MPI job, rank 0 alone writes results, progress and messages
        var options = new TrainingOptions
        {
            Epochs = Epochs,
            BatchSize = BatchSize,
            Shuffle = !NoShuffle,
            ValidationSplit = ValidationSplit,
            Seed = Seed,
            ThreadCount = ThreadCount > 0 ? ThreadCount : null,
            Communicator = mpi,
            Patience = EarlyStopping ? Patience : 0,
            MinDelta = MinDelta,
            Monitor = Monitor,
            RestoreBestWeights = !KeepLastWeights,
            Normalize = Normalize,
        };
        NetworkLease? lease = null;
        try
        {
            lease = Use(Network, NetworkUse.Change); // one pipeline at a time: another gets NetworkInUse at once
            var trainer = new Trainer(Network, Data, ValidationData, options, _stop.Token);
            if (rank0)
            {
                WriteVerbose($"Training '{Network.Name}' on {Data.Rows} rows for {Epochs} epochs, batch {(BatchSize == 0 ? Data.Rows : BatchSize)}, {Network.OptimizerSettings}" +
                    (mpi is null ? "." : $", distributed over {mpi.Size} MPI ranks."));
            }
            BackgroundTraining.Run(this, trainer, _stop, progress: rank0, Network.Name, result =>
            {
                if (!rank0) return;
                if (!PassThru) WriteObject(result);
                else WriteVerbose(result.ToString());
            });
            if (_stop.IsCancellationRequested)
            {
                if (mpi is not null) throw new PipelineStoppedException(); // ends the job (see ProcessRecord)
                return;
            }
            if (rank0 && trainer.StopReason is string reason) WriteVerbose(reason);
            if (rank0) WriteVerbose($"Trained '{Network.Name}' to epoch {Network.History.Count}.");
            // Every rank holds the same trained network; -PassThru gives it on every rank, so that one script can go
            // on with it everywhere (the epoch results, which describe the job, come from rank 0 only).
            lease.Dispose(); // before the network goes on: a command downstream may change it
            if (PassThru) WriteObject(Network);
        }
        catch (NeuralPSException e) when (mpi is null)
        {
            ThrowTerminatingError(Errors.From(e, Network));
        }
        finally
        {
            lease?.Dispose();
        }
    }

    protected override void StopProcessing() => _stop.Cancel();
}
