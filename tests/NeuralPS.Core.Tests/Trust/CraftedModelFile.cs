using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>
/// A model file taken apart for editing, as an attacker would: its JSON metadata and its blocks of numbers, sealed
/// again with a fresh SHA-256 (the hash has no key, so a crafted file passes the checksum; only validation stops it).
/// </summary>
internal sealed class CraftedModelFile
{
    private readonly uint _format;

    private CraftedModelFile(uint format, JsonObject meta, List<float[]> blocks)
    {
        _format = format;
        Meta = meta;
        Blocks = blocks;
    }

    /// <summary>The metadata, to edit.</summary>
    public JsonObject Meta { get; }

    /// <summary>The blocks of numbers (parameters, layer states, optimizer slots), to edit.</summary>
    public List<float[]> Blocks { get; }

    /// <summary>Takes a file written by <see cref="ModelFile.ToBytes"/> apart (its layout as ModelFile documents it).</summary>
    public static CraftedModelFile Open(byte[] file)
    {
        uint format = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8));
        int at = ModelFile.HeaderLength;
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at)); at += 4;
        var meta = JsonNode.Parse(file.AsSpan(at, jsonLength))!.AsObject(); at += jsonLength;
        int count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at)); at += 4;
        var blocks = new List<float[]>();
        for (int b = 0; b < count; b++)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at)); at += 4;
            var block = new float[length];
            for (int i = 0; i < length; i++, at += 4) block[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(at));
            blocks.Add(block);
        }
        return new CraftedModelFile(format, meta, blocks);
    }

    /// <summary>The file's bytes, with the header's length and the SHA-256 computed afresh.</summary>
    public byte[] Seal()
    {
        byte[] json = Encoding.UTF8.GetBytes(Meta.ToJsonString());
        var payload = new MemoryStream();
        var four = new byte[4];
        void Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(four, value);
            payload.Write(four);
        }
        Int(json.Length);
        payload.Write(json);
        Int(Blocks.Count);
        foreach (float[] block in Blocks)
        {
            Int(block.Length);
            foreach (float value in block)
            {
                BinaryPrimitives.WriteSingleLittleEndian(four, value);
                payload.Write(four);
            }
        }
        byte[] body = payload.ToArray();
        var file = new byte[ModelFile.HeaderLength + body.Length + ModelFile.ChecksumLength];
        ModelFile.Magic.CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), _format);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), body.Length);
        body.CopyTo(file, ModelFile.HeaderLength);
        SHA256.HashData(body, file.AsSpan(ModelFile.HeaderLength + body.Length));
        return file;
    }
}
