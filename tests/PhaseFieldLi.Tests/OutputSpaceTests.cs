using PhaseFieldLi.Cases;
using PhaseFieldLi.OutputWriters;
using Xunit;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The disk-space check before a run (issue: faults, item 13): a resume counts the snapshot files it
/// will overwrite as space, and sizes keep their digits ("needs about 0.00 GB … has 0.00 GB" before).
/// </summary>
public class OutputSpaceTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(999L, "999 B")]
    [InlineData(1_900_000L, "1.9 MB")]
    [InlineData(2_410_000_000L, "2.41 GB")]
    public void SizesKeepTheirDigits(long bytes, string text) => Assert.Equal(text, OutputSpace.Format(bytes));

    [Fact]
    public void ResumeCountsTheSnapshotsItReplaces()
    {
        // 8 × 8 × 16 cells, end 10 s, a snapshot every 1 s: resumed at 6 s after snapshots 0–6 (next index 7).
        var c = CaseReader.Parse(CaseFileErrorTests.Good.Replace("end = 10.0", "end = 10.0\noutput_interval = 1.0"), "space");
        string dir = TestCases.TempDir();
        foreach (int i in new[] { 5, 6, 7, 8, 9 })
            File.WriteAllBytes(Path.Combine(dir, Hdf5SnapshotWriter.FileName(i)), new byte[1000]);

        var fresh = OutputSpace.Estimate(c, dir, 0, 0, freeBytes: long.MaxValue);
        var resumed = OutputSpace.Estimate(c, dir, 6.0, 7, freeBytes: 0);
        Assert.Equal(11, fresh.Snapshots); // t = 0, 1, …, 10
        Assert.Equal(5, resumed.Snapshots); // t = 6 (rewritten only if due), 7, 8, 9, 10: at most 5 more
        Assert.Equal(3000, resumed.ReplacedBytes); // fields_00007 … 00009, not 00005 or 00006
        long cells = c.Grid.CellCount;
        Assert.Equal(5 * 20 * cells + 28 * cells, resumed.NeedBytes);
        Assert.True(OutputSpace.Estimate(c, dir, 6.0, 7, freeBytes: resumed.NeedBytes - 3000).Fits);
        Assert.False(OutputSpace.Estimate(c, dir, 6.0, 7, freeBytes: resumed.NeedBytes - 3001).Fits);
        Assert.Contains("less 3 kB of snapshots it replaces", resumed.Describe());
    }
}
