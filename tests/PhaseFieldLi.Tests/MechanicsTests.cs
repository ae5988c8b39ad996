using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// Elasticity against closed-form answers (MODEL.md §3 "Mechanics"; the fracture issue's checks):
/// a block under a normal traction or a prescribed stretch is in uniform uniaxial stress, which Q1
/// elements represent exactly, so displacement, stress and energy must match to float tolerance;
/// a Li|LLZO|Li stack with ν = 0 is three springs in series.
/// </summary>
public class MechanicsTests(ITestOutputHelper output)
{
    internal const double H = 1e-6;

    /// <summary>A block of nx × ny × nz cells whose electrodes are one collector cell each (no Li layers unless asked).</summary>
    internal static string Block(int nx, int ny, int nz, string mechanics, string fracture = "", double liThickness = 0,
        string flaws = "") => $"""
        name = "block"
        {CaseText.Grid(nx, ny, nz, H)}
        [time]
        end = 1.0
        [electrochemistry]
        current_density = 0.0
        [phase_field]
        interface_width = {2 * H:R}
        {CaseText.Electrodes(H, liThickness, liThickness, 0)}
        [mechanics]
        {mechanics}
        [fracture]
        {fracture}
        {flaws}
        """;

    internal static (ElectrodepositionModel Host, FractureModel Mechanics) Build(string toml, string backend = "cpu")
    {
        var c = CaseReader.Parse(toml, "block");
        var b = Backends.BackendCatalog.Create(backend);
        var host = new ElectrodepositionModel(c, b);
        return (host, new FractureModel(host));
    }

    [Theory]
    [InlineData(4, 4, 8)]
    [InlineData(5, 3, 9)]
    public void BlockUnderStackPressureIsInUniformUniaxialStress(int nx, int ny, int nz)
    {
        const double e = 150e9, nu = 0.26, p = 100e6;
        var (host, m) = Build(Block(nx, ny, nz, $"""
            young_llzo = {e:R}
            poisson_llzo = {nu:R}
            young_li = {e:R}
            poisson_li = {nu:R}
            stack_pressure = {p:R}
            tolerance = 1e-7
            """));
        using var _ = host;
        using var __ = m;
        var solve = m.SolveDisplacement();
        double energy = m.UpdateHistory();
        var u = m.Displacement.ToArray();
        double lx = nx * H, lz = nz * H, volume = nx * ny * nz * H * H * H;
        double top = m.DisplacementM(u, nx, ny, nz, 2), side = m.DisplacementM(u, nx, 0, nz / 2, 0);
        double expectedTop = -p * lz / e, expectedSide = nu * p * lx / e, expectedEnergy = p * p / (2 * e) * volume;
        var vm = m.VonMises.ToArray();
        var pressure = m.Pressure.ToArray();
        output.WriteLine($"{nx}×{ny}×{nz}: {solve}; u_z(top) = {top:E6} m (analytic {expectedTop:E6}), u_x(side) = {side:E6} " +
                         $"(analytic {expectedSide:E6}), energy {energy:E6} J (analytic {expectedEnergy:E6}); σ_vM {vm.Min() * e:E4}–{vm.Max() * e:E4} Pa");
        Assert.True(solve.Converged, solve.ToString());
        Assert.InRange(top / expectedTop, 1 - 1e-4, 1 + 1e-4);
        Assert.InRange(side / expectedSide, 1 - 1e-4, 1 + 1e-4);
        Assert.InRange(energy / expectedEnergy, 1 - 1e-4, 1 + 1e-4);
        foreach (float s in vm) Assert.InRange(s * e / p, 1 - 1e-3, 1 + 1e-3);
        foreach (float s in pressure) Assert.InRange(s * e / (p / 3), 1 - 1e-3, 1 + 1e-3);
        foreach (float w in m.EnergyDensity.ToArray()) Assert.InRange(w * e / (p * p / (2 * e)), 1 - 1e-3, 1 + 1e-3);
    }

    [Fact]
    public void PrescribedStretchGivesYoungsModulusAndLateralContraction()
    {
        const double e = 150e9, nu = 0.26, strain = 1e-3;
        int nx = 4, ny = 4, nz = 10;
        var (host, m) = Build(Block(nx, ny, nz, $"""
            young_llzo = {e:R}
            poisson_llzo = {nu:R}
            young_li = {e:R}
            poisson_li = {nu:R}
            top = "displacement"
            top_displacement = {strain * nz * H:R}
            tolerance = 1e-7
            """));
        using var _ = host;
        using var __ = m;
        var solve = m.SolveDisplacement();
        double energy = m.UpdateHistory();
        var u = m.Displacement.ToArray();
        double side = m.DisplacementM(u, nx, ny, nz / 2, 0);
        double volume = nx * ny * nz * H * H * H, expectedEnergy = 0.5 * e * strain * strain * volume;
        double stress = m.VonMises.ToArray().Average() * e;
        output.WriteLine($"{solve}; σ_zz = {stress:E6} Pa (analytic {e * strain:E6}), u_x(side) = {side:E6} m " +
                         $"(analytic {-nu * strain * nx * H:E6}), energy {energy:E6} J (analytic {expectedEnergy:E6})");
        Assert.True(solve.Converged, solve.ToString());
        Assert.InRange(stress / (e * strain), 1 - 1e-4, 1 + 1e-4);
        Assert.InRange(side / (-nu * strain * nx * H), 1 - 1e-4, 1 + 1e-4);
        Assert.InRange(energy / expectedEnergy, 1 - 1e-4, 1 + 1e-4);
        // All of it tensile: H = ψ⁺ = ψ in the LLZO, weighted by its share 1 − h(ξ) (0 in the collectors).
        var xi = host.State.Xi.ToArray();
        var material = host.State.Material.ToArray();
        var history = m.History.ToArray();
        double density = 0.5 * e * strain * strain;
        int checkedCells = 0;
        for (int n = 0; n < history.Length; n++)
        {
            double share = Materials.IsCollector(material[n]) ? 0 : 1 - Interpolation.H(xi[n]);
            if (share < 0.5) continue;
            Assert.InRange(history[n] * e / (share * density), 1 - 1e-3, 1 + 1e-3);
            checkedCells++;
        }
        Assert.True(checkedCells >= history.Length / 2);
    }

    [Fact]
    public void LiLlzoLiStackWithoutPoissonEffectIsSpringsInSeries()
    {
        const double eLlzo = 150e9, eLi = 7.8e9, p = 4e6;
        int nz = 24;
        var (host, m) = Build(Block(2, 2, nz, $"""
            young_llzo = {eLlzo:R}
            poisson_llzo = 0.0
            young_li = {eLi:R}
            poisson_li = 0.0
            stack_pressure = {p:R}
            tolerance = 1e-7
            """, liThickness: 5 * H));
        using var _ = host;
        using var __ = m;
        var solve = m.SolveDisplacement();
        var u = m.Displacement.ToArray();
        // Element moduli exactly as the kernel forms them (ξ varies only along z here).
        var xi = host.State.Xi.ToArray();
        var material = host.State.Material.ToArray();
        double compliance = 0;
        for (int k = 0; k < nz; k++)
        {
            int idx = host.Grid.Shape.Index(0, 0, k);
            double hx = Materials.IsCollector(material[idx]) ? 1 : Interpolation.H(xi[idx]);
            double modulus = (1 + 1e-6) * (1 - hx) * eLlzo + hx * eLi;
            compliance += H / modulus;
        }
        double top = m.DisplacementM(u, 2, 2, nz, 2), expected = -p * compliance;
        output.WriteLine($"{solve}; u_z(top) = {top:E6} m, series springs {expected:E6} m (all-LLZO would be {-p * nz * H / eLlzo:E6})");
        Assert.True(solve.Converged, solve.ToString());
        Assert.InRange(top / expected, 1 - 1e-4, 1 + 1e-4);
        Assert.True(Math.Abs(top) > 2 * p * nz * H / eLlzo, "the soft Li layers must carry most of the compression");
    }

    [Fact]
    public void HostAndIlgpuEmulatorGiveTheSameDisplacement()
    {
        string toml = Block(4, 4, 8, """
            stack_pressure = 4e6
            crack_pressure = 1e8
            tolerance = 1e-7
            """, flaws: CaseText.Box((0, 0, 3e-6), (2e-6, 2e-6, 4e-6), damage: 1));
        float[] Run(string backend)
        {
            var (host, m) = Build(toml, backend);
            using var _ = host;
            using var __ = m;
            Assert.True(m.SolveDisplacement().Converged);
            return m.Displacement.ToArray();
        }
        var a = Run("cpu");
        var b = Run("ilgpu-cpu");
        float scale = a.Max(Math.Abs), diff = 0;
        for (int n = 0; n < a.Length; n++) diff = Math.Max(diff, Math.Abs(a[n] - b[n]));
        output.WriteLine($"max |u| = {scale:E3} h, max |Δu| cpu vs ilgpu-cpu = {diff:E3} h");
        Assert.True(scale > 0);
        Assert.True(diff <= 1e-4 * scale, $"max |Δu| = {diff:E3} h of {scale:E3} h");
    }
}

/// <summary>
/// The AT2 damage equation and its irreversibility (MODEL.md §3 "Fracture"). A fully driven plane
/// of cells is a crack; away from it the discrete equation A(2d_n − d_{n−1} − d_{n+1}) + (h/ℓ)² d_n = 0
/// has the exact solution d_n ∝ r^n with A r² − (2A + (h/ℓ)²) r + A = 0 — the crack profile, whose
/// width grows with the gradient weight A: 1 across a crack with normal M, 1 + β across any other.
/// </summary>
/// <summary>
/// The elasticity multigrid preconditioner (ElasticMultigrid) against Jacobi on a pressurised
/// half-plane crack: d = 1 through half the block (stiffness 1e-6 of the LLZO there, a 10⁶ contrast),
/// 100 MPa in the crack, 4 MPa stack pressure, at N = 8, 16, 32. Both solve to the same tolerance
/// and give the same displacement; the multigrid iterations stay bounded while Jacobi's grow with N.
/// </summary>
public class ElasticMultigridTests(ITestOutputHelper output)
{
    private static string Case(int n, string preconditioner) => MechanicsTests.Block(n, n, n,
        $"""
        stack_pressure = 4.0e6
        crack_pressure = 1.0e8
        preconditioner = "{preconditioner}"
        """,
        flaws: CaseText.Box((0, 0, (n / 2 - 1) / 1e6), (n / 2 / 1e6, n / 1e6, (n / 2 + 1) / 1e6), damage: 1));

    /// <summary>A Li | LLZO | Li cell, 16 × 16 × 48, with a Li-filled flaw on the negative interface.</summary>
    private static string LiFilledFlaw(string preconditioner) => $"""
        physics = "coupled"
        {CaseText.Grid(16, 16, 48, 1.0e-6)}
        [time]
        end = 1.0
        [phase_field]
        interface_width = 2.0e-6
        {CaseText.Electrodes(1.0e-6, 3.0e-6, 6.0e-6, 2.0e-6)}
        [mechanics]
        stack_pressure = 4.0e6
        preconditioner = "{preconditioner}"
        [fracture]
        length_scale = 2.0e-6
        {CaseText.Box((0.0, 0.0, 4.0e-6), (1.0e-6, 3.0e-6, 9.0e-6), damage: 1.0, li: 1.0)}
        """;

    /// <summary>
    /// Li (ν = 0.38) in the electrodes and filling the crack raises the largest eigenvalue of D⁻¹K:
    /// with a fixed Jacobi damping of 0.6 the smoother amplified the stiffest modes and CG broke
    /// down on this case (7 iterations, then breakdown); the damping now comes from a power iteration.
    /// </summary>
    [Fact]
    public void MultigridHandlesLiFilledCracksAndLiElectrodes()
    {
        float[]? reference = null;
        foreach (string p in new[] { "jacobi", "multigrid" })
        {
            var (host, m) = MechanicsTests.Build(LiFilledFlaw(p));
            using var b = host.Backend;
            using var h = host;
            using var mech = m;
            mech.EnableGrowthStrain();
            var report = mech.SolveDisplacement();
            output.WriteLine($"{p}: {report}; levels {mech.ElasticLevels}");
            Assert.True(report.Converged, $"{p}: {report}");
            var u = mech.Displacement.ToArray();
            if (reference == null) reference = u;
            else
            {
                double scale = reference.Max(Math.Abs), diff = reference.Zip(u, (x, y) => Math.Abs(x - y)).Max();
                output.WriteLine($"max |Δu| / max |u| = {diff / scale:E2}");
                Assert.True(diff <= 1e-4 * scale);
                Assert.True(report.Iterations <= 40, report.ToString());
            }
        }
    }

    [Fact]
    public void MultigridPreconditionedCgStaysBoundedWithAMillionfoldStiffnessContrast()
    {
        var mg = new List<int>();
        var jacobi = new List<int>();
        foreach (int n in new[] { 8, 16, 32 })
        {
            float[]? reference = null;
            foreach (string p in new[] { "jacobi", "multigrid" })
            {
                var (host, m) = MechanicsTests.Build(Case(n, p));
                using var b = host.Backend;
                using var h = host;
                using var mech = m;
                var report = mech.SolveDisplacement();
                Assert.True(report.Converged, $"{p} {n}³: {report}");
                var u = mech.Displacement.ToArray();
                (p == "jacobi" ? jacobi : mg).Add(report.Iterations);
                if (reference == null) reference = u;
                else
                {
                    double scale = reference.Max(Math.Abs), diff = reference.Zip(u, (x, y) => Math.Abs(x - y)).Max();
                    output.WriteLine($"{n}³: Jacobi-CG {jacobi[^1]} iterations, MG-CG {report.Iterations} ({mech.Settings.Preconditioner}); " +
                                     $"max |Δu| / max |u| = {diff / scale:E2}");
                    Assert.True(diff <= 1e-4 * scale, $"{n}³: the two solutions differ by {diff / scale:E2} of max |u|");
                }
            }
        }
        Assert.True(mg[^1] <= 2 * mg[0] && mg[^1] < jacobi[^1] / 3,
            $"MG-CG iterations {string.Join(", ", mg)} vs Jacobi-CG {string.Join(", ", jacobi)}");
    }
}

public class FractureTests(ITestOutputHelper output)
{
    private static double Ratio(double a, double reaction) =>
        ((2 * a + reaction) - Math.Sqrt((2 * a + reaction) * (2 * a + reaction) - 4 * a * a)) / (2 * a);

    [Theory]
    [InlineData(0)] // crack plane normal to x = M: profile decays with A = 1
    [InlineData(1)] // crack plane normal to y ⊥ M: profile decays with A = 1 + β
    public void DamageProfileAcrossACrackFollowsTheAnisotropicTensor(int normalAxis)
    {
        const double beta = 20, ell = 2 * MechanicsTests.H;
        int n = 48;
        var (host, m) = MechanicsTests.Build(MechanicsTests.Block(normalAxis == 0 ? n : 2, normalAxis == 1 ? n : 2, 8, "",
            $"""
            length_scale = {ell:R}
            anisotropy = {beta:R}
            cleavage_normal = [1, 0, 0]
            fracture_energy = 2.24
            """));
        using var _ = host;
        using var __ = m;
        var g = host.Grid.Shape;
        var history = new float[g.Count];
        for (int k = 0; k < g.Nz; k++)
        for (int j = 0; j < g.Ny; j++)
        for (int i = 0; i < g.Nx; i++)
            if ((normalAxis == 0 ? i : j) == 0) history[g.Index(i, j, k)] = 1e-4f; // c·H ≈ 27 on the plane
        m.History.Upload(history);
        var (solve, change) = m.AdvanceDamage();
        var d = host.State.Damage.ToArray();
        double a = normalAxis == 0 ? 1 : 1 + beta;
        double expected = Ratio(a, Math.Pow(MechanicsTests.H / ell, 2));
        var profile = Enumerable.Range(0, 8).Select(s => (double)d[normalAxis == 0 ? g.Index(s, 1, 4) : g.Index(1, s, 4)]).ToArray();
        output.WriteLine($"normal axis {normalAxis}: {solve}; d along the normal: {string.Join(", ", profile.Select(v => v.ToString("F5")))}; " +
                         $"ratio expected {expected:F5}");
        Assert.True(solve.Converged, solve.ToString());
        Assert.InRange(profile[0], 0.5, 1.0);
        for (int s = 1; s < 7; s++)
            Assert.InRange(profile[s + 1] / profile[s], expected - 2e-3, expected + 2e-3);
        Assert.Equal(profile[0], change, 1e-6);
    }

    [Fact]
    public void UnloadingNeverHealsDamage()
    {
        string Load(double stretch) => MechanicsTests.Block(8, 4, 12, $"""
            top = "displacement"
            top_displacement = {stretch:R}
            tolerance = 1e-6
            """, """
            length_scale = 2.0e-6
            fracture_energy = 2.24
            stagger_tolerance = 1e-3
            """, flaws: CaseText.Box((0, 0, 5e-6), (3e-6, 4e-6, 6e-6), damage: 1));
        var (host, m) = MechanicsTests.Build(Load(0.05e-6));
        using var _ = host;
        using var __ = m;
        var initial = host.State.Damage.ToArray();
        var loaded = m.Stagger();
        var afterLoad = host.State.Damage.ToArray();
        var historyLoaded = m.History.ToArray();
        // Unload: the same model, top back to zero displacement.
        var unloadedCase = CaseReader.Parse(Load(0.0), "block");
        using var unloadedHost = new ElectrodepositionModel(unloadedCase, host.Backend);
        unloadedHost.State.Damage.Upload(afterLoad);
        using var unloaded = new FractureModel(unloadedHost);
        unloaded.History.Upload(historyLoaded);
        var report = unloaded.Stagger();
        var afterUnload = unloadedHost.State.Damage.ToArray();
        double grown = afterLoad.Zip(initial, (x, y) => x - y).Max();
        double healed = afterLoad.Zip(afterUnload, (x, y) => x - y).Max();
        double historyLost = historyLoaded.Zip(unloaded.History.ToArray(), (x, y) => x - y).Max();
        output.WriteLine($"loaded: {loaded.Iterations} staggered iterations, max d growth {grown:F4}, energy {loaded.ElasticEnergyJ:E3} J; " +
                         $"unloaded: {report.Iterations} iterations, energy {report.ElasticEnergyJ:E3} J, max d decrease {healed:E2}, max H decrease {historyLost:E2}");
        Assert.True(loaded.Converged && report.Converged);
        Assert.True(grown > 0.05, "the load must damage the LLZO ahead of the flaw");
        Assert.True(report.ElasticEnergyJ < 1e-3 * loaded.ElasticEnergyJ, "unloading must release the elastic energy");
        Assert.True(healed <= 0, $"d decreased by {healed:E2} on unloading");
        Assert.True(historyLost <= 0, $"H decreased by {historyLost:E2} on unloading");
    }
}

/// <summary>
/// MODEL.md check 6 (anisotropy): a pressurised crack seeded 30° off the cleavage plane (normal M = z)
/// in an x–z slab in plane strain. With β = 0 it grows on along its own plane (a pressurised crack
/// grows self-similarly); with β = 10 the new crack runs in the cleavage plane. Measured: the slope
/// dz/dx of the newly cracked cells beyond the seed's right tip. Growth under a constant pressure is
/// unstable (G ∝ a), so the pressure ramps slowly and each load step allows only two staggered
/// iterations: the crack then advances a cell or two per step and its direction can be read off.
/// </summary>
public class CleavageTests(ITestOutputHelper output)
{
    private static (double Slope, int Advance, int Steps) Grow(double beta, ITestOutputHelper log)
    {
        const double h = MechanicsTests.H;
        int nx = 56, nz = 48;
        double angle = 30 * Math.PI / 180, cx = 24e-6, cz = 24e-6;
        string toml = $"""
            name = "kink"
            physics = "fracture"
            {CaseText.Grid(nx, 1, nz, h)}
            [time]
            end = 1.0
            [mechanics]
            crack_pressure = 112.0e6
            crack_pressure_rate = 4.0e6
            plane_strain = true
            tolerance = 1e-6
            [fracture]
            length_scale = 2.0e-6
            toughness = 0.6e6
            cleavage_normal = [0, 0, 1]
            anisotropy = {beta:R}
            stagger_tolerance = 1e-2
            stagger_max_iterations = 2
            [[flaw]]
            shape = "disc"
            centre = [{cx:R}, 0.5e-6, {cz:R}]
            radius = 7.0e-6
            thickness = 1.5e-6
            normal = [{-Math.Sin(angle):R}, 0, {Math.Cos(angle):R}]
            damage = 1.0
            """;
        var c = CaseReader.Parse(toml, "kink");
        using var b = Backends.BackendCatalog.Create("cpu");
        using var host = new ElectrodepositionModel(c, b);
        using var m = new FractureModel(host);
        var g = host.Grid.Shape;
        // The crack's right tip: its rightmost column holding a cell with d > ½, and the mean height of
        // those cells. Grow until the tip has advanced 6 cells beyond where the first load step left it.
        (int Column, double Z) Tip(float[] d)
        {
            for (int i = nx - 1; i >= 0; i--)
            {
                var zs = Enumerable.Range(0, nz).Where(k => d[g.Index(i, 0, k)] > 0.5f).ToList();
                if (zs.Count > 0) return (i, zs.Average());
            }
            return (-1, double.NaN);
        }
        (int Column, double Z)? start = null, tip = null;
        int steps = 0;
        for (double t = 0; t <= 80; t += 1)
        {
            steps++;
            m.SetLoad(t);
            var r = m.Stagger();
            tip = Tip(host.State.Damage.ToArray());
            start ??= tip;
            log.WriteLine($"β = {beta}: p = {m.Settings.CrackPressureAt(t) / 1e6:F0} MPa, stagger {r.Iterations}, right tip at column {tip.Value.Column}, height {tip.Value.Z:F2} cells");
            if (tip.Value.Column - start.Value.Column >= 6) break;
        }
        int advance = tip!.Value.Column - start!.Value.Column;
        return (advance > 0 ? (tip.Value.Z - start.Value.Z) / advance : double.NaN, advance, steps);
    }

    [Fact]
    public void CrackSeededOffTheCleavagePlaneTurnsIntoItOnlyWithAnisotropy()
    {
        var (isotropic, n0, s0) = Grow(0, output);
        var (cleavage, n1, s1) = Grow(10, output);
        output.WriteLine($"slope dz/dx of the tip's path: β = 0: {isotropic:F3} (advanced {n0} cells in {s0} load steps); " +
                         $"β = 10: {cleavage:F3} ({n1} cells, {s1} load steps); seed: {Math.Tan(Math.PI / 6):F3}");
        Assert.True(n0 >= 6 && n1 >= 6, "both cracks must grow");
        Assert.InRange(isotropic, 0.2, 0.9);
        Assert.InRange(cleavage, -0.12, 0.12);
        Assert.True(Math.Abs(cleavage) < 0.5 * isotropic);
    }
}


/// <summary>
/// The mechanics → electrochemistry coupling η = Φ_k − φ + V_m p/F (p = −tr σ/3). A symmetric
/// Li | LLZO | Li cell under a stack pressure s is in uniaxial stress (homogeneous moduli here), so
/// p = s/3 everywhere and both electrodes' overpotentials shift by the same V_m p/F: the exact
/// solution is φ + V_m p/F with the cell voltage unchanged.
/// </summary>
public class PressureCouplingTests(ITestOutputHelper output)
{
    [Fact]
    public void UniformPressureShiftsTheIonicPotentialByVmPOverF()
    {
        const double stack = 300e6, h = 1e-6, j = 15.0;
        string toml = TestCases.Column(60, h, 2e-6, $"""
            control = "galvanostatic"
            current_density = {j:R}
            """, end: 1, maxStep: 1, mobility: 3.6e-8, liThickness: 6e-6, extra: $"""
            [mechanics]
            young_li = 150e9
            poisson_li = 0.26
            stack_pressure = {stack:R}
            tolerance = 1e-7
            """);
        var c = CaseReader.Parse(toml, "pressure");
        using var b = Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        double current = j * c.Grid.CrossSectionM2;
        Assert.True(model.SolvePotential(current).Converged);
        var phi0 = model.State.Phi.ToArray();
        double v0 = model.CellVoltageV;

        using var mechanics = new FractureModel(model);
        Assert.True(mechanics.SolveDisplacement().Converged);
        mechanics.UpdateHistory();
        model.CoupleMechanics(mechanics);
        var report = model.SolvePotential(current);
        Assert.True(report.Converged, report.ToString());
        var phi1 = model.State.Phi.ToArray();
        var pressure = mechanics.Pressure.ToArray();
        double vt = model.Scaling.ThermalVoltageV;
        double expected = model.Scaling.MolarVolume * (stack / 3) / Scaling.Faraday;
        var material = model.State.Material.ToArray();
        double worst = 0;
        for (int n = 0; n < phi0.Length; n++)
        {
            if (material[n] != PhaseFieldLi.Kernels.Physics.Materials.Llzo) continue;
            worst = Math.Max(worst, Math.Abs((phi1[n] - phi0[n]) * vt - expected));
        }
        output.WriteLine($"p = {pressure.Average() * mechanics.StressUnitPa / 1e6:F3} MPa (s/3 = {stack / 3e6:F3}); φ shift expected " +
                         $"{expected * 1e3:F4} mV, worst deviation {worst * 1e3:F5} mV; cell voltage {v0 * 1e3:F4} → {model.CellVoltageV * 1e3:F4} mV");
        foreach (float p in pressure) Assert.InRange(p * mechanics.StressUnitPa / (stack / 3), 0.999, 1.001);
        Assert.True(worst < 0.01 * expected, $"φ shift off by {worst * 1e3:F4} mV");
        Assert.True(Math.Abs(model.CellVoltageV - v0) < 0.01 * expected, "the cell voltage must not change");
    }
}

/// <summary>
/// The deposition growth strain ε* = (ξ − ξ₀) M⊗M: Li plated into the LLZO opens the space it fills.
/// A Li layer across the whole section expands the free block by its thickness without stress; with
/// the top held, the layers are springs in series loaded by that thickness (ν = 0: exactly uniaxial).
/// </summary>
public class GrowthStrainTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("traction")]
    [InlineData("displacement")]
    public void PlatedLayerOpensTheBlockByItsThickness(string top)
    {
        const double eLlzo = 150e9, eLi = 7.8e9, h = MechanicsTests.H;
        int nz = 12, layers = 3;
        string toml = $"""
            name = "growth"
            physics = "fracture"
            {CaseText.Grid(3, 3, nz, h)}
            [time]
            end = 1.0
            [mechanics]
            young_llzo = {eLlzo:R}
            poisson_llzo = 0.0
            young_li = {eLi:R}
            poisson_li = 0.0
            top = "{top}"
            tolerance = 1e-7
            [fracture]
            cleavage_normal = [0, 0, 1]
            """;
        var c = CaseReader.Parse(toml, "growth");
        using var b = Backends.BackendCatalog.Create("cpu");
        using var host = new ElectrodepositionModel(c, b);
        using var m = new FractureModel(host);
        var g = host.Grid.Shape;
        var xi = new float[g.Count];
        for (int k = 4; k < 4 + layers; k++)
        for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++)
            xi[g.Index(i, j, k)] = 1f; // Li plated into these cells since the start (ξ₀ = 0)
        host.State.Xi.Upload(xi);
        m.EnableGrowthStrain();
        var solve = m.SolveDisplacement();
        m.UpdateHistory();
        var u = m.Displacement.ToArray();
        double uTop = m.DisplacementM(u, 3, 3, nz, 2);
        double stress = -m.Pressure.ToArray().Average() * 3 * m.StressUnitPa; // σ_zz (uniaxial: p = −σ_zz/3)
        var pressure = m.Pressure.ToArray();
        if (top == "traction")
        {
            output.WriteLine($"free top: {solve}; u_z(top) = {uTop:E6} m (layer thickness {layers * h:E6} m); max |p| {pressure.Max(Math.Abs) * m.StressUnitPa:E3} Pa");
            Assert.InRange(uTop / (layers * h), 1 - 1e-4, 1 + 1e-4);
            Assert.True(pressure.Max(Math.Abs) * m.StressUnitPa < 1e-4 * eLi, "free expansion must be stress-free");
        }
        else
        {
            double compliance = 0;
            var x = host.State.Xi.ToArray();
            for (int k = 0; k < nz; k++)
            {
                double hx = PhaseFieldLi.Kernels.Physics.Interpolation.H(x[g.Index(0, 0, k)]);
                compliance += h / ((1 + 1e-6) * (1 - hx) * eLlzo + hx * eLi);
            }
            double expected = -layers * h / compliance;
            output.WriteLine($"held top: {solve}; σ_zz = {stress:E6} Pa, springs in series {expected:E6} Pa; u_z(top) = {uTop:E3} m");
            Assert.InRange(stress / expected, 1 - 1e-3, 1 + 1e-3);
            foreach (float p in pressure) Assert.InRange(p * m.StressUnitPa / (-expected / 3), 1 - 1e-3, 1 + 1e-3);
        }
        Assert.True(solve.Converged, solve.ToString());
    }
}

/// <summary>
/// The coupled loop (physics = "coupled") on the tiny 8 × 8 × 16 crack: potential → Li phase →
/// mechanics/damage (growth strain of the plated Li) → bodies, with the Li pressure in the next
/// step's overpotential. Checked: the charge ↔ mass balance of the electrochemistry still holds,
/// damage never decreases from step to step, and plating into the crack puts the Li under pressure.
/// </summary>
public class CoupledLoopTests(ITestOutputHelper output)
{
    [Fact]
    public void CoupledStepsConserveChargeAndMassAndNeverHealDamage()
    {
        var c = CaseReader.Parse(TestCases.TinyCoupled, "coupled");
        using var run = new TestCases.CoupledRun(c);
        var (model, mechanics, summary, worstHealing) = (run.Model, run.Mechanics, run.Summary, run.WorstHealing);
        var rows = summary.Rows;
        double ratio = run.ChargeRatio();
        output.WriteLine($"{summary.Steps} steps; ΔV₋ / (∫I dt V_m/F) = {ratio:F5}; max Li pressure per step: " +
                         string.Join(", ", rows.Select(r => (r.MaxLiPressurePa / 1e6).ToString("F1"))) + " MPa; crack area " +
                         string.Join(", ", rows.Select(r => (r.CrackAreaM2 * 1e12).ToString("F0"))) + " µm²; stagger " +
                         string.Join(", ", rows.Select(r => r.StaggerIterations)) + $"; worst damage decrease {worstHealing:E1}");
        Assert.True(summary.Steps >= 3);
        Assert.InRange(ratio, 0.99, 1.01);
        Assert.Equal(0, worstHealing);
        Assert.True(rows[^1].MaxLiPressurePa > 1e6, "Li plated into the crack must be under pressure");
        Assert.All(rows, r => Assert.True(r.StaggerIterations >= 1));

        // The Δd step bound: a step follows the last one's damage change, dt_n ≤ dt_{n−1}·max_dd/Δd.
        double maxDd = c.Time.MaxDamageChangePerStep;
        int limited = 0;
        for (int n = 1; n < rows.Count; n++)
        {
            double dd = rows[n].StepDamageChange;
            if (!(dd > 0)) continue;
            double bound = rows[n - 1].DtS * maxDd / dd;
            Assert.True(rows[n].DtS <= bound * (1 + 1e-9), $"step {n}: dt {rows[n].DtS:G4} s above the Δd bound {bound:G4} s");
            if (rows[n].DtS >= bound * (1 - 1e-9)) limited++;
        }
        output.WriteLine($"max |Δd| per step: {string.Join(", ", rows.Take(12).Select(r => r.StepDamageChange.ToString("E1")))}…; " +
                         $"{limited} steps limited by max_dd = {maxDd}");
        Assert.True(limited > 0, "the case must exercise the Δd bound");

        // The device reductions of the diagnostics against plain host loops over the same fields.
        var d = model.State.Damage.ToArray();
        var xi = model.State.Xi.ToArray();
        var material = model.State.Material.ToArray();
        var pressure = mechanics.Pressure.ToArray();
        var g = model.Grid.Shape;
        var lines = new HashSet<(int, int)>();
        double maxPressure = double.NegativeInfinity, liPressure = 0, liCells = 0;
        for (int k = 0; k < g.Nz; k++)
        for (int jj = 0; jj < g.Ny; jj++)
        for (int i = 0; i < g.Nx; i++)
        {
            int n = g.Index(i, jj, k);
            if (material[n] != PhaseFieldLi.Kernels.Physics.Materials.Llzo) continue;
            if (d[n] > 0.5f) lines.Add((jj, k)); // cleavage normal x: lines along x
            if (xi[n] <= 0.5f) continue;
            maxPressure = Math.Max(maxPressure, pressure[n]);
            liPressure += pressure[n];
            liCells++;
        }
        double h = model.Grid.SpacingM;
        Assert.Equal(lines.Count * h * h, mechanics.CrackSize().AreaM2, 1e-18);
        Assert.Equal(maxPressure * mechanics.StressUnitPa, mechanics.MaxLiPressurePa(), 1e-3);
        double mean = mechanics.MeanLiPressurePa();
        Assert.Equal(liPressure / liCells * mechanics.StressUnitPa, mean, 1e-6 * Math.Abs(mean));
        Assert.True(mean > 0 && mean < mechanics.MaxLiPressurePa(),
            $"the Li's mean pressure {mean / 1e6:F1} MPa must lie between 0 and its largest {mechanics.MaxLiPressurePa() / 1e6:F1} MPa");
        Assert.All(rows.Skip(1), r => Assert.True(r.MeanLiPressurePa <= r.MaxLiPressurePa, $"t = {r.TimeS} s: mean above max"));
    }
}

/// <summary>The tensile energy ψ⁺ that drives the damage (Mechanics.TensileEnergy), both splits.</summary>
public class EnergySplitTests
{
    private static readonly MechanicsParameters Amor = new(0.5f, 0.4f, 0.05f, 0.02f, 1e-6f, 0f);
    private static readonly MechanicsParameters Miehe = Amor with { Split = MechanicsParameters.Spectral };

    /// <summary>Principal values of R·diag(3, 1, −2)·Rᵀ·1e-3 for a rotation about (1, 2, 2)/3 by 0.7 rad.</summary>
    [Fact]
    public void PrincipalValuesOfARotatedTensorAreItsEigenvalues()
    {
        double[] n = [1 / 3.0, 2 / 3.0, 2 / 3.0];
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        var r = new double[3, 3];
        for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
        {
            double cross = a == b ? 0 : (((b - a + 3) % 3 == 1 ? -1 : 1) * n[3 - a - b]);
            r[a, b] = c * (a == b ? 1 : 0) + (1 - c) * n[a] * n[b] + s * cross;
        }
        double[] d = [3e-3, 1e-3, -2e-3];
        var m = new double[3, 3];
        for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 0; k < 3; k++) m[a, b] += r[a, k] * d[k] * r[b, k];
        Mechanics.PrincipalValues((float)m[0, 0], (float)m[1, 1], (float)m[2, 2], (float)m[0, 1], (float)m[0, 2], (float)m[1, 2],
            out float e1, out float e2, out float e3);
        Assert.Equal(3e-3, e1, 1e-8);
        Assert.Equal(1e-3, e2, 1e-8);
        Assert.Equal(-2e-3, e3, 1e-8);
    }

    /// <summary>
    /// Uniaxial strain: in tension both splits give ½λε² + με²; in compression the spectral ψ⁺ is 0
    /// while Amor's keeps the deviatoric part (2/3)με² — the shear that cracked LLZO next to a
    /// wedging Li flaw in the leaf-dendrite trials.
    /// </summary>
    [Fact]
    public void CompressionDrivesNoDamageWithTheSpectralSplit()
    {
        const float eps = 1e-3f;
        float tension = 0.5f * Amor.LambdaLlzo * eps * eps + Amor.MuLlzo * eps * eps;
        Assert.Equal(tension, Mechanics.TensileEnergy(eps, 0, 0, 0, 0, 0, Amor), 1e-10f);
        Assert.Equal(tension, Mechanics.TensileEnergy(eps, 0, 0, 0, 0, 0, Miehe), 1e-10f);
        Assert.InRange(Mechanics.TensileEnergy(-eps, 0, 0, 0, 0, 0, Miehe), 0f, 1e-6f * tension);
        Assert.Equal(2f / 3f * Amor.MuLlzo * eps * eps, Mechanics.TensileEnergy(-eps, 0, 0, 0, 0, 0, Amor), 1e-10f);
        // Pure shear ε_xy = γ: principal strains ±γ, spectral ψ⁺ = μγ², Amor 2μγ².
        Assert.Equal(Amor.MuLlzo * eps * eps, Mechanics.TensileEnergy(0, 0, 0, eps, 0, 0, Miehe), 1e-10f);
        Assert.Equal(2 * Amor.MuLlzo * eps * eps, Mechanics.TensileEnergy(0, 0, 0, eps, 0, 0, Amor), 1e-10f);
    }
}

/// <summary>
/// The leaf/crack size of the time series (FractureModel.LeafSize, a device reduction): a Li-filled
/// box 2 × 5 × 7 cells (x × y × z) at the x = 0, y = 0 symmetry faces of LLZO inside a larger damaged
/// box 3 × 6 × 9 cells, cleavage normal x; mirrored across the symmetry faces the leaf is 4 µm thick,
/// 10 µm wide and 7 µm high, the crack 6, 12 and 9 µm.
/// </summary>
public abstract class LeafSize(string backend)
{
    [SkippableFact]
    public void LeafAndCrackSizesAreTheBoxesMirrored()
    {
        const double h = 1e-6;
        string toml = $"""
            name = "leaf-size"
            physics = "coupled"
            {CaseText.Grid(8, 8, 24, h)}
            [time]
            end = 1.0
            [mechanics]
            stack_pressure = 0.0
            [fracture]
            cleavage_normal = [1, 0, 0]
            {CaseText.Box((0.0, 0.0, 8.0e-6), (3.0e-6, 6.0e-6, 17.0e-6), damage: 1.0)}
            {CaseText.Box((0.0, 0.0, 9.0e-6), (2.0e-6, 5.0e-6, 16.0e-6), li: 1.0, damage: 1.0)}
            """;
        var c = CaseReader.Parse(toml, "leaf-size");
        using var b = TestCases.BackendOrSkip(backend);
        using var model = new ElectrodepositionModel(c, b);
        using var mechanics = new FractureModel(model);
        var leaf = mechanics.LeafSize(crack: false);
        var crack = mechanics.LeafSize(crack: true);
        Assert.Equal(4e-6, leaf.ThicknessM, 1e-12);
        Assert.Equal(10e-6, leaf.WidthM, 1e-12);
        Assert.Equal(7e-6, leaf.HeightM, 1e-12);
        Assert.Equal(6e-6, crack.ThicknessM, 1e-12);
        Assert.Equal(12e-6, crack.WidthM, 1e-12);
        Assert.Equal(9e-6, crack.HeightM, 1e-12);
    }
}

public sealed class LeafSizeOnCpu() : LeafSize("cpu");
public sealed class LeafSizeOnIlgpuCpu() : LeafSize("ilgpu-cpu");
public sealed class LeafSizeOnCuda() : LeafSize("cuda");
public sealed class LeafSizeOnOpenCl() : LeafSize("opencl");

/// <summary>
/// The small variant of the leaf-dendrite case (issue: "a smaller variant runs as a test in CI"):
/// Li | LLZO | Li, 8 × 8 × 32 cells of 1 µm, one quarter of a Li-filled interface flaw 4 µm thick,
/// 4 µm wide and 4 µm deep into the LLZO on the x = 0 cleavage plane, j_n = 0.47 mA/cm², 4 MPa,
/// i₀ = 2.5 A/m² (the pressure ceiling F|η|/V_m must exceed the flaw's cracking pressure; with
/// i₀ = 50 A/m² it is ~20 MPa and nothing cracks), β = 10, spectral split, 1500 s. Asserted: the Li
/// pressurises the flaw and the crack grows in its cleavage plane — the crack area grows by ≥ 30 %,
/// its in-plane size (width + height) grows at least twice as much as its thickness, which stays
/// ≤ 4 cells (mirrored: 8 µm); the damage
/// never decreases in any cell; the negative electrode's Li volume follows the passed charge (1 %);
/// the total Li volume is conserved (1e-5).
/// </summary>
public class InterfaceFlawTests(ITestOutputHelper output)
{
    public static readonly string Case = $"""
        name = "interface-flaw-small"
        physics = "coupled"
        {CaseText.Grid(8, 8, 32, 1.0e-6)}
        [time]
        end = 1500.0
        max_step = 20.0
        [electrochemistry]
        current_density = 4.7
        exchange_current_density = 2.5
        [phase_field]
        interface_width = 2.0e-6
        mobility = 1.0e-10
        {CaseText.Electrodes(1.0e-6, 3.0e-6, 6.0e-6, 4.0e-6)}
        [mechanics]
        stack_pressure = 4.0e6
        [fracture]
        cleavage_normal = [1, 0, 0]
        anisotropy = 10.0
        length_scale = 2.0e-6
        energy_split = "spectral"
        {CaseText.Box((0.0, 0.0, 4.0e-6), (2.0e-6, 2.0e-6, 12.0e-6), damage: 1.0, li: 1.0)}
        [solver]
        newton_tolerance = 2.0e-3
        """;

    [Fact]
    public void LiPressurisedFlawCracksInItsCleavagePlane()
    {
        using var run = new TestCases.CoupledRun(CaseReader.Parse(Case, "interface-flaw"));
        var rows = run.Summary.Rows;
        double worstHealing = run.WorstHealing;
        double ratio = run.ChargeRatio();
        double drift = Math.Abs(rows[^1].TotalLiVolumeM3 / rows[0].TotalLiVolumeM3 - 1);
        var first = rows[0];
        var last = rows[^1];
        output.WriteLine($"{rows.Count} rows; crack area {first.CrackAreaM2 * 1e12:F0} → {last.CrackAreaM2 * 1e12:F0} µm² (quarter); " +
                         $"crack thickness {first.CrackThicknessM * 1e6:F0} → {last.CrackThicknessM * 1e6:F0} µm, width " +
                         $"{first.CrackWidthM * 1e6:F0} → {last.CrackWidthM * 1e6:F0} µm, height {first.CrackHeightM * 1e6:F0} → " +
                         $"{last.CrackHeightM * 1e6:F0} µm; max Li pressure {first.MaxLiPressurePa / 1e6:F1} → {last.MaxLiPressurePa / 1e6:F1} MPa; " +
                         $"ΔV₋/(∫I dt V_m/F) = {ratio:F5}; total Li drift {drift:E1}; worst damage decrease {worstHealing:E1}");
        // The crack's opening ahead of the Li (docs/model.md, "Leaf trials"): 2 u_x on the node plane
        // two cells off the cleavage plane, along z at y = 0, where d > ½ but ξ < ½.
        var u = run.Mechanics.Displacement.ToArray();
        var d = run.Model.State.Damage.ToArray();
        var xi = run.Model.State.Xi.ToArray();
        var material = run.Model.State.Material.ToArray();
        var g = run.Model.Grid.Shape;
        var openings = new List<string>();
        for (int k = 0; k < g.Nz; k++)
        {
            int idx = g.Index(0, 0, k);
            if (d[idx] <= 0.5f || xi[idx] >= 0.5f || material[idx] != PhaseFieldLi.Kernels.Physics.Materials.Llzo) continue;
            openings.Add($"z = {k + 0.5:F1} µm: {2 * run.Mechanics.DisplacementM(u, 2, 0, k, 0) * 1e9:F0} nm");
        }
        output.WriteLine("crack opening ahead of the Li (2 u_x at x = 2 µm, y = 0): " + string.Join("; ", openings));
        Assert.True(last.MaxLiPressurePa > 100e6, "the flaw's Li must be pressurised by plating");
        Assert.True(last.CrackAreaM2 > 1.3 * first.CrackAreaM2, "the crack must grow");
        double inPlane = last.CrackWidthM + last.CrackHeightM - first.CrackWidthM - first.CrackHeightM;
        double thickening = last.CrackThicknessM - first.CrackThicknessM;
        Assert.True(last.CrackThicknessM <= 8e-6 + 1e-12, $"the crack thickened to {last.CrackThicknessM * 1e6:F1} µm");
        Assert.True(inPlane >= 2 * thickening && inPlane > 0,
            $"in-plane growth {inPlane * 1e6:F1} µm against thickening {thickening * 1e6:F1} µm");
        Assert.Equal(0, worstHealing);
        Assert.InRange(ratio, 0.99, 1.01);
        Assert.True(drift < 1e-5, $"total Li volume drifted by {drift:E2}");
    }
}

/// <summary>
/// The small interface-flaw case with thin Li sheets in the cracks (the leaf-dendrite case's CI
/// variant): the Li-pressurised flaw cracks in its cleavage plane, a Li sheet follows the crack out
/// of the flaw, the cell voltage falls as it spreads; eq. 1 holds at the sheet's edge; charge ↔ mass
/// and monotone damage as in the thick-Li variant. 700 s: in this 8 × 8 µm quarter the crack fills
/// its plane's width by ~560 s, and with no room left in its plane it later branches along the
/// electrode interface (measured: a damaged layer across the first LLZO plane by 1000 s).
/// </summary>
public class ThinSheetLeafTests(ITestOutputHelper output)
{
    [Fact]
    public void ALiSheetFollowsTheCrackInItsCleavagePlane()
    {
        string toml = InterfaceFlawTests.Case.Replace("mobility = 1.0e-10", "mobility = 1.0e-10\nthin_sheets = true")
            .Replace("end = 1500.0", "end = 700.0");
        using var run = new TestCases.CoupledRun(CaseReader.Parse(toml, "interface-flaw-sheets"));
        var rows = run.Summary.Rows;
        var (first, last) = (rows[0], rows[^1]);
        // Eq. 1 at the edge: Δz against j_tip dt V_m/F over the steps in which the edge moved within its
        // cell (an edge entering a cell that already held Li — the flaw's diffuse rim — jumps by that Li).
        double vmOverF = run.Model.Scaling.MolarVolume / Scaling.Faraday, advance = 0, predicted = 0, jumps = 0;
        for (int n = 0; n < rows.Count - 1; n++)
        {
            double dz = rows[n + 1].TipHeightM - rows[n].TipHeightM;
            if (Math.Abs(dz) > 0.05e-6) { jumps += dz; continue; }
            advance += dz;
            predicted += rows[n].TipCurrentDensityAPerM2 * rows[n].DtS * vmOverF;
        }
        double peakVoltage = rows.Max(r => r.CellVoltageV);
        output.WriteLine($"{rows.Count} rows; tip {first.TipHeightM * 1e6:F2} → {last.TipHeightM * 1e6:F2} µm (jumps {jumps * 1e6:F2} µm); " +
                         $"eq. 1: Δz {advance * 1e6:F3} µm vs ∫j_tip dt V_m/F {predicted * 1e6:F3} µm; j_tip {last.TipCurrentDensityAPerM2:F2} A/m²; " +
                         $"max Li pressure {rows.Max(r => r.MaxLiPressurePa) / 1e6:F0} MPa; crack area {first.CrackAreaM2 * 1e12:F0} → " +
                         $"{last.CrackAreaM2 * 1e12:F0} µm²; crack {last.CrackThicknessM * 1e6:F0} × {last.CrackWidthM * 1e6:F0} × " +
                         $"{last.CrackHeightM * 1e6:F0} µm; leaf {first.LeafThicknessM * 1e6:F2} × {first.LeafWidthM * 1e6:F0} × " +
                         $"{first.LeafHeightM * 1e6:F0} → {last.LeafThicknessM * 1e6:F2} × {last.LeafWidthM * 1e6:F0} × {last.LeafHeightM * 1e6:F0} µm; " +
                         $"V peak {peakVoltage * 1e3:F1} → {last.CellVoltageV * 1e3:F1} mV; ΔV₋/(∫I dt V_m/F) = {run.ChargeRatio():F5}");
        Assert.True(rows.Max(r => r.MaxLiPressurePa) > 100e6, "the flaw's Li must be pressurised by plating");
        Assert.True(last.CrackAreaM2 > 1.3 * first.CrackAreaM2, "the crack must grow");
        double inPlane = last.CrackWidthM + last.CrackHeightM - first.CrackWidthM - first.CrackHeightM;
        Assert.True(last.CrackThicknessM <= 8e-6 + 1e-12, $"the crack thickened to {last.CrackThicknessM * 1e6:F1} µm");
        Assert.True(inPlane >= 2 * (last.CrackThicknessM - first.CrackThicknessM) && inPlane > 0, "the crack must grow in its plane");
        Assert.True(last.LeafWidthM + last.LeafHeightM > first.LeafWidthM + first.LeafHeightM, "the Li sheet must spread in the plane");
        Assert.True(last.TipHeightM > first.TipHeightM + 0.5e-6, "the sheet's tip must leave the flaw");
        Assert.True(advance > 0.1e-6, $"the edge moved only {advance * 1e6:F3} µm within cells");
        Assert.InRange(advance / predicted, 0.95, 1.05);
        // Measured: the peak 91.6 mV falls to 90.0 mV by 700 s (85.6 mV when the flaw's mid-plane reacted
        // as two sheet faces, sheets_inside_li = true, whose crack ran further by then).
        Assert.True(last.CellVoltageV < 0.99 * peakVoltage, "the cell voltage must fall as the sheet spreads");
        Assert.Equal(0, run.WorstHealing);
        Assert.InRange(run.ChargeRatio(), 0.99, 1.01);
        LeafReportReadsTheRun(run, rows);
    }

    /// <summary>
    /// tools/leaf_report.py (the paper table's column, from the run's files) against the rows in memory:
    /// its window ends before the first row whose crack spans the domain's width (mirrored),
    /// and its eq. 1 values are F/V_m times least-squares slopes over the window, of the sheet's tip and of
    /// half the leaf's width.
    /// </summary>
    private void LeafReportReadsTheRun(TestCases.CoupledRun run, IReadOnlyList<PhaseFieldLi.OutputWriters.DiagnosticsRow> rows)
    {
        var grid = run.Model.Case.Grid;
        double domain = 2 * grid.Ny * grid.SpacingM; // cleavage normal x: the width runs along y
        int end = rows.ToList().FindIndex(r => r.CrackWidthM >= domain - grid.SpacingM);
        var window = rows.Take(end < 0 ? rows.Count : end).ToList();
        Assert.True(window.Count >= 2, "the crack must grow inside its domain for a while");
        double FOverVm = Scaling.Faraday / run.Model.Scaling.MolarVolume;
        double Eq1(Func<PhaseFieldLi.OutputWriters.DiagnosticsRow, double> y, double scale)
        {
            var pts = window.Where(r => double.IsFinite(y(r))).ToList();
            return FOverVm * scale * TestCases.Slope(pts.Select(r => r.TimeS).ToList(), pts.Select(y).ToList());
        }
        double fromTip = Eq1(r => r.TipHeightM, 1), fromEdges = Eq1(r => r.LeafWidthM, 0.5);
        Assert.True(fromTip > 0 && fromEdges > 0, $"the sheet's tip and the leaf's edges must advance in the window ({fromTip}, {fromEdges} A/m²)");

        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "leaf_report.py");
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", [script, run.Summary.OutputDirectory])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string report = p.StandardOutput.ReadToEnd(), errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        output.WriteLine(report);
        Assert.True(p.ExitCode == 0, $"leaf_report.py failed: {errors}");
        double Read(string pattern) => double.Parse(System.Text.RegularExpressions.Regex.Match(report, pattern).Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(window[^1].TimeS, Read(@"window 0–([0-9.eE+-]+) s"), 1e-5 * window[^1].TimeS + 1e-9);
        Assert.Equal(fromTip, Read(@"from the sheet tip ([0-9.eE+-]+) A/m²"), Math.Abs(fromTip) * 6e-3);
        Assert.Equal(fromEdges, Read(@"from the leaf edges ([0-9.eE+-]+) A/m²"), Math.Abs(fromEdges) * 6e-3);
    }
}

/// <summary>
/// The staggered damage update with relaxation ω: d = min(max(d_old + ω (d_solved − d_old), d_floor), 1),
/// cell by cell, against hand values on each backend; the returned change is max |d − d_old|.
/// </summary>
public abstract class StaggerRelaxation(string backend)
{
    [SkippableFact]
    public void OverRelaxedDamageUpdateKeepsItsBounds()
    {
        using var b = TestCases.BackendOrSkip(backend);
        var ops = b.CreateOperations();
        float[] old = [0.2f, 0.5f, 0.3f, 0.0f], solved = [0.4f, 0.9f, 0.1f, 0.0f], floor = [0.0f, 0.5f, 0.2f, 0.0f];
        using var dOld = b.Float("d", 4);
        using var dSolved = b.Float("solved", 4);
        using var dFloor = b.Float("floor", 4);
        dSolved.Upload(solved);
        dFloor.Upload(floor);

        dOld.Upload(old);
        float change = ops.DamageIrreversibility(dSolved, dFloor, dOld, 1.5f);
        // 0.2 + 1.5·0.2 = 0.5; 0.5 + 1.5·0.4 = 1.1 → 1; 0.3 − 1.5·0.2 = 0 → the floor 0.2; 0 stays.
        float[] expected = [0.5f, 1f, 0.2f, 0f];
        var d = dOld.ToArray();
        for (int n = 0; n < 4; n++) Assert.Equal(expected[n], d[n], 1e-6f);
        Assert.Equal(0.5f, change, 1e-6f);

        dOld.Upload(old);
        change = ops.DamageIrreversibility(dSolved, dFloor, dOld); // ω = 1: the solve as it is, clamped
        d = dOld.ToArray();
        Assert.Equal([0.4f, 0.9f, 0.2f, 0f], d);
        Assert.Equal(0.4f, change, 1e-6f);
    }
}

public sealed class StaggerRelaxationOnCpu() : StaggerRelaxation("cpu");
public sealed class StaggerRelaxationOnIlgpuCpu() : StaggerRelaxation("ilgpu-cpu");
public sealed class StaggerRelaxationOnCuda() : StaggerRelaxation("cuda");
public sealed class StaggerRelaxationOnOpenCl() : StaggerRelaxation("opencl");

/// <summary>
/// `discrete_toughness_correction` gives the damage equation G_c/(1 + h/(2ℓ)), the AT2 grid's excess
/// toughness taken out. In kernel units the damage is driven by 2ℓp²/(E G_c), so a corrected run under
/// the pressures p/√(1 + h/(2ℓ)) is the uncorrected run to float rounding: its critical pressure is the
/// uncorrected one over √(1 + h/(2ℓ)) (how docs/validation.md reads Sneddon at a/ℓ = 30 with the
/// correction). A 16³ octant penny crack, a = 6 µm, ℓ = 2h, pressures past the onset of growth.
/// </summary>
public class DiscreteToughnessCorrectionTests(ITestOutputHelper output)
{
    private const int Steps = 4;
    private const double P0 = 150e6, Rate = 15e6; // 150 … 210 MPa: the crack creeps, then runs a few cells at the last step

    private static (float[] Damage, int Cracked) Run(bool corrected, double pressureScale)
    {
        string toml = $"""
            name = "penny"
            physics = "fracture"
            {CaseText.Grid(16, 16, 16, MechanicsTests.H)}
            [time]
            end = {Steps:R}.0
            [mechanics]
            crack_pressure = {P0 * pressureScale:R}
            crack_pressure_rate = {Rate * pressureScale:R}
            tolerance = 1e-7
            [fracture]
            length_scale = 2.0e-6
            toughness = 0.6e6
            cleavage_normal = [0, 0, 1]
            anisotropy = 0.0
            discrete_toughness_correction = {(corrected ? "true" : "false")}
            stagger_tolerance = 1e-4
            stagger_max_iterations = 40
            [[flaw]]
            shape = "disc"
            centre = [0.0, 0.0, 0.0]
            radius = 6.0e-6
            thickness = 2.0e-6
            normal = [0, 0, 1]
            damage = 1.0
            """;
        var c = CaseReader.Parse(toml, "penny");
        Assert.Equal(corrected, c.Mechanics!.DiscreteToughnessCorrection);
        using var b = Backends.BackendCatalog.Create("cpu");
        using var host = new ElectrodepositionModel(c, b);
        using var m = new FractureModel(host);
        for (int t = 0; t <= Steps; t++)
        {
            m.SetLoad(t);
            m.Stagger();
        }
        var d = host.State.Damage.ToArray();
        return (d, d.Count(v => v > 0.5f));
    }

    [Fact]
    public void TheCorrectedRunIsTheUncorrectedOneAtPressuresOverTheRootOfTheExcess()
    {
        double excess = 1 + MechanicsTests.H / (2 * 2e-6); // 1.25 at ℓ = 2h
        var seed = Run(corrected: false, pressureScale: 0.5); // well below the onset: the seed alone
        var raw = Run(corrected: false, pressureScale: 1);
        var corrected = Run(corrected: true, pressureScale: 1 / Math.Sqrt(excess));
        var sameLoads = Run(corrected: true, pressureScale: 1);
        double worst = raw.Damage.Zip(corrected.Damage).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"cells with d > ½: seed {seed.Cracked}, raw {raw.Cracked}, corrected at p/√{excess} {corrected.Cracked}, " +
                         $"corrected at p {sameLoads.Cracked}; largest |Δd| raw against corrected at p/√{excess}: {worst:E2}");
        Assert.True(raw.Cracked > seed.Cracked, "the loads must grow the crack");
        Assert.Equal(raw.Cracked, corrected.Cracked);
        Assert.InRange(worst, 0, 1e-3);
        Assert.True(sameLoads.Cracked > raw.Cracked, "at the same loads the corrected (tougher-looking grid taken out) crack grows further");
    }
}
