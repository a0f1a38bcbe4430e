namespace I3D.Net.Weights;

/// <summary>How a 2D convolution kernel is spread over the new temporal axis when it is inflated to 3D.</summary>
public enum InflationMode
{
    /// <summary>
    /// Repeat the 2D kernel along time and divide by the temporal size (Carreira &amp; Zisserman 2017, §2.3):
    /// on a static ("boring") video the 3D filter then gives exactly the 2D filter's response.
    /// </summary>
    RepeatAndDivide,

    /// <summary>
    /// Put the whole 2D kernel at the centre time slot (index <c>kT / 2</c>) and zeros elsewhere: the 3D filter
    /// starts as the 2D filter applied frame by frame, and learns temporal structure from there.
    /// </summary>
    Centre,
}
