namespace PhaseFieldLi.Fields;

/// <summary>
/// One per-cell array that lives on the backend's device for the whole run. The host touches it only
/// through <see cref="Upload"/> and <see cref="Download"/> (initial conditions, output, checks); each
/// copy is counted in the backend's <see cref="LaunchCounts"/> (a download is also a sync).
/// </summary>
public abstract unsafe class Field<T> : IDisposable where T : unmanaged
{
    private readonly LaunchCounts counts;
    private bool _released;

    protected Field(string name, int length, LaunchCounts counts)
    {
        Name = name;
        Length = length;
        this.counts = counts;
        counts.Allocate((long)length * sizeof(T));
    }

    public string Name { get; }
    public int Length { get; }

    public void Upload(ReadOnlySpan<T> values) => UploadRange(0, values);

    public void Download(Span<T> values) => DownloadRange(0, values[..Length]);

    /// <summary>Writes values into [start, start + values.Length) (a rank's ghost planes), copying only that range.</summary>
    public void UploadRange(int start, ReadOnlySpan<T> values)
    {
        counts.Transfer();
        CopyIn(start, values);
    }

    /// <summary>Reads [start, start + values.Length) (the planes a rank sends to its neighbours), copying only that range.</summary>
    public void DownloadRange(int start, Span<T> values)
    {
        counts.Transfer();
        counts.Sync();
        CopyOut(start, values);
    }

    /// <summary>The backend's copy of values into [start, start + values.Length).</summary>
    protected abstract void CopyIn(int start, ReadOnlySpan<T> values);

    /// <summary>The backend's copy of [start, start + values.Length) into values.</summary>
    protected abstract void CopyOut(int start, Span<T> values);

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

    /// <summary>Frees the device memory (once; the backend's allocation count falls with it).</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        counts.Free((long)Length * sizeof(T));
        Release();
    }

    /// <summary>The backend's free of the memory.</summary>
    protected abstract void Release();
}
