using I3D.Net.Models;
using System.Text.RegularExpressions;
using I3D.Net.Weights;

namespace I3D.Net.Tests.Weights;

public class WeightsRegistryTests
{
    [Fact]
    public void KineticsClassListsHaveTheRightCountsAndEnds()
    {
        KineticsClasses.Kinetics400.Should().HaveCount(400);
        KineticsClasses.Kinetics400[0].Should().Be("abseiling");
        KineticsClasses.Kinetics400[1].Should().Be("air drumming");
        KineticsClasses.Kinetics400[^1].Should().Be("zumba");
        KineticsClasses.Kinetics400.Should().OnlyHaveUniqueItems();

        KineticsClasses.Kinetics600.Should().HaveCount(600);
        KineticsClasses.Kinetics600[0].Should().Be("abseiling");
        KineticsClasses.Kinetics600[^2].Should().Be("yoga");
        KineticsClasses.Kinetics600[^1].Should().Be("zumba");
        KineticsClasses.Kinetics600.Should().OnlyHaveUniqueItems();
        KineticsClasses.Kinetics600.Should().OnlyContain(n => n.Trim() == n && n.Length > 0);
    }

    [Fact]
    public void EveryDescriptorIsComplete()
    {
        I3DWeights.All.Should().HaveCount(7);
        I3DWeights.All.Select(d => d.Name).Should().OnlyHaveUniqueItems();
        foreach (var d in I3DWeights.All)
        {
            d.Name.Should().MatchRegex("^[a-z0-9-]+$");
            d.Description.Should().NotBeNullOrWhiteSpace();
            d.License.Should().NotBeNullOrWhiteSpace();
            d.Source.Scheme.Should().Be("https");
            d.Files.Should().NotBeEmpty();
            foreach (var f in d.Files)
            {
                f.Url.Scheme.Should().Be("https");
                f.Url.AbsolutePath.Should().EndWith(Path.GetFileName(f.FileName));
                if (f.Sha256 is not null) f.Sha256.Should().MatchRegex("^[0-9a-f]{64}$");
                if (f.Sha256Prefix is not null) f.Sha256Prefix.Should().MatchRegex("^[0-9a-f]{8,63}$");
            }
            d.Inputs.Should().NotBeEmpty();
            foreach (var input in d.Inputs)
            {
                input.Channels.Should().Be(input.Modality == InputModality.Rgb ? 3 : 2);
                (input.Height, input.Width).Should().Be((224, 224));
                input.ValueMin.Should().BeLessThan(input.ValueMax);
                input.Description.Should().NotBeNullOrWhiteSpace();
            }
            if (d.Classes is not null) d.Classes.Should().HaveCount(d.NumClasses);
            if (d.Accuracy is { } acc)
            {
                acc.Top1.Should().BeInRange(0, 100);
                acc.Top5.Should().BeInRange(acc.Top1, 100);
            }
        }
    }

    [Fact]
    public void DeepMindCheckpointsCarryTheReportedConventionsAndAccuracy()
    {
        I3DWeights.Kinetics400Rgb.Accuracy!.Top1.Should().Be(71.1);
        I3DWeights.Kinetics400Rgb.Accuracy!.Top5.Should().Be(89.3);
        I3DWeights.Kinetics400Flow.Accuracy!.Top1.Should().Be(63.4);
        I3DWeights.Kinetics400Flow.Accuracy!.Top5.Should().Be(84.9);
        I3DWeights.Kinetics400TwoStream.Accuracy!.Top1.Should().Be(74.2);
        I3DWeights.Kinetics400TwoStream.Accuracy!.Top5.Should().Be(91.3);

        foreach (var d in new[] { I3DWeights.Kinetics400Rgb, I3DWeights.Kinetics400Flow, I3DWeights.Kinetics400RgbScratch,
                     I3DWeights.Kinetics400FlowScratch, I3DWeights.Kinetics600RgbScratch, I3DWeights.Kinetics400TwoStream })
        {
            d.License.Should().Be("Apache-2.0");
            d.Format.Should().Be(CheckpointFormat.TensorFlowCheckpoint);
            d.Files.Should().Contain(f => f.FileName.EndsWith("model.ckpt.index") && f.Sha256 != null);
            d.Files.Should().Contain(f => f.FileName.EndsWith("model.ckpt.data-00000-of-00001"));
            d.Files.Should().OnlyContain(f => f.Url.AbsoluteUri.Contains(I3DWeights.KineticsI3DCommit));
            foreach (var input in d.Inputs)
            {
                input.FramesPerSecond.Should().Be(25);
                input.MinFrames.Should().Be(64);
                (input.ValueMin, input.ValueMax).Should().Be((-1, 1));
                if (input.Modality == InputModality.Flow) input.FlowClipPixels.Should().Be(20);
            }
        }

        I3DWeights.Kinetics400Rgb.Classes.Should().BeSameAs(KineticsClasses.Kinetics400);
        I3DWeights.Kinetics600RgbScratch.NumClasses.Should().Be(600);
        I3DWeights.Kinetics600RgbScratch.Classes.Should().BeSameAs(KineticsClasses.Kinetics600);
        I3DWeights.Kinetics400Flow.Inputs.Single().Modality.Should().Be(InputModality.Flow);
        I3DWeights.Kinetics400TwoStream.Inputs.Select(i => i.Modality).Should().Equal(InputModality.Rgb, InputModality.Flow);
        // The honest unknowns stay unknown.
        I3DWeights.Kinetics400RgbScratch.Accuracy.Should().BeNull();
    }

    [Fact]
    public void GoogLeNetDescriptorMatchesTheTorchHubFileName()
    {
        var g = I3DWeights.ImageNetGoogLeNet;
        var file = g.Files.Single();
        file.FileName.Should().Be("googlenet-1378be20.pth");
        file.Url.AbsoluteUri.Should().Be("https://download.pytorch.org/models/googlenet-1378be20.pth");
        // torch.hub convention: the hex digits after the last '-' are the SHA-256 prefix.
        Regex.Match(file.FileName, @"-([0-9a-f]+)\.pth$").Groups[1].Value.Should().Be(file.Sha256Prefix);
        g.Format.Should().Be(CheckpointFormat.PyTorchZip);
        g.NumClasses.Should().Be(1000);
    }

    [Fact]
    public void GetFindsByNameAndListsTheKnownNamesOtherwise()
    {
        I3DWeights.Get("KINETICS400-RGB-IMAGENET").Should().BeSameAs(I3DWeights.Kinetics400Rgb);
        var act = () => I3DWeights.Get("kinetics700");
        act.Should().Throw<KeyNotFoundException>().WithMessage("*kinetics700*kinetics400-rgb-imagenet*imagenet-googlenet*");
    }
}
