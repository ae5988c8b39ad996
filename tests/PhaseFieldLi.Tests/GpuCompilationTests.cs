using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// Without a GPU, every kernel the solver launches is still compiled to PTX (ILGPU's CUDA backend,
/// sm_80): a construct the CUDA backend cannot translate fails here, not first on a user's GPU.
/// Each rule type of PhaseFieldLi.Kernels is closed over the device accessors and compiled through
/// the entry point that launches it.
/// </summary>
public class GpuCompilationTests(ITestOutputHelper output)
{
    private static Type Close(Type rule)
    {
        if (!rule.IsGenericTypeDefinition) return rule;
        var args = rule.GetGenericArguments().Select(a =>
        {
            var constraints = a.GetGenericParameterConstraints();
            if (constraints.Contains(typeof(IView<int>))) return typeof(DeviceView<int>);
            if (constraints.Contains(typeof(IView<float>))) return typeof(DeviceView<float>);
            // A wrapper over another rule (Launch/OwnedRange.cs): closed over the first rule of the
            // solver that fits, so the wrapper is compiled the way a rank launches it.
            return Close(Rules(wrappers: false).First(t => constraints.All(c => c == typeof(ValueType) || t.GetInterfaces().Contains(c))));
        });
        return rule.MakeGenericType(args.ToArray());
    }

    /// <summary>A rule that wraps another rule (its type parameter is constrained to a rule interface).</summary>
    private static bool IsWrapper(Type t) => t.IsGenericTypeDefinition && t.GetGenericArguments()
        .Any(a => a.GetGenericParameterConstraints().Any(c => c != typeof(IView<int>) && c != typeof(IView<float>) && c != typeof(ValueType)));

    private static List<Type> Rules(bool wrappers = true)
    {
        var rules = typeof(ICellRule).Assembly.GetTypes().Where(t => t.IsValueType && !t.IsAbstract && t.GetInterfaces().Any(i =>
            i == typeof(ICellRule) || i == typeof(ICellSum) || i == typeof(ICellSum2) || i == typeof(ICellMax)))
            .Where(t => wrappers || !IsWrapper(t)).ToList();
        Assert.True(rules.Count >= 20, $"only {rules.Count} rules found");
        return rules;
    }

    private static MethodInfo EntryFor(Type rule)
    {
        var kinds = rule.GetInterfaces();
        string entry = kinds.Contains(typeof(ICellRule)) ? nameof(CellKernels.ForEach)
            : kinds.Contains(typeof(ICellSum)) ? nameof(CellKernels.Sum)
            : kinds.Contains(typeof(ICellSum2)) ? nameof(CellKernels.Sum2) : nameof(CellKernels.Max);
        return typeof(CellKernels).GetMethod(entry, BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(rule);
    }

    /// <summary>The same for ILGPU's OpenCL C backend (a device with 64-bit atomics and the generic address space).</summary>
    [Fact]
    public void EveryKernelCompilesToOpenClC()
    {
        using var context = PhaseFieldLi.Backends.BackendCatalog.Build(b => b.OpenCL());
        using var backend = new CLBackend(context, new CLCapabilityContext(true, true, true, true, true), CLDeviceVendor.AMD, CLCVersion.CL20);
        int compiled = 0;
        foreach (var rule in Rules().Select(Close))
        {
            var kernel = (CLCompiledKernel)backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(EntryFor(rule)),
                default(KernelSpecialization));
            Assert.Contains("kernel", kernel.Source);
            compiled++;
        }
        output.WriteLine($"{compiled} kernels compiled to OpenCL C 2.0");
    }

    [Fact]
    public void EveryKernelCompilesToPtx()
    {
        var rules = Rules();
        using var context = PhaseFieldLi.Backends.BackendCatalog.Build(b => b.Cuda()); // the solver's own context settings
        var arch = CudaArchitecture.SM_80;
        using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, CudaInstructionSet.ISA_80, null!);
        int compiled = 0;
        foreach (var rule in rules.Select(Close))
        {
            var description = EntryPointDescription.FromImplicitlyGroupedKernel(EntryFor(rule));
            var kernel = (PTXCompiledKernel)backend.Compile(description, default(KernelSpecialization));
            Assert.Contains(".entry", kernel.PTXAssembly);
            int f64 = kernel.PTXAssembly.Split('\n').Count(l => l.Contains(".f64") && !l.Contains(".reg"));
            if (f64 > 0) output.WriteLine($"{rule.Name}: {f64} double-precision instructions");
            compiled++;
        }
        output.WriteLine($"{compiled} kernels compiled to PTX for sm_80");
    }

    /// <summary>
    /// The reductions accumulate in double and must stay double on the GPU: with ILGPU's
    /// Fast32BitOnly math mode every double became a float, and a sum of 4096 ones came back from an
    /// H100 as 5.76e-315 (a float's bits read as a double). The PTX of a sum kernel must add and
    /// store in 64-bit floating point.
    /// </summary>
    [Fact]
    public void ReductionsAccumulateInDoubleOnTheGpu()
    {
        using var context = PhaseFieldLi.Backends.BackendCatalog.Build(b => b.Cuda());
        var arch = CudaArchitecture.SM_80;
        using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, CudaInstructionSet.ISA_80, null!);
        var rule = Close(typeof(PhaseFieldLi.Kernels.Physics.BodyMomentRule<,>));
        var kernel = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(EntryFor(rule)),
            default(KernelSpecialization));
        string ptx = kernel.PTXAssembly;
        output.WriteLine(string.Join('\n', ptx.Split('\n').Where(l => l.Contains(".f64"))));
        Assert.Contains("add.f64", ptx);
        Assert.Contains("st.f64", ptx);
    }
}
