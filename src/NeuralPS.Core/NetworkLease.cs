namespace NeuralPS.Core;

/// <summary>How a command uses a network while it holds it.</summary>
public enum NetworkUse
{
    /// <summary>Reads it: predicts, evaluates, explains, saves (runs in its prediction buffers, reads its history).</summary>
    Read,
    /// <summary>Changes it: trains it, adds a layer, sets its optimizer or loss.</summary>
    Change,
}

/// <summary>
/// A network's use by one pipeline at a time. A network is a live object with buffers of its own (the workspace its
/// predictions and training run in), so two runspaces using one network at once would overwrite each other's
/// activations and answer wrongly; instead the second gets <c>NetworkInUse</c> at once, naming the command that holds
/// the network. Within the holder's own pipeline (one thread) commands downstream may still read the network — a
/// checkpoint (Export-Network) or a prediction between the epochs that Invoke-Training writes — but not change it.
/// Dispose the lease to give the network back.
/// </summary>
public sealed class NetworkLease : IDisposable
{
    private readonly Holders _holders;
    private bool _released;

    private NetworkLease(Holders holders) => _holders = holders;

    /// <summary>
    /// Takes <paramref name="network"/> for <paramref name="command"/> (named in the error another user gets), or
    /// throws <c>NetworkInUse</c> when another pipeline holds it, or when <paramref name="use"/> is
    /// <see cref="NetworkUse.Change"/> and a command of this pipeline holds it.
    /// </summary>
    public static NetworkLease Acquire(Network network, string command, NetworkUse use)
    {
        Holders holders = network.LeaseHolders;
        int thread = Environment.CurrentManagedThreadId;
        lock (holders)
        {
            if (holders.Count > 0 && (holders.Thread != thread || use == NetworkUse.Change))
                throw InUse(network, command, holders, sameThread: holders.Thread == thread);
            if (holders.Count == 0)
            {
                holders.Thread = thread;
                holders.Command = command;
                holders.Use = use;
            }
            holders.Count++;
        }
        return new NetworkLease(holders);
    }

    /// <summary>Takes every network of <paramref name="networks"/> (see <see cref="Acquire"/>): all of them, or none.</summary>
    public static IDisposable AcquireAll(IEnumerable<Network> networks, string command, NetworkUse use)
    {
        var leases = new List<NetworkLease>();
        try
        {
            foreach (Network network in networks) leases.Add(Acquire(network, command, use));
        }
        catch
        {
            foreach (NetworkLease lease in leases) lease.Dispose();
            throw;
        }
        return new Group(leases);
    }

    /// <summary>Gives the network back (once; later calls do nothing).</summary>
    public void Dispose()
    {
        lock (_holders)
        {
            if (_released) return;
            _released = true;
            if (--_holders.Count == 0) _holders.Command = null;
        }
    }

    private static NeuralPSException InUse(Network network, string command, Holders holders, bool sameThread)
    {
        string doing = holders.Use == NetworkUse.Change ? "changing" : "using";
        string message = sameThread
            ? $"{command} cannot change the network '{network.Name}': {holders.Command} earlier in this pipeline is {doing} it. " +
              "Change it after that pipeline ends (in a statement of its own), or work on a copy: $copy = $net.Clone()."
            : $"{command} cannot use the network '{network.Name}': {holders.Command} in another runspace or thread is {doing} it " +
              "(one network serves one pipeline at a time). Wait for that command to end, or give each runspace its own " +
              "copy: $net.Clone(), or Import-Network of a saved file.";
        return new NeuralPSException("NetworkInUse", ErrorKind.InUse, message, network);
    }

    private sealed class Group(List<NetworkLease> leases) : IDisposable
    {
        public void Dispose()
        {
            foreach (NetworkLease lease in leases) lease.Dispose();
        }
    }

    /// <summary>Who holds a network: one per network, locked while it changes.</summary>
    internal sealed class Holders
    {
        /// <summary>The managed thread of the pipeline that holds the network.</summary>
        public int Thread;
        /// <summary>The command that took it first (the one named to others).</summary>
        public string? Command;
        /// <summary>How that command uses it.</summary>
        public NetworkUse Use;
        /// <summary>Leases not yet given back (the holder's own, nested ones included).</summary>
        public int Count;
    }
}
