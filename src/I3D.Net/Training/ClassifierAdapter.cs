using I3D.Net.Data;
using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// Tells the trainer which module to train and which clips of a <see cref="ClipBatch"/> it reads: an RGB or a flow
/// classifier taking <c>[B, C, T, H, W]</c>, or two streams whose logits are summed (the paper's late fusion).
/// </summary>
public abstract class ClassifierAdapter
{
    /// <summary>The module whose parameters are trained and whose state dict is checkpointed.</summary>
    public abstract nn.Module Module { get; }

    /// <summary>State-dict key prefixes of the streams (<c>""</c> for a single stream, <c>"rgb."</c>/<c>"flow."</c> for two); freezing by endpoint looks after them.</summary>
    public abstract IReadOnlyList<string> StreamPrefixes { get; }

    /// <summary>
    /// Runs each stream on its clips of <paramref name="batch"/> and returns one logits tensor <c>[B·K, N]</c> per stream.
    /// <paramref name="prepare"/> moves an input tensor to the training device and precision.
    /// </summary>
    public abstract IReadOnlyList<Tensor> ForwardStreams(ClipBatch batch, Func<Tensor, Tensor> prepare);

    /// <summary>
    /// Combines per-stream logits into the model's prediction: the sum (the paper's late fusion) unless the model
    /// fuses otherwise. Used for joint training, training metrics and evaluation.
    /// </summary>
    public virtual Tensor Fuse(IReadOnlyList<Tensor> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0) throw new ArgumentException("Expected at least one stream's logits.", nameof(streams));
        return streams.Count == 1 ? streams[0] : streams.Aggregate((a, x) => a + x);
    }

    /// <summary>
    /// Builds a second adapter over new modules of the same architecture (the same state-dict keys and shapes; the
    /// weights need not match), which <see cref="TrainingPrecision.BFloat16Mixed"/> training converts to bfloat16 and
    /// uses as its compute copy. The trainer owns and disposes what this returns. Adapters of <see cref="InceptionI3D"/>
    /// and <see cref="TwoStreamI3D"/> build one; others return null unless made with <see cref="WithComputeCopy"/>.
    /// </summary>
    public virtual ClassifierAdapter? CreateComputeCopy() => null;

    /// <summary>
    /// This adapter, with <paramref name="createCopy"/> as its <see cref="CreateComputeCopy"/>: needed for mixed-precision
    /// training of modules other than I3D, e.g. <c>ClassifierAdapter.Rgb(net).WithComputeCopy(() =&gt; ClassifierAdapter.Rgb(new MyNet()))</c>.
    /// </summary>
    /// <param name="createCopy">
    /// Builds an adapter over new modules of the same architecture and hyper-parameters (dropout, BatchNorm epsilon and
    /// momentum: only parameter and buffer keys and shapes are checked) each time it is called.
    /// </param>
    public ClassifierAdapter WithComputeCopy(Func<ClassifierAdapter> createCopy)
    {
        ArgumentNullException.ThrowIfNull(createCopy);
        return new WithCopy(this, createCopy);
    }

    /// <summary>A classifier that reads the RGB clips.</summary>
    public static ClassifierAdapter Rgb(nn.Module<Tensor, Tensor> model) => new SingleStream(model, useFlow: false);

    /// <summary>A classifier that reads the optical-flow clips.</summary>
    public static ClassifierAdapter Flow(nn.Module<Tensor, Tensor> model) => new SingleStream(model, useFlow: true);

    /// <summary>
    /// Two classifiers, one on RGB and one on flow, trained together; their state dicts are prefixed <c>rgb.</c> and
    /// <c>flow.</c>, as in <c>TwoStreamI3D</c>. The modules stay owned by the caller.
    /// </summary>
    public static ClassifierAdapter TwoStream(nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow) =>
        new TwoStreamModules(rgb, flow);

    /// <summary>
    /// A <see cref="TwoStreamI3D"/>: its RGB and flow streams read their clips and their logits are fused as the model
    /// says (<see cref="TwoStreamI3D.Fuse"/>; the reference's sum by default).
    /// </summary>
    public static ClassifierAdapter TwoStream(TwoStreamI3D model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new TwoStreamI3DAdapter(model);
    }

    /// <summary>Two streams inside an existing root module (e.g. <c>TwoStreamI3D</c>) whose state-dict keys start with <c>rgb.</c> and <c>flow.</c>.</summary>
    public static ClassifierAdapter TwoStream(nn.Module root, nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow) =>
        new TwoStreamInRoot(root, rgb, flow);

    private static Tensor Require(Tensor? clips, string what) =>
        clips ?? throw new ArgumentException($"The model reads {what} clips, but the batch has none.");

    private sealed class SingleStream(nn.Module<Tensor, Tensor> model, bool useFlow) : ClassifierAdapter
    {
        private readonly nn.Module<Tensor, Tensor> _model = model ?? throw new ArgumentNullException(nameof(model));

        public override nn.Module Module => _model;

        public override IReadOnlyList<string> StreamPrefixes { get; } = [""];

        public override IReadOnlyList<Tensor> ForwardStreams(ClipBatch batch, Func<Tensor, Tensor> prepare) =>
            [_model.call(prepare(useFlow ? Require(batch.Flow, "flow") : Require(batch.Rgb, "RGB")))];

        public override ClassifierAdapter? CreateComputeCopy() =>
            _model is InceptionI3D i3d ? new SingleStream(CopyOf(i3d), useFlow) : null;
    }

    private static InceptionI3D CopyOf(InceptionI3D model) => new(model.NumClasses, model.InChannels, model.Options) { FuseReductions = model.FuseReductions };

    private sealed class WithCopy(ClassifierAdapter inner, Func<ClassifierAdapter> createCopy) : ClassifierAdapter
    {
        public override nn.Module Module => inner.Module;

        public override IReadOnlyList<string> StreamPrefixes => inner.StreamPrefixes;

        public override IReadOnlyList<Tensor> ForwardStreams(ClipBatch batch, Func<Tensor, Tensor> prepare) => inner.ForwardStreams(batch, prepare);

        public override Tensor Fuse(IReadOnlyList<Tensor> streams) => inner.Fuse(streams);

        public override ClassifierAdapter? CreateComputeCopy() =>
            createCopy() ?? throw new InvalidOperationException("The compute-copy factory given to WithComputeCopy returned null.");
    }

    private class TwoStreamInRoot(nn.Module root, nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow) : ClassifierAdapter
    {
        private readonly nn.Module<Tensor, Tensor> _rgb = rgb ?? throw new ArgumentNullException(nameof(rgb));
        private readonly nn.Module<Tensor, Tensor> _flow = flow ?? throw new ArgumentNullException(nameof(flow));

        public override nn.Module Module { get; } = root ?? throw new ArgumentNullException(nameof(root));

        public override IReadOnlyList<string> StreamPrefixes { get; } = ["rgb.", "flow."];

        public override IReadOnlyList<Tensor> ForwardStreams(ClipBatch batch, Func<Tensor, Tensor> prepare) =>
            [_rgb.call(prepare(Require(batch.Rgb, "RGB"))), _flow.call(prepare(Require(batch.Flow, "flow")))];
    }

    private sealed class TwoStreamI3DAdapter(TwoStreamI3D model) : TwoStreamInRoot(model, model.Rgb, model.Flow)
    {
        public override Tensor Fuse(IReadOnlyList<Tensor> streams) =>
            streams.Count == 2 ? model.Fuse(streams[0], streams[1]) : base.Fuse(streams);

        public override ClassifierAdapter? CreateComputeCopy() =>
            new TwoStreamI3DAdapter(new TwoStreamI3D(CopyOf(model.Rgb), CopyOf(model.Flow), model.Fusion));
    }

    private sealed class TwoStreamModules(nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow)
        : TwoStreamInRoot(new TwoStreamContainer(rgb, flow), rgb, flow);

    /// <summary>Holds two caller-owned streams under <c>rgb.</c> and <c>flow.</c> for one state dict.</summary>
    private sealed class TwoStreamContainer : nn.Module
    {
#pragma warning disable IDE0052 // registered as sub-modules by RegisterComponents
        private readonly nn.Module<Tensor, Tensor> rgb;
        private readonly nn.Module<Tensor, Tensor> flow;
#pragma warning restore IDE0052

        public TwoStreamContainer(nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow) : base(nameof(TwoStreamContainer))
        {
            this.rgb = rgb ?? throw new ArgumentNullException(nameof(rgb));
            this.flow = flow ?? throw new ArgumentNullException(nameof(flow));
            RegisterComponents();
        }

        // The streams belong to the caller.
        protected override void Dispose(bool disposing) { }
    }
}
