namespace I3D.Net.Data.Synthetic;

/// <summary>The simple actions the synthetic dataset renders: one shape moving, turning or changing size.</summary>
public enum SyntheticAction
{
    /// <summary>The shape moves to the left.</summary>
    MoveLeft,

    /// <summary>The shape moves to the right.</summary>
    MoveRight,

    /// <summary>The shape moves up.</summary>
    MoveUp,

    /// <summary>The shape moves down.</summary>
    MoveDown,

    /// <summary>The shape turns clockwise.</summary>
    RotateClockwise,

    /// <summary>The shape turns counter-clockwise.</summary>
    RotateCounterClockwise,

    /// <summary>The shape grows.</summary>
    Grow,

    /// <summary>The shape shrinks.</summary>
    Shrink,
}
