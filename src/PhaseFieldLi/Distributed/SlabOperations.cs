using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The model's operations on one rank's slab: the same rules (launched on the owned cells by
/// <see cref="SlabBackend{TF,TI}"/>), with the ghost planes of every field a stencil reads at its
/// neighbours filled first — ξ (Laplacian, sheet-edge supply, tips, label cores), the labels during
/// propagation, CG's search direction and iterate — and σ filled once after each assembly (every
/// Helmholtz product reads it). Fields a stencil reads that do not change during a run (d, material)
/// carry their ghost planes from the initial conditions or the rank's checkpoint.
/// The multigrid's own transfers (restriction, prolongation) are filled by DistributedMultigrid,
/// which knows both levels' slabs; mechanics passes are not distributed (the run refuses such cases
/// on several ranks).
/// </summary>
public sealed class SlabOperations<TF, TI>(Backend<TF, TI> b, SlabPartition partition) : Operations<TF, TI>(b)
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public override void LiPhaseRate(State s, GridShape g, in LiPhaseParameters p)
    {
        partition.FillGhosts(s.Xi);
        base.LiPhaseRate(s, g, p);
    }

    public override void AssembleCharge(State s, GridShape g, in LiPhaseParameters li, in ChargeParameters p, int galvanostaticBody)
    {
        partition.FillGhosts(s.Xi);
        base.AssembleCharge(s, g, li, p, galvanostaticBody);
        partition.FillGhosts(s.Sigma);
    }

    public override int PropagateLabels(State s, GridShape g, float threshold, float rimThreshold, bool crackConduction = false,
        bool sheetEdges = false)
    {
        partition.FillGhosts(s.Xi);
        partition.FillGhosts(s.Label);
        return base.PropagateLabels(s, g, threshold, rimThreshold, crackConduction, sheetEdges);
    }

    public override long Tip(State s, GridShape g, int body)
    {
        partition.FillGhosts(s.Xi);
        return base.Tip(s, g, body);
    }

    public override long SheetTip(State s, GridShape g, int body, float edgeFill, int normalAxis)
    {
        partition.FillGhosts(s.Xi);
        return base.SheetTip(s, g, body, edgeFill, normalAxis);
    }

    public override double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q)
    {
        partition.FillGhosts(p);
        return base.MatVec(g, spec, sigma, shift, p, q);
    }

    public override double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        Field<float> r)
    {
        partition.FillGhosts(x);
        return base.Residual(g, spec, sigma, shift, rhs, x, r);
    }

    public override double PreciseResidual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs,
        Field<float> xHi, Field<float> xLo, Field<float> r)
    {
        partition.FillGhosts(xHi);
        partition.FillGhosts(xLo);
        return base.PreciseResidual(g, spec, sigma, shift, rhs, xHi, xLo, r);
    }

    public override void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        int colour)
    {
        partition.FillGhosts(x); // a colour reads the other colour's cells, some of them on the neighbours
        base.GaussSeidel(g, spec, sigma, shift, rhs, x, colour);
    }
}
