using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Solvers;

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

    /// <summary>A solver's scalars (<see cref="DeviceScalars"/>): registers on the host unless the backend keeps them on its device.</summary>
    public virtual DeviceScalars Scalars(string name, int registers, int coefficients) =>
        new HostScalars(Float(name, coefficients), registers, Counts);

    /// <summary>Coefficient q.Target of s from its registers (<see cref="ScalarQuotient"/>); on a device, one thread, no wait.</summary>
    public virtual void Quotient(DeviceScalars s, ScalarQuotient q)
    {
        var r = ((HostScalars)s).Values;
        s.Coefficients.UploadRange(q.Target, [q.Of(r[q.Numerator], q.Subtrahend >= 0 ? r[q.Subtrahend] : 0.0, r[q.Denominator])]);
    }

    /// <summary>
    /// x = M r for a symmetric n × n matrix M held in the registers of m (x_i = Σ_j M[j n + i] r_j, in
    /// double, j in order). The default works on the host: r downloaded, x uploaded (a wait).
    /// </summary>
    public virtual unsafe void DenseApply(DeviceScalars m, Field<float> r, Field<float> x, int n)
    {
        var rv = new float[r.Length];
        r.Download(rv);
        var xv = new float[x.Length];
        fixed (float* rp = rv)
        {
            for (int i = 0; i < n; i++) xv[i] = Dense.Row(((HostScalars)m).View, new HostView<float>(rp), i, n);
        }
        x.Upload(xv);
    }

    /// <summary>The registers of s, read by the host (a device's one wait).</summary>
    public virtual double[] ReadScalars(DeviceScalars s)
    {
        Counts.Sync(); // a reduction's result, counted as one (a wait, no field transfer)
        return (double[])((HostScalars)s).Values.Clone();
    }

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

    // Sums that stay on the device (DeviceScalars): a solver's iteration launches them and the rules
    // that use them without the host waiting. The defaults add on the host (one wait each) and store
    // the result: right for a distributed backend, whose sums are added across ranks on the host.

    /// <summary>Σ rule over count items into register <paramref name="register"/> of s.</summary>
    public virtual void SumInto<TRule>(TRule rule, int count, DeviceScalars s, int register) where TRule : struct, ICellSum =>
        s.Store(register, Sum(rule, count));

    /// <summary>The two sums of rule into registers <paramref name="first"/> and <paramref name="second"/> of s.</summary>
    public virtual void Sum2Into<TRule>(TRule rule, int count, DeviceScalars s, int first, int second) where TRule : struct, ICellSum2
    {
        var (a, c) = Sum2(rule, count);
        s.Store(first, a);
        s.Store(second, c);
    }

    /// <summary>A grid sum over every cell of g into register <paramref name="register"/> of s.</summary>
    public virtual void SumCellsInto<TRule>(TRule rule, GridShape g, DeviceScalars s, int register) where TRule : struct, IGridSum =>
        s.Store(register, SumCells(rule, g));
}

/// <summary>Something built for a backend's accessor types TF and TI (<see cref="Backend.WithAccessors{T}"/>).</summary>
public interface IAccessorVisitor<out T>
{
    T Visit<TF, TI>(Backend<TF, TI> backend) where TF : struct, IView<float> where TI : struct, IView<int>;
}
