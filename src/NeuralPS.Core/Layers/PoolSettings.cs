using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Layers;

/// <summary>What the pooling layers share: their settings, checked, saved and loaded, and their geometry.</summary>
internal static class PoolSettings
{
    public static (int, int, int, int) Check(int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        if (poolHeight < 1 || poolWidth < 1 || strideHeight < 0 || strideWidth < 0)
            throw new NeuralPSException(ErrorIds.InvalidPooling, ErrorKind.InvalidArgument,
                $"A pooling window must be at least 1x1 and its stride at least 1; {poolHeight}x{poolWidth} with stride {strideHeight},{strideWidth} was given.", new[] { poolHeight, poolWidth, strideHeight, strideWidth });
        return (poolHeight, poolWidth, strideHeight == 0 ? poolHeight : strideHeight, strideWidth == 0 ? poolWidth : strideWidth);
    }

    public static Pool2DShape Geometry(string what, Shape input, int poolHeight, int poolWidth, int strideHeight, int strideWidth, Layer layer)
    {
        if (!input.IsImage)
            throw new NeuralPSException(ErrorIds.ImageInputRequired, ErrorKind.InvalidOperation,
                $"A {what} layer works on images, but its input is a row of {input.Size} features. Give the network an image " +
                "input (New-Network -InputShape 1,28,28) and put convolution and pooling layers before the dense ones.", layer);
        return new Pool2DShape(input.Channels, input.Height, input.Width, poolHeight, poolWidth, strideHeight, strideWidth);
    }

    public static void Save(JsonObject settings, int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        settings["PoolHeight"] = poolHeight;
        settings["PoolWidth"] = poolWidth;
        settings["StrideHeight"] = strideHeight;
        settings["StrideWidth"] = strideWidth;
    }

    public static (int, int, int, int) Load(JsonObject s) => (LayerRegistry.Number(s, "PoolHeight", 0), LayerRegistry.Number(s, "PoolWidth", 0),
        LayerRegistry.Number(s, "StrideHeight", 0), LayerRegistry.Number(s, "StrideWidth", 0));

    public static string StrideText(int poolHeight, int poolWidth, int strideHeight, int strideWidth) =>
        strideHeight == poolHeight && strideWidth == poolWidth ? "" : $" /{strideHeight}x{strideWidth}";
}
