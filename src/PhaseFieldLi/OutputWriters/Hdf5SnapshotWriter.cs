using System.Globalization;
using System.Text;
using PureHDF;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// One HDF5 file per snapshot (PureHDF writes new files only), datasets of shape (nz, ny, nx), plus one
/// XDMF index of the whole run: a temporal collection of 3DCoRectMesh grids with cell-centred
/// attributes, rewritten after every snapshot, so ParaView opens the time series in one step with
/// the real times. Both are written to a temporary name and renamed.
/// </summary>
public sealed class Hdf5SnapshotWriter(string directory, RunMetadata meta) : ISnapshotWriter
{
    private readonly List<(Snapshot Snapshot, string File)> _written = [];

    public string Directory { get; } = directory;
    public string IndexPath => Path.Combine(Directory, "fields.xdmf");

    public static string FileName(int index) => $"fields_{index:D5}.h5";

    /// <summary>Re-registers the snapshots of the run being resumed, so the XDMF index keeps them.</summary>
    public void Restore(IEnumerable<(int Index, int Step, double TimeS)> written, IReadOnlyList<(string Name, bool IsInt)> fields)
    {
        foreach (var (index, step, time) in written) _written.Add((Listed(index, step, time, fields), FileName(index)));
    }

    /// <summary>A snapshot already on disk as the index lists it: names and types of its fields, no data.</summary>
    public static Snapshot Listed(int index, int step, double timeS, IReadOnlyList<(string Name, bool IsInt)> fields) =>
        new(index, step, timeS, fields.Select(x => new SnapshotField(x.Name, x.IsInt ? Array.Empty<int>() : Array.Empty<float>(), "", "")).ToList());

    public string Write(Snapshot s)
    {
        string name = FileName(s.Index);
        string path = Path.Combine(Directory, name);
        var file = NewFile(meta, s, meta.Nz);
        AtomicFile.Write(path, stream => file.Write(stream));
        _written.Add((s, name));
        AtomicFile.WriteText(IndexPath, Xdmf());
        return path;
    }

    /// <summary>An HDF5 file of one snapshot's fields over `planes` z-planes, with the run's metadata.</summary>
    public static H5File NewFile(RunMetadata meta, Snapshot s, int planes)
    {
        var file = new H5File();
        ulong[] dims = [(ulong)planes, (ulong)meta.Ny, (ulong)meta.Nx];
        foreach (var f in s.Fields)
        {
            var ds = new H5Dataset(f.Data, fileDims: dims);
            ds.Attributes["unit"] = f.Unit;
            ds.Attributes["description"] = f.Description;
            file[f.Name] = ds;
        }
        file.Attributes["time_s"] = s.TimeS;
        file.Attributes["step"] = s.Step;
        file.Attributes["spacing_m"] = meta.SpacingM;
        file.Attributes["cells_xyz"] = new[] { meta.Nx, meta.Ny, meta.Nz };
        file.Attributes["layout"] = "cell-centred, datasets [k][j][i] (z, y, x); cell (i,j,k) centre at ((i+0.5)h, (j+0.5)h, (k+0.5)h)";
        file.Attributes["case_name"] = meta.CaseName;
        file.Attributes["case_sha256"] = meta.CaseHash;
        file.Attributes["backend"] = meta.Backend;
        foreach (var (k, v) in meta.Parameters) file.Attributes["param." + k] = v;
        return file;
    }

    private string Xdmf() => XdmfIndex(meta, _written.Select(w => (w.Snapshot, (IReadOnlyList<(string, int)>)[(w.File, meta.Nz)])).ToList());

    /// <summary>
    /// The XDMF index of a run: a temporal collection of one 3DCoRectMesh grid per snapshot with
    /// cell-centred attributes. A snapshot stored as several files, each holding consecutive
    /// z-planes (one per MPI rank: Parts = (file, planes) from the bottom up), is joined along z by a
    /// DataItem Function JOIN, so a reader still sees one grid of nx × ny × nz cells per time.
    /// </summary>
    public static string XdmfIndex(RunMetadata meta, IReadOnlyList<(Snapshot Snapshot, IReadOnlyList<(string File, int Planes)> Parts)> written)
    {
        var inv = CultureInfo.InvariantCulture;
        string h = meta.SpacingM.ToString("R", inv);
        var sb = new StringBuilder();
        sb.AppendLine("<?xml version=\"1.0\" ?>");
        sb.AppendLine("<Xdmf Version=\"3.0\">");
        sb.AppendLine("  <Domain>");
        sb.AppendLine($"    <Grid Name=\"{System.Security.SecurityElement.Escape(meta.CaseName)}\" GridType=\"Collection\" CollectionType=\"Temporal\">");
        foreach (var (s, parts) in written)
        {
            sb.AppendLine($"      <Grid Name=\"step {s.Step}\" GridType=\"Uniform\">");
            sb.AppendLine($"        <Time Value=\"{s.TimeS.ToString("R", inv)}\" />");
            sb.AppendLine($"        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{meta.Nz + 1} {meta.Ny + 1} {meta.Nx + 1}\" />");
            sb.AppendLine("        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">");
            sb.AppendLine("          <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">0 0 0</DataItem>");
            sb.AppendLine($"          <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">{h} {h} {h}</DataItem>");
            sb.AppendLine("        </Geometry>");
            foreach (var f in s.Fields)
            {
                string type = f.Data is int[] ? "Int" : "Float";
                string Item(string file, int planes, string indent) =>
                    $"{indent}<DataItem Dimensions=\"{planes} {meta.Ny} {meta.Nx}\" NumberType=\"{type}\" Precision=\"4\" Format=\"HDF\">{file}:/{f.Name}</DataItem>";
                sb.AppendLine($"        <Attribute Name=\"{f.Name}\" AttributeType=\"Scalar\" Center=\"Cell\">");
                if (parts.Count == 1) sb.AppendLine(Item(parts[0].File, parts[0].Planes, "          "));
                else
                {
                    string join = string.Join("; ", Enumerable.Range(0, parts.Count).Select(n => "$" + n));
                    sb.AppendLine($"          <DataItem ItemType=\"Function\" Function=\"JOIN({join})\" Dimensions=\"{meta.Nz} {meta.Ny} {meta.Nx}\">");
                    foreach (var (file, planes) in parts) sb.AppendLine(Item(file, planes, "            "));
                    sb.AppendLine("          </DataItem>");
                }
                sb.AppendLine("        </Attribute>");
            }
            sb.AppendLine("      </Grid>");
        }
        sb.AppendLine("    </Grid>");
        sb.AppendLine("  </Domain>");
        sb.AppendLine("</Xdmf>");
        return sb.ToString();
    }

    public void Dispose() { }
}
