using System.Runtime;
using System.Runtime.CompilerServices;

namespace System
{
    /// <summary>Root of the type hierarchy. The first field is the MethodTable pointer (a contract with ILC).</summary>
    public unsafe class Object
    {
        // The layout of object is a contract with the compiler.
        internal MethodTable* m_pMethodTable;

        public Object() { }

        // Finalizers never run in the kernel (there is no GC), but ILC expects the slot.
        ~Object() { }

        public virtual bool Equals(object? o) => this == o;

        public virtual int GetHashCode() => (int)(nint)Unsafe.AsPointer(ref GetRawData());

        public virtual string? ToString() => "object";

        internal MethodTable* GetMethodTable() => m_pMethodTable;

        internal ref byte GetRawData() => ref Unsafe.As<RawData>(this).Data;

        public static bool ReferenceEquals(object? a, object? b) => a == b;
    }

    internal sealed class RawData
    {
        public byte Data;
    }

    internal sealed class RawArrayData
    {
        public uint Length;
        public uint Padding;
        public byte Data;
    }
}
