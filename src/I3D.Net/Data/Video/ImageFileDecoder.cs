using I3D.Net.IO;
using OpenCvSharp;

namespace I3D.Net.Data.Video;

/// <summary>Decodes one image file of a frame or flow folder, failing with the file, its size and what was expected.</summary>
internal static class ImageFileDecoder
{
    /// <summary>
    /// Reads <paramref name="file"/> with <paramref name="mode"/> after checking that it is a regular file and that its
    /// header declares at most <paramref name="maxPixels"/> pixels; the caller disposes the result.
    /// </summary>
    /// <param name="file">The image path.</param>
    /// <param name="mode">Colour or grayscale.</param>
    /// <param name="kind">What the file is, for the error message (e.g. "frame image").</param>
    /// <param name="expected">What the file should be, for the error message (e.g. "a JPEG or PNG image").</param>
    /// <param name="maxPixels">The most pixels the header may declare (<see cref="VideoReaderOptions.MaxFramePixels"/>).</param>
    public static Mat Decode(string file, ImreadModes mode, string kind, string expected, long maxPixels = VideoReaderOptions.DefaultMaxFramePixels)
    {
        OpenCvNative.EnsureLoaded();
        RegularFile.Require(file, kind);
        ImageHeader.CheckPixels(file, kind, expected, maxPixels);
        var mat = Cv2.ImRead(file, mode);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new InvalidDataException($"Could not decode {kind} '{file}' ({new FileInfo(file).Length} bytes): expected {expected}.");
        }
        return mat;
    }
}
