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
}
