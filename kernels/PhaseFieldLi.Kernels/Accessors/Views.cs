using ILGPU;
using ILGPU.Runtime;

namespace PhaseFieldLi.Kernels.Accessors;

/// <summary>
/// Element access to one field buffer. Per-cell rules are generic over this interface so that the
/// very same method runs inside an ILGPU kernel (<see cref="DeviceView{T}"/>) and in the host loop of
/// the fast CPU backend (<see cref="HostView{T}"/>); .NET specialises and inlines both.
/// </summary>
public interface IView<T> where T : unmanaged
{
    T this[int index] { get; set; }
}

/// <summary>A field on an ILGPU accelerator (CUDA, OpenCL or ILGPU's CPU emulator).</summary>
public readonly struct DeviceView<T>(ArrayView<T> view) : IView<T> where T : unmanaged
{
    private readonly ArrayView<T> _view = view;

    public T this[int index]
    {
        get => _view[index];
        set => _view[index] = value;
    }
}

/// <summary>A field in pinned/native host memory, used by the vectorisable host backend.</summary>
public readonly unsafe struct HostView<T>(T* pointer) : IView<T> where T : unmanaged
{
    private readonly T* _p = pointer;

    /// <summary>The raw address (for the host backend's vectorised row kernels).</summary>
    public T* Pointer => _p;

    public T this[int index]
    {
        get => _p[index];
        set => _p[index] = value;
    }
}
