using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

/// <summary>A conv + BatchNorm unit with I3D's state-dict names (<c>conv3d</c>, <c>bn</c>).</summary>
internal sealed class TinyUnit : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv3d;
    private readonly BatchNorm3d bn;

    public TinyUnit(int inChannels, int outChannels) : base(nameof(TinyUnit))
    {
        conv3d = nn.Conv3d(inChannels, outChannels, 3, padding: 1, bias: false);
        bn = nn.BatchNorm3d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.relu(bn.forward(conv3d.forward(x)));
}

/// <summary>The classifier head: a 1×1×1 conv with bias, named like I3D's <c>logits.conv3d</c>.</summary>
internal sealed class TinyLogits : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv3d;

    public TinyLogits(int inChannels, int numClasses) : base(nameof(TinyLogits))
    {
        conv3d = nn.Conv3d(inChannels, numClasses, 1, bias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv3d.forward(x);
}

/// <summary>
/// A tiny I3D-shaped classifier for trainer tests: <c>Conv3d_1a_7x7</c> → <c>Mixed_4b</c> → global average pool →
/// dropout → <c>logits</c>, taking <c>[B, C, T, H, W]</c> and returning <c>[B, N]</c>.
/// </summary>
internal sealed class TinyClassifier : nn.Module<Tensor, Tensor>
{
    private readonly TinyUnit Conv3d_1a_7x7;
    private readonly TinyUnit Mixed_4b;
    private readonly Dropout dropout;
    private readonly TinyLogits logits;

    public TinyClassifier(int numClasses = 4, int inChannels = 3, double dropoutProbability = 0.5, long seed = 1) : base(nameof(TinyClassifier))
    {
        using (random.manual_seed(seed)) { }
        Conv3d_1a_7x7 = new TinyUnit(inChannels, 4);
        Mixed_4b = new TinyUnit(4, 8);
        dropout = nn.Dropout(dropoutProbability);
        logits = new TinyLogits(8, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = Mixed_4b.forward(Conv3d_1a_7x7.forward(x));
        h = h.mean([2, 3, 4], keepdim: true);
        return logits.forward(dropout.forward(h)).flatten(1);
    }
}

/// <summary>Returns the first N input values of each clip as its logits, so tests can hand-compute metrics.</summary>
internal sealed class PassThroughClassifier(int numClasses) : nn.Module<Tensor, Tensor>(nameof(PassThroughClassifier))
{
    public override Tensor forward(Tensor x) => x.flatten(1)[.., ..numClasses].clone();
}
