using I3D.Net.Training;
using ScottPlot;

namespace I3D.Net.Demo;

/// <summary>Draws the training history (loss on the left axis, accuracies on the right) into a PNG with ScottPlot.</summary>
internal static class TrainingCurvePlot
{
    public static void Save(TrainingHistory history, string path, string title)
    {
        var epochs = history.Records.Select(r => (double)r.Epoch + 1).ToArray();
        double[] Series(string key) => history.Records.Select(r => r.Metrics.TryGetValue(key, out var v) ? v : double.NaN).ToArray();

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy loss");
        plot.Axes.Right.Label.Text = "accuracy";

        void Line(string key, string label, Color color, bool rightAxis, LinePattern pattern)
        {
            var values = Series(key);
            if (values.All(double.IsNaN)) return;
            var s = plot.Add.Scatter(epochs, values, color);
            s.LegendText = label;
            s.LineWidth = 2;
            s.MarkerSize = 6;
            s.LinePattern = pattern;
            if (rightAxis) s.Axes.YAxis = plot.Axes.Right;
        }

        Line("train_loss", "train loss", Colors.C0, rightAxis: false, LinePattern.Solid);
        Line("val_loss", "validation loss", Colors.C1, rightAxis: false, LinePattern.Solid);
        Line("train_top1", "train top-1", Colors.C2, rightAxis: true, LinePattern.Dashed);
        Line("val_top1", "validation top-1", Colors.C3, rightAxis: true, LinePattern.Dashed);
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, 1.05, plot.Axes.Right);
        plot.Axes.SetLimitsX(0.5, epochs.Length + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperLeft);

        // Write next to the target, then move: a reader never sees half a PNG.
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".tmp-{Guid.NewGuid():N}.png");
        plot.SavePng(temp, 900, 540);
        File.Move(temp, path, overwrite: true);
    }
}
