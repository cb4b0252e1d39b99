using System.Management.Automation;
using MnistNet.Data;

namespace MnistNet.PowerShell.Commands;

/// <summary>
/// Import-MnistCsv: reads Kaggle "Digit Recognizer" CSV files (train, test or headerless layout) and emits one
/// sample per row, or one dataset per file with -AsDataset. Bad rows are non-terminating errors and are skipped.
/// </summary>
[Cmdlet(VerbsData.Import, "MnistCsv", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MnistSample), typeof(MnistDataset))]
public sealed class ImportMnistCsvCommand : MnistCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true,
        ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Emit one dataset object per file instead of one sample per row: far faster for training.</summary>
    [Parameter]
    public SwitchParameter AsDataset { get; set; }

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (string file in ResolveFiles(path, literal))
            {
                ImportFile(file);
            }
        }
    }

    private void ImportFile(string file)
    {
        void ReportBadRecord(MnistDataException error) => WriteError(Errors.BadData(error, Errors.InvalidRecord));

        try
        {
            if (AsDataset)
            {
                WriteObject(MnistCsvReader.ReadDataset(file, ReportBadRecord));
                return;
            }

            foreach (MnistSample sample in MnistCsvReader.ReadSamples(file, ReportBadRecord))
            {
                WriteObject(sample);
            }
        }
        catch (MnistDataException error)
        {
            WriteError(Errors.BadData(error, Errors.InvalidDataFile));
        }
        catch (FileNotFoundException error)
        {
            WriteError(Errors.NotFound(error, file));
        }
    }
}
