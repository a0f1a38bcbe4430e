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
            [_model.forward(prepare(useFlow ? Require(batch.Flow, "flow") : Require(batch.Rgb, "RGB")))];
    }

    private class TwoStreamInRoot(nn.Module root, nn.Module<Tensor, Tensor> rgb, nn.Module<Tensor, Tensor> flow) : ClassifierAdapter
    {
        private readonly nn.Module<Tensor, Tensor> _rgb = rgb ?? throw new ArgumentNullException(nameof(rgb));
        private readonly nn.Module<Tensor, Tensor> _flow = flow ?? throw new ArgumentNullException(nameof(flow));

        public override nn.Module Module { get; } = root ?? throw new ArgumentNullException(nameof(root));

        public override IReadOnlyList<string> StreamPrefixes { get; } = ["rgb.", "flow."];

        public override IReadOnlyList<Tensor> ForwardStreams(ClipBatch batch, Func<Tensor, Tensor> prepare) =>
            [_rgb.forward(prepare(Require(batch.Rgb, "RGB"))), _flow.forward(prepare(Require(batch.Flow, "flow")))];
    }

    private sealed class TwoStreamI3DAdapter(TwoStreamI3D model) : TwoStreamInRoot(model, model.Rgb, model.Flow)
    {
        public override Tensor Fuse(IReadOnlyList<Tensor> streams) =>
            streams.Count == 2 ? model.Fuse(streams[0], streams[1]) : base.Fuse(streams);
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
