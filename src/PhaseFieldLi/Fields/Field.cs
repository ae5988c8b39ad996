namespace PhaseFieldLi.Fields;

/// <summary>
/// One per-cell array that lives on the backend's device for the whole run. The host touches it only
/// through <see cref="Upload"/> and <see cref="Download"/> (initial conditions, output, checks).
/// </summary>
public abstract class Field<T>(string name, int length) : IDisposable where T : unmanaged
{
    public string Name { get; } = name;
    public int Length { get; } = length;

    public abstract void Upload(ReadOnlySpan<T> values);
    public abstract void Download(Span<T> values);

    /// <summary>Writes values into [start, start + values.Length) (a rank's ghost planes), copying only that range.</summary>
    public abstract void UploadRange(int start, ReadOnlySpan<T> values);

    /// <summary>Reads [start, start + values.Length) (the planes a rank sends to its neighbours), copying only that range.</summary>
    public abstract void DownloadRange(int start, Span<T> values);

    public T[] ToArray()
    {
        var a = new T[Length];
        Download(a);
        return a;
    }

    public void Fill(T value)
    {
        var a = new T[Length];
        Array.Fill(a, value);
        Upload(a);
    }

    public abstract void Dispose();
}
