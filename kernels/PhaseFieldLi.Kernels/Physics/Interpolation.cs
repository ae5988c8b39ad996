namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Phase-field interpolation and double-well functions (MODEL.md §3).
///   h(ξ) = ξ³(6ξ² − 15ξ + 10),  h′(ξ) = 30 ξ²(1 − ξ)²
///   g(ξ) = ξ²(1 − ξ)²,          g′(ξ) = 2 ξ (1 − ξ)(1 − 2ξ)
/// </summary>
public static class Interpolation
{
    public static float H(float xi) => xi * xi * xi * (xi * (6f * xi - 15f) + 10f);

    public static float HPrime(float xi)
    {
        float s = xi * (1f - xi);
        return 30f * s * s;
    }

    public static float GPrime(float xi) => 2f * xi * (1f - xi) * (1f - 2f * xi);

    public static float Clamp(float v, float lo, float hi) => v < lo ? lo : (v > hi ? hi : v);
}
