using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>One pipeline (thread) at a time uses a network; within it, reads may nest but changes may not.</summary>
public class NetworkLeaseTests
{
    private static Network Net() => new(2, "shared", seed: 1);

    private static NeuralPSException InUse(Action action)
    {
        var e = Assert.Throws<NeuralPSException>(action);
        Assert.Equal("NetworkInUse", e.ErrorId);
        Assert.Equal(ErrorKind.InUse, e.Kind);
        return e;
    }

    private static void OnOtherThread(Action action)
    {
        Exception? error = null;
        var thread = new Thread(() => { try { action(); } catch (Exception e) { error = e; } });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
    }

    [Fact]
    public void AnotherThreadCannotUseANetworkThatIsHeld()
    {
        Network net = Net();
        using (NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change))
        {
            NeuralPSException e = InUse(() => OnOtherThread(() => NetworkLease.Acquire(net, "Invoke-Prediction", NetworkUse.Read)));
            Assert.Contains("Invoke-Prediction cannot use the network 'shared'", e.Message);
            Assert.Contains("Invoke-Training in another runspace or thread is changing it", e.Message);
            Assert.Contains("$net.Clone()", e.Message);
        }
        using (NetworkLease.Acquire(net, "Invoke-Prediction", NetworkUse.Read))
            Assert.Contains("Invoke-Prediction in another runspace or thread is using it",
                InUse(() => OnOtherThread(() => NetworkLease.Acquire(net, "Test-Network", NetworkUse.Read))).Message);
        // given back: the other thread gets it now
        OnOtherThread(() => NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change).Dispose());
    }

    [Fact]
    public void ThePipelineThatHoldsANetworkMayReadItButNotChangeIt()
    {
        Network net = Net();
        using (NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change))
        {
            // a checkpoint between epochs, downstream in the same pipeline
            using (NetworkLease.Acquire(net, "Export-Network", NetworkUse.Read))
            using (NetworkLease.Acquire(net, "Invoke-Prediction", NetworkUse.Read)) { }
            NeuralPSException e = InUse(() => NetworkLease.Acquire(net, "Add-DenseLayer", NetworkUse.Change));
            Assert.Contains("Add-DenseLayer cannot change the network 'shared': Invoke-Training earlier in this pipeline is changing it", e.Message);
        }
        using (NetworkLease.Acquire(net, "Invoke-Prediction", NetworkUse.Read))
            InUse(() => NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change));
        NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change).Dispose();
    }

    [Fact]
    public void DisposingTwiceGivesBackOnce()
    {
        Network net = Net();
        NetworkLease outer = NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change);
        NetworkLease inner = NetworkLease.Acquire(net, "Export-Network", NetworkUse.Read);
        inner.Dispose();
        inner.Dispose(); // must not give back the outer lease too
        InUse(() => OnOtherThread(() => NetworkLease.Acquire(net, "Test-Network", NetworkUse.Read)));
        outer.Dispose();
        OnOtherThread(() => NetworkLease.Acquire(net, "Test-Network", NetworkUse.Read).Dispose());
    }

    [Fact]
    public void AcquireAllTakesEveryNetworkOrNone()
    {
        Network a = Net(), b = Net();
        using (NetworkLease.Acquire(b, "Invoke-Training", NetworkUse.Change))
            InUse(() => OnOtherThread(() => NetworkLease.AcquireAll(new[] { a, b }, "Show-TrainingHistory", NetworkUse.Read)));
        // a was given back when b could not be taken
        OnOtherThread(() => NetworkLease.Acquire(a, "Invoke-Training", NetworkUse.Change).Dispose());
        using (NetworkLease.AcquireAll(new[] { a, b, a }, "Show-TrainingHistory", NetworkUse.Read))
            InUse(() => OnOtherThread(() => NetworkLease.Acquire(a, "Invoke-Training", NetworkUse.Change)));
        OnOtherThread(() => NetworkLease.Acquire(a, "Invoke-Training", NetworkUse.Change).Dispose());
    }

    [Fact]
    public void ACloneIsAnotherNetworkToLease()
    {
        Network net = Net();
        net.Add(new Layers.DenseLayer(1, Activation.Linear));
        using (NetworkLease.Acquire(net, "Invoke-Training", NetworkUse.Change))
        {
            Network copy = net.Clone();
            OnOtherThread(() => NetworkLease.Acquire(copy, "Invoke-Training", NetworkUse.Change).Dispose());
        }
    }
}
