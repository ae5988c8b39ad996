namespace PhaseFieldLi.Fields;

/// <summary>Where fields are allocated: a backend's device or host memory (PhaseFieldLi.Backends.Backend).</summary>
public interface IFieldAllocator
{
    /// <summary>A zeroed float field of <paramref name="length"/> entries; <paramref name="name"/> labels it in errors and counts.</summary>
    Field<float> Float(string name, int length);

    /// <summary>A zeroed int field of <paramref name="length"/> entries.</summary>
    Field<int> Int(string name, int length);
}
