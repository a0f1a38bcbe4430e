using I3D.Net.Data;
using I3D.Net.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class MetricsTests
{
    [Fact]
    public void HandComputedTopKMeanClassAccuracyAndConfusion()
    {
        var m = new ClassificationMetrics(6);
        using var scores = tensor(new float[,]
        {
            { 9, 1, 2, 3, 4, 5 }, // label 0 → predicted 0
            { 2, 1, 9, 3, 4, 5 }, // label 1 → predicted 2, label rank 6 (not top-5)
            { 1, 9, 8, 3, 4, 5 }, // label 2 → predicted 1, rank 2
            { 1, 2, 3, 9, 4, 5 }, // label 3 → predicted 3
        });
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        m.Add(scores, labels, lossSum: 2.0);
        var r = m.Compute();
        r.SampleCount.Should().Be(4);
        r.Loss.Should().Be(0.5);
        r.Top1.Should().Be(0.5);
        r.Top5.Should().Be(0.75);
        // Classes 4 and 5 have no samples and are excluded: (1 + 0 + 0 + 1) / 4.
        r.MeanClassAccuracy.Should().Be(0.5);
        r.ConfusionMatrix[1][2].Should().Be(1);
        r.ConfusionMatrix[2][1].Should().Be(1);
        r.ConfusionMatrix[0][0].Should().Be(1);
        r.ConfusionMatrix.Sum(row => row.Sum()).Should().Be(4);

        using var more = tensor(new float[,] { { 1, 9, 0, 0, 0, 0 } });
        using var moreLabels = tensor(new long[] { 0 });
        m.Add(more, moreLabels, 0);
        m.Compute().MeanClassAccuracy.Should().BeApproximately((0.5 + 0 + 0 + 1) / 4, 1e-15, "class 0 is now 1 of 2");
        var bad = () => m.Add(more, tensor(new long[] { 6 }), 0);
        bad.Should().Throw<ArgumentException>().WithMessage("*Label 6*");
    }

    [Theory]
    [InlineData(ClipAveraging.Softmax, 1.0)]
    [InlineData(ClipAveraging.Logits, 0.0)]
    public async Task MultiClipAveraging(ClipAveraging averaging, double expectedTop1)
    {
        // One sample, label 1, three clips whose logits are the clip values: one confident vote for 0, two mild for 1.
        ClipBatch Batch() => new(
            tensor(new float[] { 20, 0, 0, 2, 0, 2 }).reshape(3, 2, 1, 1, 1), null, tensor(new long[] { 1 }), [0], clipsPerSample: 3);
        var source = new FixedBatchSource(["a", "b"], Batch);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(new PassThroughClassifier(2)), new TrainingOptions { Device = TestDevice.Name, ClipAveraging = averaging });
        var metrics = await trainer.EvaluateAsync(source);

        double Softmax1(double a, double b) => Math.Exp(b) / (Math.Exp(a) + Math.Exp(b));
        var expectedLoss = averaging == ClipAveraging.Softmax
            ? -Math.Log((Softmax1(20, 0) + 2 * Softmax1(0, 2)) / 3)
            : -Math.Log(Softmax1(20 / 3.0, 4 / 3.0));
        metrics.Top1.Should().Be(expectedTop1);
        metrics.Loss.Should().BeApproximately(expectedLoss, 1e-5);
    }

    [Fact]
    public async Task TwoStreamEvaluationSumsTheStreamsLogits()
    {
        // RGB says class 0 by 1, flow says class 1 by 3: the sum says class 1.
        ClipBatch Batch() => new(
            tensor(new float[] { 1, 0 }).reshape(1, 2, 1, 1, 1), tensor(new float[] { 0, 3 }).reshape(1, 2, 1, 1, 1), tensor(new long[] { 1 }), [0]);
        var source = new FixedBatchSource(["a", "b"], Batch);
        var options = new TrainingOptions { Device = TestDevice.Name, ClipAveraging = ClipAveraging.Logits };
        var fused = await new I3DTrainer(ClassifierAdapter.TwoStream(new PassThroughClassifier(2), new PassThroughClassifier(2)), options).EvaluateAsync(source);
        fused.Top1.Should().Be(1);
        fused.Loss.Should().BeApproximately(Math.Log(1 + Math.Exp(-2)), 1e-6);
        var rgbOnly = await new I3DTrainer(ClassifierAdapter.Rgb(new PassThroughClassifier(2)), options).EvaluateAsync(source);
        rgbOnly.Top1.Should().Be(0);
    }

    [Fact]
    public void HistoryExportsCsvAndJson()
    {
        var history = new TrainingHistory(
        [
            new EpochRecord { Epoch = 0, Step = 5, Metrics = new() { ["train_loss"] = 1.25, ["val_top1"] = 0.5 } },
            new EpochRecord { Epoch = 1, Step = 10, Metrics = new() { ["train_loss"] = 0.1 } },
        ]);
        history.ToCsv().Should().Be("epoch,step,train_loss,val_top1\n0,5,1.25,0.5\n1,10,0.1,\n");
        var dir = TrainingTestHelpers.TempDir();
        history.SaveJson(Path.Combine(dir, "h.json"));
        history.SaveCsv(Path.Combine(dir, "h.csv"));
        File.ReadAllText(Path.Combine(dir, "h.csv")).Should().Be(history.ToCsv());
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "h.json")));
        doc.RootElement[1].GetProperty("step").GetInt64().Should().Be(10);
        doc.RootElement[0].GetProperty("metrics").GetProperty("train_loss").GetDouble().Should().Be(1.25);
    }
}
