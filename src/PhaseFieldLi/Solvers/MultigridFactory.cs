using PhaseFieldLi.Backends;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// Builds the multigrid preconditioners of a backend's grid: the whole grid on one process
/// (<see cref="WholeGridMultigrids"/>), or levels on slabs with a gathered tail across ranks (the
/// distributed backend provides its own through <see cref="Backend.GetService"/>).
/// </summary>
public interface IMultigridFactory
{
    /// <summary>The potential's multigrid over the operations ops, on the backend's cells.</summary>
    IPreconditioner CreateMultigrid(IOperations ops, GridShape cells);

    /// <summary>The elasticity's multigrid over the operations ops, on the backend's cells.</summary>
    IElasticMultigrid CreateElasticMultigrid(IOperations ops, GridShape cells);
}

/// <summary>The multigrids of a backend that holds the whole grid.</summary>
public sealed class WholeGridMultigrids(Backend backend) : IMultigridFactory
{
    public IPreconditioner CreateMultigrid(IOperations ops, GridShape cells) => new Multigrid(backend, ops, cells);
    public IElasticMultigrid CreateElasticMultigrid(IOperations ops, GridShape cells) => new ElasticMultigrid(backend, ops, cells);

    /// <summary>The backend's own multigrids if it provides them, else the whole grid's.</summary>
    public static IMultigridFactory For(Backend backend) => backend.Service<IMultigridFactory>() ?? new WholeGridMultigrids(backend);
}
