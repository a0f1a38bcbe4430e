using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Tests.Parity;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

public class FrozenInceptionI3DTests
{
    [Theory]
    [InlineData(false, 3, 16, 64, 64)]
    [InlineData(true, 3, 16, 64, 64)]
    [InlineData(false, 2, 9, 72, 40)]
    [InlineData(true, 2, 9, 72, 40)]
    public void Equals_the_eval_model(bool channelsLast, long channels, long t, long h, long w)
    {
        using var scope = NewDisposeScope();
        var model = new InceptionI3D(11, (int)channels);
        FormulaTensors.Fill(model);  // non-trivial BN statistics, so folding is really exercised
        model.eval();
        var frozen = FrozenInceptionI3D.Freeze(model, channelsLast);
        using var noGrad = no_grad();
        var x = FormulaTensors.Input([2, channels, t, h, w]);
        var expected = model.forward(x);
        var actual = frozen.forward(x);
        actual.shape.Should().Equal(2, 11);
        (actual - expected).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (frozen.ExtractFeatures(x) - model.ExtractFeatures(x)).abs().max().item<float>().Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void Stops_at_the_source_models_final_endpoint()
    {
        using var scope = NewDisposeScope();
        var model = new InceptionI3D(5, 3, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4c });
        model.eval();
        var frozen = FrozenInceptionI3D.Freeze(model);
        using var noGrad = no_grad();
        var x = randn(new long[] { 1, 3, 8, 64, 64 });
        (frozen.forward(x) - model.forward(x)).abs().max().item<float>().Should().BeLessThan(1e-4f);
        FluentActions.Invoking(() => frozen.ExtractFeatures(x)).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Rejects_bad_input()
    {
        using var scope = NewDisposeScope();
        var frozen = FrozenInceptionI3D.Freeze(new InceptionI3D(5, 3));
        FluentActions.Invoking(() => frozen.forward(zeros(new long[] { 1, 2, 8, 64, 64 }))).Should().Throw<ArgumentException>()
            .WithMessage("*[B, 3, T≥1, H≥32, W≥32]*[1, 2, 8, 64, 64]*");
    }
}
