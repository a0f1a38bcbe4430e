namespace I3D.Net;
/// <summary>x</summary>
public static class Placeholder { }
