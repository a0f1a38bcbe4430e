namespace I3D.Net.Weights;

/// <summary>One file of a published set of weights.</summary>
/// <param name="FileName">The file's name (with its sub-folder for multi-file checkpoints, e.g. <c>rgb_imagenet/model.ckpt.index</c>).</param>
/// <param name="Url">Where it is published.</param>
/// <param name="Sha256">Its SHA-256 as 64 lowercase hex digits, or <see langword="null"/> where this library does not know it.</param>
/// <param name="Sha256Prefix">
/// A known prefix of its SHA-256 (lowercase hex) when the full digest is unknown, e.g. the 8 digits torch.hub puts in
/// file names (<c>googlenet-1378be20.pth</c>); <see langword="null"/> if none.
/// </param>
public sealed record WeightsFile(string FileName, Uri Url, string? Sha256 = null, string? Sha256Prefix = null);
