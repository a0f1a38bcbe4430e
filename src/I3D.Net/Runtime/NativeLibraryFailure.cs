namespace I3D.Net.Runtime;

/// <summary>Why TorchSharp's native libraries could not be used.</summary>
public enum NativeLibraryFailure
{
    /// <summary>The cause could not be determined; the inner exception carries TorchSharp's own report.</summary>
    Unknown = 0,

    /// <summary>
    /// No native backend next to the application: it references the managed <c>TorchSharp</c> package only, without
    /// <c>TorchSharp-cpu</c>, a CUDA package or an existing PyTorch installation.
    /// </summary>
    NoNativeBackend,

    /// <summary>
    /// The system's libstdc++ is older than GCC 13's (it lacks the symbol version <c>GLIBCXX_3.4.32</c>) that
    /// TorchSharp 0.107's native shim needs.
    /// </summary>
    LibStdCxxTooOld,

    /// <summary>CUDA was asked for, but no CUDA backend is loaded or no GPU is visible.</summary>
    CudaUnavailable,

    /// <summary>
    /// OpenCV's native library (<c>OpenCvSharpExtern</c>, used for videos and images) is missing, one of its own
    /// dependencies is missing, or it does not match the managed <c>OpenCvSharp4</c> package.
    /// </summary>
    OpenCvUnavailable,
}
