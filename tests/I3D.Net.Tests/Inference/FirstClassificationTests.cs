using System.Reflection;
using System.Text;
using FluentAssertions;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Data;
using I3D.Net.Tests.Docs;
using I3D.Net.Tests.Training;
using I3D.Net.Weights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OpenCvSharp;
using Xunit;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

/// <summary>
/// The acceptance of a first classification: a user's console program of a few lines (VideoClassifier + Predict)
/// classifies a real clip (DeepMind's cricket sample, made into an MP4) with weights the test writes. The program is
/// compiled with Roslyn and run, as a fresh app would be; eng/consumer-test.sh does the same from the NuGet package.
/// </summary>
[Collection(TrainingCollection.Name)]   // redirects Console.Out
public sealed class FirstClassificationTests : IDisposable
{
    /// <summary>The user's whole program: the weights file and the video are its arguments.</summary>
    internal const string UserProgram = """
        using I3D.Net.Inference;

        using var classifier = VideoClassifier.Load(args[0]);
        var prediction = classifier.Predict(args[1]);
        foreach (var (index, name, probability) in prediction.Top)
            Console.WriteLine($"{name}: {probability:P1}");
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Re-encodes the cricket GIF (79 frames, 224×224, 25 fps) as MPEG-4 in an .mp4 with OpenCV.</summary>
    internal static string CricketMp4(string path)
    {
        var gif = DataTestFiles.FixturePath("kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif");
        using var capture = new VideoCapture(gif);
        Assert.SkipUnless(capture.IsOpened(), "OpenCV cannot read GIFs here");
        using var writer = new VideoWriter(path, FourCC.FromString("mp4v"), 25, new OpenCvSharp.Size(224, 224));
        Assert.SkipUnless(writer.IsOpened(), "OpenCV cannot write MPEG-4 here");
        using var frame = new Mat();
        var frames = 0;
        while (capture.Read(frame) && !frame.Empty())
        {
            writer.Write(frame);
            frames++;
        }
        frames.Should().Be(79);
        return path;
    }

    [Fact]
    public void A_few_lines_of_user_code_classify_the_cricket_clip()
    {
        UserProgram.Split('\n').Count(l => l.Trim().Length > 0).Should().BeLessThanOrEqualTo(10, "a first classification takes at most 10 lines");
        var video = CricketMp4(_folder.File("cricket.mp4"));
        var weights = _folder.File("kinetics400-rgb.safetensors");
        using (var scope = NewDisposeScope())
        {
            manual_seed(1);
            using var model = new InceptionI3D(numClasses: 400);
            Checkpoints.Save(model, weights, KineticsClasses.Kinetics400);
        }

        var output = Run(UserProgram, weights, video);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(5);
        using var classifier = VideoClassifier.Load(weights);
        var prediction = classifier.Predict(video);
        prediction.Clips.Should().ContainSingle().Which.Frames.Should().HaveCount(79, "the whole clip at 25 fps");
        lines.Should().Equal(prediction.Top.Select(s => string.Create(System.Globalization.CultureInfo.CurrentCulture, $"{s.Name}: {s.Probability:P1}")));
        prediction.Top.Should().OnlyContain(s => KineticsClasses.Kinetics400.Contains(s.Name));
    }

    /// <summary>Compiles <paramref name="program"/> like a fresh console app and runs it, returning what it printed.</summary>
    private static string Run(string program, params string[] args)
    {
        var snippet = new DocsSnippetTests.Snippet("Program.cs", 1, program, Fragment: false);
        DocsSnippetTests.Compile(snippet).Should().BeEmpty();
        var compilation = DocsSnippetTests.CreateCompilation(snippet);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        emitted.Success.Should().BeTrue(string.Join("\n", emitted.Diagnostics));
        var assembly = Assembly.Load(image.ToArray());
        var output = new StringWriter(new StringBuilder());
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            var result = assembly.EntryPoint!.Invoke(null, [args]);
            if (result is Task task) task.GetAwaiter().GetResult();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        finally
        {
            Console.SetOut(previous);
        }
        return output.ToString();
    }
}
