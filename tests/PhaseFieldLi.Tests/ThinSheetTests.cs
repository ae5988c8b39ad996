using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The experimental thin-sheet reading of ξ in cracked LLZO (`thin_sheets`), at the level of the
/// per-cell rate (LiPhase.Rate): a 3 % sheet keeps its Li without current (the double well would
/// dissolve it), a covered sheet plates at the crack-face rate L_η m (6δ/h)(1 − ξ)·|B|, not at h′(ξ),
/// and an edge cell fills through the edge's area only when a covered neighbour supplies it.
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
    public void ACoveredSheetPlatesAtTheCrackFaceRate()
    {
        const float xi = 0.3f, eta = -1f; // a covered cell (ξ ≥ ξ_s = 0.1); η = −RT/F: deposition
        float rate = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out float slope);
        float b = (float)(Math.Exp(0.5 * eta) - Math.Exp(-0.5 * eta));
        float expected = -On.KineticRate * 1f * 12f * (1f - xi) * b;
        Assert.Equal(expected, rate, 1e-6f * Math.Abs(expected));
        Assert.True(slope > 0f, "the Newton slope must follow the sheet's reactivity");
        float diffuse = LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, 0, eta, 0f, 0f, Off, out _)
                        - LiPhase.Rate(xi, 0f, 1f, Materials.Llzo, -1, 0f, 0f, 0f, Off, out _);
        Assert.True(rate > 4 * diffuse, $"the sheet plates {rate / diffuse:F1}× faster than h′(ξ) allows");
    }

    [Fact]
    public void ASheetEdgeFillsItsCellThroughTheEdgeAreaOnlyWhenACoveredCellSuppliesIt()
    {
        // Edge cell (ξ < ξ_s): only the edge, of area ξ_s h · h, reacts: dξ/dt = (3δ/h) ξ_s L_η |B|, so the
        // cell fills to ξ_s in h F/(j V_m) — the edge advances at v = j V_m/F (eq. 1).
        const float eta = -1f;
        float b = (float)(Math.Exp(0.5 * eta) - Math.Exp(-0.5 * eta));
        float expected = -On.KineticRate * 6f * On.SheetEdgeFill * b;
        foreach (float xi in new[] { 0f, 0.02f, 0.09f })
            Assert.Equal(expected, LiPhase.Rate(xi, 0f, On.SheetEdgeFill, true, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out _),
                1e-6f * Math.Abs(expected));
        // No covered neighbour (edgeFill < ξ_s): Li left ahead of the sheet does not grow by itself …
        Assert.Equal(0f, LiPhase.Rate(0.02f, 0f, 0.05f, true, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out _));
        // … but it can strip; an empty cell cannot (the ramp below SheetOnset).
        Assert.True(LiPhase.Rate(0.02f, 0f, 0.05f, true, 1f, Materials.Llzo, 0, -eta, 0f, 0f, On, out _) < 0f);
        Assert.Equal(0f, LiPhase.Rate(0f, 0f, 0.5f, true, 1f, Materials.Llzo, 0, -eta, 0f, 0f, On, out _));
        // Without sheets, or in intact LLZO, an empty cell has no Faradaic term whatever is next to it.
        Assert.Equal(0f, LiPhase.Rate(0f, 0f, 0.5f, true, 1f, Materials.Llzo, 0, eta, 0f, 0f, Off, out _));
        Assert.Equal(0f, LiPhase.Rate(0f, 0f, 0.5f, true, 0.3f, Materials.Llzo, 0, eta, 0f, 0f, On, out _));
        // Off the crack's plane (a flank of the damage band) a cracked cell is an ordinary diffuse cell.
        Assert.Equal(0f, LiPhase.Rate(0f, 0f, 0.5f, false, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out _));
        Assert.Equal(LiPhase.Rate(0.3f, 0f, 0.5f, false, 1f, Materials.Llzo, 0, eta, 0f, 0f, Off, out _),
            LiPhase.Rate(0.3f, 0f, 0.5f, false, 1f, Materials.Llzo, 0, eta, 0f, 0f, On, out _));
    }
}

/// <summary>
/// A thin Li sheet growing up a pre-cracked plane (electrodeposition only; a 1 µm crack on the x = 0
/// face of a 4 × 4 µm column, 30 A/m²): the seed's eq. 1 inside the solver — the sheet tip's advance
/// Δz against ∫ j_tip dt · V_m/F, j_tip from the charge equation at the edge (the ratio within 5 %) —
/// and the deposited volume against the passed charge.
/// </summary>
public class SheetEdgeTests
{
    internal static readonly string Case = $"""
        name = "sheet-edge"
        {CaseText.Grid(4, 4, 36, 1.0e-6)}
        [time]
        end = 500.0
        max_step = 5.0
        output_interval = 0
        [solver]
        newton_tolerance = 1.0e-3
        [electrochemistry]
        current_density = 30.0
        sigma_llzo = 0.05
        exchange_current_density = 2.5
        [phase_field]
        interface_width = 2.0e-6
        mobility = 1.0e-10
        thin_sheets = true
        {CaseText.Electrodes(1.0e-6, 3.0e-6, 6.0e-6, 2.0e-6)}
        {CaseText.Box((0.0, 0.0, 3.0e-6), (1.0e-6, 4.0e-6, 26.0e-6), damage: 1.0)}
        """;

    [Fact]
    public void TheSheetTipAdvancesAsItsEdgeCurrentSays()
    {
        var r = TestCases.Run(Case);
        var rows = r.Summary.Rows;
        double charge = 0, edge = 0;
        for (int n = 0; n < rows.Count - 1; n++)
        {
            charge += rows[n].AppliedCurrentA * rows[n].DtS;
            edge += rows[n].TipCurrentDensityAPerM2 * rows[n].DtS;
        }
        double vmOverF = r.Scaling.MolarVolume / Scaling.Faraday;
        double advance = rows[^1].TipHeightM - rows[0].TipHeightM;
        Assert.True(advance > 2.5e-6, $"the sheet advanced only {advance * 1e6:F2} µm");
        double ratio = advance / (edge * vmOverF);
        Assert.InRange(ratio, 0.95, 1.05);
        // The edge draws more than the nominal current density as it nears the positive electrode.
        Assert.True(rows[^1].TipCurrentDensityAPerM2 > 2 * rows[^1].NominalCurrentDensityAPerM2,
            $"j_tip {rows[^1].TipCurrentDensityAPerM2:G3} A/m²");
        double volume = (rows[^1].NegativeLiVolumeM3 - rows[0].NegativeLiVolumeM3) / (charge * vmOverF);
        Assert.InRange(volume, 0.999, 1.001);
    }

    [Fact]
    public void TheIlgpuEmulatorGrowsTheSameSheet()
    {
        string shortCase = Case.Replace("end = 500.0", "end = 30.0");
        var host = TestCases.Run(shortCase, "cpu");
        var emu = TestCases.Run(shortCase, "ilgpu-cpu");
        Assert.Equal(host.Summary.Steps, emu.Summary.Steps);
        float dx = 0;
        for (int n = 0; n < host.Xi.Length; n++) dx = Math.Max(dx, Math.Abs(host.Xi[n] - emu.Xi[n]));
        Assert.True(dx <= 1e-4, $"max|Δξ| = {dx:E2}");
        var (a, b) = (host.Summary.Rows[^1], emu.Summary.Rows[^1]);
        Assert.True(a.TipHeightM > host.Summary.Rows[0].TipHeightM, "the sheet did not advance");
        Assert.Equal(a.TipHeightM, b.TipHeightM, 1e-9);
        Assert.Equal(a.TipCurrentDensityAPerM2, b.TipCurrentDensityAPerM2, 1e-3 * a.TipCurrentDensityAPerM2);
    }
}

/// <summary>
/// An electrode that strips away from the diffuse tail it left in intact LLZO (m = 0 there) strands
/// that tail as an isolated body none of whose cells can react. Its potential is then undetermined;
/// the floating-potential solve must leave it out and go on (it stopped the run with "body 1 carries
/// no Faradaic current" before), and the stranded Li must stay as it is.
/// </summary>
public class StrandedTailTests
{
    [Fact]
    public void ATailStrandedInIntactLlzoDoesNotStopTheRun()
    {
        string toml = PhaseFieldLi.Cases.CaseOverrides.Apply(SheetEdgeTests.Case,
            ["grid.cells=[4, 4, 32]", "electrodes.positive_li_thickness=3.0e-6", "time.end=560.0"]);
        var rows = TestCases.Run(toml).Summary.Rows;
        var stranded = rows.Where(r => r.IsolatedBodies > 0).ToList();
        Assert.True(stranded.Count > 5, "the positive electrode's tail must have been stranded");
        Assert.Equal(560.0, rows[^1].TimeS + rows[^1].DtS, 1e-6);
        Assert.All(stranded, r => Assert.Equal(stranded[0].Body2LiVolumeM3, r.Body2LiVolumeM3, 1e-6 * stranded[0].Body2LiVolumeM3));
        Assert.All(stranded, r => Assert.True(Math.Abs(r.Body2CurrentA) < 1e-5 * r.AppliedCurrentA, $"stranded tail current {r.Body2CurrentA:E2} A"));
    }
}

/// <summary>
/// `[phase_field] sheets_inside_li = false` (the default): a crack-plane cell between Li-filled
/// neighbours (the resolution study's 4 µm-thick flaw, on its mid-plane) reacts as resolved Li, not as
/// a sheet with two crack faces. The study's case at t = 0 (`cases/studies/sheet-resolution-h1.toml`
/// and `-h05-l2.toml`, ℓ and δ fixed in µm): the cell voltage at h = 1 and 0.5 µm then agrees to 1 mV
/// (measured 89.13 and 88.48 mV), where with every plane cell a sheet (`true`, the default before)
/// it differs by more than 3 mV (85.50 and 81.09 mV: the flaw's mid-plane, read as two reacting faces,
/// took 26 % of the current at h = 1 µm and 18 % at 0.5 µm).
/// </summary>
public class SheetsInsideLiTests(ITestOutputHelper output)
{
    /// <summary>The cell voltage at t = 0 [V]; sheetsInsideLi null: the key left to its default.</summary>
    private double VoltageAtStart(string study, bool? sheetsInsideLi)
    {
        string path = Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "studies", $"sheet-resolution-{study}.toml");
        string run = Path.Combine(TestCases.TempDir(), "run");
        string[] key = sheetsInsideLi is { } b ? [$"phase_field.sheets_inside_li={(b ? "true" : "false")}"] : [];
        var (exit, stdout, err) = CliTests.Cli(["run", path, "time.end=1", .. key, "--backend", "cpu", "--output", run]);
        Assert.True(exit == 0, stdout + err);
        var lines = File.ReadAllLines(Path.Combine(run, "timeseries.csv"));
        int column = Array.IndexOf(lines[0].Split(','), "cell_voltage_V");
        return double.Parse(lines[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TheVoltageAtTheStartConvergesWhenTheFlawsMidPlaneIsResolvedLi()
    {
        double resolved1 = VoltageAtStart("h1", false), resolved05 = VoltageAtStart("h05-l2", null);
        double sheet1 = VoltageAtStart("h1", true), sheet05 = VoltageAtStart("h05-l2", true);
        double default1 = VoltageAtStart("h1", null);
        output.WriteLine($"cell voltage at t = 0, h = 1 / 0.5 µm: mid-plane resolved {resolved1 * 1e3:F2} / {resolved05 * 1e3:F2} mV, " +
                         $"every plane cell a sheet {sheet1 * 1e3:F2} / {sheet05 * 1e3:F2} mV");
        Assert.Equal(resolved1, default1, 1e-12); // the default is the resolved mid-plane
        Assert.True(Math.Abs(resolved1 - resolved05) < 1e-3, $"h = 1 and 0.5 µm differ by {(resolved1 - resolved05) * 1e3:F2} mV");
        Assert.True(Math.Abs(sheet1 - sheet05) > 3e-3, $"true's known h-dependence is gone ({(sheet1 - sheet05) * 1e3:F2} mV): update this test and docs");
    }
}
