namespace MnistNet.Benchmarks;

/// <summary>The runner's options, "--name value" pairs, taken out one by one; the rest goes elsewhere.</summary>
public sealed class CommandLine(IEnumerable<string> arguments)
{
    private readonly List<string> _arguments = [.. arguments];

    /// <summary>What no one has taken, in order (the kernels mode hands it to BenchmarkDotNet).</summary>
    public string[] Rest => [.. _arguments];

    /// <summary>Removes "--name value" and returns the value, or null when the option is absent.</summary>
    public string? Take(string name)
    {
        int index = _arguments.IndexOf(name);
        if (index < 0)
        {
            return null;
        }

        if (index == _arguments.Count - 1)
        {
            throw new ArgumentException($"{name} needs a value.");
        }

        string value = _arguments[index + 1];
        _arguments.RemoveRange(index, 2);
        return value;
    }

    /// <summary>Removes and returns the first argument when it is not an option.</summary>
    public string? TakePositional()
    {
        if (_arguments.Count == 0 || _arguments[0].StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }

        string value = _arguments[0];
        _arguments.RemoveAt(0);
        return value;
    }

    public void RequireNoneLeft()
    {
        if (_arguments.Count > 0)
        {
            throw new ArgumentException($"Unexpected arguments: {string.Join(' ', _arguments)}.");
        }
    }
}
