using I3D.Net.Models;
using I3D.Net.Models.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>The model variants compared by the benchmarks.</summary>
public enum ModelVariant
{
    /// <summary>A straightforward port: explicit padding copies before every conv and pool, separate BN and ReLU.</summary>
    NaivePort,
    /// <summary><see cref="InceptionI3D"/> as trained: conv, BN and ReLU modules.</summary>
    Plain,
    /// <summary><see cref="InceptionI3D"/> with <see cref="InceptionI3D.FuseReductions"/> (a copy with the same weights).</summary>
    PlainFused,
    /// <summary><see cref="FrozenInceptionI3D"/>: BN folded, 1×1 convs fused.</summary>
    Frozen,
    /// <summary><see cref="FrozenInceptionI3D"/> with NDHWC strides.</summary>
    FrozenChannelsLast,
}

/// <summary>The training set-ups compared by the train-step benchmarks.</summary>
public enum TrainVariant
{
    /// <summary><see cref="InceptionI3D"/> with TorchSharp's <c>SGD</c> (a few kernels per parameter).</summary>
    Sgd,
    /// <summary>The same model with <see cref="I3D.Net.Training.Optimizers.FlatSgd"/> (a few kernels in all).</summary>
    FlatSgd,
    /// <summary><see cref="TrainVariant.FlatSgd"/> with weights and clips in NDHWC strides.</summary>
    FlatSgdChannelsLast,
    /// <summary><see cref="TrainVariant.FlatSgd"/> with <see cref="InceptionI3D.FuseReductions"/>.</summary>
    FlatSgdFused,
    /// <summary>All three: flat SGD, fused 1×1 convolutions, NDHWC.</summary>
    FlatSgdFusedChannelsLast,
    /// <summary>The trainer's bf16 mixed precision (bf16 compute copy, float32 BN and masters) with flat SGD.</summary>
    Bf16MixedFlatSgd,
    /// <summary><see cref="TrainVariant.Bf16MixedFlatSgd"/> with fused 1×1 convolutions and NDHWC.</summary>
    Bf16MixedFlatSgdFusedChannelsLast,
}

/// <summary>Builds the measured models and clips.</summary>
internal static class Workloads
{
    public static nn.Module<Tensor, Tensor> InferenceModel(ModelVariant variant, int inChannels = 3, ScalarType dtype = ScalarType.Float32) =>
        Variant(BaseModel(inChannels, dtype), variant);

    /// <summary>The eval-mode <see cref="InceptionI3D"/> the variants are derived from.</summary>
    public static InceptionI3D BaseModel(int inChannels = 3, ScalarType dtype = ScalarType.Float32)
    {
        // Random weights with BatchNorm's default statistics shrink activations layer by layer until the logits are
        // the bias alone and every variant agrees trivially. One train-mode pass with momentum 1 sets each
        // BatchNorm's statistics to a batch's, so activations stay O(1) and the agreement check means something.
        var model = new InceptionI3D(400, inChannels, new InceptionI3DOptions { BatchNormMomentum = 1.0 }, device: BenchDevice.Device, dtype: dtype);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            model.train();
            model.forward(Clip(2, 16, 112, inChannels, dtype));
        }
        model.eval();
        return model;
    }

    /// <summary>One variant of <paramref name="model"/>, computing the same function with the same weights.</summary>
    public static nn.Module<Tensor, Tensor> Variant(InceptionI3D model, ModelVariant variant) => variant switch
    {
        ModelVariant.NaivePort => new NaiveI3D(model),
        ModelVariant.Plain => model,
        ModelVariant.PlainFused => FusedCopy(model),
        ModelVariant.Frozen => FrozenInceptionI3D.Freeze(model),
        _ => FrozenInceptionI3D.Freeze(model, channelsLast: true),
    };

    private static InceptionI3D FusedCopy(InceptionI3D model)
    {
        var copy = new InceptionI3D(model.NumClasses, model.InChannels, model.Options with { FuseReductions = true },
            device: BenchDevice.Device, dtype: model.parameters().First().dtype);
        copy.load_state_dict(model.state_dict());
        copy.train(model.training);
        return copy;
    }

    public static Tensor Clip(long batch, long frames, long size, int channels = 3, ScalarType dtype = ScalarType.Float32) =>
        rand(new[] { batch, channels, frames, size, size }, dtype: dtype, device: BenchDevice.Device) * 2 - 1;
}
