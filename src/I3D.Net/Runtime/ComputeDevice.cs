namespace I3D.Net.Runtime;

/// <summary>Where I3D.Net runs tensors.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when a CUDA backend is loaded and a GPU is visible, otherwise the CPU.</summary>
    Auto = 0,

    /// <summary>The CPU, always available once a native backend is loaded.</summary>
    Cpu,

    /// <summary>The first CUDA GPU; fails with <see cref="I3DNativeLibraryException"/> when CUDA is not available.</summary>
    Cuda,
}
