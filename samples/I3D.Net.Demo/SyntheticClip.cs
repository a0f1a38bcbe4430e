using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Demo;

/// <summary>Generates a clip without any video file: a bright square moving across a dark background.</summary>
internal static class SyntheticClip
{
    /// <summary>An RGB clip <c>[1, 3, frames, size, size]</c> in [-1, 1], as I3D expects.</summary>
    /// <param name="frames">Number of frames.</param>
    /// <param name="size">Height and width.</param>
    /// <param name="device">Where the clip is created.</param>
    /// <param name="moving">False keeps the square where it starts, for comparison.</param>
    public static Tensor Square(int frames, int size, Device device, bool moving = true)
    {
        using var scope = NewDisposeScope();
        int side = Math.Max(4, size / 5);
        var clip = torch.full([1, 3, frames, size, size], -0.8f, ScalarType.Float32);
        for (int t = 0; t < frames; t++)
        {
            // Left to right along the diagonal, one step per frame; warm orange so the colour channels differ.
            int x = moving ? (int)Math.Round((double)t / Math.Max(1, frames - 1) * (size - side)) : 0;
            int y = size / 4 + x / 3;
            y = Math.Min(y, size - side);
            var patch = clip[0, .., t, y..(y + side), x..(x + side)];
            patch[0].fill_(1.0f);
            patch[1].fill_(0.6f);
            patch[2].fill_(-0.2f);
        }
        return clip.to(device).MoveToOuterDisposeScope();
    }
}
