using PhaseFieldLi.Cases;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// Re-plating into an emptied crack (bipolar issue, MODEL.md: h′(0) = 0 forbids deposition where
/// ξ = 0). An x–z slab (16 × 1 × 40 cells, h = 1 µm) with a 2 µm wide crack from the negative
/// electrode 20 µm into the LLZO that once held Li (`emptied = true`), under a plating current. The
/// negative electrode has no growth room (the foil cannot thicken at its flat interface), so the
/// plating current must go into the crack: the question is only where it starts.
/// Where do the first re-plated cells (ξ &gt; ½) appear?
/// </summary>
public class ReplatingTests(ITestOutputHelper output)
{
    /// <summary>Crack tip and base (the first LLZO cell) heights [m]; cells within FrontBand of the base
    /// are where the electrode's own front, plating at the flat interface, enters the crack — not re-plating.</summary>
    private const double H = 1e-6, TipZ = 24e-6, BaseZ = 4e-6, FrontBand = 4e-6;

    private static string Slab(string phaseField) => $"""
        name = "replating"
        {CaseText.Grid(16, 1, 40, H)}
        [time]
        end = 1200.0
        max_step = 10.0
        [electrochemistry]
        current_density = 15.0
        [phase_field]
        interface_width = 2.0e-6
        mobility = 1.0e-10
        {phaseField}
        {CaseText.Electrodes(1.0e-6, 3.0e-6, 6.0e-6, 0.0)}
        {CaseText.Box((0.0, 0.0, 4.0e-6), (2.0e-6, 1.0e-6, TipZ), damage: 1.0)}
        emptied = true
        """;

    /// <summary>Height [m] of the first LLZO cell of the crack to pass ξ = ½, and when; NaN if none did.</summary>
    private (double HeightM, double TimeS, int Cells) FirstReplated(string phaseField)
    {
        var c = CaseReader.Parse(Slab(phaseField), "test");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        var material = model.State.Material.ToArray();
        var g = c.Grid.Shape;
        double height = double.NaN, time = double.NaN;
        int count = 0;
        using var found = new CancellationTokenSource(); // stop at the first re-plated cells
        var sim = new Simulation(model, TestCases.TempDir());
        sim.StepCompleted += st =>
        {
            if (!double.IsNaN(height)) return;
            var xi = model.State.Xi.ToArray();
            double sum = 0;
            for (int k = 0; k < g.Nz; k++)
            for (int i = 0; i < 2; i++)
            {
                int idx = g.Index(i, 0, k);
                if (material[idx] != Materials.Llzo || xi[idx] <= 0.5f || (k + 0.5) * H < BaseZ + FrontBand) continue;
                sum += (k + 0.5) * H;
                count++;
            }
            if (count == 0) return;
            height = sum / count;
            time = st.TimeS;
            found.Cancel();
            output.WriteLine("  ξ along x = 0 at that time, z = 4…25 µm: " +
                string.Join(" ", Enumerable.Range(4, 22).Select(k => xi[g.Index(0, 0, k)].ToString("F2"))));
        };
        sim.Run(found.Token);
        return (height, time, count);
    }

    private void Report(string what, (double HeightM, double TimeS, int Cells) r) =>
        output.WriteLine($"{what}: first re-plated cells at z = {r.HeightM * 1e6:F1} µm after {r.TimeS:F0} s ({r.Cells} cells); " +
                         $"{(TipZ - r.HeightM) * 1e6:F1} µm from the tip, {Math.Abs(r.HeightM - 0.5 * (TipZ + BaseZ)) * 1e6:F1} µm from the crack centre, " +
                         $"{(r.HeightM - BaseZ) * 1e6:F1} µm above the base");

    /// <summary>
    /// A residual film above the label threshold (ξ_f = 0.06 &gt; 0.05) is an electronic path: the whole
    /// film belongs to the negative electrode, and re-plating starts where the ions arrive first, at
    /// the crack tip (within 4 µm of it, farther from the centre).
    /// </summary>
    [Fact]
    public void ReplatingStartsAtTheTipWhenTheFilmConducts()
    {
        var r = FirstReplated("film_floor = 0.06");
        Report("film 0.06", r);
        Assert.False(double.IsNaN(r.HeightM), "no cell of the emptied crack re-plated");
        Assert.True(TipZ - r.HeightM < 4e-6, $"first re-plating {(TipZ - r.HeightM) * 1e6:F1} µm below the tip");
    }

    /// <summary>
    /// A film below the label threshold (ξ_f = 0.04) needs crack-face conduction for its electronic path:
    /// with it re-plating starts at the tip as above; without it the film is no body's beyond the cells
    /// next to the electrode's Li (no Faradaic term), and Li can only creep in from the electrode, so the
    /// first re-plated cells sit in the lower half of the crack.
    /// </summary>
    [Fact]
    public void WithoutAnElectronicPathReplatingCreepsFromTheBase()
    {
        var conducting = FirstReplated("film_floor = 0.04\ncrack_face_conduction = true");
        var isolated = FirstReplated("film_floor = 0.04");
        Report("film 0.04 + crack-face conduction", conducting);
        Report("film 0.04 alone", isolated);
        Assert.True(TipZ - conducting.HeightM < 4e-6, $"first re-plating {(TipZ - conducting.HeightM) * 1e6:F1} µm below the tip");
        Assert.True(double.IsNaN(isolated.HeightM) || isolated.HeightM < 0.5 * (TipZ + BaseZ),
            $"without an electronic path the first re-plating sits {(isolated.HeightM - BaseZ) * 1e6:F1} µm above the base");
    }
}
