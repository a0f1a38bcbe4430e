using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// Accumulates loss, top-1/top-5 hits and a confusion matrix batch by batch; <see cref="Compute"/> gives the
/// <see cref="EvaluationMetrics"/>. Sums are kept in double precision in the order batches arrive.
/// </summary>
public sealed class ClassificationMetrics
{
    private readonly long[][] _confusion;
    private double _lossSum;
    private long _count, _top1, _top5;

    /// <summary>Creates an empty accumulator for <paramref name="numClasses"/> classes.</summary>
    public ClassificationMetrics(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numClasses);
        NumClasses = numClasses;
        _confusion = Enumerable.Range(0, numClasses).Select(_ => new long[numClasses]).ToArray();
    }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>Adds a batch of class scores <c>[B, N]</c> (logits or probabilities; only their order matters), labels <c>[B]</c> and the batch's summed loss.</summary>
    public void Add(Tensor scores, Tensor labels, double lossSum)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.ndim != 2 || scores.shape[1] != NumClasses)
            throw new ArgumentException($"Expected scores of shape [B, {NumClasses}], found [{string.Join(", ", scores.shape)}].", nameof(scores));
        if (labels.ndim != 1 || labels.shape[0] != scores.shape[0])
            throw new ArgumentException($"Expected labels of shape [{scores.shape[0]}], found [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        var k = Math.Min(5, NumClasses);
        var top = scores.detach().to(ScalarType.Float32).cpu().topk(k, dim: 1).indexes.data<long>().ToArray();
        var truth = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        for (var i = 0; i < truth.Length; i++)
        {
            var label = truth[i];
            if (label < 0 || label >= NumClasses)
                throw new ArgumentException($"Label {label} at position {i} is outside [0, {NumClasses}).", nameof(labels));
            var predicted = top[i * k];
            _confusion[label][predicted]++;
            if (predicted == label) _top1++;
            for (var j = 0; j < k; j++)
                if (top[i * k + j] == label) { _top5++; break; }
        }
        _count += truth.Length;
        _lossSum += lossSum;
    }

    /// <summary>The metrics of everything added so far.</summary>
    public EvaluationMetrics Compute()
    {
        double perClassSum = 0;
        var classesWithSamples = 0;
        for (var c = 0; c < NumClasses; c++)
        {
            var total = _confusion[c].Sum();
            if (total == 0) continue; // no samples: excluded from the mean, documented
            perClassSum += (double)_confusion[c][c] / total;
            classesWithSamples++;
        }
        double Ratio(long n) => _count == 0 ? double.NaN : (double)n / _count;
        return new EvaluationMetrics
        {
            SampleCount = _count,
            Loss = _count == 0 ? double.NaN : _lossSum / _count,
            Top1 = Ratio(_top1),
            Top5 = Ratio(_top5),
            MeanClassAccuracy = classesWithSamples == 0 ? double.NaN : perClassSum / classesWithSamples,
            ConfusionMatrix = _confusion.Select(r => (long[])r.Clone()).ToArray(),
        };
    }
}
