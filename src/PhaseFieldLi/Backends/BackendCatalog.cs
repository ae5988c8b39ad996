using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace PhaseFieldLi.Backends;

/// <summary>Backend selection by name (--backend) and the device listing (devices command).</summary>
public static class BackendCatalog
{
    public static readonly string[] Names = ["auto", "cuda", "opencl", "cpu", "ilgpu-cpu"];

    /// <summary>
    /// auto: the first CUDA device, else the first usable OpenCL GPU, else the host backend.
    /// Throws <see cref="ArgumentException"/> naming the backend when the asked-for one is absent.
    /// </summary>
    /// <param name="name">The backend.</param>
    /// <param name="localRank">This process's rank on its node (0 unless launched by MPI): a GPU backend
    /// takes device localRank modulo the devices present, so the ranks of a node share its GPUs out.</param>
    /// <param name="option">The command-line option that named the backend, for its errors (compare's is --against).</param>
    public static Backend Create(string name, int localRank = 0, string option = "--backend")
    {
        switch (name)
        {
            case "cpu":
                return new HostBackend();
            case "ilgpu-cpu":
            {
                var context = Build(b => b.CPU());
                return new IlgpuBackend(name, context, context.GetCPUDevice(0).CreateAccelerator(context));
            }
            case "cuda":
                return TryCuda(localRank) ?? throw new ArgumentException($"{option} cuda: no CUDA device found (run 'devices' to list what this machine has)");
            case "opencl":
                return TryOpenCl(out string why, localRank) ?? throw new ArgumentException($"{option} opencl: no usable OpenCL device ({why})");
            case "auto":
                return TryCuda(localRank) ?? TryOpenCl(out _, localRank) ?? (Backend)new HostBackend();
            default:
                throw new ArgumentException($"{option} '{name}': must be one of {string.Join(", ", Names)}");
        }
    }

    /// <summary>
    /// Every context the solver uses: ILGPU.Algorithms supplies the device implementations of
    /// MathF.Exp and friends (without it CUDA/OpenCL cannot compile the Butler–Volmer kernels; the
    /// PTX compilation test caught that), fast math. Not Fast32BitOnly: it turns every double of a
    /// kernel into a float, and the reductions accumulate in double into double buffers (on an H100
    /// a sum of 4096 ones came back as 5.76e-315; GpuCompilationTests checks the PTX).
    /// </summary>
    public static Context Build(Action<Context.Builder> configure) =>
        Context.Create(b =>
        {
            configure(b);
            b.Math(MathMode.Fast).EnableAlgorithms();
        });

    private static Backend? TryCuda(int localRank = 0)
    {
        Context? context = null;
        try
        {
            context = Build(b => b.Cuda());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0) { context.Dispose(); return null; }
            return new IlgpuBackend("cuda", context, devices[localRank % devices.Count].CreateAccelerator(context));
        }
        catch (Exception)
        {
            context?.Dispose();
            return null;
        }
    }

    private static Backend? TryOpenCl(out string why, int localRank = 0)
    {
        Context? context = null;
        why = "";
        try
        {
            context = Build(b => b.OpenCL());
            var listed = context.GetCLDevices();
            for (int n = 0; n < listed.Count; n++)
            {
                var d = listed[(n + localRank) % listed.Count]; // this rank's device first, then the others
                try
                {
                    return new IlgpuBackend("opencl", context, d.CreateAccelerator(context));
                }
                catch (Exception e)
                {
                    why = e.Message;
                }
            }
            why = "ILGPU found no OpenCL device it supports (it needs the generic address space)";
            context.Dispose();
            return null;
        }
        catch (Exception e)
        {
            why = e.Message;
            context?.Dispose();
            return null;
        }
    }

    /// <summary>The backends this machine can run: cpu, ilgpu-cpu, and cuda/opencl where a device is usable.</summary>
    public static IEnumerable<string> Present()
    {
        yield return "cpu";
        yield return "ilgpu-cpu";
        foreach (string gpu in new[] { "cuda", "opencl" })
        {
            bool ok;
            try
            {
                using var probe = Create(gpu);
                ok = true;
            }
            catch (ArgumentException)
            {
                ok = false;
            }
            if (ok) yield return gpu;
        }
    }

    /// <summary>One line per device ILGPU sees, plus the host backend.</summary>
    public static IEnumerable<string> Describe()
    {
        yield return $"cpu        host CPU backend, {Environment.ProcessorCount} threads (the fallback for real runs)";
        List<string> lines = [];
        try
        {
            using var context = Context.Create(b => b.AllAccelerators());
            foreach (var d in context)
            {
                string kind = d.AcceleratorType switch
                {
                    AcceleratorType.CPU => "ilgpu-cpu",
                    AcceleratorType.Cuda => "cuda",
                    AcceleratorType.OpenCL => "opencl",
                    _ => d.AcceleratorType.ToString(),
                };
                lines.Add(kind == "ilgpu-cpu"
                    ? $"{kind,-10} {d.Name} (ILGPU's emulator: for checking kernels, not for runs)"
                    : $"{kind,-10} {d.Name}, {d.MemorySize / (1 << 20)} MiB");
            }
        }
        catch (Exception e)
        {
            lines.Add($"(ILGPU could not enumerate accelerators: {e.Message})");
        }
        foreach (var l in lines) yield return l;
        // Say why a GPU backend is missing rather than leave it out.
        if (!lines.Any(l => l.StartsWith("cuda ")))
            yield return "cuda       none: " + (LoadsAny(OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"])
                ? "the NVIDIA driver is installed but reports no device ILGPU can use"
                : "no NVIDIA driver (libcuda not found)");
        if (!lines.Any(l => l.StartsWith("opencl ")))
            yield return "opencl     none: " + (LoadsAny(OperatingSystem.IsWindows() ? ["OpenCL.dll"] : ["libOpenCL.so.1", "libOpenCL.so"])
                ? "an OpenCL loader is installed, but no device ILGPU accepts (it needs OpenCL C 2.0 with the generic address space)"
                : "no OpenCL loader (libOpenCL not found)");
    }

    private static bool LoadsAny(string[] names)
    {
        foreach (string name in names)
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out var handle)) continue;
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return true;
        }
        return false;
    }
}
