using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Kernels.Solvers;

/// <summary>
/// Grid transfers and coarse coefficients of the elasticity multigrid (nodal, vertex-centred: the
/// coarse nodes are the even fine nodes, so coarse cells are 2 × 2 × 2 fine cells). Displacements
/// are stored component-blocked, u[n + c·nodes], c = x, y, z.
/// </summary>
public static class ElasticTransfer
{
    /// <summary>Trilinear weight of a fine node at offset −1, 0, +1 from a coarse node, per axis.</summary>
    public static float Weight(int offset) => offset == 0 ? 1f : 0.5f;
}

/// <summary>S = μ_e / μ_LLZO of each element: the element's stiffness relative to intact LLZO.</summary>
public struct StiffnessFactorRule<TF, TI> : ICellRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Xi, Damage, Factor;
    public TI Material;
    public MechanicsParameters P;

    public void Apply(int idx)
    {
        Mechanics.Moduli(Xi[idx], Damage[idx], Material[idx], P, out _, out float mu);
        Factor[idx] = mu / P.MuLlzo;
    }
}

/// <summary>Coarse element factor = mean of its 8 fine elements (fine cell counts are exactly twice the coarse).</summary>
public struct CoarsenCellsRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape Fine, Coarse;
    public TF FineField, CoarseField;

    public void Apply(int idx)
    {
        Coarse.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int f0 = Fine.Index(2 * i, 2 * j, 2 * (k + Coarse.ZOffset) - Fine.ZOffset); // slabs: global planes
        float sum = 0f;
        for (int a = 0; a < 8; a++)
            sum += FineField[f0 + (a & 1) + ((a >> 1) & 1) * Fine.Nx + (a >> 2) * Fine.Plane];
        CoarseField[idx] = 0.125f * sum;
    }
}

/// <summary>
/// The damage that gives an LLZO element the stiffness factor S: (1 − d)² + k = S, so a coarse level
/// is an LLZO block whose degradation carries the mean stiffness of the fine elements under it.
/// </summary>
public struct EffectiveDamageRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF Factor, Damage;
    public float ResidualStiffness;

    public void Apply(int idx)
    {
        float s = Factor[idx] - ResidualStiffness;
        Damage[idx] = 1f - MathF.Sqrt(s > 1e-30f ? s : 1e-30f);
    }
}

/// <summary>coarse = Rᵀ-weighted sum of the 27 fine nodes around each coarse node (R = Pᵀ, full weighting).</summary>
public struct NodalRestrictRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape FineNodes, CoarseNodes;
    public TF Fine, Coarse;

    public void Apply(int idx)
    {
        CoarseNodes.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int fi = 2 * i, fj = 2 * j, fk = 2 * (k + CoarseNodes.ZOffset) - FineNodes.ZOffset; // slabs: global planes
        float sx = 0f, sy = 0f, sz = 0f;
        int count = FineNodes.Count;
        for (int dk = -1; dk <= 1; dk++)
        {
            int kk = fk + dk;
            if (kk < 0 || kk >= FineNodes.Nz) continue;
            for (int dj = -1; dj <= 1; dj++)
            {
                int jj = fj + dj;
                if (jj < 0 || jj >= FineNodes.Ny) continue;
                for (int di = -1; di <= 1; di++)
                {
                    int ii = fi + di;
                    if (ii < 0 || ii >= FineNodes.Nx) continue;
                    float w = ElasticTransfer.Weight(di) * ElasticTransfer.Weight(dj) * ElasticTransfer.Weight(dk);
                    int n = FineNodes.Index(ii, jj, kk);
                    sx += w * Fine[n];
                    sy += w * Fine[n + count];
                    sz += w * Fine[n + 2 * count];
                }
            }
        }
        int cc = CoarseNodes.Count;
        Coarse[idx] = sx;
        Coarse[idx + cc] = sy;
        Coarse[idx + 2 * cc] = sz;
    }
}

/// <summary>fine += P coarse: trilinear interpolation of the coarse nodes (even fine nodes coincide).</summary>
public struct NodalProlongAddRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape FineNodes, CoarseNodes;
    public TF Fine, Coarse;

    public void Apply(int idx)
    {
        FineNodes.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int kg = k + FineNodes.ZOffset; // slabs: global planes for the parents
        int i0 = i >> 1, j0 = j >> 1, k0 = (kg >> 1) - CoarseNodes.ZOffset;
        int i1 = i0 + (i & 1), j1 = j0 + (j & 1), k1 = k0 + (kg & 1);
        int cc = CoarseNodes.Count, fc = FineNodes.Count;
        for (int c = 0; c < 3; c++)
        {
            int o = c * cc;
            float v = Coarse[CoarseNodes.Index(i0, j0, k0) + o] + Coarse[CoarseNodes.Index(i1, j0, k0) + o]
                    + Coarse[CoarseNodes.Index(i0, j1, k0) + o] + Coarse[CoarseNodes.Index(i1, j1, k0) + o]
                    + Coarse[CoarseNodes.Index(i0, j0, k1) + o] + Coarse[CoarseNodes.Index(i1, j0, k1) + o]
                    + Coarse[CoarseNodes.Index(i0, j1, k1) + o] + Coarse[CoarseNodes.Index(i1, j1, k1) + o];
            Fine[idx + c * fc] += 0.125f * v;
        }
    }
}
