using System.Buffers.Binary;
using System.Diagnostics;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>A model file's header is checked from its first 20 bytes, before the rest is read or anything is allocated for it.</summary>
public sealed class ModelFileHeaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-header-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Saved()
    {
        var net = new Network(4, "iris", seed: 1);
        net.Add(new DenseLayer(3, Activation.Softmax));
        return ModelFile.ToBytes(net);
    }

    /// <summary>Reads <paramref name="path"/>, which must be refused; checks it took under a second.</summary>
    private static NeuralPSException Refused(string path)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.Read(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{path} took {clock.Elapsed}"); // it read 4.3 GB of /dev/zero for 14 s
        return e;
    }

    [SkippableFact]
    public void DevZeroIsRefusedFromItsFirstBytes()
    {
        Skip.IfNot(File.Exists("/dev/zero"), "no /dev/zero here");
        NeuralPSException e = Refused("/dev/zero");
        Assert.Equal("ModelFileCorrupt", e.ErrorId);
        Assert.Contains("not a NeuralPS model file", e.Message);
    }

    [Fact]
    public void AGigabyteOfRandomBytesIsRefusedFromItsFirstBytes()
    {
        string path = Path.Combine(_folder, "random.npsm");
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write(Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
            file.SetLength(1L << 30); // 1 GB (sparse: the test does not write it all)
        }
        Assert.Equal("ModelFileCorrupt", Refused(path).ErrorId);
    }

    [Fact]
    public void AFolderIsRefusedAsAFolder()
    {
        NeuralPSException e = Refused(_folder);
        Assert.Equal("PathIsFolder", e.ErrorId);
        Assert.Contains("is a folder, not a model file", e.Message);
    }

    [Fact]
    public void ASignedFileClaimingMoreThanItHoldsIsRefusedWithoutReadingOn()
    {
        byte[] bytes = Saved();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), 1L << 40);
        string path = Path.Combine(_folder, "claims.npsm");
        File.WriteAllBytes(path, bytes);
        NeuralPSException e = Refused(path);
        Assert.Equal("ModelFileCorrupt", e.ErrorId);
        Assert.Contains("states a length of 1099511627776 bytes", e.Message);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), bytes.Length); // more than the file, less than a buffer
        File.WriteAllBytes(path, bytes);
        Assert.Contains("truncated", Refused(path).Message);
    }

    [Fact]
    public void AnImplausibleFormatNumberIsDamageNotANewerFormat()
    {
        byte[] bytes = Saved();
        bytes[11] = 7; // the format number's high byte: format 2 becomes 117,440,514
        int number = BitConverter.ToInt32(bytes, 8);
        Assert.True(number > 100_000_000);
        string path = Path.Combine(_folder, "version.npsm");
        File.WriteAllBytes(path, bytes);
        foreach (NeuralPSException e in new[] { Refused(path), Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(bytes)) })
        {
            Assert.Equal("ModelFileCorrupt", e.ErrorId);
            Assert.Contains($"format number ({number}) is not one any NeuralPS writes", e.Message);
            Assert.DoesNotContain("Update NeuralPS", e.Message);
        }
    }

    [Fact]
    public void AGoodFileStillReads()
    {
        string path = Path.Combine(_folder, "good.npsm");
        File.WriteAllBytes(path, Saved());
        Network net = ModelFile.Read(path);
        Assert.Equal(15, net.ParameterCount);
        Assert.Equal(Saved(), ModelFile.ToBytes(net));
    }

    [SkippableFact]
    public void AModelFromAPipeIsReadAsFarAsItGoes()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/mkfifo"), "no named pipes here");
        byte[] good = Saved();
        foreach (byte[] content in new[] { good, good[..^5], good.Concat(new byte[7]).ToArray() })
        {
            string fifo = Path.Combine(_folder, $"pipe{content.Length}");
            Process.Start("/usr/bin/mkfifo", fifo).WaitForExit();
            Task writer = Task.Run(() =>
            {
                using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                try { pipe.Write(content); pipe.Flush(); }
                catch (IOException) { } // the reader stopped one byte past the length its header states, as it should
            });
            if (content.Length == good.Length) Assert.Equal(15, ModelFile.Read(fifo).ParameterCount);
            else Assert.Equal("ModelFileCorrupt", Assert.Throws<NeuralPSException>(() => ModelFile.Read(fifo)).ErrorId);
            writer.Wait();
        }
    }
}
