namespace I3D.Net.Data.Video;

/// <summary>
/// The error for a video file that opens but yields no frame, typically a codec the decoder build lacks
/// (AV1 in OpenCV's bundled FFmpeg). The exception is an <see cref="InvalidDataException"/> marked in its
/// <see cref="Exception.Data"/> so <see cref="VideoReader.Open"/> can fall back to ffmpeg.
/// </summary>
internal static class NoDecodableFrames
{
    public const string DataKey = "I3D.Net.Data.NoDecodableFrames.Codec";

    public static InvalidDataException Create(string path, string codec)
    {
        var ex = new InvalidDataException(
            $"'{path}' opens (codec {codec}) but no frame could be decoded from it: this OpenCV/FFmpeg build does not decode the codec. " +
            "Install ffmpeg (Debian: apt-get install ffmpeg) so VideoReader.Open can fall back to an ffmpeg process, or re-encode the video (e.g. to H.264 or MPEG-4).");
        ex.Data[DataKey] = codec;
        return ex;
    }

    public static bool Is(Exception ex) => ex is InvalidDataException && ex.Data.Contains(DataKey);
}
