using System.Net;
using System.Net.Http.Headers;

namespace I3D.Net.Tests.Weights.Pretrained;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that serves files the test wrote, by URL, honouring <c>Range: bytes=N-</c>
/// with <c>206</c> (or ignoring it with <c>200</c> when asked), and records every request. Tests never touch the network.
/// </summary>
internal sealed class FakeWeightsServer : HttpMessageHandler
{
    private readonly Dictionary<Uri, string> _files = new();

    public List<(Uri Url, RangeHeaderValue? Range, HttpStatusCode Status, long Bytes)> Requests { get; } = new();

    /// <summary>When set, <c>Range</c> headers are ignored and every answer is the whole file with <c>200</c>.</summary>
    public bool IgnoreRange { get; init; }

    /// <summary>When set and it returns content for a URL, that content is the answer (200), e.g. a stream that fails midway.</summary>
    public Func<Uri, HttpContent?>? Respond { get; init; }

    public FakeWeightsServer Serve(Uri url, string path)
    {
        _files[url] = path;
        return this;
    }

    public HttpClient Client() => new(this, disposeHandler: false);

    public int Count(Uri url) => Requests.Count(r => r.Url == url);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var url = request.RequestUri!;
        if (Respond?.Invoke(url) is { } content)
        {
            lock (Requests) Requests.Add((url, request.Headers.Range, HttpStatusCode.OK, -1));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }

        if (!_files.TryGetValue(url, out var path))
        {
            lock (Requests) Requests.Add((url, request.Headers.Range, HttpStatusCode.NotFound, 0));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" });
        }

        var bytes = File.ReadAllBytes(path);
        var range = request.Headers.Range;
        if (range is { Ranges.Count: 1 } && !IgnoreRange && range.Ranges.First().From is { } from)
        {
            if (from >= bytes.Length)
            {
                lock (Requests) Requests.Add((url, range, HttpStatusCode.RequestedRangeNotSatisfiable, 0));
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable));
            }

            var tail = new ByteArrayContent(bytes, (int)from, bytes.Length - (int)from);
            tail.Headers.ContentRange = new ContentRangeHeaderValue(from, bytes.Length - 1, bytes.Length);
            lock (Requests) Requests.Add((url, range, HttpStatusCode.PartialContent, bytes.Length - from));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = tail });
        }

        lock (Requests) Requests.Add((url, range, HttpStatusCode.OK, bytes.Length));
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });
    }
}
