using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Backends;

/// <summary>
/// Where the fields live and the per-cell rules run. Every backend runs the same rule structs of
/// PhaseFieldLi.Kernels; a backend only supplies memory, an accessor type and a launcher.
/// </summary>
public abstract class Backend : IDisposable
{
    /// <summary>The --backend name: cpu, ilgpu-cpu, cuda or opencl.</summary>
    public abstract string Name { get; }
    /// <summary>Human-readable device description.</summary>
    public abstract string Device { get; }

    /// <summary>Memory the fields may use on this device [bytes].</summary>
    public abstract long MemoryBytes { get; }

    public abstract Field<float> Float(string name, int length);
    public abstract Field<int> Int(string name, int length);

    /// <summary>Waits until all launched work has finished (for timing).</summary>
    public virtual void Synchronize() { }

    public abstract void Dispose();
}

/// <summary>
/// A backend whose fields are read through accessor TF (float) and TI (int). Model steps build rule
/// structs over these accessors once, in <see cref="Models.Operations{TF,TI}"/>.
/// </summary>
public abstract class Backend<TF, TI> : Backend
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public abstract TF View(Field<float> field);
    public abstract TI View(Field<int> field);

    public abstract void ForEach<TRule>(TRule rule, int count) where TRule : struct, ICellRule;
    public abstract double Sum<TRule>(TRule rule, int count) where TRule : struct, ICellSum;
    public abstract (double First, double Second) Sum2<TRule>(TRule rule, int count) where TRule : struct, ICellSum2;
    public abstract long Max<TRule>(TRule rule, int count) where TRule : struct, ICellMax;

    /// <summary>A grid rule over every cell of g (a device launches it like any cell rule).</summary>
    public virtual void ForEachCell<TRule>(TRule rule, GridShape g) where TRule : struct, IGridRule => ForEach(rule, g.Count);

    /// <summary>A grid sum over every cell of g.</summary>
    public virtual double SumCells<TRule>(TRule rule, GridShape g) where TRule : struct, IGridSum => Sum(rule, g.Count);
}
