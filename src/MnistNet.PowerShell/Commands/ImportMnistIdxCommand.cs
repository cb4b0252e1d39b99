using System.Management.Automation;
using MnistNet.Data;

namespace MnistNet.PowerShell.Commands;

/// <summary>Which half of the original MNIST distribution to read from a folder.</summary>
public enum MnistSet
{
    /// <summary>The 60,000 training images (train-images-idx3-ubyte, train-labels-idx1-ubyte).</summary>
    Train,

    /// <summary>The 10,000 test images (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte).</summary>
    Test,
}

/// <summary>
/// Import-MnistIdx: reads the original MNIST IDX files (raw or gzip), images with their labels, from a folder or
/// from two named files, and emits samples or, with -AsDataset, one dataset.
/// </summary>
[Cmdlet(VerbsData.Import, "MnistIdx", DefaultParameterSetName = FolderSet)]
[OutputType(typeof(MnistSample), typeof(MnistDataset))]
public sealed class ImportMnistIdxCommand : MnistCmdlet
{
    private const string FolderSet = "Folder";
    private const string FilesSet = "Files";

    /// <summary>A folder holding the four MNIST files, with or without the .gz extension.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FolderSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Position = 1, ParameterSetName = FolderSet)]
    public MnistSet Set { get; set; } = MnistSet.Train;

    [Parameter(Mandatory = true, ParameterSetName = FilesSet)]
    [ValidateNotNullOrEmpty]
    public string ImagePath { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = FilesSet)]
    [ValidateNotNullOrEmpty]
    public string LabelPath { get; set; } = "";

    /// <summary>Leave out this many images at the start.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    /// <summary>Keep at most this many images (after -Skip).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    [Parameter]
    public SwitchParameter AsDataset { get; set; }

    protected override void EndProcessing()
    {
        (string images, string labels) = ParameterSetName == FolderSet ? FindInFolder() : (
            ResolvePath(ImagePath), ResolvePath(LabelPath));

        MnistDataset data;
        try
        {
            data = IdxReader.ReadDataset(images, labels);
        }
        catch (FileNotFoundException error)
        {
            ThrowTerminatingError(Errors.NotFound(error, error.FileName ?? images));
            return;
        }
        catch (MnistDataException error)
        {
            ThrowTerminatingError(Errors.BadData(error, Errors.InvalidDataFile));
            return;
        }

        int start = Math.Min(Skip, data.Count);
        int count = Math.Min(First, data.Count - start);
        if (start != 0 || count != data.Count)
        {
            data = data.Slice(start, count);
        }

        if (AsDataset)
        {
            WriteObject(data);
            return;
        }

        for (int i = 0; i < data.Count; i++)
        {
            WriteObject(data.GetSample(i));
        }
    }

    private (string Images, string Labels) FindInFolder()
    {
        string folder = ResolvePath(Path);
        if (!Directory.Exists(folder))
        {
            string problem = File.Exists(folder)
                ? $"'{folder}' is a file; -Path takes the folder that holds the MNIST files. " +
                  "Use -ImagePath and -LabelPath to read two named files."
                : $"The folder '{folder}' does not exist; -Path takes the folder that holds the MNIST files.";
            ThrowTerminatingError(Errors.NotFound(new FileNotFoundException(problem, folder), folder));
        }

        string prefix = Set == MnistSet.Train ? "train" : "t10k";
        return (Locate(folder, $"{prefix}-images-idx3-ubyte"), Locate(folder, $"{prefix}-labels-idx1-ubyte"));
    }

    /// <summary>
    /// The file under its usual name: the uncompressed file when it exists (it is what gunzip leaves), else the
    /// gzipped one. When neither exists the error names both, since either would have done.
    /// </summary>
    private string Locate(string folder, string name)
    {
        string plain = System.IO.Path.Combine(folder, name);
        foreach (string candidate in (string[])[plain, plain + ".gz"])
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string problem = $"The {Set} set is not complete in '{folder}': neither {name}.gz nor {name} is there.";
        ThrowTerminatingError(Errors.NotFound(new FileNotFoundException(problem, plain + ".gz"), plain + ".gz"));
        return "";
    }
}
