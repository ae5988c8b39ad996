using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Backends;

/// <summary>
/// The model's per-cell operations, independent of the backend: one interface per physics or solver
/// (the files beside this one, named after the kernel files whose rules they launch). Each operation
/// builds a rule struct of PhaseFieldLi.Kernels over the backend's accessors and launches it; these
/// binders are the only place where fields are bound to rules, so every backend runs exactly the same
/// per-cell code. A backend is asked for its operations (<see cref="Backend.CreateOperations"/>).
/// </summary>
public interface IOperations : ILiPhaseOperations, IChargeOperations, IBodyLabelOperations, ICellwiseOperations, IHelmholtzOperations,
    IMultigridOperations, IElasticityOperations, IElasticTransferOperations, IFractureOperations, ICrackMeasureOperations,
    ILiFlowOperations;

/// <summary>
/// The binders of every rule over one backend's accessors (partial: one file per physics).
/// Halos are one explicit step of each binder: a rule that reads a field at its neighbours is
/// launched after <see cref="Halo"/> has filled that field's ghost planes (a no-op on one process;
/// the rank's slab exchange in a distributed run), and a binder that writes a field other ranks'
/// stencils read refills it after. The binder declares which fields those are, next to the rule.
/// </summary>
public partial class Operations<TF, TI>(Backend<TF, TI> b, IHaloExchange? halo = null) : IOperations
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    /// <summary>The ghost-plane exchange of the partition these operations run on.</summary>
    protected IHaloExchange Halo { get; } = halo ?? HaloExchange.None;

    private TF F(Field<float> f) => b.View(f);
    private TI I(Field<int> f) => b.View(f);
}
