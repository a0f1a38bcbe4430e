using I3D.Net.IO;
using System.Security.Cryptography;

namespace I3D.Net.Weights;

/// <summary>
/// Finds a published weights file on disk or downloads it into a cache folder, verifying its SHA-256 and writing
/// it atomically (a temporary file in the same folder, renamed once complete and verified).
/// </summary>
internal static class WeightsFileResolver
{
    internal static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });

    /// <summary>The default cache folder: <c>$I3D_NET_HOME</c>, else <c>$XDG_CACHE_HOME/i3d-net</c>, else <c>~/.cache/i3d-net</c>.</summary>
    internal static string DefaultCacheDirectory(Func<string, string?> getEnvironmentVariable, string homeDirectory)
    {
        var home = getEnvironmentVariable("I3D_NET_HOME");
        if (!string.IsNullOrWhiteSpace(home)) return Path.GetFullPath(home);
        var xdg = getEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.GetFullPath(Path.Combine(xdg, "i3d-net"));
        return Path.GetFullPath(Path.Combine(homeDirectory, ".cache", "i3d-net"));
    }

    /// <summary>Returns the path of a verified local copy of <paramref name="file"/>, downloading it if needed and allowed.</summary>
    public static async Task<string> ResolveAsync(WeightsFile file, string cacheDirectory, bool allowDownload, HttpClient? client,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var fileName = Path.GetFileName(file.FileName);
        var target = Path.Combine(cacheDirectory, fileName);
        if (File.Exists(target))
        {
            var digest = await HashFileAsync(target, cancellationToken).ConfigureAwait(false);
            var recorded = RecordedDigest(file, target);
            if (!Matches(file, digest) || (recorded is not null && recorded != digest))
                throw new InvalidDataException(
                    $"The cached weights file '{target}' has SHA-256 {digest}, but {recorded ?? Expected(file)} is expected" +
                    (recorded is null ? string.Empty : $" (recorded in '{target}{DigestSuffix}' when it was first verified)") +
                    ": it is corrupt or a different file. Delete it to download it again, or pass it explicitly (ImageNetWeightsOptions.WeightsPath) to use it unverified.");
            RecordDigest(file, target, digest);
            return target;
        }

        if (!allowDownload)
            throw NotFound(file, cacheDirectory, "downloading is disabled");

        Directory.CreateDirectory(cacheDirectory);
        var temp = Path.Combine(cacheDirectory, $".{fileName}.{Guid.NewGuid():N}.partial");
        try
        {
            string digest;
            try
            {
                using var response = await (client ?? SharedClient.Value)
                    .GetAsync(file.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                    throw NotFound(file, cacheDirectory, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                digest = await CopyAndHashAsync(body, temp, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw NotFound(file, cacheDirectory, e.Message, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw NotFound(file, cacheDirectory, "the download timed out", e);
            }

            if (!Matches(file, digest))
                throw new InvalidDataException(
                    $"The download of '{fileName}' from {file.Url} has SHA-256 {digest}, but {Expected(file)} is expected; " +
                    $"nothing was written to '{cacheDirectory}'.");

            File.Move(temp, target, overwrite: true);
            RecordDigest(file, target, digest);
            return target;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The exception for "no file and no download": names the file, the URL and the folder to put it in.</summary>
    internal static FileNotFoundException NotFound(WeightsFile file, string cacheDirectory, string reason, Exception? inner = null)
    {
        var fileName = Path.GetFileName(file.FileName);
        return new FileNotFoundException(
            $"The weights file '{fileName}' is not in '{cacheDirectory}' and could not be downloaded ({reason}). " +
            $"Download {file.Url} on a machine with internet access and put it in '{cacheDirectory}' " +
            "(or set I3D_NET_HOME to the folder that holds it, or pass its path as ImageNetWeightsOptions.WeightsPath).",
            Path.Combine(cacheDirectory, fileName), inner);
    }

    /// <summary>
    /// The suffix of the file beside a cached download that records its full SHA-256 where the descriptor knows only a
    /// prefix (torchvision's <c>googlenet-1378be20.pth</c>: 32 bits): checked on first download, it pins the whole digest.
    /// </summary>
    internal const string DigestSuffix = ".sha256";

    /// <summary>The digest recorded beside <paramref name="target"/>, when the descriptor has no full digest and one was recorded.</summary>
    static string? RecordedDigest(WeightsFile file, string target)
    {
        var sidecar = target + DigestSuffix;
        if (file.Sha256 is not null || !File.Exists(sidecar)) return null;
        var text = File.ReadAllText(sidecar).Trim().ToLowerInvariant();
        if (text.Length != 64 || !text.All(Uri.IsHexDigit))
            throw new InvalidDataException($"'{sidecar}' should hold the 64-hex-digit SHA-256 of '{target}' but holds '{text}'. Delete both to download the file again.");
        return text;
    }

    /// <summary>Records the full digest of a file verified only by a prefix, so later uses check all 256 bits.</summary>
    static void RecordDigest(WeightsFile file, string target, string digest)
    {
        if (file.Sha256 is null && !File.Exists(target + DigestSuffix))
            AtomicFile.Write(target + DigestSuffix, s => s.Write(System.Text.Encoding.ASCII.GetBytes(digest + "\n")));
    }

    static bool Matches(WeightsFile file, string digest) =>
        file.Sha256 is { } full
            ? string.Equals(full, digest, StringComparison.OrdinalIgnoreCase)
            : file.Sha256Prefix is not { } prefix || digest.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

    static string Expected(WeightsFile file) =>
        file.Sha256 is { } full ? full : file.Sha256Prefix is { } prefix ? $"a digest starting {prefix}" : "(no digest)";

    static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }

    static async Task<string> CopyAndHashAsync(Stream source, string destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        await using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Report(total);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
