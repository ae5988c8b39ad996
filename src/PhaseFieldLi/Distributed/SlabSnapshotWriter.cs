using PhaseFieldLi.OutputWriters;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// Snapshots of a run decomposed into z-slabs: every rank writes the planes it owns to a file of its
/// own (fields_NNNNN_rRRR.h5, datasets (owned planes, ny, nx), attributes z_start and rank), and rank
/// 0 writes the XDMF index, whose attributes join the rank files along z (Hdf5SnapshotWriter.XdmfIndex,
/// DataItem Function JOIN) — ParaView opens one nx × ny × nz grid per time. Chosen over gathering the
/// fields on rank 0: no rank ever holds a whole field (a 1024³ float field is 4 GiB), and the ranks
/// write in parallel; the price is one file per rank per snapshot. The fields of a Snapshot passed
/// to Write are the rank's owned planes. Files are written to a temporary name and renamed; the index
/// is rewritten after all ranks have written.
/// </summary>
public sealed class SlabSnapshotWriter(string directory, RunMetadata meta, Mpi mpi, SlabDecomposition slabs) : ISnapshotWriter
{
    private readonly List<(Snapshot Snapshot, IReadOnlyList<(string File, int Planes)> Parts)> _written = [];

    public string IndexPath => Path.Combine(directory, "fields.xdmf");

    public static string FileName(int index, int rank) => $"fields_{index:D5}_r{rank:D3}.h5";

    private IReadOnlyList<(string File, int Planes)> Parts(int index) => Enumerable.Range(0, mpi.Size)
        .Select(r => (FileName(index, r), new SlabDecomposition(slabs.Global, r, mpi.Size).OwnedPlanes)).ToList();

    /// <summary>Re-lists the snapshots a resumed run wrote before its checkpoint (the index keeps them).</summary>
    public void Restore(IEnumerable<(int Index, int Step, double TimeS)> written, IReadOnlyList<(string Name, bool IsInt)> fields)
    {
        foreach (var (index, step, time) in written) _written.Add((Hdf5SnapshotWriter.Listed(index, step, time, fields), Parts(index)));
    }

    public string Write(Snapshot s)
    {
        int owned = slabs.OwnedPlanes * slabs.Global.Plane;
        foreach (var f in s.Fields)
            if (f.Data.Length != owned)
                throw new ArgumentException($"field '{f.Name}' has {f.Data.Length} values, rank {mpi.Rank} owns {owned} cells");
        string path = Path.Combine(directory, FileName(s.Index, mpi.Rank));
        var file = Hdf5SnapshotWriter.NewFile(meta, s, slabs.OwnedPlanes);
        file.Attributes["z_start"] = slabs.ZStart;
        file.Attributes["rank"] = mpi.Rank;
        file.Attributes["ranks"] = mpi.Size;
        AtomicFile.Write(path, stream => file.Write(stream));
        mpi.Barrier();
        _written.Add((s, Parts(s.Index)));
        if (mpi.Rank == 0) AtomicFile.WriteText(IndexPath, Hdf5SnapshotWriter.XdmfIndex(meta, _written));
        return path;
    }

    public void Dispose() { }
}
