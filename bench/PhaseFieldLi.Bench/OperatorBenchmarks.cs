using BenchmarkDotNet.Attributes;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Bench;

/// <summary>
/// One application of the Helmholtz operator with its dot product (q = A p, Σ p·q: the CG mat-vec) at
/// N³ cells: the host backend running the kernel rule, against a plain scalar C# loop of the same
/// arithmetic on float[] (the reference the issue asks for). Throughput = N³ / time.
/// </summary>
[MemoryDiagnoser]
public class OperatorBenchmarks
{
    [Params(64, 128)]
    public int N;

    private HostBackend _backend = null!;
    private IOperations _ops = null!;
    private Field<float> _sigma = null!, _shift = null!, _p = null!, _q = null!;
    private float[] _s = null!, _a = null!, _pa = null!, _qa = null!;
    private GridShape _g;

    [GlobalSetup]
    public void Setup()
    {
        _g = new GridShape(N, N, N);
        _backend = new HostBackend();
        _ops = _backend.CreateOperations();
        var rng = new Random(1);
        _s = Enumerable.Range(0, _g.Count).Select(_ => 0.5f + (float)rng.NextDouble()).ToArray();
        _a = Enumerable.Range(0, _g.Count).Select(_ => 0.01f * (float)rng.NextDouble()).ToArray();
        _pa = Enumerable.Range(0, _g.Count).Select(_ => (float)rng.NextDouble()).ToArray();
        _qa = new float[_g.Count];
        _sigma = _backend.Float("s", _g.Count); _sigma.Upload(_s);
        _shift = _backend.Float("a", _g.Count); _shift.Upload(_a);
        _p = _backend.Float("p", _g.Count); _p.Upload(_pa);
        _q = _backend.Float("q", _g.Count);
    }

    [Benchmark]
    public double HostBackendRule() => _ops.MatVec(_g, PhaseFieldLi.Kernels.Solvers.OperatorSpec.Default, _sigma, _shift, _p, _q);

    [Benchmark(Baseline = true)]
    public double PlainLoop()
    {
        int nx = _g.Nx, ny = _g.Ny, nz = _g.Nz, plane = nx * ny;
        var partial = new double[nz];
        float[] s = _s, a = _a, p = _pa, q = _qa;
        Parallel.For(0, nz, k =>
        {
            double acc = 0;
            for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
            {
                int c = i + nx * (j + ny * k);
                float sc = s[c], pc = p[c], sum = a[c] * pc;
                if (i > 0) sum += Face(sc, s[c - 1]) * (pc - p[c - 1]);
                if (i < nx - 1) sum += Face(sc, s[c + 1]) * (pc - p[c + 1]);
                if (j > 0) sum += Face(sc, s[c - nx]) * (pc - p[c - nx]);
                if (j < ny - 1) sum += Face(sc, s[c + nx]) * (pc - p[c + nx]);
                if (k > 0) sum += Face(sc, s[c - plane]) * (pc - p[c - plane]);
                if (k < nz - 1) sum += Face(sc, s[c + plane]) * (pc - p[c + plane]);
                q[c] = sum;
                acc += (double)pc * sum;
            }
            partial[k] = acc;
        });
        return partial.Sum();
    }

    private static float Face(float x, float y) => 2f * x * y / (x + y);

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();
}
