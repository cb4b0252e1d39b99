namespace MnistNet.Benchmarks;

/// <summary>Where the runner finds the repository's data and module and puts its results.</summary>
public sealed class RepositoryPaths
{
    private const string Manifest = "MnistNet.psd1";

    private RepositoryPaths(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public string Bench => Path.Combine(Root, "bench");

    public string Results => Path.Combine(Bench, "results");

    public string Mnist => Path.Combine(Root, "data", "mnist");

    public string ModuleManifest => Path.Combine(Root, Manifest);

    public string ModuleAssembly => Path.Combine(Root, "module", "bin", "MnistNet.PowerShell.dll");

    public string TrainImages => Path.Combine(Mnist, "train-images-idx3-ubyte.gz");

    public string TrainLabels => Path.Combine(Mnist, "train-labels-idx1-ubyte.gz");

    public string TestImages => Path.Combine(Mnist, "t10k-images-idx3-ubyte.gz");

    public string TestLabels => Path.Combine(Mnist, "t10k-labels-idx1-ubyte.gz");

    /// <summary>
    /// The repository given with --root, else the first folder holding the module manifest above the runner's own
    /// folder (BenchmarkDotNet runs its copies from deeper folders of bin/, so the working folder is no guide).
    /// </summary>
    public static RepositoryPaths Find(string? root)
    {
        if (root is not null)
        {
            string full = Path.GetFullPath(root);
            return File.Exists(Path.Combine(full, Manifest))
                ? new RepositoryPaths(full)
                : throw new DirectoryNotFoundException($"'{full}' is not the MnistNet repository: no {Manifest}.");
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, Manifest)))
            {
                return new RepositoryPaths(folder.FullName);
            }
        }

        throw new DirectoryNotFoundException(
            $"Could not find the repository (a folder with {Manifest}) above {AppContext.BaseDirectory}; " +
            "pass --root.");
    }
}
