namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk, then renames it over
/// the target: a reader (or a crash) never sees a half-written file in place of a good one.
/// </summary>
public static class AtomicFile
{
    /// <param name="path">The file to write; the content goes to a hidden temporary sibling (.NAME.PID.tmp) first.</param>
    /// <param name="write">Writes the whole content to the stream.</param>
    /// <param name="backupPath">Where the file being replaced is kept (a checkpoint keeps the one before
    /// it). File.Replace links the old file to it and then renames the new one over the old (on Linux:
    /// link, rename), so the path never goes missing, not even between the two.</param>
    public static void Write(string path, Action<Stream> write, string? backupPath = null)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            if (backupPath != null && File.Exists(path)) File.Replace(tmp, path, backupPath, ignoreMetadataErrors: true);
            else File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }

    public static void WriteText(string path, string text) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.Write(text);
        });
}
