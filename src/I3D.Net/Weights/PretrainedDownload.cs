using System.Net;
using System.Net.Http.Headers;

namespace I3D.Net.Weights;

/// <summary>
/// Downloads one file into a fixed temporary name, resuming what an earlier, interrupted run left there with an HTTP
/// <c>Range</c> request (a <c>206</c> answer is appended; a server that ignores the range and answers <c>200</c> is
/// written from the start). The caller verifies the file and renames it into place.
/// </summary>
internal static class PretrainedDownload
{
    /// <summary>
    /// Makes <paramref name="partialPath"/> hold the whole of <paramref name="url"/>: nothing is fetched when it
    /// already has <paramref name="expectedLength"/> bytes or more.
    /// </summary>
    /// <remarks>
    /// A server that sends more than twice <paramref name="expectedLength"/> (the end of the index's last tensor; a
    /// TensorFlow data shard ends there) is not sending this checkpoint: the download stops and the file is deleted,
    /// so a hostile or broken server cannot fill the disk.
    /// </remarks>
    /// <exception cref="HttpRequestException">The server refused or the connection failed; what was received is kept for the next try.</exception>
    /// <exception cref="InvalidDataException">The server sent far more than the checkpoint holds; the partial file was deleted.</exception>
    public static async Task DownloadAsync(Uri url, string partialPath, long expectedLength, HttpClient client,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
            if (existing >= expectedLength)
            {
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (existing > 0)
            {
                request.Headers.Range = new RangeHeaderValue(existing, null);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            FileMode mode;
            if (response.StatusCode == HttpStatusCode.PartialContent && existing > 0)
            {
                var from = response.Content.Headers.ContentRange?.From;
                if (from != existing)
                {
                    // The server sent another part than asked for: start again from the beginning.
                    if (attempt > 0)
                    {
                        throw new HttpRequestException($"{url} answered a range request for bytes {existing}- with bytes {from?.ToString() ?? "(no Content-Range)"}-.");
                    }

                    File.Delete(partialPath);
                    continue;
                }

                mode = FileMode.Append;
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && attempt == 0)
            {
                // The partial file is longer than the file on the server: it is not a prefix of it.
                File.Delete(partialPath);
                continue;
            }
            else if (response.IsSuccessStatusCode)
            {
                // 200: the whole file, whether or not a range was asked for.
                mode = FileMode.Create;
                existing = 0;
            }
            else
            {
                throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            }

            var limit = checked(2 * expectedLength);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var tooLong = false;
            await using (var output = new FileStream(partialPath, mode, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                var total = existing;
                progress?.Report(total);
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    total += read;
                    progress?.Report(total);
                    if (total > limit)
                    {
                        tooLong = true;
                        break;
                    }
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            if (tooLong)
            {
                File.Delete(partialPath);
                throw new InvalidDataException(
                    $"{url} sent more than {limit} bytes, but the checkpoint's index places its tensors within the first {expectedLength}: " +
                    "it is not this checkpoint's data. The partial file was deleted.");
            }

            return;
        }
    }
}
