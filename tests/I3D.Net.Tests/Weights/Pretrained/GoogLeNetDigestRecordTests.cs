using I3D.Net.Models;
using System.Net;
using System.Security.Cryptography;
using I3D.Net.Weights;

namespace I3D.Net.Tests.Weights.Pretrained;

/// <summary>
/// A file whose descriptor knows only a SHA-256 prefix (torchvision's <c>googlenet-1378be20.pth</c>) has its full
/// digest recorded beside it in the cache on first verification, and is checked against all 256 bits from then on.
/// </summary>
public sealed class GoogLeNetDigestRecordTests : IDisposable
{
    private readonly TempFolder _cache = new();

    public void Dispose() => _cache.Dispose();

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed class Server(byte[] bytes) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });
        }
    }

    [Fact]
    public async Task TheFullDigestIsRecordedOnFirstDownloadAndCheckedFromThenOn()
    {
        var original = RandomNumberGenerator.GetBytes(4096);
        // Two hex digits stand in for torch.hub's eight: small enough to find a second file with the same prefix.
        var prefix = Sha(original)[..2];
        var impostor = (byte[])original.Clone();
        for (var i = 0; Sha(impostor)[..2] != prefix || impostor.AsSpan().SequenceEqual(original); i++)
        {
            BitConverter.GetBytes(i).CopyTo(impostor, 0);
        }

        var file = new WeightsFile("googlenet-test.pth", new Uri("https://example.test/googlenet-test.pth"), Sha256: null, Sha256Prefix: prefix);
        var server = new Server(original);
        var options = new ImageNetWeightsOptions { CacheDirectory = _cache.Path, File = file, HttpClient = new HttpClient(server) };

        var path = await ImageNetInitialization.ResolveGoogLeNetAsync(options);

        File.ReadAllText(path + ".sha256").Trim().Should().Be(Sha(original));
        (await ImageNetInitialization.ResolveGoogLeNetAsync(options)).Should().Be(path);
        server.Requests.Should().Be(1);

        // A different file that passes the prefix check is caught by the recorded digest.
        File.WriteAllBytes(path, impostor);
        var act = () => ImageNetInitialization.ResolveGoogLeNetAsync(options);
        (await act.Should().ThrowAsync<InvalidDataException>())
            .WithMessage($"*googlenet-test.pth*{Sha(impostor)}*{Sha(original)}*recorded in*googlenet-test.pth.sha256*Delete it*");
    }

    [Fact]
    public async Task AFilePutInTheCacheByHandGetsItsDigestRecordedAfterThePrefixCheck()
    {
        var bytes = RandomNumberGenerator.GetBytes(2048);
        var file = new WeightsFile("g.pth", new Uri("https://example.test/g.pth"), Sha256: null, Sha256Prefix: Sha(bytes)[..8]);
        File.WriteAllBytes(Path.Combine(_cache.Path, "g.pth"), bytes);
        var options = new ImageNetWeightsOptions { CacheDirectory = _cache.Path, File = file, AllowDownload = false };

        await ImageNetInitialization.ResolveGoogLeNetAsync(options);

        File.ReadAllText(Path.Combine(_cache.Path, "g.pth.sha256")).Trim().Should().Be(Sha(bytes));

        // A file known by its full digest needs no record.
        var full = file with { FileName = "h.pth", Sha256 = Sha(bytes), Sha256Prefix = null };
        File.WriteAllBytes(Path.Combine(_cache.Path, "h.pth"), bytes);
        await ImageNetInitialization.ResolveGoogLeNetAsync(options with { File = full });
        File.Exists(Path.Combine(_cache.Path, "h.pth.sha256")).Should().BeFalse();
    }
}
