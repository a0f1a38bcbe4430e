using Microsoft.ML.OnnxRuntime;

namespace I3D.Net.Onnx;

/// <summary>Options of <see cref="OnnxI3D"/>.</summary>
public sealed record OnnxI3DOptions
{
    /// <summary>Threads of one operator (ONNX Runtime's intra-op pool); its default (the physical cores) when null.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Graph optimisation level. Default <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Called with the session options before the session is made, e.g. to append an execution provider:
    /// <c>o => o.AppendExecutionProvider_CUDA()</c> when the application references <c>Microsoft.ML.OnnxRuntime.Gpu</c>
    /// instead of the CPU package. Execution stays on the CPU when null.
    /// </summary>
    public Action<SessionOptions>? ConfigureSession { get; init; }

    /// <summary>The default options (CPU, ONNX Runtime's thread count, all graph optimisations).</summary>
    public static OnnxI3DOptions Default { get; } = new();
}
