using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// Jacobi-preconditioned CG for the solver's scalar operator A = −∇·(σ∇·) + a (Helmholtz.Apply, the
/// same per-cell math as every backend; zero-flux outer faces) on a slab-decomposed grid: each
/// mat-vec first exchanges the ghost planes of the search direction, every dot product is a local
/// double sum over the owned cells followed by one Allreduce. Between rank counts the iterates differ
/// only by the order of those sums (per-rank partials added by MPI), i.e. by double rounding on the
/// dot products, which CG carries into float-rounding differences of the solution.
/// Host arrays; a GPU rank would stage its ghost planes through the host the same way.
/// </summary>
public sealed unsafe class SlabHelmholtzSolver(Mpi mpi, SlabDecomposition slabs)
{
    public sealed record Result(int Iterations, double RelativeResidual, bool Converged, long HaloBytes);

    /// <summary>Solves A x = b for local arrays with ghost planes (σ and a must hold their ghost values).</summary>
    public Result Solve(float[] sigma, float[] shift, float[] b, float[] x, double tolerance, int maxIterations)
    {
        var g = slabs.Local;
        int n = g.Count;
        var r = new float[n];
        var z = new float[n];
        var p = new float[n];
        var q = new float[n];
        var diag = new float[n];
        long halo = 0;
        var spec = OperatorSpec.Default;

        fixed (float* ps = sigma, pa = shift, pp = p, px = x)
        {
            var vs = new HostView<float>(ps);
            var va = new HostView<float>(pa);

            void MatVec(float* source, float[] target)
            {
                var vx = new HostView<float>(source);
                for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++)
                    target[idx] = Helmholtz.Apply(g, spec, vs, va, vx, idx, out diag[idx]);
            }

            slabs.Exchange(mpi, x);
            halo += slabs.HaloBytesPerExchange;
            MatVec(px, q);
            double bb = 0, rz = 0;
            for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++)
            {
                r[idx] = b[idx] - q[idx];
                z[idx] = r[idx] / diag[idx];
                p[idx] = z[idx];
                bb += (double)b[idx] * b[idx];
                rz += (double)r[idx] * z[idx];
            }
            Span<double> sums = stackalloc double[2];
            sums[0] = bb; sums[1] = rz;
            mpi.Sum(sums);
            double normB = Math.Sqrt(sums[0]);
            rz = sums[1];
            if (normB == 0) { Array.Clear(x); return new Result(0, 0, true, halo); }

            for (int it = 1; it <= maxIterations; it++)
            {
                slabs.Exchange(mpi, p);
                halo += slabs.HaloBytesPerExchange;
                MatVec(pp, q);
                double pq = 0;
                for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++) pq += (double)p[idx] * q[idx];
                float alpha = (float)(rz / mpi.Sum(pq));
                double rr = 0, rzNew = 0;
                for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++)
                {
                    x[idx] += alpha * p[idx];
                    r[idx] -= alpha * q[idx];
                    z[idx] = r[idx] / diag[idx];
                    rr += (double)r[idx] * r[idx];
                    rzNew += (double)r[idx] * z[idx];
                }
                sums[0] = rr; sums[1] = rzNew;
                mpi.Sum(sums);
                double relative = Math.Sqrt(sums[0]) / normB;
                if (relative <= tolerance) return new Result(it, relative, true, halo);
                float beta = (float)(sums[1] / rz);
                rz = sums[1];
                for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++) p[idx] = z[idx] + beta * p[idx];
                if (it == maxIterations) return new Result(it, relative, false, halo);
            }
        }
        return new Result(maxIterations, double.NaN, false, halo);
    }
}
