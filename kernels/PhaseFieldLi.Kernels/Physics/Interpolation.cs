namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Phase-field interpolation and double-well functions (MODEL.md §3) and Butler–Volmer kinetics.
///   h(ξ) = ξ³(6ξ² − 15ξ + 10),  h′(ξ) = 30 ξ²(1 − ξ)²
///   g(ξ) = ξ²(1 − ξ)²,          g′(ξ) = 2 ξ (1 − ξ)(1 − 2ξ)
///   B(η) = exp((1−α) η) − exp(−α η)   with η in units of RT/F (negative η deposits Li).
/// </summary>
public static class Interpolation
{
    /// <summary>|η| is capped (in RT/F) so that exp() stays finite in float32; 60 RT/F = 1.5 V.</summary>
    public const float EtaCap = 60f;

    public static float H(float xi) => xi * xi * xi * (xi * (6f * xi - 15f) + 10f);

    public static float HPrime(float xi)
    {
        float s = xi * (1f - xi);
        return 30f * s * s;
    }

    public static float GPrime(float xi) => 2f * xi * (1f - xi) * (1f - 2f * xi);

    public static float ButlerVolmer(float eta, float alpha)
    {
        eta = Clamp(eta, -EtaCap, EtaCap);
        return MathF.Exp((1f - alpha) * eta) - MathF.Exp(-alpha * eta);
    }

    /// <summary>dB/dη (always positive).</summary>
    public static float ButlerVolmerSlope(float eta, float alpha)
    {
        eta = Clamp(eta, -EtaCap, EtaCap);
        return (1f - alpha) * MathF.Exp((1f - alpha) * eta) + alpha * MathF.Exp(-alpha * eta);
    }

    public static float Clamp(float v, float lo, float hi) => v < lo ? lo : (v > hi ? hi : v);
}
