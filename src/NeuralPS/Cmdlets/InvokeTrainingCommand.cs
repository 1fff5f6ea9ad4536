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
public sealed class InvokeTrainingCommand : TrainingCommandBase
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

    // -ValidationData, -Epochs, -BatchSize and the other training options: TrainingCommandBase, shared with Invoke-Sweep.

    [Parameter(HelpMessage = "Write the trained network at the end instead of the epoch results.")]
    public SwitchParameter PassThru { get; set; }

    [Parameter(HelpMessage = "Train one network on every process of an MPI job (mpirun -np 4 pwsh -File train.ps1): each rank computes the gradient of its slice of every batch and the ranks sum them; rank 0 alone writes epoch results and progress.")]
    public SwitchParameter Distributed { get; set; }

    [Parameter(HelpMessage = "Write checkpoints to this folder (made if missing): last.npsm, epoch-NNNN.npsm and best.npsm, each a model file that Import-Network resumes from.")]
    public string? CheckpointPath { get; set; }

    [Parameter(HelpMessage = "With -CheckpointPath: write last.npsm and epoch-NNNN.npsm every N epochs of the network's count (1), and after the run's last epoch.")]
    [ValidateRange(1, int.MaxValue)]
    public int CheckpointEvery { get; set; } = 1;

    [Parameter(HelpMessage = "With -CheckpointPath: how many epoch-NNNN.npsm files to keep, the most recently written (3).")]
    [ValidateRange(1, int.MaxValue)]
    public int KeepCheckpoints { get; set; } = 3;

    protected override CheckpointOptions? Checkpoints => CheckpointPath is null ? null : new CheckpointOptions
    {
        Folder = GetUnresolvedProviderPathFromPSPath(CheckpointPath), Every = CheckpointEvery, Keep = KeepCheckpoints,
    };

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
        TrainingOptions options = ToTrainingOptions(mpi);
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
