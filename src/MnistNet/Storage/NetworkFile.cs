using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Training;

namespace MnistNet.Storage;

/// <summary>
/// Saves and loads networks as versioned binary files (extension .mnn by convention). Layout, little-endian:
/// <code>
/// "MNISTNET"                   8 bytes, identifies the file
/// format version               uint16: 1 for a network, 2 for a training checkpoint
/// reserved                     uint16, 0
/// layer size count S           int32, then S int32 sizes (input, hidden..., output)
/// activation                   int32 (0 ReLU, 1 Sigmoid, 2 Tanh)
/// metadata length M            int32, then M bytes of UTF-8 JSON: seed, training options, history
/// parameters                   for each layer: weights (inputs x outputs, row-major) then biases, float32
/// training state (version 2)  image order: int32 count, then int32s; optimizer state and best parameters: each
///                              an int32 count of arrays, then per array an int32 length and float32 values
/// checksum                     uint64 XxHash64 of every byte before it
/// </code>
/// A checkpoint's metadata also holds the scalar training state (see <see cref="TrainingCheckpoint"/>). Plain
/// networks are still written as version 1, so files without training state read the same as before.
/// The checksum is verified before anything is parsed, so a truncated or damaged file is refused whole.
/// </summary>
public static class NetworkFile
{
    public const string Extension = ".mnn";
    public const ushort FormatVersion = 1;
    public const ushort CheckpointFormatVersion = 2;

    private static readonly byte[] Magic = "MNISTNET"u8.ToArray();
    private const int ChecksumLength = sizeof(ulong);
    private const int MaxLayerSize = 1 << 20;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Writes the network to a temporary file beside <paramref name="path"/> and renames it into place, so an
    /// interrupted save never leaves a half-written file under the real name.
    /// </summary>
    public static void Save(NeuralNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);

        SaveTarget.WriteAtomically(Serialize(network), path, "network");
    }

    /// <summary>
    /// Saves a network with the state its training run needs to resume (format version 2), atomically as
    /// <see cref="Save"/> does. Import-Network and <see cref="Load"/> read such a file as a plain network.
    /// </summary>
    public static void SaveCheckpoint(NeuralNetwork network, TrainingCheckpoint checkpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrEmpty(path);

        SaveTarget.WriteAtomically(Serialize(network, checkpoint), path, "checkpoint");
    }

    /// <summary>Reads a checkpoint written by <see cref="SaveCheckpoint"/>: network and training state.</summary>
    public static (NeuralNetwork Network, TrainingCheckpoint Checkpoint) LoadCheckpoint(string path)
    {
        string fullPath = RequireFile(path);
        (NeuralNetwork network, TrainingCheckpoint? checkpoint) = Read(File.ReadAllBytes(fullPath), fullPath);
        if (checkpoint is null)
        {
            network.Dispose();
            throw Problem(fullPath, "format version",
                "this is a network without training state, not a checkpoint; load it with Import-Network, or " +
                "give it to Start-NetworkTraining -Network to train it further.");
        }

        return (network, checkpoint);
    }

    /// <summary>
    /// Reads a network saved by <see cref="Save"/>; throws <see cref="MnistDataException"/> otherwise.
    /// </summary>
    public static NeuralNetwork Load(string path)
    {
        string fullPath = RequireFile(path);
        return Deserialize(File.ReadAllBytes(fullPath), fullPath);
    }

    private static string RequireFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"There is no network file at {fullPath}.", fullPath);
        }

        return fullPath;
    }

    internal static byte[] Serialize(NeuralNetwork network, TrainingCheckpoint? checkpoint = null)
    {
        network.ThrowIfDisposed();
        var metadata = new NetworkMetadata(network.Seed, network.TrainedWith, [.. network.History], checkpoint);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, JsonOptions);

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(checkpoint is null ? FormatVersion : CheckpointFormatVersion);
            writer.Write((ushort)0);
            writer.Write(network.LayerSizes.Count);
            foreach (int size in network.LayerSizes)
            {
                writer.Write(size);
            }

            writer.Write((int)network.Activation);
            writer.Write(json.Length);
            writer.Write(json);
            foreach (DenseLayer layer in network.Layers)
            {
                writer.Write(MemoryMarshal.AsBytes<float>(layer.GetWeights().AsSpan()));
                writer.Write(MemoryMarshal.AsBytes<float>(layer.Biases.Span));
            }

            if (checkpoint is not null)
            {
                writer.Write(checkpoint.Order.Length);
                writer.Write(MemoryMarshal.AsBytes<int>(checkpoint.Order));
                WriteArrays(writer, checkpoint.OptimizerState);
                WriteArrays(writer, checkpoint.BestParameters);
            }
        }

        // BinaryWriter is little-endian on every platform, and so is the checksum we append.
        ulong checksum = XxHash64.HashToUInt64(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        Span<byte> trailer = stackalloc byte[ChecksumLength];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, checksum);
        buffer.Write(trailer);
        return buffer.ToArray();
    }

    internal static NeuralNetwork Deserialize(ReadOnlySpan<byte> file, string path) => Read(file, path).Network;

    private static void WriteArrays(BinaryWriter writer, float[][] arrays)
    {
        writer.Write(arrays.Length);
        foreach (float[] values in arrays)
        {
            writer.Write(values.Length);
            writer.Write(MemoryMarshal.AsBytes<float>(values));
        }
    }

    private static (NeuralNetwork Network, TrainingCheckpoint? Checkpoint) Read(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < Magic.Length || !file[..Magic.Length].SequenceEqual(Magic))
        {
            throw Problem(path, "magic number",
                $"this is not a MnistNet network file: it should start with \"MNISTNET\" " +
                $"(found {Describe(file[..Math.Min(file.Length, Magic.Length)])}).");
        }

        // Checked before any field is read, so a file cut short says so rather than naming the field it cuts.
        if (file.Length < Magic.Length + 4 + ChecksumLength)
        {
            throw Problem(path, "checksum",
                $"the file is truncated: at {file.Length} bytes it is too short to hold a header and a checksum.");
        }

        var reader = new SpanReader(file[..^ChecksumLength], path);
        reader.Skip(Magic.Length);
        ushort version = reader.UInt16("format version");
        if (version is not (FormatVersion or CheckpointFormatVersion))
        {
            throw Problem(path, "format version",
                $"the file has format version {version}; this MnistNet reads versions {FormatVersion} and " +
                $"{CheckpointFormatVersion}." +
                (version > CheckpointFormatVersion ? " A newer MnistNet may have written it." : ""));
        }

        VerifyChecksum(file, path);
        reader.UInt16("reserved");

        int sizeCount = reader.Int32("layer size count");
        if (sizeCount is < 2 or > 64)
        {
            throw Problem(path, "layer size count", $"expected 2 to 64 layer sizes, found {sizeCount}.");
        }

        int[] sizes = new int[sizeCount];
        for (int i = 0; i < sizeCount; i++)
        {
            sizes[i] = reader.Int32("layer size");
            if (sizes[i] is < 1 or > MaxLayerSize)
            {
                throw Problem(path, "layer size", $"layer size {i} is {sizes[i]}, outside 1..{MaxLayerSize}.");
            }
        }

        int activationCode = reader.Int32("activation");
        if (!Enum.IsDefined(typeof(Activation), activationCode))
        {
            throw Problem(path, "activation", $"unknown activation code {activationCode}; expected 0, 1 or 2.");
        }

        int jsonLength = reader.Int32("metadata length");
        NetworkMetadata metadata = ParseMetadata(reader.Bytes(jsonLength, "metadata"), path);
        if ((version == CheckpointFormatVersion) != (metadata.Checkpoint is not null))
        {
            throw Problem(path, "metadata", version == CheckpointFormatVersion
                ? "the file is a checkpoint (format version 2) but its metadata has no training state."
                : "the file is a plain network (format version 1) but its metadata has training state.");
        }

        if (NeuralNetwork.SizeProblem(sizes) is string sizeProblem)
        {
            throw Problem(path, "layer size", sizeProblem);
        }

        var network = new NeuralNetwork(sizes, (Activation)activationCode);
        try
        {
            for (int l = 0; l < network.Layers.Count; l++)
            {
                DenseLayer layer = network.Layers[l];
                var weights = new float[layer.Inputs * layer.Outputs];
                reader.Floats(weights, "weights");
                RequireFinite(weights, path, $"weight of layer {l + 1}");
                layer.SetWeights(weights);
                reader.Floats(layer.Biases.Span, "biases");
                RequireFinite(layer.Biases.Span, path, $"bias of layer {l + 1}");
            }

            TrainingCheckpoint? checkpoint = metadata.Checkpoint is null ? null : metadata.Checkpoint with
            {
                Order = reader.Ints("image order"),
                OptimizerState = reader.FloatArrays("optimizer state"),
                BestParameters = reader.FloatArrays("best parameters"),
            };

            if (reader.Remaining != 0)
            {
                throw Problem(path, "parameters",
                    $"{reader.Remaining} bytes follow the parameters of a {string.Join("-", sizes)} network.");
            }

            network.Seed = metadata.Seed;
            network.TrainedWith = metadata.TrainedWith;
            network.ReplaceHistory(metadata.History ?? []);
            return (network, checkpoint);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    // The checksum finds damage, not a file written on purpose with a NaN in it; such a network would predict
    // digit 0 with NaN confidence for every image, so it is refused where it is read.
    private static void RequireFinite(ReadOnlySpan<float> values, string path, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw Problem(path, "parameters", string.Create(CultureInfo.InvariantCulture,
                    $"{what} number {i} is {values[i]}; a network's parameters must be finite numbers."));
            }
        }
    }

    private static void VerifyChecksum(ReadOnlySpan<byte> file, string path)
    {
        ReadOnlySpan<byte> body = file[..^ChecksumLength];
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(file[^ChecksumLength..]);
        ulong actual = XxHash64.HashToUInt64(body);
        if (stored != actual)
        {
            throw Problem(path, "checksum",
                "the checksum stored in the file does not match its contents, so the file is damaged or truncated " +
                $"(it records {stored:x16}; the contents hash to {actual:x16}). Save the network again or use " +
                "another copy.");
        }
    }

    private static NetworkMetadata ParseMetadata(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<NetworkMetadata>(json, JsonOptions)
                ?? throw Problem(path, "metadata", "the metadata is empty.");
        }
        catch (JsonException error)
        {
            throw Problem(path, "metadata", $"the metadata is not valid: {error.Message}", error);
        }
    }

    private static string Describe(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? "an empty file" : "bytes " + Convert.ToHexString(bytes);

    /// <summary>A problem with a field of the file; the message says what failed without calling it a column.</summary>
    private static MnistDataException Problem(string path, string field, string problem, Exception? inner = null) =>
        MnistDataException.InField(path, field, problem, inner);

    /// <summary>What the file records besides the weights.</summary>
    internal sealed record NetworkMetadata(int? Seed, TrainingOptions? TrainedWith, List<EpochRecord>? History,
        TrainingCheckpoint? Checkpoint = null);

    /// <summary>Reads fields in order, failing with the name of the field that ran past the end.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data, string path)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly int Remaining => _data.Length - _position;

        public void Skip(int count) => Take(count, "header");

        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(sizeof(ushort), field));

        public int Int32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int), field));

        public ReadOnlySpan<byte> Bytes(int count, string field)
        {
            if (count < 0)
            {
                throw Problem(path, field, $"the {field} has a negative length, {count}.");
            }

            return Take(count, field);
        }

        public void Floats(Span<float> destination, string field) =>
            Take(destination.Length * sizeof(float), field).CopyTo(MemoryMarshal.AsBytes(destination));

        public int[] Ints(string field)
        {
            int[] values = new int[Count(sizeof(int), field)];
            Take(values.Length * sizeof(int), field).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        public float[][] FloatArrays(string field)
        {
            float[][] arrays = new float[Count(sizeof(int), field)][];
            for (int i = 0; i < arrays.Length; i++)
            {
                arrays[i] = new float[Count(sizeof(float), field)];
                Floats(arrays[i], field);
            }

            return arrays;
        }

        /// <summary>Reads a count and checks that that many items of the given size can follow.</summary>
        private int Count(int itemSize, string field)
        {
            int count = Int32(field);
            if (count < 0 || (long)count * itemSize > Remaining)
            {
                throw Problem(path, field,
                    $"the {field} has a count of {count}, which does not fit the {Remaining} bytes that follow.");
            }

            return count;
        }

        private ReadOnlySpan<byte> Take(int count, string field)
        {
            if (count > Remaining)
            {
                throw Problem(path, field,
                    $"the file ends early, in the {field}: {count} bytes needed at offset {_position}, " +
                    $"{Remaining} left.");
            }

            ReadOnlySpan<byte> slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
