using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The experimental thin-sheet reading of ξ in cracked LLZO (`thin_sheets`), at the level of the
/// per-cell rate (LiPhase.Rate): a 3 % sheet keeps its Li without current (the double well would
/// dissolve it), and it plates at the crack-face rate L_η m (6δ/h)(1 − ξ)·|B|, not at h′(ξ).
/// </summary>
public class ThinSheetTests
{
    private static readonly LiPhaseParameters Off = new(RelaxationRate: 0.01f, GradientRate: 0.002f, KineticRate: 1e-3f, Alpha: 0.5f,
        Confine: 1, LabelThreshold: 0.05f, RimThreshold: 1e-8f);
    private static readonly LiPhaseParameters On = Off with { SheetReactivity = 12f };

    [Fact]
    public void APartialSheetInACrackKeepsItsLiWithoutCurrent()
    {
        const float xi = 0.03f;
        float without = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, -1, 0f, 0f, 0f, Off, out _);
        float with = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, -1, 0f, 0f, 0f, On, out _);
        Assert.True(without < 0f, $"without sheets the double well dissolves a partial fill (rate {without})");
        Assert.Equal(0f, with);
        // Intact LLZO next to it is unchanged by the switch.
        Assert.Equal(LiPhase.Rate(xi, 0f, 0.2f, Materials.Llzo, -1, 0f, 0f, 0f, Off, out _),
            LiPhase.Rate(xi, 0f, 0.2f, Materials.Llzo, -1, 0f, 0f, 0f, On, out _));
    }

    [Fact]
    public void ASheetPlatesAtTheCrackFaceRate()
    {
        const float xi = 0.03f, eta = -1f; // η = −RT/F: deposition
        float rate = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out float slope);
        float b = (float)(Math.Exp(0.5 * eta) - Math.Exp(-0.5 * eta));
        float expected = -On.KineticRate * 1f * 12f * (1f - xi) * b;
        Assert.Equal(expected, rate, 1e-6f * Math.Abs(expected));
        Assert.True(slope > 0f, "the Newton slope must follow the sheet's reactivity");
        float diffuse = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, 0, eta, 0f, 0f, Off, out _)
                        - LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, -1, 0f, 0f, 0f, Off, out _);
        Assert.True(rate > 100 * diffuse, $"the sheet plates {rate / diffuse:F0}× faster than h′(ξ) allows");
    }
}
