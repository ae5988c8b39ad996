using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The model's operations on one rank's slab: the same rules and binders (launched on the owned cells
/// by <see cref="SlabBackend{TF,TI}"/>), with this slab's partition as their halo exchange, so every
/// ghost fill a binder declares (<see cref="Operations{TF,TI}"/>) is a slab exchange. Fields a stencil
/// reads that do not change during a run (d, material) carry their ghost planes from the initial
/// conditions or the rank's checkpoint. What differs on a slab is here: element passes over the
/// elements that add into owned nodes, lines of cells across ranks, and a host rank's vectorised
/// Helmholtz passes on its owned planes.
/// The multigrid's own transfers (restriction, prolongation) are filled by DistributedMultigrid,
/// which knows both levels' slabs (DistributedElasticMultigrid likewise for the elasticity's).
/// Finite-element passes run over the elements that add into the owned nodes (the owned cells and
/// the ghost cell plane below) and read the nodal ghost planes, filled first; the cell fields they
/// read (ξ, d) have their ghost planes filled by the mechanics when they change.
/// </summary>
public sealed class SlabOperations<TF, TI>(SlabBackend<TF, TI> slab, SlabPartition partition) : Operations<TF, TI>(slab, partition)
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    protected override void ForEachElement<TRule>(TRule rule, GridShape cells)
    {
        if (cells.Count != partition.Local.Count)
            throw new NotSupportedException($"an element pass over {cells.Count} cells on a slab of {partition.Local.Count}");
        slab.ForEachElement(rule);
    }

    // Lines of cells along z (a cleavage plane normal to z) cross the ranks: each rank evaluates its
    // part of every line on its device (LineSumPartsRule, LineKeyPartsRule) into a plane-sized field,
    // and the ranks add the parts (one Allreduce of a plane). Lines along x or y lie in one rank's
    // planes and run as usual.

    public override (double Lines, float Extent) CrackLines(GridShape g, Field<float> damage, Field<int> material, int axis)
    {
        if (axis != 2 || partition.Size == 1) return base.CrackLines(g, damage, material, axis);
        var s = partition.Slabs;
        var rule = new CrackLinesRule<TF, TI>
        {
            Grid = g, Damage = slab.View(damage), Material = slab.View(material), Axis = 2, LineFirst = s.GhostBelow, LineLength = s.OwnedPlanes,
        };
        var parts = LineParts(new LineSumPartsRule<CrackLinesRule<TF, TI>, TF> { Inner = rule, Parts = slab.View(Plane()), First = s.OwnedFirst });
        long extent = slab.Max(rule, g.Count);
        return (parts.Count(p => p > 0), extent == long.MinValue ? 0f : BitConverter.Int32BitsToSingle((int)extent));
    }

    public override long LeafExtent(GridShape g, Field<float> xi, Field<float> damage, Field<int> material, Field<int> label, int axis, int crack,
        int measure, int sheets = 0)
    {
        if (axis != 2 || measure != LeafMeasure.LineThickness || partition.Size == 1) return base.LeafExtent(g, xi, damage, material, label, axis, crack, measure, sheets);
        // The most qualifying cells (or the largest sheet fill, in 1/4096 cell: each rank's part rounded
        // down, so the sum may fall short of the one-process number by ranks − 1 units) on one line.
        var s = partition.Slabs;
        var rule = new LeafExtentRule<TF, TI>
        {
            Grid = g, Xi = slab.View(xi), Damage = slab.View(damage), Material = slab.View(material), Label = slab.View(label), Axis = 2,
            Crack = crack, Measure = LeafMeasure.LineThickness, Sheets = sheets, LineFirst = s.GhostBelow, LineLength = s.OwnedPlanes,
        };
        var parts = LineParts(new LineKeyPartsRule<LeafExtentRule<TF, TI>, TF> { Inner = rule, Parts = slab.View(Plane()), First = s.OwnedFirst });
        double most = parts.Max();
        return most > 0 ? (long)most : long.MinValue;
    }

    private Field<float>? _plane;
    private float[] _planeHost = [];
    private double[] _planeSum = [];

    /// <summary>A plane-sized scratch field on this rank's device.</summary>
    private Field<float> Plane() => _plane ??= slab.Inner.Float("line_parts", partition.Global.Plane);

    private double[] LineParts<TRule>(TRule rule) where TRule : struct, ICellRule
    {
        int plane = partition.Global.Plane;
        slab.Inner.ForEach(rule, plane);
        if (_planeHost.Length != plane) { _planeHost = new float[plane]; _planeSum = new double[plane]; }
        _plane!.DownloadRange(0, _planeHost);
        for (int n = 0; n < plane; n++) _planeSum[n] = _planeHost[n];
        partition.Sum(_planeSum);
        return _planeSum;
    }

    /// <summary>
    /// A host rank's vectorised Helmholtz passes (the host backend's operations on the owned planes;
    /// their sums are this rank's parts, added here): the same cell values as the rules, lane by lane.
    /// Null on a device, whose passes the slab's launch range restricts.
    /// </summary>
    private readonly IOperations? _host = slab.Inner.CreatePlaneOperations(partition.Slabs.GhostBelow, partition.Slabs.OwnedPlanes, partition);

    public override double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q)
    {
        return _host != null ? partition.Sum(_host.MatVec(g, spec, sigma, shift, p, q)) : base.MatVec(g, spec, sigma, shift, p, q);
    }

    /// <summary>The sum is added across ranks on the host: a wait, then the registers are set.</summary>
    public override void MatVecInto(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q,
        DeviceScalars s, int register) =>
        s.Store(register, MatVec(g, spec, sigma, shift, p, q));

    public override double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        Field<float> r, bool norm = true)
    {
        if (_host == null) return base.Residual(g, spec, sigma, shift, rhs, x, r, norm);
        double rr = _host.Residual(g, spec, sigma, shift, rhs, x, r, norm);
        return norm ? partition.Sum(rr) : double.NaN;
    }

    public override void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        int colour)
    {
        if (_host != null) _host.GaussSeidel(g, spec, sigma, shift, rhs, x, colour);
        else base.GaussSeidel(g, spec, sigma, shift, rhs, x, colour);
    }
}
