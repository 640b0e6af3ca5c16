using System.Runtime.InteropServices;

namespace System.Runtime
{
    /// <summary>
    /// The header ILC emits for every type. Only the fixed part is described here; the vtable follows it,
    /// then the interface list.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal uint Flags;              // upper 16 bits flags; lower 16 bits component size when HasComponentSize
        internal uint BaseSize;           // includes the 8-byte header word before the MethodTable pointer
        internal MethodTable* RelatedType; // base type for classes, element type for arrays
        internal ushort NumVtableSlots;
        internal ushort NumInterfaces;
        internal uint HashCode;

        internal const uint HasComponentSizeFlag = 0x80000000;
        internal const uint KindMask = 0x00030000;
        internal const uint ParameterizedKind = 0x00020000;
        internal const uint IsInterfaceFlag = 0x00040000; // EETypeElementType.Interface is encoded in the element type bits
        internal const uint ElementTypeMask = 0x7C000000;
        internal const int ElementTypeShift = 26;
        internal const uint ElementTypeInterface = 0x16;
        internal const uint ElementTypeSzArray = 0x18;
        internal const uint ElementTypeArray = 0x17;

        internal bool HasComponentSize => (Flags & HasComponentSizeFlag) != 0;
        internal ushort ComponentSize => HasComponentSize ? (ushort)Flags : (ushort)0;
        internal uint ElementType => (Flags & ElementTypeMask) >> ElementTypeShift;
        internal bool IsInterface => ElementType == ElementTypeInterface;
        internal bool IsArray => ElementType == ElementTypeSzArray || ElementType == ElementTypeArray;

        internal MethodTable** InterfaceMap
        {
            get
            {
                fixed (MethodTable* self = &this)
                    return (MethodTable**)((byte*)self + sizeof(MethodTable) + NumVtableSlots * sizeof(nint));
            }
        }

        internal nint* Vtable
        {
            get
            {
                fixed (MethodTable* self = &this)
                    return (nint*)((byte*)self + sizeof(MethodTable));
            }
        }
    }

    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeExportAttribute : Attribute
    {
        public RuntimeExportAttribute(string entry) { }
    }

    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeImportAttribute : Attribute
    {
        public RuntimeImportAttribute(string lib) { }
        public RuntimeImportAttribute(string lib, string entry) { }
    }
}

namespace Internal.Runtime
{
    /// <summary>
    /// Named by ILC's generated ValueType.GetFieldHelper override (for structs holding references,
    /// kept in arrays); its signature needs the type to exist. The kernel's own type layout is
    /// System.Runtime.MethodTable.
    /// </summary>
    internal struct MethodTable
    {
    }
}
