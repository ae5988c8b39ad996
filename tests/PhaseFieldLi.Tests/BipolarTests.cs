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
        string slab = $"""
            {CaseText.Box((0.0, 0.0, 60.0e-6), (1.0e-6, 1.0e-6, 90.0e-6), damage: 0.0, li: 1.0)}
            """;
        string toml = TestCases.Column(160, h, 2e-6, chem, end: 1000, maxStep: 5, mobility: 3.6e-8,
            extraPhaseField: "confine_to_damage = false", extra: slab, liThickness: 8e-6, positiveLiThickness: 12e-6, growthRoom: 16e-6);
        var c = CaseReader.Parse(toml, "bipolar");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(1, model.IsolatedBodies);

        var times = new List<double>();
        var centres = new List<double>();
        var volumes = new List<double>();
        double worstNet = 0, netCharge = 0;
        var sim = new Simulation(model, TestCases.TempDir());
        sim.StepCompleted += st =>
        {
            times.Add(st.TimeS);
            centres.Add(model.CentreOfMassZ(2));
            volumes.Add(model.LiVolumeM3(2));
            worstNet = Math.Max(worstNet, Math.Abs(model.BodyCurrentA(2)) / (j * c.Grid.CrossSectionM2));
            netCharge += model.BodyCurrentA(2) * (st.TimeS - (times.Count > 1 ? times[^2] : 0));

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
        output.WriteLine($"ΔV = {volumes[^1] - volumes[0]:E3} m³ vs ∫I_net dt V_m/F = {netCharge * c.Electrochemistry.MolarVolumeM3PerMol / Scaling.Faraday:E3} m³, V = {volumes[0]:E3}");
        Assert.Equal(1, model.IsolatedBodies);
        Assert.InRange(v / expected, 0.98, 1.02);
        Assert.True(drift <= 1e-6, $"Li volume of the isolated body drifted by {drift:E2}");
        Assert.True(worstNet < 1e-3, $"net current of the isolated body reached {worstNet:E2} of the applied current");
    }
}

/// <summary>
/// `[phase_field] crack_face_conduction`: an opened crack (d = 1, no Li) runs from the negative
/// electrode's Li to a Li slab in the LLZO. Without conduction the slab is an isolated body with its
/// own floating potential; with it, electrons reach the slab along the crack faces and the slab is
/// part of the negative electrode (same label, same potential).
/// </summary>
public class CrackFaceConductionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnOpenedCrackConnectsTheLiItTouchesOnlyWithConduction(bool conduction)
    {
        string geometry = $"""
            {CaseText.Box((0.0, 0.0, 60.0e-6), (1.0e-6, 1.0e-6, 90.0e-6), li: 1.0)}
            {CaseText.Box((0.0, 0.0, 5.0e-6), (1.0e-6, 1.0e-6, 65.0e-6), damage: 1.0)}
            """;
        string toml = TestCases.Column(160, 1e-6, 2e-6, "current_density = 15.0", end: 10, maxStep: 5, mobility: 3.6e-8,
            extraPhaseField: $"crack_face_conduction = {(conduction ? "true" : "false")}", extra: geometry,
            liThickness: 8e-6, positiveLiThickness: 12e-6, growthRoom: 0);
        var c = CaseReader.Parse(toml, "crack-conduction");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        var labels = model.State.Label.ToArray();
        int slab = labels[75], crack = labels[40];
        output.WriteLine($"conduction {conduction}: {model.IsolatedBodies} isolated bodies; slab label {slab}, crack-cell label {crack}");
        if (conduction)
        {
            // The empty crack blocks ions across the whole 1-cell column, so current reaches the slab
            // only through the crack faces: with conduction the cell runs (without, it is an open
            // circuit and the time-step watchdog stops it).
            var summary = new Simulation(model, TestCases.TempDir()).Run();
            Assert.True(summary.Steps >= 2 && summary.UnconvergedSolves == 0, $"{summary.Steps} steps, {summary.UnconvergedSolves} unconverged");
            Assert.Equal(0, model.IsolatedBodies);
            Assert.Equal(PhaseFieldLi.Kernels.Physics.Bodies.Negative, slab);
            Assert.Equal(PhaseFieldLi.Kernels.Physics.Bodies.Negative, crack);
        }
        else
        {
            Assert.Equal(1, model.IsolatedBodies);
            Assert.Equal(2, slab);
            Assert.Equal(PhaseFieldLi.Kernels.Physics.Bodies.None, crack);
        }
    }
}

/// <summary>
/// Splitting and merging of isolated bodies at a full relabelling: a slab cut in two becomes two
/// bodies, each keeping the floating potential of the body it came from and starting its own mass
/// reference from what it holds; the two then keep their volumes separately (≤ 1e-6 over 40 steps);
/// filling the cut merges them back into one body whose reference is the sum.
/// </summary>
public class SplitMergeTests(ITestOutputHelper output)
{
    [Fact]
    public void ACutSlabBecomesTwoBodiesAndFillingTheCutMergesThem()
    {
        string slab = $"""
            {CaseText.Box((0.0, 0.0, 50.0e-6), (1.0e-6, 1.0e-6, 100.0e-6), li: 1.0)}
            """;
        string toml = TestCases.Column(160, 1e-6, 2e-6, "current_density = 15.0", end: 1000, maxStep: 5, mobility: 3.6e-8,
            extraPhaseField: "confine_to_damage = false", extra: slab, liThickness: 8e-6, positiveLiThickness: 12e-6, growthRoom: 16e-6)
            .Replace("output_interval = 0", "output_interval = 0\nmax_steps = 40"); // each run below: 40 steps
        var c = CaseReader.Parse(toml, "split-merge");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(1, model.IsolatedBodies);
        var first = new Simulation(model, TestCases.TempDir()).Run(); // the slab polarises: a non-trivial body potential
        double potential = model.BodyPotentialV(2);

        // Split: empty a band through the middle of the slab, with diffuse edges (ξ = ½(1 + tanh((r − 5)/2)),
        // r cells from its centre; a sharp cut would be an interface the time step cannot follow).
        var xi = model.State.Xi.ToArray();
        var original = (float[])xi.Clone();
        for (int k = 60; k < 90; k++) xi[k] = Math.Min(xi[k], (float)(0.5 * (1 + Math.Tanh((Math.Abs(k - 74.5) - 5) / 2))));
        model.State.Xi.Upload(xi);
        model.RelabelBodies();
        double lower = model.LiVolumeM3(2), upper = model.LiVolumeM3(3);
        output.WriteLine($"split: {model.IsolatedBodies} bodies, Φ = {model.BodyPotentialV(2) * 1e3:F4} / {model.BodyPotentialV(3) * 1e3:F4} mV " +
                         $"(was {potential * 1e3:F4}); volumes {lower:E4} / {upper:E4} m³");
        Assert.Equal(2, model.IsolatedBodies);
        Assert.Equal(potential, model.BodyPotentialV(2), 9);
        Assert.Equal(potential, model.BodyPotentialV(3), 9);
        double cell = c.Grid.CellVolumeM3;
        Assert.Equal(lower, model.BodyMassReference[2] * cell, 12);
        Assert.Equal(upper, model.BodyMassReference[3] * cell, 12);

        // The two halves keep their own volumes while the current flows.
        var v2 = new List<double>();
        var v3 = new List<double>();
        var sim = new Simulation(model, TestCases.TempDir()) { State = new PhaseFieldLi.OutputWriters.RunState { TimeS = first.TimeS } };
        sim.StepCompleted += st => { v2.Add(model.LiVolumeM3(2)); v3.Add(model.LiVolumeM3(3)); };
        sim.Run();
        double d2 = v2.Max() / v2.Min() - 1, d3 = v3.Max() / v3.Min() - 1;
        output.WriteLine($"after the split, {v2.Count} steps: volume drifts {d2:E2} / {d3:E2}");
        Assert.Equal(2, model.IsolatedBodies);
        Assert.True(d2 <= 1e-6 && d3 <= 1e-6, $"drifts {d2:E2} / {d3:E2}");

        // Merge: fill the band again.
        xi = model.State.Xi.ToArray();
        for (int k = 60; k < 90; k++) xi[k] = original[k];
        model.State.Xi.Upload(xi);
        model.RelabelBodies();
        output.WriteLine($"merged: {model.IsolatedBodies} body, volume {model.LiVolumeM3(2):E4} m³");
        Assert.Equal(1, model.IsolatedBodies);
        Assert.Equal(model.LiVolumeM3(2), model.BodyMassReference[2] * cell, 12);
    }
}

/// <summary>
/// Two isolated slabs in one column, and a current that reverses half-way: each body keeps its own
/// Li volume (≤ 1e-6 relative over the whole run), both move toward the positive electrode at
/// j V_m/F while the current flows one way, and both move back at the same speed once it reverses.
/// </summary>
public class TwoBodyReversalTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoIsolatedBodiesKeepTheirMassesSeparatelyAndReverseWithTheCurrent()
    {
        double j = 15.0, h = 1e-6, half = 500.0;
        string chem = $"""
            control = "galvanostatic"
            current_schedule = [[{half:R}, {j:R}], [{2 * half:R}, {-j:R}]]
            sigma_llzo = 0.05
            """;
        string slabs = $"""
            {CaseText.Box((0.0, 0.0, 50.0e-6), (1.0e-6, 1.0e-6, 70.0e-6), li: 1.0)}
            {CaseText.Box((0.0, 0.0, 110.0e-6), (1.0e-6, 1.0e-6, 130.0e-6), li: 1.0)}
            """;
        string toml = TestCases.Column(190, h, 2e-6, chem, end: 2 * half, maxStep: 5, mobility: 3.6e-8,
            extraPhaseField: "confine_to_damage = false", extra: slabs, liThickness: 8e-6, positiveLiThickness: 12e-6, growthRoom: 16e-6);
        var c = CaseReader.Parse(toml, "two-bodies");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(2, model.IsolatedBodies);

        var times = new List<double>();
        var centres = new[] { new List<double>(), new List<double>() };
        var volumes = new[] { new List<double>(), new List<double>() };
        void Record(double t)
        {
            times.Add(t);
            for (int n = 0; n < 2; n++)
            {
                centres[n].Add(model.CentreOfMassZ(2 + n));
                volumes[n].Add(model.LiVolumeM3(2 + n));
            }
        }
        Record(0);
        var sim = new Simulation(model, TestCases.TempDir());
        sim.StepCompleted += st => Record(st.TimeS);
        var summary = sim.Run();
        var reversal = summary.Rows.First(r => r.TimeS >= half - 1e-9);
        output.WriteLine($"the step at the reversal (t = {reversal.TimeS:F2} s): Newton {reversal.NewtonIterations} iterations");
        Assert.Equal(2, model.IsolatedBodies);

        double expected = j * c.Electrochemistry.MolarVolumeM3PerMol / Scaling.Faraday;
        for (int n = 0; n < 2; n++)
        {
            var forward = Enumerable.Range(0, times.Count).Where(i => times[i] > 0.2 * half && times[i] <= half).ToList();
            var back = Enumerable.Range(0, times.Count).Where(i => times[i] > 1.2 * half).ToList();
            double vForward = TestCases.Slope(forward.Select(i => times[i]).ToList(), forward.Select(i => centres[n][i]).ToList());
            double vBack = TestCases.Slope(back.Select(i => times[i]).ToList(), back.Select(i => centres[n][i]).ToList());
            double drift = volumes[n].Max() / volumes[n].Min() - 1;
            output.WriteLine($"body {2 + n}: v = {vForward / expected:F4} then {vBack / expected:F4} × j V_m/F; " +
                             $"Li volume drift {drift:E2}; centre {centres[n][0] * 1e6:F3} → {centres[n].Max() * 1e6:F3} → {centres[n][^1] * 1e6:F3} µm");
            Assert.InRange(vForward / expected, 0.98, 1.02);
            Assert.InRange(vBack / expected, -1.02, -0.98);
            Assert.True(drift <= 1e-6, $"body {2 + n}: Li volume drifted by {drift:E2}");
            Assert.InRange(centres[n][^1] - centres[n][0], -0.05 * h, 0.05 * h); // back where it started
        }
    }
}

/// <summary>
/// MODEL.md check 3: an equipotential sphere in a uniform field with fast kinetics (λ = σR_ct ≪ a)
/// carries zero net current and floats at the far-field potential of its centre. The sphere sits off
/// the mid-plane, so this is not a symmetry accident. L_σ is small: with the run default (1e-9) the
/// Allen–Cahn curvature flow shrinks a 6 µm sphere at L_σκ/R = 5e-10 m/s, a "current" of 8 % of the
/// cell current that the floating potential then has to cancel (it shifted Φ by −0.29 E·a). The
/// linear solves run to 1e-7 (see the net-current assertion).
/// </summary>
public class FloatingSphereTests(ITestOutputHelper output)
{
    /// <summary>The Li sphere: radius 6 µm, on the cell's axis, 34 µm above the bottom (off the mid-plane).</summary>
    private const double Radius = 6e-6, CentreZ = 34e-6;

    private static readonly string Sphere = $"""
        [[flaw]]
        shape = "sphere"
        centre = [18.0e-6, 18.0e-6, {CentreZ:R}]
        radius = {Radius:R}
        damage = 0.0
        li = 1.0
        """;

    private static string Cell(string sphere, double i0 = 5000.0) => $"""
        name = "sphere"
        {CaseText.Grid(36, 36, 80, 1.0e-6)}
        [time]
        end = 1.0
        [electrochemistry]
        current_density = 15.0
        sigma_llzo = 0.05
        exchange_current_density = {i0:R}
        [phase_field]
        interface_width = 2.0e-6
        confine_to_damage = false
        mobility = 1.0e-13
        {CaseText.Electrodes(1.0e-6, 3.0e-6, 3.0e-6, 2.0e-6)}
        [solver]
        tolerance = 1.0e-7
        {sphere}
        """;

    [Fact]
    public void SphereFloatsAtTheFarFieldPotentialOfItsCentreWithZeroNetCurrent()
    {
        const double a = Radius, zc = CentreZ;
        string sphere = Sphere;
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        double current;
        double phiFar;
        {
            var plain = CaseReader.Parse(Cell(""), "plain");
            using var m = new ElectrodepositionModel(plain, b);
            current = 15.0 * plain.Grid.CrossSectionM2;
            m.SolvePotential(current);
            var phi = m.State.Phi.ToArray();
            int k = (int)(zc / 1e-6);
            // far-field φ at the sphere centre height (between the cell centres k-1 and k)
            phiFar = 0.5 * (phi[plain.Grid.Shape.Index(18, 18, k - 1)] + phi[plain.Grid.Shape.Index(18, 18, k)]) * m.Scaling.ThermalVoltageV;
            output.WriteLine($"reference: corner φ(z=24.5) = {phi[plain.Grid.Shape.Index(1, 1, 24)] * m.Scaling.ThermalVoltageV * 1e3:F4} mV, cell voltage {m.CellVoltageV * 1e3:F4} mV");
        }
        var c = CaseReader.Parse(Cell(sphere), "sphere");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(1, model.IsolatedBodies);
        var report = model.SolvePotential(current);
        model.ComputeRates();
        double phiBody = model.BodyPotentialV(2);
        {
            // The far field of this same cell: a corner column, 12 µm from the sphere's surface. The
            // conducting sphere shortens the cell, so the unperturbed cell's φ (phiFar above) sits higher.
            var ph = model.State.Phi.ToArray();
            var g = c.Grid.Shape;
            int k = (int)(zc / 1e-6);
            double cornerFar = 0.5 * (ph[g.Index(1, 1, k - 1)] + ph[g.Index(1, 1, k)]) * model.Scaling.ThermalVoltageV;
            output.WriteLine($"far field in this cell at the centre height (corner column): {cornerFar * 1e3:F4} mV; unperturbed cell: {phiFar * 1e3:F4} mV");
            phiFar = cornerFar;
        }
        {
            var ph = model.State.Phi.ToArray();
            var g = c.Grid.Shape;
            double vt = model.Scaling.ThermalVoltageV;
            output.WriteLine($"corner column φ(z=24.5,25.5) = {ph[g.Index(1, 1, 24)] * vt * 1e3:F4}, {ph[g.Index(1, 1, 25)] * vt * 1e3:F4} mV; " +
                             $"axis φ at z = 17.5 / 32.5 µm: {ph[g.Index(18, 18, 17)] * vt * 1e3:F4} / {ph[g.Index(18, 18, 32)] * vt * 1e3:F4} mV; " +
                             $"cell voltage {model.CellVoltageV * 1e3:F4} mV");
        }
        double field = 15.0 / 0.05; // V/m, far field E = j/σ
        double net = model.BodyCurrentA(2) / current;
        output.WriteLine($"{report.NewtonIterations} Newton iterations; Φ_sphere = {phiBody * 1e3:F4} mV, far-field φ at its centre " +
                         $"{phiFar * 1e3:F4} mV, difference {(phiBody - phiFar) / (field * a):P2} of E·a; net current {net:E2} of the cell current");
        Assert.True(report.Converged, "potential solve did not converge");
        Assert.True(Math.Abs(phiBody - phiFar) < 0.05 * field * a, "the sphere does not float at the far-field potential of its centre");
        // A floating body's net current is a small difference of large pole currents, so its error
        // follows the linear tolerance: 7e-3 of the cell current at 1e-5, 4.5e-6 at 1e-7 (measured).
        Assert.True(Math.Abs(net) < 1e-4, "net current of the floating sphere");
    }

    /// <summary>
    /// Pole current of a floating sphere with linear kinetics (MODEL.md check 3, derived in
    /// docs/model.md): j_pole / j_far = 3/(1 + 2λ/a), λ = σRT/(F i₀), here for a/λ = 23, 2.3 and 0.23 by
    /// varying i₀. j_pole from the charge equation: (F/V_m) h Σ ∂ξ/∂t over the sphere's cells in the
    /// four columns through its axis, above its centre (the pole facing the positive electrode).
    /// The sphere is still at its equilibrium profile, which carries 5/6 of i₀B (docs/model.md,
    /// "Kinetic mobility"), so the kinetic length is λ_eff = 6λ/5; against the travelling-wave λ the
    /// measured ratios are 0.94 / 0.90 / 0.85 of the formula.
    /// </summary>
    [Theory]
    [InlineData(5000.0)]
    [InlineData(500.0)]
    [InlineData(50.0)]
    public void PoleCurrentFollowsTheLinearKineticsRatio(double i0)
    {
        const double a = Radius, zc = CentreZ, sigma = 0.05, j = 15.0;
        string sphere = Sphere;
        var c = CaseReader.Parse(Cell(sphere, i0), "sphere");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        Assert.Equal(1, model.IsolatedBodies);
        var report = model.SolvePotential(j * c.Grid.CrossSectionM2);
        Assert.True(report.Converged);
        model.ComputeRates();
        var rate = model.State.Rate.ToArray();
        var label = model.State.Label.ToArray();
        var g = c.Grid.Shape;
        double top = 0, bottom = 0;
        foreach (int i in new[] { 17, 18 })
        foreach (int jj in new[] { 17, 18 })
        for (int k = 0; k < g.Nz; k++)
        {
            int idx = g.Index(i, jj, k);
            if (label[idx] != 2) continue;
            if ((k + 0.5) * 1e-6 > zc) top += rate[idx];
            else bottom += rate[idx];
        }
        double scale = Scaling.Faraday / model.Scaling.MolarVolume * 1e-6 / 4; // per column, h = 1 µm
        double jTop = top * scale, jBottom = bottom * scale;
        double lambda = sigma * model.Scaling.ThermalVoltageV / i0;
        double expected = 3 / (1 + 2 * (1.2 * lambda) / a); // λ_eff = 6λ/5: a still interface carries 5/6 of i₀B
        output.WriteLine($"i₀ = {i0} A/m², a/λ = {a / lambda:F2}: j_pole top {jTop:F2}, bottom {jBottom:F2} A/m²; " +
                         $"|j_pole|/j_far = {Math.Abs(jTop) / j:F3} / {Math.Abs(jBottom) / j:F3}, 3/(1 + 2λ_eff/a) = {expected:F3}, with the travelling-wave λ {3 / (1 + 2 * lambda / a):F3}");
        Assert.True(jTop * jBottom < 0, "one pole plates, the other strips");
        Assert.InRange(Math.Abs(jTop) / j / expected, 0.94, 1.06);
        Assert.InRange(Math.Abs(jBottom) / j / expected, 0.94, 1.06);
    }
}
