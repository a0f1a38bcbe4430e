using System.Net;
using System.Security.Cryptography;
using I3D.Net.Models;
using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>A synthetic googlenet-format file (torchvision's keys and shapes), written once for the class.</summary>
public sealed class GoogLeNetFileFixture : IDisposable
{
    readonly TempFolder folder = new();

    public GoogLeNetFileFixture()
    {
        using var scope = NewDisposeScope();
        var sd = SyntheticGoogLeNet.Create(seed: 11);
        Path = folder.File("googlenet-synthetic.pth");
        TorchZipWriter.Save(sd, Path);
        Bytes = File.ReadAllBytes(Path);
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes));
        Conv1 = sd.Single(kv => kv.Key == "conv1.conv.weight").Value.clone().DetachFromDisposeScope();
        Conv1Bn = new[] { "weight", "bias", "running_mean", "running_var" }
            .Select(n => sd.Single(kv => kv.Key == $"conv1.bn.{n}").Value.clone().DetachFromDisposeScope()).ToArray();
        Mixed5cB3bVar = sd.Single(kv => kv.Key == "inception5b.branch4.1.bn.running_var").Value.clone().DetachFromDisposeScope();
    }

    public string Path { get; }
    public byte[] Bytes { get; }
    public string Sha256 { get; }
    public Tensor Conv1 { get; }
    public Tensor[] Conv1Bn { get; }
    public Tensor Mixed5cB3bVar { get; }

    public void Dispose()
    {
        Conv1.Dispose();
        foreach (var t in Conv1Bn) t.Dispose();
        Mixed5cB3bVar.Dispose();
        folder.Dispose();
    }
}

public class ImageNetInitializationTests(GoogLeNetFileFixture googLeNet) : IClassFixture<GoogLeNetFileFixture>
{
    sealed class FakeServer(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Requests++;
            return Task.FromResult(respond(request));
        }
    }

    sealed class ListProgress : IProgress<long>
    {
        public List<long> Values { get; } = new();
        public void Report(long value) { lock (Values) Values.Add(value); }
    }

    FakeServer Serving(byte[] bytes) => new(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });

    WeightsFile TestFile(string? sha256 = null) =>
        new("googlenet-test.pth", new Uri("https://example.test/models/googlenet-test.pth"), sha256 ?? googLeNet.Sha256);

    [Fact]
    public void FromImageNetWithAnExplicitFileGivesAnInflatedTrainableModelWithFreshLogits()
    {
        using var scope = NewDisposeScope();
        using var model = InceptionI3D.FromImageNet(numClasses: 7, weights: new ImageNetWeightsOptions { WeightsPath = googLeNet.Path });

        model.NumClasses.Should().Be(7);
        var sd = model.state_dict();
        sd["logits.conv3d.weight"].shape.Should().Equal(7, 1024, 1, 1, 1);
        sd["Conv3d_1a_7x7.conv3d.weight"].sum(new long[] { 2 }).allclose(googLeNet.Conv1, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        sd["Mixed_5c.b3b.bn.running_var"].allclose(googLeNet.Mixed5cB3bVar, rtol: 0, atol: 0).Should().BeTrue();
        model.parameters().Should().OnlyContain(p => p.requires_grad);

        model.eval();
        using var clip = rand(new long[] { 1, 3, 8, 32, 32 }) * 2 - 1;
        using var logits = model.forward(clip);
        logits.shape.Should().Equal(1, 7);
        logits.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void TheInflatedFirstLayerGivesGoogLeNetsResponseOnAStaticClip()
    {
        using var scope = NewDisposeScope();
        using var model = InceptionI3D.FromImageNet(numClasses: 2, weights: new ImageNetWeightsOptions { WeightsPath = googLeNet.Path });
        model.eval();
        var gen = new Generator(5);
        var frame = rand(new long[] { 1, 3, 48, 48 }, generator: gen) * 2 - 1;
        var clip = frame.unsqueeze(2).expand(1, 3, 16, 48, 48).contiguous();

        // The model's Conv3d_1a_7x7 (inflated conv, TF-SAME padding, BN, ReLU) ...
        var actual = model.ForwardTo(clip, I3DEndpoint.Conv3d_1a_7x7);
        actual.shape.Should().Equal(1, 64, 8, 24, 24);

        // ... equals GoogLeNet's conv1 + BN (eps 1e-3) + ReLU on the frame, with the same TF-SAME spatial padding.
        var bn = googLeNet.Conv1Bn;
        var conv = nn.functional.conv2d(nn.functional.pad(frame, new long[] { 2, 3, 2, 3 }), googLeNet.Conv1, strides: new long[] { 2, 2 });
        var expected = nn.functional.relu(nn.functional.batch_norm(conv, bn[2], bn[3], bn[0], bn[1], training: false, eps: 1e-3));

        // Interior times only: output t sees frames 2t-2 .. 2t+4, all inside the 16-frame clip for t = 1..5.
        for (long t = 1; t <= 5; t++)
            (actual.select(2, t) - expected).abs().max().item<float>().Should().BeLessThan(1e-4f, $"time {t}");
        // At the edges TF-SAME zero padding in time makes the response differ, as it should.
        (actual.select(2, 0) - expected).abs().max().item<float>().Should().BeGreaterThan(1e-3f);
    }

    [Fact]
    public void TwoStreamFromImageNetAveragesTheFlowStreamsFirstKernel()
    {
        using var scope = NewDisposeScope();
        using var model = TwoStreamI3D.FromImageNet(numClasses: 5, weights: new ImageNetWeightsOptions { WeightsPath = googLeNet.Path });

        model.NumClasses.Should().Be(5);
        var flow1a = model.Flow.state_dict()["Conv3d_1a_7x7.conv3d.weight"];
        flow1a.shape.Should().Equal(64, 2, 7, 7, 7);
        var mean = googLeNet.Conv1.mean(new long[] { 1 });
        flow1a.sum(new long[] { 2 }).select(1, 1).allclose(mean, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        model.Rgb.state_dict()["Conv3d_1a_7x7.conv3d.weight"].sum(new long[] { 2 })
            .allclose(googLeNet.Conv1, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        model.state_dict().Keys.Should().Contain("rgb.logits.conv3d.weight").And.Contain("flow.logits.conv3d.weight");
    }

    [Fact]
    public async Task DownloadsVerifiesAndCachesAtomicallyThenReusesTheCache()
    {
        using var cache = new TempFolder();
        var server = Serving(googLeNet.Bytes);
        var progress = new ListProgress();
        var options = new ImageNetWeightsOptions
        {
            CacheDirectory = cache.Path, File = TestFile(), HttpClient = new HttpClient(server), Progress = progress,
        };

        var path = await ImageNetInitialization.ResolveGoogLeNetAsync(options);
        path.Should().Be(cache.File("googlenet-test.pth"));
        File.ReadAllBytes(path).Should().Equal(googLeNet.Bytes);
        Directory.GetFiles(cache.Path).Should().ContainSingle("the temporary file was renamed");
        server.Requests.Should().Be(1);
        progress.Values.Should().NotBeEmpty().And.BeInAscendingOrder();
        progress.Values[^1].Should().Be(googLeNet.Bytes.Length);

        (await ImageNetInitialization.ResolveGoogLeNetAsync(options)).Should().Be(path);
        server.Requests.Should().Be(1, "the verified cached copy is used");

        using var model = await InceptionI3D.FromImageNetAsync(numClasses: 3, weights: options);
        model.NumClasses.Should().Be(3);
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task ADownloadWithTheWrongHashIsRejectedAndLeavesNothingBehind()
    {
        using var cache = new TempFolder();
        var corrupted = (byte[])googLeNet.Bytes.Clone();
        corrupted[^100] ^= 0xFF;
        var options = new ImageNetWeightsOptions
        {
            CacheDirectory = cache.Path, File = TestFile(), HttpClient = new HttpClient(Serving(corrupted)),
        };
        var act = () => ImageNetInitialization.ResolveGoogLeNetAsync(options);
        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*googlenet-test.pth*{googLeNet.Sha256}*");
        Directory.GetFiles(cache.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task TheTorchHubHashPrefixIsCheckedWhenTheFullDigestIsUnknown()
    {
        using var cache = new TempFolder();
        var prefixOk = new WeightsFile("g-ok.pth", new Uri("https://example.test/g-ok.pth"), null, googLeNet.Sha256[..8]);
        var prefixBad = new WeightsFile("g-bad.pth", new Uri("https://example.test/g-bad.pth"), null, "00000000");
        var client = new HttpClient(Serving(googLeNet.Bytes));

        var ok = await ImageNetInitialization.ResolveGoogLeNetAsync(new() { CacheDirectory = cache.Path, File = prefixOk, HttpClient = client });
        File.Exists(ok).Should().BeTrue();
        var bad = () => ImageNetInitialization.ResolveGoogLeNetAsync(new() { CacheDirectory = cache.Path, File = prefixBad, HttpClient = client });
        (await bad.Should().ThrowAsync<InvalidDataException>()).WithMessage("*starting 00000000*");
    }

    [Fact]
    public async Task ACorruptCachedFileIsReportedWithWhatToDo()
    {
        using var cache = new TempFolder();
        File.WriteAllBytes(cache.File("googlenet-test.pth"), googLeNet.Bytes[..1000]);
        var server = Serving(googLeNet.Bytes);
        var act = () => ImageNetInitialization.ResolveGoogLeNetAsync(new() { CacheDirectory = cache.Path, File = TestFile(), HttpClient = new HttpClient(server) });
        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage("*googlenet-test.pth*Delete it*WeightsPath*");
        server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task OfflineWithoutTheFileNamesTheFileTheUrlAndTheFolder()
    {
        using var cache = new TempFolder();
        var offline = new FakeServer(_ => throw new HttpRequestException("Name or service not known (download.pytorch.org:443)"));
        var options = new ImageNetWeightsOptions { CacheDirectory = cache.Path, HttpClient = new HttpClient(offline) };

        var act = () => InceptionI3D.FromImageNet(weights: options);
        act.Should().Throw<FileNotFoundException>()
            .WithMessage($"*'googlenet-1378be20.pth'*https://download.pytorch.org/models/googlenet-1378be20.pth*'{cache.Path}'*I3D_NET_HOME*");

        var noDownload = () => TwoStreamI3D.FromImageNet(weights: options with { AllowDownload = false });
        noDownload.Should().Throw<FileNotFoundException>().WithMessage("*googlenet-1378be20.pth*downloading is disabled*");

        var notFound = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        var act404 = () => ImageNetInitialization.ResolveGoogLeNetAsync(options with { HttpClient = new HttpClient(notFound) });
        (await act404.Should().ThrowAsync<FileNotFoundException>()).WithMessage("*404*");
        Directory.GetFiles(cache.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task CancellationStopsTheDownloadAndLeavesNothingBehind()
    {
        using var cache = new TempFolder();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var options = new ImageNetWeightsOptions { CacheDirectory = cache.Path, File = TestFile(), HttpClient = new HttpClient(Serving(googLeNet.Bytes)) };
        var act = () => ImageNetInitialization.ResolveGoogLeNetAsync(options, cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        Directory.GetFiles(cache.Path).Should().BeEmpty();
    }

    [Fact]
    public void AMissingExplicitFileIsNamed()
    {
        var act = () => InceptionI3D.FromImageNet(weights: new() { WeightsPath = "/nonexistent/googlenet.pth" });
        act.Should().Throw<FileNotFoundException>().WithMessage("*/nonexistent/googlenet.pth*WeightsPath*googlenet-1378be20.pth*");
    }

    [Fact]
    public void TheCacheFolderFollowsI3DNetHomeThenXdgThenHome()
    {
        string? Env(string name, Dictionary<string, string> vars) => vars.TryGetValue(name, out var v) ? v : null;
        WeightsFileResolver.DefaultCacheDirectory(n => Env(n, new() { ["I3D_NET_HOME"] = "/data/i3d", ["XDG_CACHE_HOME"] = "/xdg" }), "/home/u")
            .Should().Be("/data/i3d");
        WeightsFileResolver.DefaultCacheDirectory(n => Env(n, new() { ["XDG_CACHE_HOME"] = "/xdg" }), "/home/u")
            .Should().Be("/xdg/i3d-net");
        WeightsFileResolver.DefaultCacheDirectory(n => Env(n, new()), "/home/u").Should().Be("/home/u/.cache/i3d-net");
    }
}
