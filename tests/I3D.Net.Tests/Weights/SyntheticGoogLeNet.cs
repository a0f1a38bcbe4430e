using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>
/// Test helper: a random state dict with torchvision googlenet's exact key names and shapes (written from
/// torchvision's model definition, independently of the library's mapping table), including the aux heads and fc.
/// </summary>
internal static class SyntheticGoogLeNet
{
    // torchvision: Inception(in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)
    public static readonly (string Name, long[] Cfg)[] Blocks =
    {
        ("inception3a", new long[] { 192, 64, 96, 128, 16, 32, 32 }),
        ("inception3b", new long[] { 256, 128, 128, 192, 32, 96, 64 }),
        ("inception4a", new long[] { 480, 192, 96, 208, 16, 48, 64 }),
        ("inception4b", new long[] { 512, 160, 112, 224, 24, 64, 64 }),
        ("inception4c", new long[] { 512, 128, 128, 256, 24, 64, 64 }),
        ("inception4d", new long[] { 512, 112, 144, 288, 32, 64, 64 }),
        ("inception4e", new long[] { 528, 256, 160, 320, 32, 128, 128 }),
        ("inception5a", new long[] { 832, 256, 160, 320, 32, 128, 128 }),
        ("inception5b", new long[] { 832, 384, 192, 384, 48, 128, 128 }),
    };

    /// <summary>Creates the state dict (tensors in the current dispose scope).</summary>
    public static List<KeyValuePair<string, Tensor>> Create(long seed = 7, long fcClasses = 10)
    {
        var gen = new Generator((ulong)seed);
        var sd = new List<KeyValuePair<string, Tensor>>();
        void Basic(string prefix, long cin, long cout, long k)
        {
            sd.Add(new($"{prefix}.conv.weight", randn(new[] { cout, cin, k, k }, generator: gen) * 0.05));
            sd.Add(new($"{prefix}.bn.weight", 1 + randn(new[] { cout }, generator: gen) * 0.1));
            sd.Add(new($"{prefix}.bn.bias", randn(new[] { cout }, generator: gen) * 0.1));
            sd.Add(new($"{prefix}.bn.running_mean", randn(new[] { cout }, generator: gen) * 0.1));
            sd.Add(new($"{prefix}.bn.running_var", 0.5 + rand(new[] { cout }, generator: gen)));
            sd.Add(new($"{prefix}.bn.num_batches_tracked", tensor(1000L)));
        }

        Basic("conv1", 3, 64, 7);
        Basic("conv2", 64, 64, 1);
        Basic("conv3", 64, 192, 3);
        foreach (var (name, c) in Blocks)
        {
            Basic($"{name}.branch1", c[0], c[1], 1);
            Basic($"{name}.branch2.0", c[0], c[2], 1);
            Basic($"{name}.branch2.1", c[2], c[3], 3);
            Basic($"{name}.branch3.0", c[0], c[4], 1);
            Basic($"{name}.branch3.1", c[4], c[5], 3);
            Basic($"{name}.branch4.1", c[0], c[6], 1);
        }
        foreach (var (aux, cin) in new[] { ("aux1", 512L), ("aux2", 528L) })
        {
            Basic($"{aux}.conv", cin, 128, 1);
            sd.Add(new($"{aux}.fc1.weight", zeros(1024, 2048)));
            sd.Add(new($"{aux}.fc1.bias", zeros(1024)));
            sd.Add(new($"{aux}.fc2.weight", zeros(fcClasses, 1024)));
            sd.Add(new($"{aux}.fc2.bias", zeros(fcClasses)));
        }
        sd.Add(new("fc.weight", randn(new[] { fcClasses, 1024L }, generator: gen)));
        sd.Add(new("fc.bias", zeros(fcClasses)));
        return sd;
    }
}
