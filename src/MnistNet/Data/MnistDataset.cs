namespace MnistNet.Data;

/// <summary>
/// Many digits in one contiguous block: pixels of image i at [i·784, (i+1)·784), and one label byte per image
/// when the data is labelled. This is the form training and prediction work on; it costs 785 bytes per image,
/// against several kilobytes for the same images as separate sample objects.
/// </summary>
public sealed class MnistDataset
{
    private readonly byte[] _pixels;
    private readonly byte[]? _labels;
    private readonly int[] _imageIds;

    /// <param name="pixels">count · 784 grey levels.</param>
    /// <param name="labels">count digits 0..9, or null for unlabelled data.</param>
    /// <param name="imageIds">1-based ids of the images, or null for 1..count.</param>
    /// <param name="source">Where the data came from, for messages and display.</param>
    public MnistDataset(byte[] pixels, byte[]? labels, int[]? imageIds = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length % MnistSample.PixelCount != 0)
        {
            throw new ArgumentException(
                $"{pixels.Length} pixels is not a whole number of {MnistSample.PixelCount}-pixel images.",
                nameof(pixels));
        }

        int count = pixels.Length / MnistSample.PixelCount;
        if (labels is not null)
        {
            if (labels.Length != count)
            {
                throw new ArgumentException($"{labels.Length} labels for {count} images.", nameof(labels));
            }

            int bad = Array.FindIndex(labels, label => label >= MnistSample.ClassCount);
            if (bad >= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"Label {labels[bad]} of image {bad + 1} is not a digit from 0 to 9.");
            }
        }

        if (imageIds is not null && imageIds.Length != count)
        {
            throw new ArgumentException($"{imageIds.Length} image ids for {count} images.", nameof(imageIds));
        }

        _pixels = pixels;
        _labels = labels;
        _imageIds = imageIds ?? Enumerable.Range(1, count).ToArray();
        Count = count;
        Source = source ?? "memory";
    }

    public int Count { get; }

    public bool HasLabels => _labels is not null;

    public string Source { get; }

    /// <summary>All pixels, image after image.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>All labels; empty when the data is unlabelled.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    public ReadOnlySpan<byte> GetPixels(int index) =>
        _pixels.AsSpan(CheckIndex(index) * MnistSample.PixelCount, MnistSample.PixelCount);

    public int? GetLabel(int index) => _labels is null ? null : _labels[CheckIndex(index)];

    public int GetImageId(int index) => _imageIds[CheckIndex(index)];

    public MnistSample GetSample(int index) =>
        new(GetImageId(index), GetLabel(index), GetPixels(index).ToArray());

    public IEnumerable<MnistSample> AsSamples()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return GetSample(i);
        }
    }

    /// <summary>A copy of images [start, start + count).</summary>
    public MnistDataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)start + count, Count, nameof(count));

        byte[] pixels = _pixels.AsSpan(start * MnistSample.PixelCount, count * MnistSample.PixelCount).ToArray();
        byte[]? labels = _labels?.AsSpan(start, count).ToArray();
        int[] ids = _imageIds.AsSpan(start, count).ToArray();
        return new MnistDataset(pixels, labels, ids, $"{Source} [{start + 1}..{start + count}]");
    }

    /// <summary>A copy of the images at the given indices, in that order.</summary>
    public MnistDataset Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);

        byte[] pixels = new byte[indices.Count * MnistSample.PixelCount];
        byte[]? labels = _labels is null ? null : new byte[indices.Count];
        int[] ids = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int index = CheckIndex(indices[i]);
            GetPixels(index).CopyTo(pixels.AsSpan(i * MnistSample.PixelCount));
            if (labels is not null)
            {
                labels[i] = _labels![index];
            }

            ids[i] = _imageIds[index];
        }

        return new MnistDataset(pixels, labels, ids, $"{Source} (selection of {indices.Count})");
    }

    /// <summary>Gathers samples into one dataset; either all samples have labels or none has.</summary>
    public static MnistDataset FromSamples(IEnumerable<MnistSample> samples, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(samples);

        var builder = new MnistDatasetBuilder(source);
        foreach (MnistSample sample in samples)
        {
            builder.Add(sample);
        }

        return builder.Build();
    }

    public override string ToString() =>
        $"{Count} images from {Source}" + (HasLabels ? "" : " (unlabelled)");

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }
}

/// <summary>
/// Collects samples one at a time, as they arrive from a pipeline, into a <see cref="MnistDataset"/>.
/// </summary>
public sealed class MnistDatasetBuilder(string? source = null)
{
    private readonly List<byte> _labels = [];
    private readonly List<int> _imageIds = [];
    private byte[] _pixels = new byte[64 * MnistSample.PixelCount];
    private bool? _labelled;

    public int Count { get; private set; }

    public void Add(MnistSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);

        bool labelled = sample.Label.HasValue;
        _labelled ??= labelled;
        if (_labelled != labelled)
        {
            throw new ArgumentException(
                $"Image {sample.ImageId} is {(labelled ? "labelled" : "unlabelled")} but the images before it are " +
                $"{(labelled ? "not" : "labelled")}; a dataset is either all labelled or all unlabelled.",
                nameof(sample));
        }

        if ((Count + 1) * MnistSample.PixelCount > _pixels.Length)
        {
            Array.Resize(ref _pixels, _pixels.Length * 2);
        }

        sample.Pixels.CopyTo(_pixels, Count * MnistSample.PixelCount);
        if (labelled)
        {
            _labels.Add((byte)sample.Label!.Value);
        }

        _imageIds.Add(sample.ImageId);
        Count++;
    }

    public MnistDataset Build()
    {
        byte[] pixels = _pixels.AsSpan(0, Count * MnistSample.PixelCount).ToArray();
        byte[]? labels = _labelled == true ? [.. _labels] : null;
        return new MnistDataset(pixels, labels, [.. _imageIds], source);
    }
}
