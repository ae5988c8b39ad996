using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Operators;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The multigrid preconditioner of a distributed CG: block Jacobi over the ranks (additive Schwarz
/// without overlap), each block one V-cycle of the single-rank <see cref="Multigrid"/> on the rank's
/// owned planes, run on its own device with no communication at all. The block is A restricted to
/// the slab with the faces toward the neighbouring ranks made Dirichlet (x = 0 on the face: the
/// half-cell conductance 2σ_c keeps the block definite even where the slab has no reaction term),
/// the outer walls as in A. The global CG (one halo exchange per mat-vec, Allreduce per dot product)
/// couples the slabs. Not the multigrid on 1 rank: its coarse levels never see across slab
/// boundaries, so CG needs more iterations as the rank count grows (docs/scaling.md), and the
/// answer agrees with one rank's to the solver tolerance, not to rounding.
/// </summary>
public sealed class SlabMultigrid<TF, TI> : IPreconditioner
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private readonly Backend<TF, TI> _device;
    private readonly SlabPartition _partition;
    private readonly GridShape _owned;
    private readonly Field<float> _sigma, _shift, _r, _z;
    private readonly Multigrid _mg;

    public SlabMultigrid(Backend<TF, TI> device, SlabPartition partition)
    {
        _device = device;
        _partition = partition;
        var slabs = partition.Slabs;
        _owned = new GridShape(slabs.Global.Nx, slabs.Global.Ny, slabs.OwnedPlanes);
        _sigma = device.Float("slab_mg_sigma", _owned.Count);
        _shift = device.Float("slab_mg_shift", _owned.Count);
        _r = device.Float("slab_mg_r", _owned.Count);
        _z = device.Float("slab_mg_z", _owned.Count);
        _mg = new Multigrid(device, Operations.For(device), _owned);
    }

    public Multigrid Block => _mg;

    private void ToOwned(Field<float> local, Field<float> owned) =>
        _device.ForEach(new BlockCopyRule<TF> { X = _device.View(local), Y = _device.View(owned), From = _partition.OwnedFirst, To = 0 },
            _owned.Count);

    public void Setup(HelmholtzProblem problem)
    {
        ToOwned(problem.Sigma, _sigma);
        ToOwned(problem.Shift, _shift);
        var slabs = _partition.Slabs;
        var spec = problem.Spec with
        {
            ZLow = slabs.GhostBelow == 1 ? FaceKind.Dirichlet : problem.Spec.ZLow,
            ZHigh = slabs.GhostAbove == 1 ? FaceKind.Dirichlet : problem.Spec.ZHigh,
        };
        _mg.Setup(new HelmholtzProblem(_owned, _sigma, _shift, spec));
    }

    public void Apply(Field<float> r, Field<float> z)
    {
        ToOwned(r, _r);
        _mg.Apply(_r, _z);
        _device.ForEach(new BlockCopyRule<TF> { X = _device.View(_z), Y = _device.View(z), From = 0, To = _partition.OwnedFirst },
            _owned.Count);
    }

    public void Dispose()
    {
        _mg.Dispose();
        _sigma.Dispose();
        _shift.Dispose();
        _r.Dispose();
        _z.Dispose();
    }
}
