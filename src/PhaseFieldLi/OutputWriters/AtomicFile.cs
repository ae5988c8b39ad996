namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk, then renames it over
/// the target: a reader (or a crash) never sees a half-written file in place of a good one.
/// </summary>
public static class AtomicFile
{
    /// <param name="path">The file to write; the content goes to a hidden temporary sibling (.NAME.PID.tmp) first.</param>
    /// <param name="write">Writes the whole content to the stream.</param>
    /// <param name="beforeReplace">Runs after the new file is complete and before it replaces the old
    /// one (a checkpoint moves the old one aside there).</param>
    public static void Write(string path, Action<Stream> write, Action? beforeReplace = null)
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
            beforeReplace?.Invoke();
            File.Move(tmp, path, overwrite: true);
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
