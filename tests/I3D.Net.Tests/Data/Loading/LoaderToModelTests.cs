using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Models;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Loading;

public class LoaderToModelTests(SyntheticDatasetFixture data) : IClassFixture<SyntheticDatasetFixture>
{
    [Fact]
    public async Task Synthetic_videos_flow_through_the_loader_into_InceptionI3D()
    {
        var loader = new VideoClipLoader(data.All, ClipLoaderOptions.Evaluation with
        {
            BatchSize = 2,
            ClipLength = 9,
            Transform = new ClipTransformOptions { ShortSide = 64, CropSize = 64 },
        });
        using var model = new InceptionI3D(numClasses: loader.ClassNames.Count);
        model.eval();
        await using var batches = loader.ReadEpochAsync(0).GetAsyncEnumerator();
        (await batches.MoveNextAsync()).Should().BeTrue();
        using var batch = batches.Current;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(batch.Rgb!);
        logits.shape.Should().Equal(2, 3);
        logits.isfinite().all().item<bool>().Should().BeTrue();
        batch.Labels.shape.Should().Equal(2);
    }
}
