using System.Globalization;
using System.Text;
using PhaseFieldLi.Diagnostics;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// The run's time series as CSV (one row per diagnostics step, SI units in the header). The whole file
/// is rewritten atomically at each flush, so it is never half-written.
/// </summary>
public sealed class TimeSeriesWriter(string path)
{
    private readonly StringBuilder _text = new(DiagnosticsRow.CsvHeader + "\n");

    public string Path { get; } = path;

    public void Add(DiagnosticsRow row) => _text.Append(row.ToCsv(CultureInfo.InvariantCulture)).Append('\n');

    public void Flush() => AtomicFile.WriteText(Path, _text.ToString());
}
