using System.Runtime.CompilerServices;
namespace NeuralPS.Core.Kernels;

/// <summary>A piece of work the pool splits: part <c>part</c> of <c>parts</c>, each part run exactly once.</summary>
internal interface IPoolWork
{
    void Execute(int part, int parts);
}

/// <summary>
/// The engine's threads. One pool per network workspace (no static pool: networks train side by side in parallel
/// runspaces), sized by -ThreadCount. The calling thread always takes part, so a pool of 1 runs everything inline
/// and creates no thread. Workers are persistent: a call publishes one work object (no delegate or task is
/// allocated), workers spin briefly for the next call, then block; after a long idle spell a worker ends, and the
/// next call starts it again, so a forgotten network does not keep threads alive.
/// Part i is meant for worker i, but whoever claims it first runs it: when the machine is busy and a worker is
/// not scheduled, the caller runs that part itself instead of waiting a time slice for it. Which thread runs a part
/// never changes its result (a part's scratch belongs to the part, not the thread). When a worker keeps being
/// descheduled in the middle of its part (a loaded machine), the caller stops handing out parts for a while and runs
/// them all itself: two threads then cost no more than one.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    // Spinning keeps the hand-off between the many small products of a training step near 1 µs; blocking after
    // that keeps an idle network from burning a core the shell or another runspace needs.
    private const int SpinIterations = 20_000;
    // The first spins only pause; after them each spin also yields the core (sched_yield), so that on a busy machine
    // a waiting worker gives its time slice to whoever is runnable there (often the caller itself) instead of burning it.
    private const int PauseIterations = 2_000;
    private const int IdleMilliseconds = 10_000;

    // When the caller has had to wait this long for a part a worker had claimed (the worker was descheduled in the
    // middle of it: other processes want the cores) several times within a few dozen calls, the calls of the next
    // spell run on the caller alone; then the pool tries its workers again. The spell doubles with each late call in a row (20 ms up to 1.3 s) and halves back
    // after every 256 calls that were on time. Which thread runs a part never changes its result.
    private static readonly long LateTicks = System.Diagnostics.Stopwatch.Frequency / 5_000;        // 200 µs
    private static readonly long InlineSpellTicks = System.Diagnostics.Stopwatch.Frequency / 50;    // 20 ms
    private const int MaxLateLevel = 7;
    private const int LatePoints = 16, SpellScore = 40;   // a spell after three late calls within ~20 calls
    private long _inlineUntil;
    private int _lateLevel, _onTime, _lateScore;

    private readonly object _gate = new();
    private readonly Thread?[] _workers;
    private readonly float[]?[] _scratch;
    private readonly int[] _claimed;   // per part: 0 open, 1 taken (reset before each call is published)
    private IPoolWork? _work;
    private int _parts;
    private int _completed;            // parts finished in the current call
    private int _generation;           // bumped (under _gate) once per call; workers look for work when it moves
    private int _sleepers;             // workers blocked on _gate
    private bool _disposed;

    /// <summary>A pool of <paramref name="threadCount"/> threads, the caller's included.</summary>
    public WorkerPool(int threadCount = 1)
    {
        ThreadCount = Math.Max(1, threadCount);
        _workers = new Thread?[ThreadCount - 1];
        _scratch = new float[ThreadCount][];
        _claimed = new int[ThreadCount];
    }

    /// <summary>Threads that share the work, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>The work item products reuse, so a multithreaded product allocates nothing.</summary>
    internal GemmJob GemmJob => _gemmJob ??= new GemmJob(this);
    private GemmJob? _gemmJob;

    /// <summary>The work item split column sums reuse.</summary>
    internal ColumnSumsJob ColumnSumsJob => _columnSumsJob ??= new ColumnSumsJob();
    private ColumnSumsJob? _columnSumsJob;

    /// <summary>The work items convolutions and poolings reuse.</summary>
    internal Conv2DJob Conv2DJob => _conv2DJob ??= new Conv2DJob();
    private Conv2DJob? _conv2DJob;
    internal Pool2DJob Pool2DJob => _pool2DJob ??= new Pool2DJob();
    private Pool2DJob? _pool2DJob;

    /// <summary>
    /// Scratch memory for one part, pinned and kept between calls (it grows only when a larger product first
    /// needs it). Only the thread running that part touches it during a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe float* Scratch(int part, int floats)
    {
        float[]? buffer = _scratch[part];
        if (buffer is null || buffer.Length < floats)
            _scratch[part] = buffer = CacheAligned.Uninitialized(Math.Max(floats, 4096));
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }

    /// <summary>Runs <paramref name="work"/> in <paramref name="parts"/> parts (at most <see cref="ThreadCount"/>) and returns when all are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Run(IPoolWork work, int parts) => Run(work, parts, mayRunInline: true);

    /// <summary>The same, handing the parts to the workers even during an inline spell (tests that must see each thread).</summary>
    internal void RunOnWorkers(IPoolWork work, int parts) => Run(work, parts, mayRunInline: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(IPoolWork work, int parts, bool mayRunInline)
    {
        parts = Math.Clamp(parts, 1, ThreadCount);
        if (parts == 1)
        {
            work.Execute(0, 1);
            return;
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_inlineUntil != 0 && mayRunInline)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() < _inlineUntil)
            {
                for (int part = 0; part < parts; part++) work.Execute(part, parts);
                return;
            }
            _inlineUntil = 0;
        }
        // Publish in this order (x64 and ARM64 see it through the lock and the interlocked resets): the work, then
        // open parts, then the generation, so a worker that claims a part always finds this call's work.
        _work = work;
        _parts = parts;
        Volatile.Write(ref _completed, 0);
        for (int i = 0; i < parts; i++) Volatile.Write(ref _claimed[i], 0);
        lock (_gate)
        {
            int seen = _generation;
            _generation = seen + 1;
            for (int i = 0; i < parts - 1; i++)
                if (_workers[i] is null) _workers[i] = StartWorker(i + 1, seen);
            if (_sleepers > 0) Monitor.PulseAll(_gate);
        }
        Exception? failure = null;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long busy = StepProfile.Start(); // the caller's own parts of a split call (thread 0)
        for (int part = 0; part < parts; part++)
        {
            // Part 0 first, then any part whose worker has not started it yet.
            if (Interlocked.Exchange(ref _claimed[part], 1) != 0) continue;
            try { work.Execute(part, parts); }
            catch (Exception e) { failure ??= e; }
            Interlocked.Increment(ref _completed);
        }
        StepProfile.Busy(0, busy);
        if (Volatile.Read(ref _completed) < parts)
        {
            long waiting = System.Diagnostics.Stopwatch.GetTimestamp();
            long wait = StepProfile.Start();
            var spinner = new SpinWait();
            while (Volatile.Read(ref _completed) < parts) spinner.SpinOnce(sleep1Threshold: -1);
            StepProfile.Waited(wait);
            long now = System.Diagnostics.Stopwatch.GetTimestamp(), waited = now - waiting;
            // Late: a long wait, and long against the caller's own share (a worker that merely started late on a
            // large product is not late).
            if (waited > LateTicks && waited > waiting - started)
            {
                // One late call is a preemption that happens on any machine now and then, and costs less than a
                // spell; several within a few dozen calls mean the cores are contended.
                _onTime = 0;
                if ((_lateScore += LatePoints) >= SpellScore)
                {
                    _lateScore = 0;
                    _lateLevel = Math.Min(_lateLevel + 1, MaxLateLevel);
                    _inlineUntil = now + (InlineSpellTicks << (_lateLevel - 1));
                }
            }
            else OnTime();
        }
        else OnTime();
        _work = null;
        if (failure is not null) throw failure;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnTime()
    {
        if (_lateScore > 0) _lateScore--;
        if (_lateLevel > 0 && ++_onTime >= 256) { _lateLevel--; _onTime = 0; }
    }

    // A method of its own: a lambda in Run would allocate its closure on every call, not only when a thread starts.
    private Thread StartWorker(int index, int seen)
    {
        var thread = new Thread(() => Loop(index, seen), 256 * 1024) { IsBackground = true, Name = $"NeuralPS worker {index}" };
        thread.Start();
        return thread;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop(int index, int seen)
    {
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen)
            {
                if (++spins < SpinIterations)
                {
                    if (spins < PauseIterations) Thread.SpinWait(8);
                    else Thread.Yield();
                    continue;
                }
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    bool woken = true;
                    while (_generation == seen && !_disposed && woken) woken = Monitor.Wait(_gate, IdleMilliseconds);
                    Interlocked.Decrement(ref _sleepers);
                    if (_disposed || (_generation == seen && !woken))
                    {
                        // Idle too long (or disposed): end; Run starts this worker again when needed.
                        _workers[index - 1] = null;
                        return;
                    }
                }
            }
            seen = Volatile.Read(ref _generation);
            if (_disposed) return;
            // Claim this worker's part, unless the call has fewer parts or the caller already took it.
            if (index >= Volatile.Read(ref _parts) || Interlocked.Exchange(ref _claimed[index], 1) != 0) continue;
            long busy = StepProfile.Start();
            try { _work!.Execute(index, _parts); }
            catch { /* the work records its own failures; the pool must keep running */ }
            StepProfile.Busy(index, busy);
            Interlocked.Increment(ref _completed);
        }
    }

    /// <summary>Ends the worker threads.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _generation++;
            Monitor.PulseAll(_gate);
        }
    }
}
