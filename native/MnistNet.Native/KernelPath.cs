using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>The implementations every kernel family offers.</summary>
public enum KernelPath
{
    /// <summary>Plain loops, one element at a time: the specification the other paths are tested against.</summary>
    Scalar,

    /// <summary>Portable 128-bit vectors, for processors without AVX2 and FMA.</summary>
    Vector128,

    /// <summary>
    /// 256-bit AVX2 with fused multiply-add; where the processor also has AVX-512, the matrix multiply's main tile
    /// is 512 bits wide, with the same results.
    /// </summary>
    Avx2,
}

/// <summary>
/// Chooses the kernel path once per process. The environment variable MNISTNET_KERNELS (scalar, vector128 or avx2)
/// overrides the choice, so that the whole test suite can be run on each path.
/// </summary>
public static class KernelSelector
{
    public const string OverrideVariable = "MNISTNET_KERNELS";

    /// <summary>The path that kernels called without an explicit path use.</summary>
    /// <remarks>
    /// An invalid override throws its own clear error on every access, rather than once from a type initialiser
    /// whose exception would hide the message and poison the type for the rest of the process.
    /// </remarks>
    public static KernelPath Active
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _active ??= Choose(Environment.GetEnvironmentVariable(OverrideVariable));
    }

    private static KernelPath? _active;

    /// <summary>Whether this processor can run the given path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector128 => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
        KernelPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Returns the path if this processor can run it; otherwise throws, so that an explicit request for AVX2 on a
    /// machine without it fails with a clear message instead of deep inside an intrinsic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static KernelPath Require(KernelPath path)
    {
        if (!Enum.IsDefined(path))
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, "Not a kernel path.");
        }

        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"This processor cannot run the {path} kernels.");
        }

        return path;
    }

    internal static KernelPath Choose(string? requested)
    {
        if (!string.IsNullOrWhiteSpace(requested))
        {
            if (!Enum.TryParse(requested.Trim(), ignoreCase: true, out KernelPath path) || !Enum.IsDefined(path))
            {
                throw new InvalidOperationException(
                    $"{OverrideVariable}='{requested}' is not a kernel path; expected scalar, vector128 or avx2.");
            }

            if (!IsSupported(path))
            {
                throw new PlatformNotSupportedException(
                    $"{OverrideVariable}='{requested}' asks for a kernel path this processor cannot run.");
            }

            return path;
        }

        if (IsSupported(KernelPath.Avx2))
        {
            return KernelPath.Avx2;
        }

        return IsSupported(KernelPath.Vector128) ? KernelPath.Vector128 : KernelPath.Scalar;
    }
}
