namespace I3D.Net.Data.Annotations;

/// <summary>The dataset layouts <see cref="DatasetSplits.Load"/> reads.</summary>
public enum AnnotationFormat
{
    /// <summary>mmaction2 video lists: <c>path label</c> per line (<see cref="LabelListAnnotations"/>).</summary>
    List,

    /// <summary>mmaction2 raw-frame lists: <c>folder frames label</c> per line (<see cref="RawFrameListAnnotations"/>).</summary>
    RawFrames,

    /// <summary>One folder per class: <c>&lt;root&gt;/train/&lt;class&gt;/…</c> and optionally <c>&lt;root&gt;/val/&lt;class&gt;/…</c> (<see cref="FolderPerClassAnnotations"/>).</summary>
    Folders,

    /// <summary>UCF-101 with its official split files (<see cref="Ucf101Annotations"/>).</summary>
    Ucf101,

    /// <summary>HMDB-51 with its official split files (<see cref="Hmdb51Annotations"/>).</summary>
    Hmdb51,

    /// <summary>Kinetics CSV files: <c>label,youtube_id,time_start,time_end,split</c> (<see cref="KineticsCsvAnnotations"/>).</summary>
    Kinetics,
}
