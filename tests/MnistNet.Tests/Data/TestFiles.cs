namespace MnistNet.Tests.Data;

/// <summary>Where the test project finds its bundled files, and scratch folders for files made by tests.</summary>
internal static class TestFiles
{
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static string Bad(string name) => Path.Combine(AppContext.BaseDirectory, "data", "bad", name);

    public static string Mnist(string name) => Path.Combine(AppContext.BaseDirectory, "mnist", name);
}

/// <summary>A folder of its own for one test, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mnistnet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
