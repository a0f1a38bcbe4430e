using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Transforms;

public class ClipTransformTests
{
    /// <summary>A clip [C, T, H, W] whose value at (c, t, y, x) is x + 100·c (so crops and flips can be read back).</summary>
    private static Tensor Ramp(int c, int t, int h, int w)
    {
        using var x = arange(w, ScalarType.Float32);
        using var ch = arange(c, ScalarType.Float32).mul(100).reshape(c, 1, 1, 1);
        return (x.reshape(1, 1, 1, w) + ch).expand(c, t, h, w).contiguous();
    }

    [Fact]
    public void Frames_become_float_clips_channel_first()
    {
        using var frames = arange(2 * 3 * 4 * 3, ScalarType.Int32).to_type(ScalarType.Byte).reshape(2, 3, 4, 3);
        using var clip = ClipTransforms.ToClip(frames);
        clip.shape.Should().Equal(3, 2, 3, 4);
        clip.dtype.Should().Be(ScalarType.Float32);
        clip[2, 1, 2, 3].item<float>().Should().Be(frames[1, 2, 3, 2].item<byte>());
    }

    [Fact]
    public void Resize_short_side_keeps_the_aspect_ratio()
    {
        using var clip = rand(3, 2, 240, 320);
        using var r = ClipTransforms.ResizeShortSide(clip, 256);
        r.shape.Should().Equal(3, 2, 256, 341);
        using var tall = rand(2, 2, 320, 240);
        using var t = ClipTransforms.ResizeShortSide(tall, 256);
        t.shape.Should().Equal(2, 2, 341, 256);
        using var flat = full(3, 1, 10, 20, 77f);
        using var f = ClipTransforms.ResizeShortSide(flat, 5);
        f.allclose(full(3, 1, 5, 10, 77f)).Should().BeTrue("resizing a constant image keeps the constant");
    }

    [Fact]
    public void Center_crop_takes_the_middle()
    {
        using var clip = Ramp(3, 2, 10, 12);
        using var c = ClipTransforms.CenterCrop(clip, 4);
        c.shape.Should().Equal(3, 2, 4, 4);
        c[0, 0, 0].data<float>().ToArray().Should().Equal(4, 5, 6, 7);
        var act = () => ClipTransforms.CenterCrop(clip, 11);
        act.Should().Throw<ArgumentException>().WithMessage("*Cannot crop 11x11 from frames of 12x10*");
    }

    [Fact]
    public void Random_crop_is_deterministic_per_key_and_covers_the_range()
    {
        using var clip = Ramp(1, 1, 4, 12);
        var lefts = new HashSet<float>();
        for (var i = 0; i < 100; i++)
        {
            var r1 = new CounterRandom(5, 1, i, RandomStream.Crop);
            var r2 = new CounterRandom(5, 1, i, RandomStream.Crop);
            using var a = ClipTransforms.RandomCrop(clip, 4, ref r1);
            using var b = ClipTransforms.RandomCrop(clip, 4, ref r2);
            a.eq(b).all().item<bool>().Should().BeTrue();
            lefts.Add(a[0, 0, 0, 0].item<float>());
        }
        lefts.Min().Should().Be(0);
        lefts.Max().Should().Be(8);
    }

    [Fact]
    public void Flipping_flow_negates_the_x_component_but_not_y()
    {
        using var flow = Ramp(2, 1, 2, 5);          // x channel 0..4, y channel 100..104
        using var flipped = ClipTransforms.HorizontalFlip(flow, isFlow: true);
        flipped[0, 0, 0].data<float>().ToArray().Should().Equal(-4, -3, -2, -1, -0);
        flipped[1, 0, 0].data<float>().ToArray().Should().Equal(104, 103, 102, 101, 100);
        using var rgb = Ramp(3, 1, 2, 5);
        using var rgbFlipped = ClipTransforms.HorizontalFlip(rgb, isFlow: false);
        rgbFlipped[0, 0, 0].data<float>().ToArray().Should().Equal(4, 3, 2, 1, 0);
    }

    [Fact]
    public void Normalisation_matches_I3D()
    {
        using var rgb = tensor(new float[] { 0, 127.5f, 255 }).reshape(1, 1, 1, 3).expand(3, 1, 1, 3);
        using var n = ClipTransforms.NormalizeRgb(rgb);
        n[0, 0, 0].data<float>().ToArray().Should().Equal(-1, 0, 1);
        using var flow = tensor(new float[] { -30, -10, 0, 5, 20, 25 }).reshape(1, 1, 1, 6).expand(2, 1, 1, 6);
        using var f = ClipTransforms.NormalizeFlow(flow);
        f[0, 0, 0].data<float>().ToArray().Should().Equal(-1, -0.5f, 0, 0.25f, 1, 1);
    }

    [Fact]
    public void Colour_jitter_is_deterministic_bounded_and_changes_the_clip()
    {
        using var clip = rand(3, 2, 8, 8).mul(255);
        var r1 = new CounterRandom(1, 0, 0, RandomStream.ColorJitter);
        var r2 = new CounterRandom(1, 0, 0, RandomStream.ColorJitter);
        using var a = ClipTransforms.ColorJitter(clip, 0.4, 0.4, 0.4, ref r1);
        using var b = ClipTransforms.ColorJitter(clip, 0.4, 0.4, 0.4, ref r2);
        a.allclose(b).Should().BeTrue();
        a.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
        a.max().item<float>().Should().BeLessThanOrEqualTo(255);
        a.allclose(clip).Should().BeFalse();
        var r3 = new CounterRandom(1, 0, 0, RandomStream.ColorJitter);
        using var none = ClipTransforms.ColorJitter(clip, 0, 0, 0, ref r3);
        none.allclose(clip, atol: 1e-3).Should().BeTrue("zero strengths leave the clip as it is");
    }

    [Fact]
    public void Pipeline_gives_RGB_and_flow_the_same_crop_and_flip()
    {
        var transform = new ClipTransform(new ClipTransformOptions { ShortSide = null, CropSize = 4, RandomCrop = true, FlipProbability = 0.5 });
        var sawFlip = false;
        var sawNoFlip = false;
        for (var i = 0; i < 20; i++)
        {
            using var rgb = Ramp(3, 2, 6, 10);
            using var flow = Ramp(2, 2, 6, 10).div(10);   // x channel 0..0.9 px
            var (r, f) = transform.Apply(rgb, flow, 3, 0, i);
            using (r)
            using (f)
            {
                r!.shape.Should().Equal(3, 2, 4, 4);
                f!.shape.Should().Equal(2, 2, 4, 4);
                // Pixel columns: RGB value = x / 127.5 − 1, flow x = ±(x / 10) / 20; both must name the same source columns.
                var rgbCols = r[0, 0, 0].data<float>().Select(v => (int)Math.Round((v + 1) * 127.5)).ToArray();
                var flowCols = f[0, 0, 0].data<float>().Select(v => (int)Math.Round(Math.Abs(v) * 200)).ToArray();
                flowCols.Should().Equal(rgbCols);
                var flipped = rgbCols[0] > rgbCols[1];
                f[0, 0, 0, 0].item<float>().Should().Match(v => flipped ? v <= 0 : v >= 0);
                sawFlip |= flipped;
                sawNoFlip |= !flipped;
            }
        }
        sawFlip.Should().BeTrue();
        sawNoFlip.Should().BeTrue();
    }

    [Fact]
    public void Options_are_validated()
    {
        var act = () => new ClipTransform(new ClipTransformOptions { ShortSide = 100, CropSize = 224 });
        act.Should().Throw<ArgumentException>().WithMessage("*CropSize (224) must not exceed ShortSide (100)*");
    }
}

public class DecodeGeometryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Resizing_and_cropping_while_decoding_matches_the_tensor_pipeline(int sample)
    {
        var path = DataTestFiles.FixturePath("kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif");
        using var reader = I3D.Net.Data.Video.VideoReader.Open(path);
        var transform = new ClipTransform(new ClipTransformOptions { ShortSide = 150, CropSize = 128, RandomCrop = true, FlipProbability = 0.5 });
        int[] indices = [3, 20, 40];
        using var full = reader.ReadFrames(indices);
        using var fullClip = ClipTransforms.ToClip(full);
        var (expected, _) = transform.Apply(fullClip, null, 9, 2, sample);

        var geometry = transform.PlanGeometry(reader.Info.Width, reader.Info.Height, 9, 2, sample)!;
        (geometry.ResizeWidth, geometry.ResizeHeight, geometry.CropWidth, geometry.CropHeight).Should().Be((150, 150, 128, 128));
        using var cropped = reader.ReadFrames(indices, geometry);
        cropped.shape.Should().Equal(3, 128, 128, 3);
        using var croppedClip = ClipTransforms.ToClip(cropped);
        var (actual, _) = transform.ApplyAfterGeometry(croppedClip, null, 9, 2, sample);
        using (expected)
        using (actual)
        {
            actual!.shape.Should().Equal(expected!.shape);
            using var diff = (actual - expected).abs();
            diff.mean().item<float>().Should().BeLessThan(0.01f, "OpenCV's and libtorch's bilinear resize agree to rounding");
            diff.max().item<float>().Should().BeLessThan(0.1f);
        }
    }

    [Fact]
    public void A_crop_outside_the_frame_is_rejected()
    {
        var bad = new I3D.Net.Data.Video.FrameGeometry(100, 100, 50, 0, 64, 64);
        var act = () => bad.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*64x64 at (50, 0)*100x100*");
    }
}

public class ChannelsFirstReadTests
{
    [Fact]
    public void Float_planes_equal_the_uint8_frames_permuted_and_scaled()
    {
        var path = DataTestFiles.FixturePath("kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif");
        using var reader = I3D.Net.Data.Video.VideoReader.Open(path);
        var geometry = new I3D.Net.Data.Video.FrameGeometry(150, 150, 7, 11, 128, 120) { FlipHorizontal = true };
        int[] indices = [5, 1, 5, 60];
        using var frames = reader.ReadFrames(indices, geometry);
        using var expected = frames.permute(3, 0, 1, 2).to_type(ScalarType.Float32).div(127.5).sub(1);
        using var planes = reader.ReadFramesChannelsFirst(indices, geometry, 1 / 127.5, -1);
        planes.shape.Should().Equal(3, 4, 120, 128);
        planes.allclose(expected, rtol: 0, atol: 1e-5).Should().BeTrue();
    }

    [Fact]
    public void Flow_planes_hold_pixels()
    {
        using var tmp = new TempFolder();
        I3D.Net.Tests.Data.Video.FrameFolderReaderTests.WriteFlow(tmp.Path, "x_", "y_", 2, t => t == 0 ? ((byte)255, (byte)0) : ((byte)0, (byte)255));
        using var reader = new I3D.Net.Data.Video.FlowFolderReader(tmp.Path);
        using var px = reader.ReadFramesChannelsFirst([0, 1], null, 40 / 255.0, -20);
        px.shape.Should().Equal(2, 2, 24, 32);
        using var mean = px.mean([2, 3]);
        mean.data<float>().ToArray().Should().Equal([20f, -20f, -20f, 20f], (a, b) => Math.Abs(a - b) < 0.5f);
    }
}
