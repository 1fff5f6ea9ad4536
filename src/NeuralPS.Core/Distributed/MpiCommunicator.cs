using System.Runtime.InteropServices;
using System.Text;

namespace NeuralPS.Core.Distributed;

/// <summary>
/// MPI_COMM_WORLD of the Open MPI job this process was started in (mpirun), through a thin binding of our own to
/// <c>libmpi.so.40</c>. MPI is initialized by the first <see cref="Join"/> and finalized once, at process exit; a process
/// that never asks for distributed training never loads the library.
/// </summary>
/// <remarks>
/// Open MPI's handles (communicators, datatypes, operations, error handlers) are the addresses of exported globals
/// (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>), so they are looked up with
/// <see cref="NativeLibrary.GetExport"/>; MPI.NET binds Microsoft's MPI (integer handles) and crashes here.
/// Collectives are the non-blocking ones, polled (<see cref="RequestPoller"/>), so that a stop request is seen while
/// waiting for the other ranks. Errors return codes (MPI_ERRORS_RETURN) and become <see cref="NeuralPSException"/>s.
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>The environment variable that names another MPI library to load (an Open MPI build elsewhere).</summary>
    public const string LibraryVariable = "NEURALPS_MPI_LIBRARY";

    /// <summary>The library loaded when <see cref="LibraryVariable"/> is not set: Debian's and Ubuntu's Open MPI 4.</summary>
    public const string DefaultLibrary = "libmpi.so.40";

    private const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in Open MPI's mpi.h
    private const int MaxErrorString = 256; // MPI_MAX_ERROR_STRING
    private static readonly nint InPlace = 1; // MPI_IN_PLACE is (void*)1 in Open MPI

    // Static on purpose: MPI is initialized once per process, so its world communicator is the process's, shared by
    // every runspace (Acquire keeps two trainings from using it at once).
    private static readonly object Gate = new();
    private static MpiCommunicator? _world;

    private readonly nint _comm, _byte, _float, _double, _sum;
    private readonly delegate* unmanaged<nint, int, nint, int, nint, nint*, int> _ibcast;
    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int> _iallreduce;
    private readonly delegate* unmanaged<nint*, int*, nint, int> _test;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly bool _ownsMpi;
    private readonly Action _onStopped;
    private int _inUse;

    private MpiCommunicator(nint library)
    {
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out nint address) ? address
            : throw new NeuralPSException(ErrorIds.MpiUnavailable, ErrorKind.InvalidOperation,
                $"The MPI library has no symbol {name}: NeuralPS needs Open MPI 4 (libmpi.so.40).");
        _comm = Export("ompi_mpi_comm_world");
        _byte = Export("ompi_mpi_byte");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _sum = Export("ompi_mpi_op_sum");
        nint errorsReturn = Export("ompi_mpi_errors_return");
        var initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        var initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        var setErrorHandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        var commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _ibcast = (delegate* unmanaged<nint, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        _iallreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        _test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        _finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");

        int flag = 0, provided = 0;
        initialized(&flag);
        if (flag == 0)
        {
            // SERIALIZED: PowerShell may run a later Invoke-Training on another thread, and MPI_Finalize runs on the
            // thread that raises ProcessExit; calls never overlap (one training at a time, see Acquire).
            int code = initThread(null, 0, ThreadSerialized, &provided);
            if (code != 0) throw new NeuralPSException(ErrorIds.MpiError, ErrorKind.InvalidOperation, $"MPI_Init_thread failed with code {code}.");
            _ownsMpi = true;
        }
        // Without this an MPI error kills the process (MPI_ERRORS_ARE_FATAL); with it, it becomes a PowerShell error.
        Check(setErrorHandler(_comm, errorsReturn), "MPI_Comm_set_errhandler");
        int rank, size;
        Check(commRank(_comm, &rank), "MPI_Comm_rank");
        Check(commSize(_comm, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        _onStopped = () => Abort($"NeuralPS rank {Rank} of {Size}: training stopped while waiting for the other ranks; ending the MPI job.", 2);
        if (_ownsMpi) AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeAtExit();
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>
    /// The world communicator of the MPI job this process runs in, initializing MPI on first use. Throws a
    /// <see cref="NeuralPSException"/> that says what to do when Open MPI is not installed or the process was not
    /// started by mpirun.
    /// </summary>
    public static MpiCommunicator Join()
    {
        lock (Gate)
        {
            if (_world is not null) return _world;
            string name = Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } custom ? custom : DefaultLibrary;
            if (!NativeLibrary.TryLoad(name, out nint library))
                throw new NeuralPSException(ErrorIds.MpiNotInstalled, ErrorKind.InvalidOperation,
                    $"-Distributed needs Open MPI, but {name} could not be loaded. Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), " +
                    $"or set {LibraryVariable} to the path of Open MPI 4's libmpi.so.40.");
            // mpirun sets this in every rank's environment. Without it MPI_Init would start a job of one process, which
            // is not what a user asking for -Distributed wants.
            if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is null)
                throw new NeuralPSException(ErrorIds.NotUnderMpirun, ErrorKind.InvalidOperation,
                    "-Distributed trains one network on the processes of an MPI job, but this process was not started by mpirun " +
                    "(OMPI_COMM_WORLD_SIZE is not set). Launch the script with: mpirun -np 4 pwsh -NoProfile -File train.ps1");
            return _world = new MpiCommunicator(library);
        }
    }

    /// <summary>
    /// Marks the communicator in use by one training for the lifetime of the returned object: two trainings in one
    /// process (parallel runspaces) would interleave their collectives and hang, so the second is refused.
    /// </summary>
    public IDisposable Acquire()
    {
        if (Interlocked.CompareExchange(ref _inUse, 1, 0) != 0)
            throw new NeuralPSException(ErrorIds.DistributedBusy, ErrorKind.InvalidOperation,
                "Another distributed training is running in this process; an MPI job trains one network at a time per process.");
        return new Release(this);
    }

    private sealed class Release(MpiCommunicator owner) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref owner._inUse, 0);
    }

    /// <inheritdoc />
    public void Broadcast(Span<byte> data, CancellationToken cancellation)
    {
        fixed (byte* p = data)
        {
            nint request;
            Check(_ibcast((nint)p, data.Length, _byte, 0, _comm, &request), "MPI_Ibcast");
            Wait(request, cancellation);
        }
    }

    /// <inheritdoc />
    public void Sum(Span<float> data, CancellationToken cancellation)
    {
        fixed (float* p = data) SumInPlace((nint)p, data.Length, _float, cancellation);
    }

    /// <inheritdoc />
    public void Sum(Span<double> data, CancellationToken cancellation)
    {
        fixed (double* p = data) SumInPlace((nint)p, data.Length, _double, cancellation);
    }

    private void SumInPlace(nint buffer, int count, nint type, CancellationToken cancellation)
    {
        nint request;
        Check(_iallreduce(InPlace, buffer, count, type, _sum, _comm, &request), "MPI_Iallreduce");
        Wait(request, cancellation);
    }

    // The buffer stays pinned by the caller's fixed block until the request completes; a stop ends the process first.
    private void Wait(nint request, CancellationToken cancellation)
    {
        var state = new PollState(this, request);
        RequestPoller.Wait(state, static s => s.Test(), _onStopped, cancellation);
    }

    // A struct, so that a step allocates nothing. MPI_Test changes the handle only when the request completes (to
    // MPI_REQUEST_NULL), after which it is not tested again, so testing a copy is fine.
    private readonly struct PollState(MpiCommunicator owner, nint request)
    {
        public bool Test()
        {
            nint r = request;
            int done = 0;
            owner.Check(owner._test(&r, &done, 0), "MPI_Test"); // 0: MPI_STATUS_IGNORE
            return done != 0;
        }
    }

    /// <inheritdoc />
    public void Abort(string message, int errorCode)
    {
        // Written straight to stderr: mpirun relays it, and the process ends before PowerShell would display an error.
        Console.Out.Flush();
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        _abort(_comm, errorCode);
        Environment.Exit(errorCode); // MPI_Abort does not return; if it ever does, do not leave a rank behind
    }

    private void FinalizeAtExit()
    {
        // A training still running means the process is being torn down (mpirun's SIGTERM after another rank
        // aborted): MPI_Finalize would wait for ranks that are gone, and must not overlap the training's calls.
        if (Volatile.Read(ref _inUse) != 0) return;
        int done = 0;
        _finalized(&done);
        if (done != 0) return;
        // A script that ended in an error (pwsh exits with 1) may have left the other ranks waiting in a training this
        // rank never joined, and MPI_Finalize waits for every rank to finalize: end the job instead of hanging in it.
        if (Environment.ExitCode != 0)
        {
            Console.Error.WriteLine($"NeuralPS rank {Rank} of {Size}: the script ended with exit code {Environment.ExitCode}; ending the MPI job.");
            Console.Error.Flush();
            _abort(_comm, Environment.ExitCode);
        }
        _finalize();
    }

    private void Check(int code, string function)
    {
        if (code == 0) return;
        byte* text = stackalloc byte[MaxErrorString + 1];
        int length = 0;
        string detail = _errorString(code, text, &length) == 0 ? Encoding.ASCII.GetString(text, Math.Clamp(length, 0, MaxErrorString)) : $"code {code}";
        throw new NeuralPSException(ErrorIds.MpiError, ErrorKind.InvalidOperation, $"{function} failed on rank {Rank}: {detail}.");
    }
}
