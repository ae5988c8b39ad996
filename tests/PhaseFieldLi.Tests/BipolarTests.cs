using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// An electronically isolated Li body between the electrodes is a bipolar electrode: its potential
/// floats so that its net Faradaic current is zero, Li deposits on its face toward the positive
/// electrode and dissolves on the other, so it moves toward the positive electrode with its mass
/// conserved. In a 1-D column every ion passes through it, so its centre of mass must move at
/// exactly v = j V_m / F.
/// </summary>
public class BipolarTests(ITestOutputHelper output)
{
    [Fact]
    public void IsolatedSlabMovesTowardThePositiveElectrodeAtTheCellCurrentWithItsMassConserved()
    {
        double j = 15.0, h = 1e-6;
        string chem = $"""
            control = "galvanostatic"
            current_density = {j:R}
            sigma_llzo = 0.05
            """;
        string slab = """
            [[flaw]]
            shape = "box"
            min = [0.0, 0.0, 60.0e-6]
            max = [1.0e-6, 1.0e-6, 90.0e-6]
            damage = 0.0
            li = 1.0
            """;
        string toml = TestCases.Column(160, h, 2e-6, chem, end: 1000, maxStep: 5, mobility: 3.6e-8,
            extraPhaseField: "confine_to_damage = false", extra: slab, liThickness: 8e-6, positiveLiThickness: 12e-6, growthRoom: 16e-6);
        var c = CaseReader.Parse(toml, "bipolar");
        using var b = PhaseFieldLi.Backends.Backends.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(1, model.IsolatedBodies);

        var times = new List<double>();
        var centres = new List<double>();
        var volumes = new List<double>();
        double worstNet = 0;
        var sim = new Simulation(model, TestCases.TempDir());
        sim.StepCompleted += st =>
        {
            times.Add(st.TimeS);
            centres.Add(model.CentreOfMassZ(2));
            volumes.Add(model.LiVolumeM3(2));
            worstNet = Math.Max(worstNet, Math.Abs(model.BodyCurrentA(2)) / (j * c.Grid.CrossSectionM2));

        };
        sim.Run();

        // Faradaic current through each face of the slab (top deposits, bottom dissolves).
        var rate = model.State.Rate.ToArray();
        var lab = model.State.Label.ToArray();
        double mid = centres[^1] / h - 0.5, up = 0, down = 0;
        for (int k = 0; k < rate.Length; k++)
            if (lab[k] == 2) { if (k > mid) up += rate[k]; else down += rate[k]; }
        double perArea = Scaling.Faraday / c.Electrochemistry.MolarVolumeM3PerMol * h;
        output.WriteLine($"face current densities: top {up * perArea:F3} A/m², bottom {down * perArea:F3} A/m² (applied {j})");
        Assert.True(up > 0 && down < 0, "the face toward the positive electrode must plate, the other strip");

        int half = times.Count / 2;
        double v = TestCases.Slope(times.Skip(half).ToList(), centres.Skip(half).ToList());
        output.WriteLine($"slope over the whole run {TestCases.Slope(times, centres):E4} m/s, {times.Count} steps");
        double expected = j * c.Electrochemistry.MolarVolumeM3PerMol / Scaling.Faraday;
        double drift = volumes.Max() / volumes.Min() - 1;
        output.WriteLine($"isolated slab: v = {v:E4} m/s vs j V_m/F = {expected:E4} m/s (ratio {v / expected:F4}); " +
                         $"Li volume drift {drift:E2}; worst |net current| / applied {worstNet:E2}; " +
                         $"moved {(centres[^1] - centres[0]) * 1e6:F3} µm in {times[^1]:F0} s; Φ_body = {model.BodyPotentialV(2) * 1e3:F3} mV");
        Assert.Equal(1, model.IsolatedBodies);
        Assert.InRange(v / expected, 0.98, 1.02);
        Assert.True(drift < 2e-5, $"Li volume of the isolated body drifted by {drift:E2}");
        Assert.True(worstNet < 1e-3, $"net current of the isolated body reached {worstNet:E2} of the applied current");
    }
}
