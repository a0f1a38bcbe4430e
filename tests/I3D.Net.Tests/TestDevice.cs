using System.Runtime.CompilerServices;
using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests;

/// <summary>
/// The device the device-sensitive tests run on, chosen by <c>I3D_TEST_DEVICE</c>: <c>cpu</c> (default) or <c>cuda</c>.
/// Tests that use it carry <c>[Trait(TestDevice.Trait, TestDevice.Sensitive)]</c>, so a GPU run can select them
/// (docs/gpu.md lists them); tests that only make sense on the CPU carry <c>[Trait(TestDevice.Trait, TestDevice.CpuOnly)]</c>
/// and call <see cref="SkipUnlessCpu"/>. An unknown value, or <c>cuda</c> without a CUDA backend, fails every test that
/// asks for the device with the reason: never a silent CPU run.
/// </summary>
internal static class TestDevice
{
    /// <summary>The environment variable that selects the device.</summary>
    public const string Variable = "I3D_TEST_DEVICE";

    /// <summary>Trait name for the device classification of a test class.</summary>
    public const string Trait = "Device";

    /// <summary>Trait value: the test runs on <see cref="Device"/> (select with <c>-trait Device=Sensitive</c>).</summary>
    public const string Sensitive = "Sensitive";

    /// <summary>Trait value: the test checks something that exists only on the CPU and is skipped on CUDA.</summary>
    public const string CpuOnly = "CpuOnly";

    /// <summary>
    /// Trait name for a native library a test class needs beyond libtorch; the GPU runner leaves OpenCV's out
    /// (64 MiB transfer limit) and excludes <c>Needs=OpenCV</c>.
    /// </summary>
    public const string Needs = "Needs";

    /// <summary>Trait value: the tests decode or encode video files with OpenCV.</summary>
    public const string OpenCv = "OpenCV";

    private static readonly Lazy<Device> Resolved = new(Resolve);

    /// <summary>The selected device; throws with the reason when the selection is invalid or unavailable.</summary>
    public static Device Device => Resolved.Value;

    /// <summary>The selected device's name for option strings such as <c>TrainingOptions.Device</c>: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string Name => Device.type == DeviceType.CUDA ? "cuda" : "cpu";

    /// <summary>Whether the selected device is CUDA.</summary>
    public static bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>The raw selection, for messages: the variable's value or <c>cpu</c> when unset.</summary>
    public static string Requested => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v ? v : "cpu";

    /// <summary>Skips the calling test on CUDA, saying why it is a CPU-only check.</summary>
    public static void SkipUnlessCpu(string why) =>
        Assert.SkipWhen(IsCuda, $"CPU-only ({Variable}={Requested}): {why}");

    /// <summary>
    /// Skips the calling test when this process runs on an external libtorch (the published GPU runner loads PyTorch's
    /// through I3D_TORCH_LIB_DIR): the test checks the test build's own TorchSharp-cpu backend.
    /// </summary>
    public static void SkipUnlessBundledCpuBackend()
    {
        I3DRuntime.Initialize();
        Assert.SkipWhen(I3DRuntime.PyTorchLibraryDirectory is not null,
            $"CPU-only: checks the test build's own TorchSharp-cpu libtorch, and this runner loaded {I3DRuntime.PyTorchLibraryDirectory}.");
    }

    /// <summary>Moves a module to the selected device and returns it (same instance).</summary>
    public static T OnDevice<T>(this T module) where T : nn.Module => module.to(Device);

    /// <summary>Copies a tensor to the selected device (the same tensor when it is already there).</summary>
    public static Tensor OnDevice(this Tensor tensor) => tensor.to(Device);

    /// <summary>
    /// Resolves a value of <see cref="Variable"/> (null or empty: cpu). Unknown values throw <see cref="ArgumentException"/>;
    /// <c>cuda</c> without a CUDA backend throws <see cref="InvalidOperationException"/> carrying the runtime's reason.
    /// </summary>
    public static Device Parse(string? value)
    {
        var name = string.IsNullOrWhiteSpace(value) ? "cpu" : value.Trim().ToLowerInvariant();
        switch (name)
        {
            case "cpu":
                return I3DRuntime.ResolveDevice(ComputeDevice.Cpu);
            case "cuda":
                try
                {
                    return I3DRuntime.ResolveDevice(ComputeDevice.Cuda);
                }
                catch (I3DNativeLibraryException ex)
                {
                    throw new InvalidOperationException(
                        $"{Variable}={value} asks for CUDA, but this test process has none: {ex.Message} "
                        + "Run the published test runner on a CUDA machine through benchmarks/run-gpu.sh (docs/gpu.md).", ex);
                }
            default:
                throw new ArgumentException($"{Variable}='{value}' is not a test device: expected 'cpu' (default) or 'cuda'.", nameof(value));
        }
    }

    private static Device Resolve() => Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>
    /// When the runner is pointed at a PyTorch libtorch (I3D_TORCH_LIB_DIR / TORCH_LIB_DIR: the published GPU runner,
    /// which ships no libtorch), that libtorch must be loaded before any test touches TorchSharp, in dependency order.
    /// </summary>
    [ModuleInitializer]
    internal static void LoadExternalLibTorch()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(I3DRuntime.TorchLibDirVariable))
            || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(I3DRuntime.FallbackTorchLibDirVariable)))
            I3DRuntime.Initialize();
    }
}
