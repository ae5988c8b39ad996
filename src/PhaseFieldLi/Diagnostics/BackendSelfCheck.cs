using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// Checks the primitives every step relies on, on one backend, against values known exactly: a
/// grid-stride sum (the dot product of ones), and the body labelling of two separate boxes of Li
/// (exactly two isolated bodies after propagation). `phasefield devices --check` runs it on each
/// backend present; a GPU that fails here would fail the first step of every case.
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
    }
}
