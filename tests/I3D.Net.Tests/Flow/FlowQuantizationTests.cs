using I3D.Net.Flow;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

public class FlowQuantizationTests
{
    [Fact]
    public void Clips_to_the_bound_and_maps_linearly_to_bytes()
    {
        using var scope = NewDisposeScope();
        var flow = tensor(new float[] { -25, -20, -10, 0, 0.1f, 10, 19.9f, 20, 30 });

        var bytes = FlowQuantization.Quantize(flow).data<byte>().ToArray();

        // round((clamp(v, -20, 20) + 20) / 40 * 255), half to even: 0 -> 127.5 -> 128; -10 -> 63.75 -> 64; 19.9 -> 254.4 -> 254.
        bytes.Should().Equal(0, 0, 64, 128, 128, 191, 254, 255, 255);
    }

    [Fact]
    public void Dequantize_inverts_quantize_to_within_half_a_step()
    {
        using var scope = NewDisposeScope();
        var flow = linspace(-20, 20, 1001);

        var back = FlowQuantization.Dequantize(FlowQuantization.Quantize(flow));

        (back - flow).abs().max().item<float>().Should().BeLessThanOrEqualTo(20f / 255 + 1e-5f);
        FluentActions.Invoking(() => FlowQuantization.Quantize(flow, bound: 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
