using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Backends;

/// <summary>
/// Where the fields live and the per-cell rules run. Every backend runs the same rule structs of
/// PhaseFieldLi.Kernels; a backend only supplies memory, an accessor type and a launcher.
/// </summary>
public abstract class Backend : IFieldAllocator, IServiceProvider, IDisposable
{
    /// <summary>
    /// What this backend provides besides fields and launches, asked by type (.NET's service pattern):
    /// a distributed backend answers for the multigrids across its ranks (Solvers.IMultigridFactory)
    /// and for the per-rank snapshot files (OutputWriters.ISnapshotWriterFactory); a one-process backend
    /// answers nothing, and the asker uses its whole-grid default.
    /// </summary>
    public virtual object? GetService(Type serviceType) => null;

    /// <summary>The service of type T this backend provides, or null (<see cref="GetService(Type)"/>).</summary>
    public T? Service<T>() where T : class => GetService(typeof(T)) as T;

    /// <summary>The --backend name: cpu, ilgpu-cpu, cuda or opencl.</summary>
    public abstract string Name { get; }
    /// <summary>Human-readable device description.</summary>
    public abstract string Device { get; }

    /// <summary>Memory the fields may use on this device [bytes].</summary>
    public abstract long MemoryBytes { get; }

    public abstract Field<float> Float(string name, int length);
    public abstract Field<int> Int(string name, int length);

    /// <summary>The per-cell operations of this backend: every rule bound to its accessors (Operations/).</summary>
    public abstract IOperations CreateOperations();

    /// <summary>
    /// The part of the global grid whose fields this backend holds: the whole grid on one process, a
    /// rank's slab in a distributed run.
    /// </summary>
    public virtual IPartition Partition(GridShape global) => new WholeGrid(global);

    /// <summary>
    /// Operations whose Helmholtz passes run on planes [firstPlane, firstPlane + planes) only and return
    /// that part of each sum (a rank's owned planes, when this backend's own passes bypass the slab's
    /// launch range); null when this backend has none, and the slab's launch range restricts its passes.
    /// </summary>
    public virtual IOperations? CreatePlaneOperations(int firstPlane, int planes, IHaloExchange halo) => null;

    /// <summary>Calls back with this backend's accessor types (double dispatch, in place of a type test).</summary>
    public abstract T WithAccessors<T>(IAccessorVisitor<T> visitor);

    /// <summary>Waits until all launched work has finished (for timing).</summary>
    public virtual void Synchronize() { }

    /// <summary>
    /// Time per kernel (rule type) when profiling (environment variable PHASEFIELD_PROFILE=1 on an ILGPU
    /// backend: every launch is followed by a synchronize, so the step itself gets slower); empty otherwise.
    /// </summary>
    public virtual IReadOnlyDictionary<string, (long Launches, double Seconds)> KernelTimes => EmptyTimes;

    private static readonly Dictionary<string, (long, double)> EmptyTimes = [];

    /// <summary>Starts the kernel profile afresh.</summary>
    public virtual void ResetKernelTimes() { }

    /// <summary>What the host has asked of this backend so far (launches, waits, field copies).</summary>
    public virtual LaunchCounts Counts { get; } = new();

    /// <summary>
    /// target ← source by the device's own memory copy (cudaMemcpy device-to-device, a memcpy on
    /// the host): the bandwidth reference of the benchmarks, not a kernel.
    /// </summary>
    public abstract void CopyField(Field<float> source, Field<float> target);

    public abstract void Dispose();
}

/// <summary>
/// A backend whose fields are read through accessor TF (float) and TI (int). Model steps build rule
/// structs over these accessors once, in <see cref="Operations{TF,TI}"/>.
/// </summary>
public abstract class Backend<TF, TI> : Backend
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public abstract TF View(Field<float> field);
    public abstract TI View(Field<int> field);

    public sealed override T WithAccessors<T>(IAccessorVisitor<T> visitor) => visitor.Visit(this);

    public abstract void ForEach<TRule>(TRule rule, int count) where TRule : struct, ICellRule;
    public abstract double Sum<TRule>(TRule rule, int count) where TRule : struct, ICellSum;
    public abstract (double First, double Second) Sum2<TRule>(TRule rule, int count) where TRule : struct, ICellSum2;
    public abstract long Max<TRule>(TRule rule, int count) where TRule : struct, ICellMax;

    /// <summary>A grid rule over every cell of g (a device launches it like any cell rule).</summary>
    public virtual void ForEachCell<TRule>(TRule rule, GridShape g) where TRule : struct, IGridRule => ForEach(rule, g.Count);

    /// <summary>
    /// A red–black pass over the cells of one colour ((i + j + k + ZOffset) mod 2 = colour) of g; the
    /// rule skips the other colour itself. A device launches only that colour's cells.
    /// </summary>
    public virtual void ForEachColourCell<TRule>(TRule rule, GridShape g, int colour) where TRule : struct, IGridRule => ForEachCell(rule, g);

    /// <summary>A grid sum over every cell of g.</summary>
    public virtual double SumCells<TRule>(TRule rule, GridShape g) where TRule : struct, IGridSum => Sum(rule, g.Count);
}

/// <summary>Something built for a backend's accessor types TF and TI (<see cref="Backend.WithAccessors{T}"/>).</summary>
public interface IAccessorVisitor<out T>
{
    T Visit<TF, TI>(Backend<TF, TI> backend) where TF : struct, IView<float> where TI : struct, IView<int>;
}
