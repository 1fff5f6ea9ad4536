using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// Float arrays whose first element starts a cache line (64 bytes), for the buffers products write and threads share.
/// .NET places an array's elements 16 bytes after an 8-byte-aligned object start, so a plain float[] begins anywhere
/// in a line (24 bytes in, in the benchmark's runs). When two threads then write the two column halves of an output
/// whose rows are a whole number of lines (128 or 64 floats), the line that straddles the halves in every row is written
/// by both, and the cores pass it back and forth: a 32×784×128 product on two threads took 57-59 µs with its output
/// 24 bytes off a line and 22-24 µs with it on one. Packed panels that start on a line also load one line a vector
/// instead of two.
/// The arrays are pinned (the pinned object heap never moves them, so the alignment lasts). There is no way to ask .NET
/// for an aligned array, so the heap is asked again, with small fillers in between, until an array lands on a line:
/// one in eight does by chance. After 64 tries (or 32 MB of misses) the last one is used as it is: only speed depends
/// on the alignment, never a result.
/// </summary>
internal static class CacheAligned
{
    private const int Line = 64;
    private const int Attempts = 64;
    private const long MaxWastedBytes = 32 << 20;   // a big convolution's buffers give up sooner: garbage until the next full GC

    /// <summary>A zeroed, pinned float array of <paramref name="length"/> starting on a cache line where the heap allows.</summary>
    public static float[] Floats(int length) => Allocate(length, zeroed: true);

    /// <summary>The same, not zeroed (scratch the caller writes before reading).</summary>
    public static float[] Uninitialized(int length) => Allocate(length, zeroed: false);

    private static float[] Allocate(int length, bool zeroed)
    {
        float[] array = New(length, zeroed);
        if (Offset(array) == 0) return array;
        // Misses stay alive until the end, so that the heap cannot hand the same place out again; fillers of 8 to 64
        // bytes in between shift where the next array lands when the heap places them one after another.
        var misses = new List<object>();
        long wasted = 0;
        for (int attempt = 0; attempt < Attempts && Offset(array) != 0 && wasted < MaxWastedBytes; attempt++)
        {
            wasted += 4L * length;
            misses.Add(array);
            misses.Add(GC.AllocateUninitializedArray<byte>(8 * (1 + attempt % 8), pinned: true));
            array = New(length, zeroed);
        }
        GC.KeepAlive(misses);
        return array;
    }

    private static float[] New(int length, bool zeroed) =>
        zeroed ? GC.AllocateArray<float>(length, pinned: true) : GC.AllocateUninitializedArray<float>(length, pinned: true);

    private static unsafe nint Address(float[] array) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    /// <summary>How many bytes past a line boundary the array's first element sits (0 for an empty array).</summary>
    internal static int Offset(float[] array) => array.Length == 0 ? 0 : (int)(Address(array) & (Line - 1));
}
