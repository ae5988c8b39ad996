using System.Globalization;
using System.Text;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// The run's time series as CSV (one row per diagnostics step, SI units in the header). The whole file
/// is rewritten atomically at each flush, so it is never half-written.
/// </summary>
public sealed class TimeSeriesWriter(string path, List<string> lines)
{
    public string Path { get; } = path;

    /// <summary>The rows so far (shared with the run state, so checkpoints carry them).</summary>
    public List<string> Lines { get; } = lines;

    public void Add(DiagnosticsRow row) => Lines.Add(row.ToCsv(CultureInfo.InvariantCulture));

    public void Flush()
    {
        var text = new StringBuilder(DiagnosticsRow.CsvHeader).Append('\n');
        foreach (var l in Lines) text.Append(l).Append('\n');
        AtomicFile.WriteText(Path, text.ToString());
    }
}
