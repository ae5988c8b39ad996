using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The global grid cut into slabs along z, one per rank, each with one ghost plane toward every
/// neighbouring rank. Slabs, not pencils: a halo plane of an nx × ny slab is nx·ny floats whatever
/// the rank count, and for the rank counts of one node (≤ 8) and the cross-sections of the cases
/// (nx·ny ≤ nz²) the pencil's smaller faces do not pay for twice the neighbours and messages
/// (docs/scaling.md). The local array of a rank is [ghost below] + owned planes + [ghost above],
/// in the global x-fastest order, so every per-cell kernel runs on it unchanged.
/// </summary>
public sealed class SlabDecomposition
{
    /// <summary>Fewest z-planes a rank may own (a stencil needs its neighbours to be real cells).</summary>
    public const int MinPlanes = 2;

    public SlabDecomposition(GridShape global, int rank, int size) : this(global, rank, size, Split(global, rank, size)) { }

    private SlabDecomposition(GridShape global, int rank, int size, (int ZStart, int Planes) slab)
        : this(global, rank, size, slab.ZStart, slab.Planes) { }

    /// <summary>The planes of rank `rank`: nz/size each, the first nz % size ranks one more.</summary>
    private static (int ZStart, int Planes) Split(GridShape global, int rank, int size)
    {
        if (size < 1 || rank < 0 || rank >= size) throw new ArgumentOutOfRangeException(nameof(rank));
        if (global.Nz < MinPlanes * size)
            throw new MpiException($"{size} ranks for a grid of {global.Nz} z-planes: each rank needs at least {MinPlanes} " +
                                   $"planes of its own, so run on at most {global.Nz / MinPlanes} ranks (mpirun -n {global.Nz / MinPlanes})");
        int baseCount = global.Nz / size, extra = global.Nz % size;
        return (rank * baseCount + Math.Min(rank, extra), baseCount + (rank < extra ? 1 : 0));
    }

    /// <summary>
    /// A slab given by its planes (a coarse multigrid level, whose planes follow from the fine
    /// level's: no minimum); ghost planes toward every neighbouring rank as usual.
    /// </summary>
    public SlabDecomposition(GridShape global, int rank, int size, int zStart, int ownedPlanes)
    {
        Global = global;
        Rank = rank;
        Size = size;
        ZStart = zStart;
        OwnedPlanes = ownedPlanes;
        GhostBelow = rank > 0 ? 1 : 0;
        GhostAbove = rank < size - 1 ? 1 : 0;
        Local = new GridShape(global.Nx, global.Ny, OwnedPlanes + GhostBelow + GhostAbove);
    }

    public GridShape Global { get; }
    public GridShape Local { get; }
    public int Rank { get; }
    public int Size { get; }
    /// <summary>Global z index of this rank's first owned plane.</summary>
    public int ZStart { get; }
    public int OwnedPlanes { get; }
    public int GhostBelow { get; }
    public int GhostAbove { get; }

    /// <summary>Local index range [first, end) of the owned cells.</summary>
    public int OwnedFirst => GhostBelow * Global.Plane;
    public int OwnedEnd => (GhostBelow + OwnedPlanes) * Global.Plane;

    /// <summary>Global z of local plane k.</summary>
    public int GlobalZ(int localK) => ZStart + localK - GhostBelow;

    // Nodal fields (the displacement on the cell corners, Physics/Mechanics.cs): the slab holds the
    // corners of its local cells, (Nx+1)(Ny+1)(Local.Nz+1) nodes. A rank owns the node planes of its
    // owned cell planes' lower faces (the last rank also the top face): every global node plane has
    // one owner. The elements that add into them are the owned cells and the ghost cell plane below;
    // they read the node planes one below and one above the owned ones, the nodal ghost planes.

    /// <summary>The nodes of the local cells (x-fastest, the same z offset as the cells).</summary>
    public GridShape LocalNodes => new(Global.Nx + 1, Global.Ny + 1, Local.Nz + 1);

    /// <summary>Node planes this rank owns, from local plane <see cref="GhostBelow"/> on.</summary>
    public int OwnedNodePlanes => OwnedPlanes + (GhostAbove == 0 ? 1 : 0);

    /// <summary>Local cell planes [0, ElementPlanes) whose elements add into the owned nodes.</summary>
    public int ElementPlanes => GhostBelow + OwnedPlanes;

    /// <summary>Halo bytes this rank sends per exchange of one float field.</summary>
    public long HaloBytesPerExchange => (GhostBelow + GhostAbove) * (long)Global.Plane * sizeof(float);
}
