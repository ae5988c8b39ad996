using System.Runtime.InteropServices;

namespace PhaseFieldLi.Distributed;

/// <summary>A failed MPI start or call, with one message that says what to do.</summary>
public sealed class MpiException(string message) : Exception(message);

/// <summary>
/// The few MPI calls the solver needs (init, rank/size, Allreduce, Sendrecv, Barrier, Finalize),
/// bound at run time to the MPI library of the machine. Why a thin binding and not MPI.NET 1.4.0
/// (the only MPI binding on NuGet): MPI.NET is compiled against MS-MPI's ABI, where handles are
/// integers; it works with MPICH (integer handles too) through a library-name resolver, but segfaults
/// with Open MPI, whose handles are pointers to exported objects — and Open MPI is what Debian and
/// most clusters ship. This binding reads the ABI off the library it loads: Open MPI (handles = the
/// addresses of ompi_mpi_comm_world, ompi_mpi_double, …) or MPICH and its derivatives (documented
/// integer constants). The library is opened with RTLD_GLOBAL, which Open MPI's plug-ins need.
/// Library: $PFLI_MPI_LIBRARY, else libmpi.so.40 (Open MPI 4/5), libmpich.so.12, libmpi.so.12.
/// </summary>
public sealed unsafe class Mpi : IDisposable
{
    private readonly nint _world, _double, _float, _int, _long, _sum, _max, _statusIgnore;
    private readonly int _procNull;
    private readonly delegate* unmanaged<nint, nint, int> _init;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _rank, _size;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, nint, int> _sendrecv;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private bool _finalized;

    /// <summary>Which MPI ABI the loaded library speaks ("Open MPI" or "MPICH").</summary>
    public string Flavour { get; }
    public string Library { get; }
    public int Rank { get; }
    public int Size { get; }

    /// <summary>Rank count and this process's rank as the launcher announced them (1 and 0 outside mpirun).</summary>
    public static (int Size, int Rank) FromLauncher()
    {
        static int Read(params string[] names)
        {
            foreach (string n in names)
                if (int.TryParse(Environment.GetEnvironmentVariable(n), out int v)) return v;
            return -1;
        }
        int size = Read("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE");
        int rank = Read("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK");
        return (size < 1 ? 1 : size, rank < 0 ? 0 : rank);
    }

    /// <summary>This process's rank among those on its node (picks its GPU; 0 outside mpirun).</summary>
    public static int LocalRank()
    {
        foreach (string n in new[] { "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMIX_LOCAL_RANK", "SLURM_LOCALID" })
            if (int.TryParse(Environment.GetEnvironmentVariable(n), out int v) && v >= 0) return v;
        return 0;
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint DlOpen(string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern nint DlError();

    private const int RtldNow = 2, RtldGlobal = 0x100;

    public Mpi()
    {
        string? chosen = Environment.GetEnvironmentVariable("PFLI_MPI_LIBRARY");
        string[] names = chosen != null ? [chosen] : ["libmpi.so.40", "libmpich.so.12", "libmpi.so.12"];
        nint lib = 0;
        string? found = null, lastError = null;
        foreach (string name in names)
        {
            lib = DlOpen(name, RtldNow | RtldGlobal);
            if (lib != 0) { found = name; break; }
            lastError = Marshal.PtrToStringAnsi(DlError());
        }
        if (found == null)
            throw new MpiException($"no MPI library found (tried {string.Join(", ", names)}{(string.IsNullOrEmpty(lastError) ? "" : ": " + lastError)}); install Open MPI " +
                                   "(Debian: openmpi-bin) or MPICH (mpich), or name the library in PFLI_MPI_LIBRARY");
        Library = found;

        nint Export(string name) => NativeLibrary.TryGetExport(lib, name, out nint p) ? p
            : throw new MpiException($"{Library} has no {name}: not an MPI library");
        if (NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out nint world))
        {
            Flavour = "Open MPI";
            _world = world;
            _double = Export("ompi_mpi_double");
            _float = Export("ompi_mpi_float");
            _int = Export("ompi_mpi_int");
            _long = Export("ompi_mpi_long");
            _sum = Export("ompi_mpi_op_sum");
            _max = Export("ompi_mpi_op_max");
            _statusIgnore = 0;
            _procNull = -2;
        }
        else
        {
            Flavour = "MPICH";
            _world = 0x44000000;
            _double = 0x4c00080b;
            _float = 0x4c00040a;
            _int = 0x4c000405;
            _long = 0x4c000807; // MPI_LONG (64-bit on LP64 Linux)
            _sum = 0x58000003;
            _max = 0x58000001;
            _statusIgnore = 1;
            _procNull = -1;
        }
        _init = (delegate* unmanaged<nint, nint, int>)Export("MPI_Init");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _sendrecv = (delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, nint, int>)Export("MPI_Sendrecv");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");

        Check(_init(0, 0), "MPI_Init");
        int rank, size;
        Check(_rank(_world, &rank), "MPI_Comm_rank");
        Check(_size(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    private static void Check(int code, string call)
    {
        if (code != 0) throw new MpiException($"{call} failed with MPI error code {code}");
    }

    /// <summary>Sendrecv calls that sent something, and the bytes they sent, since start (this rank).</summary>
    public long Sends { get; private set; }
    public long BytesSent { get; private set; }

    /// <summary>Allreduce calls since start.</summary>
    public long Allreduces { get; private set; }

    /// <summary>The rank that stands for "no neighbour" in Sendrecv.</summary>
    public int NoRank => _procNull;

    public double Sum(double value)
    {
        double result;
        Allreduces++;
        Check(_allreduce(&value, &result, 1, _double, _sum, _world), "MPI_Allreduce");
        return result;
    }

    private double[] _sumResult = [];

    /// <summary>Element-wise sums of a few doubles at once (one message).</summary>
    public void Sum(Span<double> values)
    {
        if (_sumResult.Length < values.Length) _sumResult = new double[values.Length]; // grown once, then reused
        var result = _sumResult.AsSpan(0, values.Length);
        Allreduces++;
        fixed (double* v = values, r = result)
            Check(_allreduce(v, r, values.Length, _double, _sum, _world), "MPI_Allreduce");
        result.CopyTo(values);
    }

    public double Max(double value)
    {
        double result;
        Allreduces++;
        Check(_allreduce(&value, &result, 1, _double, _max, _world), "MPI_Allreduce");
        return result;
    }

    /// <summary>The largest of every rank's value (position keys of the tip rules, bit patterns of floats ≥ 0).</summary>
    public long Max(long value)
    {
        long result;
        Allreduces++;
        Check(_allreduce(&value, &result, 1, _long, _max, _world), "MPI_Allreduce");
        return result;
    }

    /// <summary>
    /// Sends `send` to rank `to` and receives `receive` from rank `from` (either may be NoRank);
    /// float or int elements.
    /// </summary>
    public void Exchange<T>(ReadOnlySpan<T> send, int to, Span<T> receive, int from, int tag) where T : unmanaged
    {
        nint type = typeof(T) == typeof(float) ? _float
            : typeof(T) == typeof(int) ? _int
            : throw new ArgumentException($"no MPI datatype bound for {typeof(T).Name}");
        if (to != _procNull)
        {
            Sends++;
            BytesSent += send.Length * (long)sizeof(T);
        }
        fixed (T* s = send, r = receive)
            Check(_sendrecv(s, send.Length, type, to, tag, r, receive.Length, type, from, tag, _world, _statusIgnore), "MPI_Sendrecv");
    }

    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <summary>Stops every rank (after an error on one of them, so that none waits for ever).</summary>
    public void Abort(int code) => _abort(_world, code);

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        _finalize();
    }
}
