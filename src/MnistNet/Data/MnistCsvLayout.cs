namespace MnistNet.Data;

/// <summary>The column layouts of Kaggle "Digit Recognizer" CSV files, told apart by their first line.</summary>
public enum MnistCsvLayout
{
    /// <summary>train.csv: header <c>label,pixel0,...,pixel783</c>, then one labelled image per line.</summary>
    Train,

    /// <summary>test.csv: header <c>pixel0,...,pixel783</c>, then one unlabelled image per line.</summary>
    Test,

    /// <summary>No header: every line, the first included, holds a label and 784 pixels.</summary>
    Headerless,
}
