namespace I3D.Net.Flow;

/// <summary>Which optical-flow method made a flow folder (recorded in <see cref="FlowSettings"/>).</summary>
public enum FlowMethod
{
    /// <summary><see cref="TvL1OpticalFlow"/> (the I3D paper's flow); its parameters are in <see cref="FlowSettings.TvL1"/>.</summary>
    TvL1,

    /// <summary><see cref="FarnebackOpticalFlow"/>; its parameters are in <see cref="FlowSettings.Farneback"/>.</summary>
    Farneback,

    /// <summary>Another <see cref="IOpticalFlow"/> implementation, named by <see cref="FlowSettings.CustomMethod"/>; it cannot be recreated from the settings.</summary>
    Custom,
}
