using System.Net;
using I3D.Net.Data.Annotations;
using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.Pretrained;

public sealed class PretrainedWeightsTests(PretrainedBundles bundles) : IClassFixture<PretrainedBundles>, IDisposable
{
    private readonly TempFolder _cache = new();

    public void Dispose() => _cache.Dispose();

    /// <summary>The descriptors whose checkpoints other tests here generate anyway (and the unscoped Kinetics-600 one).</summary>
    public static TheoryData<string> Released => new(I3DWeights.Kinetics400Rgb.Name, I3DWeights.Kinetics400Flow.Name, I3DWeights.Kinetics600RgbScratch.Name);

    /// <summary>The two that need ~50 MB checkpoints of their own.</summary>
    public static TheoryData<string> ReleasedScratch => new(I3DWeights.Kinetics400RgbScratch.Name, I3DWeights.Kinetics400FlowScratch.Name);

    private PretrainedWeightsOptions Options(FakeWeightsServer server) => new() { CacheDirectory = _cache.Path, HttpClient = server.Client() };

    private static FakeWeightsServer Serving(PretrainedBundle bundle, string? data = null, bool ignoreRange = false) =>
        new FakeWeightsServer { IgnoreRange = ignoreRange }.Serve(bundle.IndexUrl, bundle.IndexPath).Serve(bundle.DataUrl, data ?? bundle.DataPath);

    private string CachedData(PretrainedBundle bundle) => Path.Combine(_cache.Path, bundle.Descriptor.Files[1].FileName);

    private string Partial(PretrainedBundle bundle) =>
        Path.Combine(Path.GetDirectoryName(CachedData(bundle))!, ".model.ckpt.data-00000-of-00001.partial");

    /// <summary>The converted model holds the checkpoint's values: the stem kernel transposed, the logits bias as is.</summary>
    private static void ShouldHoldTheCheckpoint(InceptionI3D model, PretrainedBundle bundle)
    {
        using var scope = NewDisposeScope();
        var scopePrefix = bundle.Tensors.Select(t => t.Name).First(n => n.EndsWith("Conv3d_1a_7x7/conv_3d/w", StringComparison.Ordinal))[..^"Conv3d_1a_7x7/conv_3d/w".Length];
        var state = model.state_dict();
        var stem = bundle.Read(scopePrefix + "Conv3d_1a_7x7/conv_3d/w").permute(4, 3, 0, 1, 2);
        state["Conv3d_1a_7x7.conv3d.weight"].eq(stem).all().item<bool>().Should().BeTrue();
        var bias = bundle.Read(scopePrefix + "Logits/Conv3d_0c_1x1/conv_3d/b");
        state["logits.conv3d.bias"].eq(bias).all().item<bool>().Should().BeTrue();
        var variance = bundle.Read(scopePrefix + "Mixed_5c/Branch_3/Conv3d_0b_1x1/batch_norm/moving_variance").flatten();
        state["Mixed_5c.b3b.bn.running_var"].eq(variance).all().item<bool>().Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(ReleasedScratch))]
    [Trait("Category", "Heavy")] // writes and reads two more ~50 MB checkpoints
    public Task TheScratchCheckpointsAreDownloadedVerifiedConvertedAndLoaded(string name) =>
        EveryReleasedCheckpointIsDownloadedVerifiedConvertedAndLoaded(name);

    [Theory]
    [MemberData(nameof(Released))]
    public async Task EveryReleasedCheckpointIsDownloadedVerifiedConvertedAndLoaded(string name)
    {
        var bundle = bundles.Get(I3DWeights.Get(name));
        var server = Serving(bundle);

        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(server));

        model.NumClasses.Should().Be(bundle.Real.NumClasses);
        model.InChannels.Should().Be(bundle.Real.Inputs[0].Channels);
        model.training.Should().BeFalse("pretrained models come back ready for inference");
        ShouldHoldTheCheckpoint(model, bundle);
        server.Count(bundle.IndexUrl).Should().Be(1, "this index is not shipped, so it is fetched and checked against its SHA-256");
        server.Count(bundle.DataUrl).Should().Be(1);

        // The cache: the checkpoint as published (renamed into place, no partial file left) and the converted file.
        File.ReadAllBytes(CachedData(bundle)).Should().Equal(File.ReadAllBytes(bundle.DataPath));
        File.Exists(Partial(bundle)).Should().BeFalse();
        var converted = Path.Combine(_cache.Path, PretrainedWeights.CachedFileName(bundle.Descriptor));
        var metadata = SafeTensorsFile.ReadHeader(converted).Metadata;
        metadata[PretrainedWeights.WeightsMetadataKey].Should().Be(name);
        ClassMap.FromJson(metadata[PretrainedWeights.ClassesMetadataKey]).Names.Should().Equal(bundle.Real.Classes!);
        PretrainedWeights.ReadInputs(metadata)!.Should().ContainSingle().Which.Should().BeEquivalentTo(bundle.Real.Inputs[0]);
    }

    [Fact]
    public async Task ASecondCallLoadsTheConvertedFileWithoutHttp()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var server = Serving(bundle);
        using (var first = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(server)))
        {
        }

        var requests = server.Requests.Count;
        using var second = InceptionI3D.FromPretrained(bundle.Descriptor, Options(server));
        using var offline = InceptionI3D.FromPretrained(bundle.Descriptor, Options(server) with { AllowDownload = false });

        server.Requests.Should().HaveCount(requests, "the converted safetensors in the cache is used");
        ShouldHoldTheCheckpoint(second, bundle);
        ShouldHoldTheCheckpoint(offline, bundle);
    }

    [Fact]
    public async Task APartialDownloadIsResumedWithARangeRequest()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Flow);
        var data = File.ReadAllBytes(bundle.DataPath);
        Directory.CreateDirectory(Path.GetDirectoryName(Partial(bundle))!);
        var had = data.Length / 3;
        File.WriteAllBytes(Partial(bundle), data[..had]);
        var server = Serving(bundle);
        var progress = new List<long>();

        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor,
            Options(server) with { Progress = new Progress(progress) });

        var request = server.Requests.Single(r => r.Url == bundle.DataUrl);
        request.Range!.Ranges.Single().From.Should().Be(had);
        request.Status.Should().Be(HttpStatusCode.PartialContent);
        request.Bytes.Should().Be(data.Length - had, "only the tail is sent");
        progress.Should().StartWith(had).And.EndWith(data.Length);
        ShouldHoldTheCheckpoint(model, bundle);
        File.ReadAllBytes(CachedData(bundle)).Should().Equal(data);
        File.Exists(Partial(bundle)).Should().BeFalse();
    }

    [Fact]
    public async Task ACancelledDownloadKeepsWhatArrivedAndTheNextCallResumesIt()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var data = File.ReadAllBytes(bundle.DataPath);
        using var cancel = new CancellationTokenSource();
        var stopAt = data.Length / 2;
        var interrupted = new FakeWeightsServer { Respond = url => url == bundle.DataUrl ? new StreamContent(new CancellingStream(data, stopAt, cancel)) : null }
            .Serve(bundle.IndexUrl, bundle.IndexPath);

        var act = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(interrupted), cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        new FileInfo(Partial(bundle)).Length.Should().Be(stopAt);
        File.Exists(CachedData(bundle)).Should().BeFalse();

        var server = Serving(bundle);
        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(server));
        server.Requests.Single(r => r.Url == bundle.DataUrl).Range!.Ranges.Single().From.Should().Be(stopAt);
        ShouldHoldTheCheckpoint(model, bundle);
    }

    /// <summary>Serves <paramref name="data"/> up to <paramref name="stopAt"/>, then cancels the caller's token (a user pressing Ctrl+C mid-download).</summary>
    private sealed class CancellingStream(byte[] data, int stopAt, CancellationTokenSource cancel) : MemoryStream(data, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= stopAt)
            {
                await cancel.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, stopAt - Position)], cancellationToken);
        }
    }

    [Fact]
    public async Task ACorruptShardInTheCacheIsDeletedAndNamed()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Flow);
        using (await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(Serving(bundle))))
        {
        }

        File.Delete(Path.Combine(_cache.Path, PretrainedWeights.CachedFileName(bundle.Descriptor)));
        var victim = bundle.Tensors.Single(t => t.Name == "Flow/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w");
        using (var stream = new FileStream(CachedData(bundle), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = victim.Offset;
            var b = stream.ReadByte();
            stream.Position = victim.Offset;
            stream.WriteByte((byte)(b ^ 1));
        }

        var offline = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(new FakeWeightsServer()) with { AllowDownload = false });

        (await offline.Should().ThrowAsync<InvalidDataException>()).WithMessage("*'Flow/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w'*deleted*");
        File.Exists(CachedData(bundle)).Should().BeFalse();
    }

    [Fact]
    public async Task ADownloadThatEndsEarlyIsKeptAndResumed()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var data = File.ReadAllBytes(bundle.DataPath);
        var half = Path.Combine(_cache.Path, "half.data");
        File.WriteAllBytes(half, data[..(data.Length / 2)]);

        var act = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(Serving(bundle, data: half)));

        (await act.Should().ThrowAsync<IOException>()).WithMessage($"*{bundle.DataUrl}*stopped after {data.Length / 2} of {data.Length} bytes*resumes*");
        new FileInfo(Partial(bundle)).Length.Should().Be(data.Length / 2);

        var server = Serving(bundle);
        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(server));
        server.Requests.Single(r => r.Url == bundle.DataUrl).Status.Should().Be(HttpStatusCode.PartialContent);
        ShouldHoldTheCheckpoint(model, bundle);
    }

    [Fact]
    public async Task AServerThatSendsFarMoreThanTheCheckpointHoldsIsCutOff()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Flow);
        var length = new FileInfo(bundle.DataPath).Length;
        var endless = new FakeWeightsServer { Respond = url => url == bundle.DataUrl ? new StreamContent(new EndlessStream()) : null }
            .Serve(bundle.IndexUrl, bundle.IndexPath);

        var act = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(endless));

        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{bundle.DataUrl}*more than {2 * length} bytes*{length}*deleted*");
        File.Exists(Partial(bundle)).Should().BeFalse();
    }

    /// <summary>A body that never ends.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => count;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task AServerThatIgnoresTheRangeIsWrittenFromTheStart()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        Directory.CreateDirectory(Path.GetDirectoryName(Partial(bundle))!);
        // A partial file that is NOT a prefix of the data: appending to it would fail verification.
        File.WriteAllBytes(Partial(bundle), new byte[1000]);
        var server = Serving(bundle, ignoreRange: true);

        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, Options(server));

        var request = server.Requests.Single(r => r.Url == bundle.DataUrl);
        request.Range!.Ranges.Single().From.Should().Be(1000);
        request.Status.Should().Be(HttpStatusCode.OK);
        ShouldHoldTheCheckpoint(model, bundle);
    }

    [Fact]
    public async Task OneFlippedByteNamesTheTensorAndTheBadFileIsDeleted()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var victim = bundle.Tensors.Single(t => t.Name == "RGB/inception_i3d/Mixed_4d/Branch_2/Conv3d_0b_3x3/conv_3d/w");
        var data = File.ReadAllBytes(bundle.DataPath);
        data[victim.Offset + victim.Size / 2] ^= 0x10;
        var flipped = Path.Combine(_cache.Path, "flipped.data");
        File.WriteAllBytes(flipped, data);
        var options = Options(Serving(bundle, data: flipped));

        var act = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, options);

        (await act.Should().ThrowAsync<InvalidDataException>())
            .WithMessage("*'RGB/inception_i3d/Mixed_4d/Branch_2/Conv3d_0b_3x3/conv_3d/w'*CRC-32C*deleted*");
        File.Exists(Partial(bundle)).Should().BeFalse("the bad download is deleted");
        File.Exists(CachedData(bundle)).Should().BeFalse("nothing unverified is renamed into place");
        File.Exists(Path.Combine(_cache.Path, PretrainedWeights.CachedFileName(bundle.Descriptor))).Should().BeFalse();

        // The next call downloads again, and a good file loads.
        using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, options with { HttpClient = Serving(bundle).Client() });
        ShouldHoldTheCheckpoint(model, bundle);
    }

    [Fact]
    public async Task TheShippedIndexIsTheTrustAnchorOfThePublishedWeights()
    {
        // Every released descriptor's index ships inside the library, byte for byte the published file.
        foreach (var real in PretrainedBundles.Released)
        {
            PretrainedIndexes.TryGet(real.Files[0].Sha256!, out var shipped).Should().BeTrue(real.Name);
            shipped.Should().Equal(File.ReadAllBytes(KineticsI3DCheckpointTestsFixture(real)), real.Name);
        }

        // A data file that is not the published one (right size, other values) is refused tensor by tensor against
        // the shipped index, and the index is never downloaded.
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var server = new FakeWeightsServer().Serve(bundle.DataUrl, bundle.DataPath);
        var act = () => InceptionI3D.FromPretrainedAsync(I3DWeights.Kinetics400Rgb, Options(server));

        (await act.Should().ThrowAsync<InvalidDataException>())
            .WithMessage("*kinetics400-rgb-imagenet*shipped with I3D.Net*variable 'RGB/inception_i3d/*' fails its CRC-32C check*deleted*");
        server.Count(bundle.IndexUrl).Should().Be(0);
        File.Exists(Partial(bundle)).Should().BeFalse();
        // The published index is put beside the data in the cache, so the folder is a complete checkpoint.
        File.ReadAllBytes(Path.Combine(_cache.Path, "rgb_imagenet", "model.ckpt.index")).Should().Equal(File.ReadAllBytes(KineticsI3DCheckpointTestsFixture(bundle.Real)));
    }

    private static string KineticsI3DCheckpointTestsFixture(WeightsDescriptor real) =>
        TensorFlow.KineticsI3DCheckpointTests.Fixture(PretrainedBundles.CheckpointFolder(real));

    [Fact]
    public async Task OfflineWithAnEmptyCacheTheErrorNamesTheUrlsAndTheFolder()
    {
        var options = new PretrainedWeightsOptions { CacheDirectory = _cache.Path, AllowDownload = false };
        var act = () => InceptionI3D.FromPretrainedAsync(I3DWeights.Kinetics600RgbScratch, options);

        var error = (await act.Should().ThrowAsync<FileNotFoundException>()).Which;
        error.Message.Should().Contain("kinetics600-rgb-scratch").And.Contain("downloading is disabled")
            .And.Contain(I3DWeights.Kinetics600RgbScratch.Files[1].Url.ToString())
            .And.Contain($"'{Path.Combine(_cache.Path, "rgb_scratch_kin600")}'")
            .And.Contain(".index ships with I3D.Net").And.Contain("I3D_NET_HOME").And.Contain("PretrainedWeightsOptions.WeightsPath");
        Directory.EnumerateFileSystemEntries(_cache.Path).Should().BeEmpty();

        // A server that answers 404 gives the same guidance with its reason.
        var notFound = new FakeWeightsServer();
        var act404 = () => InceptionI3D.FromPretrainedAsync(I3DWeights.Kinetics400Flow, options with { AllowDownload = true, HttpClient = notFound.Client() });
        (await act404.Should().ThrowAsync<FileNotFoundException>())
            .WithMessage($"*kinetics400-flow-imagenet*404*{I3DWeights.Kinetics400Flow.Files[1].Url}*{Path.Combine(_cache.Path, "flow_imagenet")}*");

        // For a descriptor whose index is not shipped, the index URL is listed too.
        var bundle = bundles.Get(I3DWeights.Kinetics400Rgb);
        var custom = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, options);
        (await custom.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"*{bundle.IndexUrl}*{bundle.DataUrl}*");
    }

    [Fact]
    public async Task WeightsPathTakesTheCheckpointFolderOrTheLibrarysOwnSafetensors()
    {
        var bundle = bundles.Get(I3DWeights.Kinetics400Flow);
        var server = new FakeWeightsServer();
        var options = Options(server) with { AllowDownload = false };

        // The checkpoint folder, its prefix, its .index, or the folder above it (kinetics-i3d's data/checkpoints layout).
        foreach (var given in new[] { bundle.Folder, Path.Combine(bundle.Folder, "model.ckpt"), bundle.IndexPath, bundle.DataPath, Path.GetDirectoryName(bundle.Folder)! })
        {
            foreach (var file in Directory.EnumerateFiles(_cache.Path, "*.safetensors"))
            {
                File.Delete(file);
            }

            using var model = await InceptionI3D.FromPretrainedAsync(bundle.Descriptor, options with { WeightsPath = given });
            ShouldHoldTheCheckpoint(model, bundle);
        }

        File.Exists(bundle.DataPath).Should().BeTrue("the user's files are never moved");
        server.Requests.Should().BeEmpty();

        // The library's own safetensors, anywhere.
        var own = Path.Combine(_cache.Path, "own.safetensors");
        File.Move(Path.Combine(_cache.Path, PretrainedWeights.CachedFileName(bundle.Descriptor)), own);
        using (var fromOwn = InceptionI3D.FromPretrained(bundle.Descriptor, options with { WeightsPath = own }))
        {
            ShouldHoldTheCheckpoint(fromOwn, bundle);
        }

        var missing = Path.Combine(_cache.Path, "nowhere");
        var act = () => InceptionI3D.FromPretrainedAsync(bundle.Descriptor, options with { WeightsPath = missing });
        (await act.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"*'{missing}'*flow_imagenet*");
    }

    [Fact]
    public async Task TwoStreamLoadsBothStreamsAndRefusesStreamsGivenTheWrongWay()
    {
        var rgb = bundles.Get(I3DWeights.Kinetics400Rgb);
        var flow = bundles.Get(I3DWeights.Kinetics400Flow);
        var server = Serving(rgb);
        server.Serve(flow.IndexUrl, flow.IndexPath).Serve(flow.DataUrl, flow.DataPath);

        using (var model = await TwoStreamI3D.FromPretrainedAsync(rgb.Descriptor, flow.Descriptor, Options(server)))
        {
            model.training.Should().BeFalse();
            ShouldHoldTheCheckpoint(model.Rgb, rgb);
            ShouldHoldTheCheckpoint(model.Flow, flow);
            model.Flow.InChannels.Should().Be(2);
        }

        // A folder with both checkpoints serves both streams; a single checkpoint file cannot.
        using (var fromFolder = TwoStreamI3D.FromPretrained(rgb.Descriptor, flow.Descriptor, Options(server) with { CacheDirectory = Path.Combine(_cache.Path, "fresh"), WeightsPath = Path.GetDirectoryName(rgb.Folder), AllowDownload = false }))
        {
            ShouldHoldTheCheckpoint(fromFolder.Flow, flow);
            ShouldHoldTheCheckpoint(fromFolder.Rgb, rgb);
            File.Exists(Path.Combine(_cache.Path, "fresh", "kinetics400-flow-imagenet.safetensors")).Should().BeTrue("converted into the cache once");
        }

        var oneFile = () => TwoStreamI3D.FromPretrained(rgb.Descriptor, flow.Descriptor, Options(server) with { WeightsPath = rgb.IndexPath });
        oneFile.Should().Throw<ArgumentException>().WithMessage("*model.ckpt.index*not a safetensors of a whole TwoStreamI3D*rgb_imagenet/*flow_imagenet/*");

        var swapped = () => TwoStreamI3D.FromPretrained(flow.Descriptor, rgb.Descriptor, Options(server));
        swapped.Should().Throw<ArgumentException>().WithMessage("*'kinetics400-flow-imagenet' are Flow weights, given as the Rgb stream; pass them as flow*");
        var twoAsOne = () => InceptionI3D.FromPretrained(I3DWeights.Kinetics400TwoStream);
        twoAsOne.Should().Throw<ArgumentException>().WithMessage("*two streams*TwoStreamI3D.FromPretrained*kinetics400-rgb-imagenet*");
        var googLeNet = () => InceptionI3D.FromPretrained(I3DWeights.ImageNetGoogLeNet);
        googLeNet.Should().Throw<ArgumentException>().WithMessage("*FromImageNet*");
        var mixedClasses = () => TwoStreamI3D.FromPretrained(I3DWeights.Kinetics600RgbScratch, I3DWeights.Kinetics400Flow);
        mixedClasses.Should().Throw<ArgumentException>().WithMessage("*600*400*");
    }

    [Fact]
    public void TheDefaultTwoStreamAndTheTwoStreamDescriptorLoadTheConvertedKinetics400Files()
    {
        // Converted files for the real descriptors, as a first (network) call would leave them in the cache.
        using (var rgb = new InceptionI3D(400, 3))
        using (var flow = new InceptionI3D(400, 2))
        {
            Checkpoints.Save(rgb, Path.Combine(_cache.Path, "kinetics400-rgb-imagenet.safetensors"), CacheMetadata(I3DWeights.Kinetics400Rgb));
            Checkpoints.Save(flow, Path.Combine(_cache.Path, "kinetics400-flow-imagenet.safetensors"), CacheMetadata(I3DWeights.Kinetics400Flow));
        }

        var options = new PretrainedWeightsOptions { CacheDirectory = _cache.Path, AllowDownload = false };
        using var byDefault = TwoStreamI3D.FromPretrained(options: options);
        using var byDescriptor = TwoStreamI3D.FromPretrained(I3DWeights.Kinetics400TwoStream, options: options);

        using var scope = NewDisposeScope();
        var expected = SafeTensorsFile.Load(Path.Combine(_cache.Path, "kinetics400-flow-imagenet.safetensors"));
        foreach (var model in new[] { byDefault, byDescriptor })
        {
            model.Flow.state_dict()["Conv3d_1a_7x7.conv3d.weight"].eq(expected["Conv3d_1a_7x7.conv3d.weight"]).all().item<bool>().Should().BeTrue();
            model.Rgb.InChannels.Should().Be(3);
        }

        // This library's safetensors of a whole two-stream model, given as WeightsPath.
        var whole = Path.Combine(_cache.Path, "two-stream.safetensors");
        Checkpoints.Save(byDefault, whole);
        using (var fromFile = TwoStreamI3D.FromPretrained(options: options with { WeightsPath = whole }))
        {
            fromFile.Flow.state_dict()["Conv3d_1a_7x7.conv3d.weight"].eq(expected["Conv3d_1a_7x7.conv3d.weight"]).all().item<bool>().Should().BeTrue();
        }

        // A converted file made from another index (or for other weights) is not taken for these.
        File.WriteAllBytes(Path.Combine(_cache.Path, "kinetics400-rgb-imagenet.safetensors"), File.ReadAllBytes(Path.Combine(_cache.Path, "kinetics400-flow-imagenet.safetensors")));
        var stale = () => TwoStreamI3D.FromPretrained(options: options);
        stale.Should().Throw<FileNotFoundException>().WithMessage("*kinetics400-rgb-imagenet*");
    }

    private static Dictionary<string, string> CacheMetadata(WeightsDescriptor weights) => new()
    {
        [PretrainedWeights.WeightsMetadataKey] = weights.Name,
        [PretrainedWeights.SourceIndexMetadataKey] = weights.Files[0].Sha256!,
    };

    private sealed class Progress(List<long> values) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (values) values.Add(value);
        }
    }
}
