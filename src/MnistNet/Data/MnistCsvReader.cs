using System.Text;
using CsvHelper;

namespace MnistNet.Data;

/// <summary>
/// Reads the CSV files of Kaggle's "Digit Recognizer" competition: train.csv (<c>label,pixel0..pixel783</c>),
/// test.csv (<c>pixel0..pixel783</c>) and files of 785 integers per line without a header. The layout is told
/// from the first line (see <see cref="MnistCsvLayout"/>).
/// </summary>
/// <remarks>
/// <para>
/// ImageId is the 1-based number of the data line among all data lines of the file, bad ones included, so that
/// ids of a test file stay Kaggle's submission ids even when lines are skipped.
/// </para>
/// <para>
/// A bad record (wrong column count, empty or non-integer field, pixel outside 0..255, label outside 0..9, broken
/// quoting) throws a <see cref="MnistDataException"/> naming the physical line and the column, unless a callback
/// is given: then each bad record is passed to it and skipped. Problems of the file as a whole (missing, empty,
/// header without data, unknown header) always throw. Lines that are empty or hold only spaces and tabs carry no
/// values and are passed over; they still count for line numbers. A UTF-8 byte order mark and CRLF line ends are
/// accepted; numbers are read as ASCII digits, whatever the current culture.
/// </para>
/// </remarks>
public static class MnistCsvReader
{
    private const int LabelledFieldCount = MnistSample.PixelCount + 1;

    // The shortest well-formed line is 784 one-digit pixels and their commas; used to size buffers up front.
    private const int ShortestLineBytes = 2 * MnistSample.PixelCount;

    private const int MaxQuotedLength = 24;

    private static readonly string[] PixelNames =
        [.. Enumerable.Range(0, MnistSample.PixelCount).Select(i => $"pixel{i}")];

    private static readonly byte[][] PixelNamesUtf8 = [.. PixelNames.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Reads the first line of <paramref name="path"/> and tells which layout the file has.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MnistDataException">The file is empty or its first line is no known header.</exception>
    public static MnistCsvLayout DetectLayout(string path)
    {
        using var cursor = new Cursor(path, onBadRecord: null);
        return cursor.Layout;
    }

    /// <summary>
    /// Streams one sample per data line. The file is opened when enumeration starts, so file-level errors surface
    /// on the first <c>MoveNext</c>; a missing file is reported at once.
    /// </summary>
    /// <param name="path">A Kaggle train or test CSV file, or one without a header.</param>
    /// <param name="onBadRecord">Receives each bad record, which is then skipped; null to throw on the first.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IEnumerable<MnistSample> ReadSamples(string path, Action<MnistDataException>? onBadRecord = null)
    {
        CheckExists(path);
        return Enumerate(path, onBadRecord);
    }

    /// <summary>
    /// Reads the whole file straight into one <see cref="MnistDataset"/>, without a sample object per line.
    /// The dataset is labelled for the train and headerless layouts and unlabelled for the test layout.
    /// </summary>
    /// <param name="path">A Kaggle train or test CSV file, or one without a header.</param>
    /// <param name="onBadRecord">Receives each bad record, which is then skipped; null to throw on the first.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MnistDataException">The file, or a record when no callback is given, is not valid.</exception>
    public static MnistDataset ReadDataset(string path, Action<MnistDataException>? onBadRecord = null)
    {
        using var cursor = new Cursor(path, onBadRecord);

        long estimate = new FileInfo(path).Length / ShortestLineBytes + 1;
        int capacity = (int)Math.Min(estimate, Array.MaxLength / MnistSample.PixelCount);
        // Every byte up to the count is written before it is read, so zeroing the buffer would be wasted work.
        byte[] pixels = GC.AllocateUninitializedArray<byte>(capacity * MnistSample.PixelCount);
        byte[] labels = new byte[capacity];
        int[] ids = new int[capacity];
        int count = 0;

        while (true)
        {
            if (count == capacity)
            {
                // Only lines shorter than any good one (all skipped as bad) can outgrow the estimate.
                capacity = checked(capacity * 2);
                Array.Resize(ref pixels, checked(capacity * MnistSample.PixelCount));
                Array.Resize(ref labels, capacity);
                Array.Resize(ref ids, capacity);
            }

            Span<byte> target = pixels.AsSpan(count * MnistSample.PixelCount, MnistSample.PixelCount);
            if (!cursor.MoveNext(target, out int label, out int imageId))
            {
                break;
            }

            labels[count] = (byte)label;
            ids[count] = imageId;
            count++;
        }

        return new MnistDataset(
            Trim(pixels, count * MnistSample.PixelCount),
            cursor.Labelled ? Trim(labels, count) : null,
            Trim(ids, count),
            path);
    }

    private static IEnumerable<MnistSample> Enumerate(string path, Action<MnistDataException>? onBadRecord)
    {
        using var cursor = new Cursor(path, onBadRecord);
        while (true)
        {
            byte[] pixels = new byte[MnistSample.PixelCount];
            if (!cursor.MoveNext(pixels, out int label, out int imageId))
            {
                yield break;
            }

            yield return new MnistSample(imageId, cursor.Labelled ? label : null, pixels);
        }
    }

    private static void CheckExists(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The CSV file '{path}' does not exist.", path);
        }

        // Read as text, a compressed file fails on its first line with talk of quotes and headers that explains
        // nothing; gzip's two magic bytes say what it really is.
        Span<byte> start = stackalloc byte[2];
        using (FileStream stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2 && start[0] == 0x1F && start[1] == 0x8B)
            {
                throw new MnistDataException(path, line: null, column: null,
                    "gzip-compressed data, not CSV text; decompress it first (for example with gunzip or 7-Zip)");
            }
        }
    }

    private static T[] Trim<T>(T[] array, int length) => array.Length == length ? array : array[..length];

    private static string ColumnName(bool labelled, int index)
    {
        int pixel = labelled ? index - 1 : index;
        return pixel switch
        {
            -1 => "label",
            < MnistSample.PixelCount => PixelNames[pixel],
            _ => $"after {PixelNames[^1]}",
        };
    }

    /// <summary>The text of a field as it may appear in a message: quoted, and cut short when long.</summary>
    private static string Show(ReadOnlySpan<byte> field)
    {
        string text = Encoding.UTF8.GetString(field);
        return text.Length <= MaxQuotedLength ? $"'{text}'" : $"'{text[..MaxQuotedLength]}...' ({text.Length} chars)";
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    private enum IntegerText
    {
        Empty,
        NotInteger,
        Integer,
    }

    /// <summary>
    /// Reads an optionally signed run of ASCII digits. Values beyond the range of any column are clamped, which
    /// keeps them out of range without overflowing.
    /// </summary>
    private static IntegerText ParseInteger(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return IntegerText.Empty;
        }

        bool negative = text[0] == (byte)'-';
        ReadOnlySpan<byte> digits = text[0] is (byte)'-' or (byte)'+' ? text[1..] : text;
        if (digits.IsEmpty || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            return IntegerText.NotInteger;
        }

        foreach (byte digit in digits)
        {
            value = Math.Min(value * 10 + (digit - '0'), int.MaxValue);
        }

        value = negative ? -value : value;
        return IntegerText.Integer;
    }

    /// <summary>One pass over a file: the layout, then one record after another.</summary>
    private sealed class Cursor : IDisposable
    {
        private const string TrainHeaderText = "train.csv header label,pixel0,...,pixel783";
        private const string TestHeaderText = "test.csv header pixel0,...,pixel783";

        private readonly string _path;
        private readonly Action<MnistDataException>? _onBadRecord;
        private readonly CsvReader _csv;

        // CsvHelper skips records with broken quoting and tells of them here, before Read returns the next record.
        private readonly Queue<CsvMalformedRecord> _malformed = new();

        private bool _firstRecordIsData;

        // Data lines met so far, good or bad: the id of the current one.
        private int _dataLines;

        public Cursor(string path, Action<MnistDataException>? onBadRecord)
        {
            CheckExists(path);
            _path = path;
            _onBadRecord = onBadRecord;

            var options = new CsvReaderOptions
            {
                HasHeader = false,
                Separator = ',',
                TrackLineNumbers = true,

                // One line is one record, so a stray quote cannot swallow the lines after it.
                AllowLineBreaksInQuotes = false,
                MalformedData = CsvMalformedDataHandling.Skip,
                OnMalformedRecord = _malformed.Enqueue,
            };
            _csv = CsvReader.FromFile(path, options);

            try
            {
                Layout = DetectLayout();
            }
            catch
            {
                _csv.Dispose();
                throw;
            }
        }

        public MnistCsvLayout Layout { get; }

        public bool Labelled => Layout != MnistCsvLayout.Test;

        private int ExpectedFieldCount => Labelled ? LabelledFieldCount : MnistSample.PixelCount;

        public void Dispose() => _csv.Dispose();

        /// <summary>
        /// Moves to the next good record and writes its pixels to <paramref name="pixels"/>, reporting the bad
        /// records on the way. The span may be scribbled on by bad records; it holds the pixels only on true.
        /// </summary>
        public bool MoveNext(Span<byte> pixels, out int label, out int imageId)
        {
            while (true)
            {
                if (_firstRecordIsData)
                {
                    _firstRecordIsData = false;
                }
                else if (!NextRecord())
                {
                    if (_dataLines == 0)
                    {
                        throw Error(null, null, "has a header but no data lines; expected at least one image");
                    }

                    label = 0;
                    imageId = 0;
                    return false;
                }

                _dataLines++;
                if (ParseRecord(pixels, out label))
                {
                    imageId = _dataLines;
                    return true;
                }
            }
        }

        private MnistDataException Error(long? line, string? column, string problem, Exception? inner = null) =>
            new(_path, line, column, problem, inner);

        /// <summary>Throws the problem, or hands it to the callback when there is one; returns false then.</summary>
        private bool Report(long line, string? column, string problem)
        {
            MnistDataException error = Error(line, column, problem);
            if (_onBadRecord is null)
            {
                throw error;
            }

            _onBadRecord(error);
            return false;
        }

        /// <summary>Advances to the next line that holds something; malformed data lines are reported first.</summary>
        private bool NextRecord()
        {
            bool more;
            do
            {
                more = ReadRaw();
                while (_malformed.TryDequeue(out CsvMalformedRecord bad))
                {
                    _dataLines++;
                    (string? column, string text) = LocateQuote(bad.RawRecord);
                    Report(bad.LineNumber, column,
                        $"expected an integer, found broken quoting ({bad.Reason}) in '{text}'");
                }
            }
            while (more && IsBlankRecord());

            return more;
        }

        private bool ReadRaw()
        {
            try
            {
                return _csv.Read();
            }
            catch (CsvFormatException e)
            {
                throw Error(e.LineNumber > 0 ? e.LineNumber : null, null, $"cannot be read as CSV: {e.Message}", e);
            }
        }

        private bool IsBlankRecord() => _csv.FieldCount == 1 && IsBlank(_csv.RawRecord);

        private static string Shorten(string text) =>
            text.Length <= MaxQuotedLength ? text : text[..MaxQuotedLength] + "...";

        /// <summary>The column of the first quote of a line, and the field text that starts there.</summary>
        private (string? Column, string Text) LocateQuote(string line)
        {
            int quote = line.IndexOf('"');
            if (quote < 0)
            {
                return (null, Shorten(line));
            }

            int fieldStart = line.LastIndexOf(',', quote) + 1;
            int fieldEnd = line.IndexOf(',', quote);
            string field = fieldEnd < 0 ? line[fieldStart..] : line[fieldStart..fieldEnd];
            int index = line.AsSpan(0, quote).Count(',');
            return (ColumnName(Labelled, index), Shorten(field));
        }

        private MnistCsvLayout DetectLayout()
        {
            bool any;
            do
            {
                any = ReadRaw();
            }
            while (any && _malformed.Count == 0 && IsBlankRecord());

            if (_malformed.TryPeek(out CsvMalformedRecord broken))
            {
                throw Error(broken.LineNumber, null,
                    $"unknown header: expected {TrainHeaderText} or {TestHeaderText}, found broken quoting " +
                    $"({broken.Reason}) in '{Shorten(broken.RawRecord)}'");
            }

            if (!any)
            {
                throw Error(null, null, "is empty; expected a header line or a line of 785 integers");
            }

            ReadOnlySpan<byte> first = _csv.GetSpan(0);
            if (first.SequenceEqual("label"u8))
            {
                CheckHeader(labelled: true);
                return MnistCsvLayout.Train;
            }

            if (first.StartsWith("pixel"u8))
            {
                CheckHeader(labelled: false);
                return MnistCsvLayout.Test;
            }

            if (ParseInteger(first, out _) == IntegerText.Integer)
            {
                CheckHeaderlessFirstLine();
                _firstRecordIsData = true;
                return MnistCsvLayout.Headerless;
            }

            throw Error(_csv.LineNumber, "label",
                $"unknown header: expected column 1 to be 'label' ({TrainHeaderText}), 'pixel0' ({TestHeaderText}) " +
                $"or a digit (data without a header), found {Show(first)}");
        }

        private void CheckHeader(bool labelled)
        {
            string layout = labelled ? TrainHeaderText : TestHeaderText;
            int expected = labelled ? LabelledFieldCount : MnistSample.PixelCount;
            int found = _csv.FieldCount;
            long line = _csv.LineNumber;

            for (int i = 0; i < Math.Min(found, expected); i++)
            {
                ReadOnlySpan<byte> name = _csv.GetSpan(i);
                ReadOnlySpan<byte> wanted = labelled && i == 0 ? "label"u8 : PixelNamesUtf8[labelled ? i - 1 : i];
                if (!name.SequenceEqual(wanted))
                {
                    string column = ColumnName(labelled, i);
                    throw Error(line, column,
                        $"unknown header: expected column {i + 1} to be '{column}' ({layout}), found {Show(name)}");
                }
            }

            if (found < expected)
            {
                throw Error(line, ColumnName(labelled, found),
                    $"unknown header: expected {expected} columns ({layout}), found {found}; " +
                    $"'{ColumnName(labelled, found)}' and after are missing");
            }

            if (found > expected)
            {
                throw Error(line, ColumnName(labelled, expected),
                    $"unknown header: expected {expected} columns ({layout}), found {found}; " +
                    $"column {expected + 1} is {Show(_csv.GetSpan(expected))}");
            }
        }

        private void CheckHeaderlessFirstLine()
        {
            long line = _csv.LineNumber;
            int found = _csv.FieldCount;
            for (int i = 0; i < found; i++)
            {
                ReadOnlySpan<byte> field = _csv.GetSpan(i);
                if (ParseInteger(field, out _) != IntegerText.Integer)
                {
                    throw Error(line, ColumnName(labelled: true, i),
                        "unknown header: the first line starts with a number, so it was taken for data without a " +
                        $"header (a label and 784 pixels), but column {i + 1} holds {Show(field)}, not an integer");
                }
            }

            if (found != LabelledFieldCount)
            {
                throw Error(line, ColumnName(labelled: true, Math.Min(found, LabelledFieldCount)),
                    "unknown header: the first line holds only numbers, so it was taken for data without a header, " +
                    $"but expected {LabelledFieldCount} columns (a label and 784 pixels), found {found}");
            }
        }

        private bool ParseRecord(Span<byte> pixels, out int label)
        {
            label = 0;
            long line = _csv.LineNumber;
            int expected = ExpectedFieldCount;
            int found = _csv.FieldCount;
            if (found != expected)
            {
                string column = ColumnName(Labelled, Math.Min(found, expected));
                string missing = found < expected ? $"; '{column}' and after are missing" : "";
                return Report(line, column, $"expected {expected} columns, found {found}{missing}");
            }

            int first = 0;
            if (Labelled)
            {
                if (!ReadValue(line, 0, MnistSample.ClassCount - 1, out label))
                {
                    return false;
                }

                first = 1;
            }

            for (int i = 0; i < MnistSample.PixelCount; i++)
            {
                if (!ReadValue(line, first + i, byte.MaxValue, out int pixel))
                {
                    return false;
                }

                pixels[i] = (byte)pixel;
            }

            return true;
        }

        private bool ReadValue(long line, int index, int max, out int value)
        {
            ReadOnlySpan<byte> field = _csv.GetSpan(index);

            // Nearly every field is one to three plain digits; this loop is the whole cost of reading them.
            if (field.Length is > 0 and <= 3)
            {
                int number = 0;
                int position = 0;
                for (; position < field.Length; position++)
                {
                    uint digit = (uint)(field[position] - '0');
                    if (digit > 9)
                    {
                        break;
                    }

                    number = number * 10 + (int)digit;
                }

                if (position == field.Length && number <= max)
                {
                    value = number;
                    return true;
                }
            }

            // Leading zeros or a plus sign are odd but still a valid number; all else is a bad record.
            IntegerText kind = ParseInteger(field, out long parsed);
            if (kind == IntegerText.Integer && parsed >= 0 && parsed <= max)
            {
                value = (int)parsed;
                return true;
            }

            value = 0;
            string what = index == 0 && Labelled ? "a label" : "a pixel";
            string found = kind switch
            {
                IntegerText.Empty => "an empty field",
                IntegerText.NotInteger => $"{Show(field)}, not an integer",
                _ => $"{Show(field)}, out of range",
            };
            return Report(line, ColumnName(Labelled, index), $"expected {what} from 0 to {max}, found {found}");
        }
    }
}
