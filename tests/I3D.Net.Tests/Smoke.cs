namespace I3D.Net.Tests;
public class Smoke { [Fact] public void Adds() { using var t = TorchSharp.torch.ones(2) + 1; t.sum().item<float>().Should().Be(4f); } }
