using System.Text.Json.Serialization;

namespace I3D.Net.Data;

/// <summary>How far one item's output (its flow folder or features file) got, as <see cref="DatasetOutputCheck"/> finds it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputState>))]
public enum OutputState
{
    /// <summary>Nothing was written for the item: a job has not reached it (or it belongs to a shard that has not run).</summary>
    Missing,

    /// <summary>Something was written but the item is not complete: a folder without its marker, temporary files, or a marker that disagrees with the files; a rerun redoes it.</summary>
    Partial,

    /// <summary>The item's output is complete (its flow folder's <c>.done</c> marker, or its renamed features file).</summary>
    Complete,
}
