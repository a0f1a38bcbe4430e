using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Training;
using I3D.Net.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>A train-mode RGB model (same initial weights for a given seed), its optimizer and, for the mixed-precision
/// variants, the trainer's bfloat16 compute copy, laid out as one <see cref="TrainVariant"/> asks.</summary>
internal sealed class TrainSetup : IDisposable
{
    private readonly BFloat16ComputeCopy? _mixed;

    private TrainSetup(TrainVariant variant, ScalarType dtype, long seed)
    {
        Variant = variant;
        ChannelsLast = variant is TrainVariant.FlatSgdChannelsLast or TrainVariant.FlatSgdFusedChannelsLast or TrainVariant.Bf16MixedFlatSgdFusedChannelsLast;
        Mixed = variant is TrainVariant.Bf16MixedFlatSgd or TrainVariant.Bf16MixedFlatSgdFusedChannelsLast;
        using (random.manual_seed(seed)) { }
        // Mixed precision keeps float32 masters, whatever the section's dtype.
        Model = new InceptionI3D(400, 3, device: BenchDevice.Device, dtype: Mixed ? ScalarType.Float32 : dtype);
        Model.train();
        Model.FuseReductions = variant is TrainVariant.FlatSgdFused or TrainVariant.FlatSgdFusedChannelsLast or TrainVariant.Bf16MixedFlatSgdFusedChannelsLast;
        if (ChannelsLast) ChannelsLast3d.ApplyTo(Model);
        Optimizer = variant == TrainVariant.Sgd
            ? optim.SGD(Model.parameters(), 0.01, momentum: 0.9)
            : new FlatSgd(Model.parameters(), 0.01, momentum: 0.9);
        if (Mixed)
        {
            // As the trainer does it: the copy inherits FuseReductions and gets the same layout.
            _mixed = new BFloat16ComputeCopy(ClassifierAdapter.Rgb(Model).WithComputeCopy(() =>
                ClassifierAdapter.Rgb(new InceptionI3D(400, 3, Model.Options) { FuseReductions = Model.FuseReductions })), BenchDevice.Device);
            if (ChannelsLast) ChannelsLast3d.ApplyTo(_mixed.Adapter.Module);
            _mixed.SyncModes();
        }
    }

    public TrainVariant Variant { get; }

    public InceptionI3D Model { get; }

    public optim.Optimizer Optimizer { get; }

    public bool ChannelsLast { get; }

    /// <summary>Whether the step runs in bf16 mixed precision.</summary>
    public bool Mixed { get; }

    public static TrainSetup Create(TrainVariant variant, ScalarType dtype = ScalarType.Float32, long seed = 1) => new(variant, dtype, seed);

    /// <summary>One SGD step on <paramref name="clip"/> (NCDHW, the section's dtype); returns the loss.</summary>
    public Tensor Step(Tensor clip, Tensor labels)
    {
        Optimizer.zero_grad();
        Tensor logits;
        if (_mixed is null)
        {
            logits = Model.forward(ChannelsLast ? ChannelsLast3d.Apply(clip) : clip);
        }
        else
        {
            _mixed.Refresh();
            var input = _mixed.PrepareInput(clip, BenchDevice.Device);
            logits = ((nn.Module<Tensor, Tensor>)_mixed.Adapter.Module).forward(ChannelsLast ? ChannelsLast3d.Apply(input) : input);
            _mixed.CopyStatisticsToMasters();
        }
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), labels);
        loss.backward();
        _mixed?.MoveGradientsToMasters();
        Optimizer.step();
        return loss;
    }

    public void Dispose()
    {
        _mixed?.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
    }
}
