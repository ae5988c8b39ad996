namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Static material id of each cell (int field "material").
/// Collector cells stand for the Li foil behind each electrode: ξ is held at 1 there and their body
/// label is fixed, so every body that touches them belongs to that electrode. Reservoir cells are
/// free space next to an electrode where Li may plate or strip without cracking anything (the foil
/// thickens or thins). Separator cells are a liquid-electrolyte layer (LiPF6 in PC in a porous
/// separator) between an electrode and the LLZO: they conduct Li⁺ (their own conductivity), Li can
/// neither plate nor strip in them (m = 0), and mechanically they count as soft as Li. Everywhere else
/// is LLZO, where Li needs damage (m = d²) to enter.
/// </summary>
public static class Materials
{
    public const int Llzo = 0;
    public const int CollectorNegative = 1;
    public const int CollectorPositive = 2;
    public const int Reservoir = 3;
    public const int Separator = 4;

    public static bool IsCollector(int material) => material == CollectorNegative || material == CollectorPositive;

    /// <summary>Mechanically soft layers that carry the Li moduli whatever ξ is: collectors and separators.</summary>
    public static bool IsSoft(int material) => IsCollector(material) || material == Separator;
}

/// <summary>Body labels (int field "label"); isolated bodies get ids ≥ 2 (bipolar issue).</summary>
public static class Bodies
{
    public const int None = -1;
    public const int Negative = 0;
    public const int Positive = 1;
    /// <summary>Not a label: a body sum over every cell, whatever its label.</summary>
    public const int AllCells = -2;
}
