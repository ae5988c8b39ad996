namespace PhaseFieldLi.OutputWriters;

/// <summary>One cell-centred field of a snapshot, C order [k][j][i]; Data is float[] or int[].</summary>
public sealed record SnapshotField(string Name, Array Data, string Unit, string Description);

/// <summary>All fields at one time, with the metadata every file carries.</summary>
public sealed record Snapshot(int Index, int Step, double TimeS, IReadOnlyList<SnapshotField> Fields);

/// <summary>Grid and run metadata shared by all snapshots of a run.</summary>
public sealed record RunMetadata(int Nx, int Ny, int Nz, double SpacingM, string CaseName, string CaseHash, string Backend,
    IReadOnlyDictionary<string, string> Parameters);

/// <summary>The project's snapshot-writer interface; HDF5 + XDMF is the implementation ParaView opens.</summary>
public interface ISnapshotWriter : IDisposable
{
    /// <summary>Writes one snapshot and returns the path of its file.</summary>
    string Write(Snapshot snapshot);

    /// <summary>Re-registers the snapshots of the run being resumed, so the XDMF index keeps them.</summary>
    void Restore(IEnumerable<(int Index, int Step, double TimeS)> written, IReadOnlyList<(string Name, bool IsInt)> fields);
}

/// <summary>
/// Makes the snapshot writer of a run: one HDF5 file per snapshot (<see cref="Hdf5SnapshotWriter"/>)
/// on one process; a backend whose fields are spread over ranks provides its own (a file per rank
/// and snapshot, one XDMF index) through its GetService.
/// </summary>
public interface ISnapshotWriterFactory
{
    ISnapshotWriter Create(string outputDirectory, RunMetadata metadata);
}
