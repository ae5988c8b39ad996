using System.Globalization;
using PhaseFieldLi.Cases;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// Disk space a run (or the rest of a resumed run) needs in its output folder, against what the disk
/// has free: the snapshots still to come (5 arrays of 4 B per cell, 9 in coupled runs), one checkpoint
/// beside the one kept until the new one is complete (7 arrays, 13 coupled), less the bytes of the
/// files the run will replace (snapshots of the indices still to come, left by the run before a
/// resume). Sizes print with units that keep their digits (2.41 MB, not 0.00 GB).
/// </summary>
public sealed record OutputSpace(long NeedBytes, long ReplacedBytes, long FreeBytes, long Snapshots)
{
    public bool Fits => NeedBytes - ReplacedBytes <= FreeBytes;

    /// <summary>The estimate for case c written into dir, starting after snapshot nextIndex − 1 at time t.</summary>
    public static OutputSpace Estimate(Case c, string dir, double startTimeS = 0, int nextIndex = 0, long? freeBytes = null)
    {
        long cells = c.Grid.CellCount;
        bool mechanics = c.Physics != Physics.Electrodeposition;
        double left = Math.Max(0, c.Time.EndS - startTimeS);
        long snapshots = c.Time.OutputIntervalS > 0 ? (long)Math.Ceiling(left / c.Time.OutputIntervalS) + 1 : 2;
        long need = snapshots * (mechanics ? 36 : 20) * cells + (mechanics ? 52 : 28) * cells;
        long replaced = 0;
        if (Directory.Exists(dir))
            foreach (var f in new DirectoryInfo(dir).EnumerateFiles("fields_*.h5"))
                if (int.TryParse(Path.GetFileNameWithoutExtension(f.Name)["fields_".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
                    && i >= nextIndex && i < nextIndex + snapshots)
                    replaced += f.Length;
        long free = freeBytes ?? new DriveInfo(Path.GetFullPath(dir)).AvailableFreeSpace;
        return new OutputSpace(need, replaced, free, snapshots);
    }

    /// <summary>Bytes with a unit that keeps three significant digits (B, kB, MB, GB, TB; powers of 1000).</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double v = bytes;
        int u = 0;
        while (Math.Abs(v) >= 1000 && u < units.Length - 1)
        {
            v /= 1000;
            u++;
        }
        return (u == 0 ? v.ToString("F0", CultureInfo.InvariantCulture) : v.ToString("G3", CultureInfo.InvariantCulture)) + " " + units[u];
    }

    public string Describe() =>
        $"needs about {Format(NeedBytes)} ({Snapshots} snapshots and a checkpoint beside the last one" +
        (ReplacedBytes > 0 ? $", less {Format(ReplacedBytes)} of snapshots it replaces" : "") + $") but the disk has {Format(FreeBytes)} free";
}
