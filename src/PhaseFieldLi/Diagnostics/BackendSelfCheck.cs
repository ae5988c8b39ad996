using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// Checks the primitives every step relies on, on one backend, against values known exactly: a
/// grid-stride sum (the dot product of ones), and the body labelling of two separate boxes of Li
/// (exactly two isolated bodies after propagation), and the Li creep flow along a crack (a random
/// sheet on one plane: its Li conserved over limited steps, no cell below empty). `phasefield devices
/// --check` runs it on each backend present; a GPU that fails here would fail the first step of every case.
/// </summary>
public static class BackendSelfCheck
{
    public static IEnumerable<(string Check, bool Passed, string Detail)> Run(Backend backend)
    {
        var ops = backend.CreateOperations();
        var g = new GridShape(16, 16, 16);
        using var state = new State(backend, g.Count);

        state.Xi.Fill(1f);
        double dot = ops.Dot(state.Xi, state.Xi);
        yield return ("sum (dot of ones)", dot == g.Count, $"{dot} (expected {g.Count})");

        var xi = new float[g.Count];
        for (int k = 0; k < g.Nz; k++)
        for (int j = 0; j < g.Ny; j++)
        for (int i = 0; i < g.Nx; i++)
            if (i >= 2 && i < 6 && j >= 2 && j < 14 && (k is >= 2 and < 7 || k is >= 9 and < 14))
                xi[g.Index(i, j, k)] = 1f;
        state.Xi.Upload(xi);
        state.Material.Fill(Materials.Llzo);
        ops.ResetLabels(state, g, 0.5f);
        int provisional = state.Label.ToArray().Where(l => l >= 2).Distinct().Count();
        int cores = xi.Count(x => x > 0.5f);
        yield return ("provisional labels (one per Li cell)", provisional == cores, $"{provisional} (expected {cores})");
        state.Rate.Upload(xi.Select((x, n) => x * (n % 97) - 3f).ToArray());
        float max = ops.MaxAbs(state.Rate);
        yield return ("maximum (max |x|)", max == 93f, $"{max} (expected 93)");
        var changes = new List<int>();
        for (int sweep = 0; sweep < 200; sweep++)
        {
            int changed = ops.PropagateLabels(state, g, 0.5f, 0.05f);
            changes.Add(changed);
            if (changed == 0) break;
        }
        int bodies = state.Label.ToArray().Where(l => l >= 2).Distinct().Count();
        yield return ("body labelling (two boxes)", bodies == 2,
            $"{bodies} bodies after {changes.Count} sweeps (changes per sweep: {string.Join(' ', changes.Take(12))}{(changes.Count > 12 ? " …" : "")})");
        yield return CreepFlowConservesLi(backend, ops, g);
    }

    /// <summary>A random Li sheet on the crack plane k = 8 under random pressures (≤ 50 MPa), 10 flow steps each 4× the fastest stable one.</summary>
    private static (string, bool, string) CreepFlowConservesLi(Backend backend, IOperations ops, GridShape g)
    {
        var random = new Random(5);
        float[] xi = new float[g.Count], p = new float[g.Count], d = new float[g.Count];
        const double stressUnitPa = 150e9;
        for (int j = 0; j < g.Ny; j++)
        for (int i = 0; i < g.Nx; i++)
        {
            int n = g.Index(i, j, 8);
            d[n] = 1f;
            xi[n] = random.NextDouble() < 0.3 ? 0f : (float)(0.1 + 0.5 * random.NextDouble());
            p[n] = (float)(50e6 * random.NextDouble() / stressUnitPa);
        }
        using Field<float> sheet = backend.Float("check_xi", g.Count), pressure = backend.Float("check_pressure", g.Count),
            damage = backend.Float("check_damage", g.Count), limit = backend.Float("check_limit", g.Count), rate = backend.Float("check_rate", g.Count);
        using Field<int> material = backend.Int("check_material", g.Count);
        sheet.Upload(xi);
        pressure.Upload(p);
        damage.Upload(d);
        material.Fill(Materials.Llzo);
        var flow = Scaling.LiFlow(new Cases.LiCreepLaw(), 298.15, stressUnitPa, sheetOnsetXi: 1e-3, normalAxis: 2);
        ops.LiFlowRate(g, sheet, pressure, damage, material, limit, rate, flow, 1e-30f);
        float dt = 4f / ops.MaxAbs(rate);
        for (int step = 0; step < 10; step++)
        {
            ops.LiFlowRate(g, sheet, pressure, damage, material, limit, rate, flow, dt);
            ops.Axpy(dt, rate, sheet);
        }
        var after = sheet.ToArray();
        double before = xi.Sum(v => (double)v), total = after.Sum(v => (double)v);
        double drift = Math.Abs(total - before) / before;
        int filled = Enumerable.Range(0, g.Count).Count(n => xi[n] == 0f && after[n] > 0f);
        bool passed = drift <= 1e-6 && after.Min() >= -1e-6f && filled > 0;
        return ("Li creep flow (conserved, never below empty)", passed,
            $"Σξ {before:G9} → {total:G9} (drift {drift:G2}), min ξ {after.Min():G3}, {filled} empty crack cells filled");
    }
}
