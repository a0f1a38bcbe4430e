using I3D.Net.IO;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace I3D.Net.Training;

/// <summary>Per-epoch metrics of a run, exportable as CSV and JSON.</summary>
public sealed class TrainingHistory
{
    /// <summary>Creates a history of the given records.</summary>
    public TrainingHistory(IEnumerable<EpochRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        Records = records.ToList();
    }

    /// <summary>One record per finished epoch, in order.</summary>
    public IReadOnlyList<EpochRecord> Records { get; }

    /// <summary>
    /// CSV with a header <c>epoch,step,&lt;metric…&gt;</c> (metric columns sorted by name, the union over epochs; a missing
    /// value is an empty cell). Numbers use the invariant culture and round-trip exactly.
    /// </summary>
    public string ToCsv()
    {
        var columns = Records.SelectMany(r => r.Metrics.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.Append("epoch,step");
        foreach (var c in columns) sb.Append(',').Append(c);
        sb.Append('\n');
        foreach (var r in Records)
        {
            sb.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',').Append(r.Step.ToString(CultureInfo.InvariantCulture));
            foreach (var c in columns)
            {
                sb.Append(',');
                if (r.Metrics.TryGetValue(c, out var v)) sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>JSON: an array of <c>{ "epoch", "step", "metrics": { name: value } }</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(Records, TrainingJson.Options);

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> atomically.</summary>
    public void SaveCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void SaveJson(string path) => AtomicFile.WriteAllText(path, ToJson());
}
