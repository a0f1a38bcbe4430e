namespace I3D.Net.Runtime;

/// <summary>
/// The libraries of an existing PyTorch installation (its <c>torch/lib</c> folder) in the order they must be loaded:
/// each depends only on those before it, so loading by full path never lets the OS pick another libtorch copy.
/// </summary>
/// <param name="Directory">The <c>torch/lib</c> folder.</param>
/// <param name="LoadOrder">Full paths: c10, torch_cpu, [c10_cuda, torch_cuda,] torch.</param>
/// <param name="HasCuda">Whether the installation is a CUDA build.</param>
internal sealed record PyTorchLibraries(string Directory, IReadOnlyList<string> LoadOrder, bool HasCuda)
{
    /// <summary>Checks a <c>torch/lib</c> folder and lists its libraries in load order.</summary>
    /// <param name="torchLibDir">The folder, e.g. <c>.venv/lib/python3.12/site-packages/torch/lib</c>.</param>
    /// <param name="source">Where the folder came from, for messages (e.g. the environment variable).</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A required library is missing; the message names it.</exception>
    public static PyTorchLibraries Locate(string torchLibDir, string source)
    {
        if (string.IsNullOrWhiteSpace(torchLibDir))
            throw new ArgumentException($"The PyTorch library folder ({source}) is empty; expected the path of PyTorch's torch/lib folder.", nameof(torchLibDir));

        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(torchLibDir));
        if (!System.IO.Directory.Exists(dir))
            throw new DirectoryNotFoundException($"The PyTorch library folder '{dir}' ({source}) does not exist; expected PyTorch's torch/lib folder, e.g. the output of python3 -c \"import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))\".");

        string Require(string name)
        {
            var path = Path.Combine(dir, NativeLibraryNames.FileName(name));
            if (!File.Exists(path))
                throw new FileNotFoundException($"The PyTorch library folder '{dir}' ({source}) lacks {Path.GetFileName(path)}; expected PyTorch's torch/lib folder with {string.Join(", ", new[] { "c10", "torch_cpu", "torch" }.Select(NativeLibraryNames.FileName))}.", path);
            return path;
        }

        var c10 = Require("c10");
        var torchCpu = Require("torch_cpu");
        var torch = Require("torch");
        bool hasC10Cuda = File.Exists(Path.Combine(dir, NativeLibraryNames.FileName("c10_cuda")));
        bool hasTorchCuda = File.Exists(Path.Combine(dir, NativeLibraryNames.FileName("torch_cuda")));
        if (hasC10Cuda != hasTorchCuda)
        {
            // A half CUDA build would fail later with an obscure symbol error; name the missing half now.
            Require(hasC10Cuda ? "torch_cuda" : "c10_cuda");
        }

        var order = hasTorchCuda
            ? new[] { c10, torchCpu, Path.Combine(dir, NativeLibraryNames.FileName("c10_cuda")), Path.Combine(dir, NativeLibraryNames.FileName("torch_cuda")), torch }
            : new[] { c10, torchCpu, torch };
        return new PyTorchLibraries(dir, order, hasTorchCuda);
    }
}
