namespace I3D.Net.Tests.Weights.TensorFlow;

/// <summary>
/// The pytorch-i3d state-dict keys and shapes of InceptionI3D, written out from the architecture table in
/// CONVENTIONS.md (independently of the checkpoint mapping under test).
/// </summary>
internal static class I3DShapeTable
{
    private static readonly (string Name, int[] Widths)[] Blocks =
    [
        ("Mixed_3b", [64, 96, 128, 16, 32, 32]),
        ("Mixed_3c", [128, 128, 192, 32, 96, 64]),
        ("Mixed_4b", [192, 96, 208, 16, 48, 64]),
        ("Mixed_4c", [160, 112, 224, 24, 64, 64]),
        ("Mixed_4d", [128, 128, 256, 24, 64, 64]),
        ("Mixed_4e", [112, 144, 288, 32, 64, 64]),
        ("Mixed_4f", [256, 160, 320, 32, 128, 128]),
        ("Mixed_5b", [256, 160, 320, 32, 128, 128]),
        ("Mixed_5c", [384, 192, 384, 48, 128, 128]),
    ];

    public static Dictionary<string, long[]> StateDict(int numClasses, int inChannels)
    {
        var shapes = new Dictionary<string, long[]>();
        void Unit(string name, long cin, long cout, long k)
        {
            shapes[name + ".conv3d.weight"] = [cout, cin, k, k, k];
            shapes[name + ".bn.weight"] = [cout];
            shapes[name + ".bn.bias"] = [cout];
            shapes[name + ".bn.running_mean"] = [cout];
            shapes[name + ".bn.running_var"] = [cout];
            shapes[name + ".bn.num_batches_tracked"] = [];
        }

        Unit("Conv3d_1a_7x7", inChannels, 64, 7);
        Unit("Conv3d_2b_1x1", 64, 64, 1);
        Unit("Conv3d_2c_3x3", 64, 192, 3);
        long cin = 192;
        foreach (var (name, w) in Blocks)
        {
            Unit(name + ".b0", cin, w[0], 1);
            Unit(name + ".b1a", cin, w[1], 1);
            Unit(name + ".b1b", w[1], w[2], 3);
            Unit(name + ".b2a", cin, w[3], 1);
            Unit(name + ".b2b", w[3], w[4], 3);
            Unit(name + ".b3b", cin, w[5], 1);
            cin = w[0] + w[2] + w[4] + w[5];
        }

        cin.Should().Be(1024);
        shapes["logits.conv3d.weight"] = [numClasses, 1024, 1, 1, 1];
        shapes["logits.conv3d.bias"] = [numClasses];
        return shapes;
    }
}
