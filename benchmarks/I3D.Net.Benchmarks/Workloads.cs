using I3D.Net.Models;
using I3D.Net.Models.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>The model variants compared by the benchmarks.</summary>
public enum ModelVariant
{
    /// <summary><see cref="InceptionI3D"/> as trained: conv, BN and ReLU modules.</summary>
    Plain,
    /// <summary><see cref="FrozenInceptionI3D"/>: BN folded, 1×1 convs fused.</summary>
    Frozen,
    /// <summary><see cref="FrozenInceptionI3D"/> with NDHWC strides.</summary>
    FrozenChannelsLast,
}

/// <summary>Builds the measured models and clips.</summary>
internal static class Workloads
{
    public static nn.Module<Tensor, Tensor> InferenceModel(ModelVariant variant, int inChannels = 3, ScalarType dtype = ScalarType.Float32)
    {
        var model = new InceptionI3D(400, inChannels, device: BenchDevice.Device, dtype: dtype);
        model.eval();
        return variant switch
        {
            ModelVariant.Plain => model,
            ModelVariant.Frozen => FrozenInceptionI3D.Freeze(model),
            _ => FrozenInceptionI3D.Freeze(model, channelsLast: true),
        };
    }

    public static Tensor Clip(long batch, long frames, long size, int channels = 3, ScalarType dtype = ScalarType.Float32) =>
        rand(new[] { batch, channels, frames, size, size }, dtype: dtype, device: BenchDevice.Device) * 2 - 1;
}
