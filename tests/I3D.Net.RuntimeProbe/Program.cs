// Initializes I3D.Net's runtime the way an application would and reports, one key=value per line, what happened.
// Exit codes: 0 loaded and computed, 3 I3DNativeLibraryException, 4 another exception.
// usage: I3D.Net.RuntimeProbe [--retry-with TORCH_LIB_DIR]   (after a failed Initialize, try UsePyTorchLibraries)
using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

try
{
    if (args is ["--retry-with", var retryDir])
    {
        try
        {
            I3DRuntime.Initialize();
        }
        catch (I3DNativeLibraryException e)
        {
            Console.WriteLine($"first={e.Failure}");
        }
        I3DRuntime.UsePyTorchLibraries(retryDir);
    }
    I3DRuntime.Initialize();
    using var sums = torch.arange(6, ScalarType.Float32).reshape(2, 3).sum(1);
    Console.WriteLine($"sums={string.Join(",", sums.data<float>().ToArray())}");
    Console.WriteLine($"pytorch={I3DRuntime.PyTorchLibraryDirectory ?? "none"}");
    var mapped = File.ReadLines("/proc/self/maps").Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..].Trim() : "")
        .FirstOrDefault(p => Path.GetFileName(p) == "libtorch_cpu.so");
    Console.WriteLine($"libtorch={(mapped is null ? "none" : Path.GetDirectoryName(mapped))}");
    Console.WriteLine($"device={I3DRuntime.ResolveDevice(ComputeDevice.Auto).type}");
    return 0;
}
catch (I3DNativeLibraryException e)
{
    Console.WriteLine($"failure={e.Failure}");
    Console.WriteLine($"message={e.Message.ReplaceLineEndings(" ")}");
    return 3;
}
catch (Exception e)
{
    Console.WriteLine($"exception={e.GetType().FullName}");
    Console.WriteLine($"message={e.Message.ReplaceLineEndings(" ")}");
    return 4;
}
