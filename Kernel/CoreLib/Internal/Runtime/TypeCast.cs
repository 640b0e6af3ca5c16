using Internal.Runtime;
using System.Runtime.CompilerServices;

namespace System.Runtime
{
    /// <summary>Casting helpers ILC calls by name. Variance and arrays of interfaces are not supported.</summary>
    internal static unsafe class TypeCast
    {
        private static bool IsDerivedFrom(MethodTable* type, MethodTable* target)
        {
            if ((type->Flags & MethodTable.KindMask) == MethodTable.ParameterizedKind)
                return false; // arrays only match exactly
            for (MethodTable* t = type->RelatedType; t != null; t = t->RelatedType)
                if (t == target)
                    return true;
            return false;
        }

        private static bool ImplementsInterface(MethodTable* type, MethodTable* iface)
        {
            MethodTable** map = type->InterfaceMap;
            for (int i = 0; i < type->NumInterfaces; i++)
                if (map[i] == iface)
                    return true;
            return false;
        }

        private static bool AreTypesAssignable(MethodTable* source, MethodTable* target)
        {
            if (source == target)
                return true;
            if (target->IsInterface)
                return ImplementsInterface(source, target);
            return IsDerivedFrom(source, target);
        }

        public static object? IsInstanceOfClass(MethodTable* type, object? obj)
        {
            if (obj == null || obj.m_pMethodTable == type || IsDerivedFrom(obj.m_pMethodTable, type))
                return obj;
            return null;
        }

        public static object? CheckCastClass(MethodTable* type, object? obj)
        {
            if (obj == null || obj.m_pMethodTable == type || IsDerivedFrom(obj.m_pMethodTable, type))
                return obj;
            ThrowHelpers.Panic("invalid cast");
            return null;
        }

        public static object? CheckCastClassSpecial(MethodTable* type, object? obj) => CheckCastClass(type, obj);

        public static object? IsInstanceOfInterface(MethodTable* type, object? obj)
        {
            if (obj == null || ImplementsInterface(obj.m_pMethodTable, type))
                return obj;
            return null;
        }

        public static object? CheckCastInterface(MethodTable* type, object? obj)
        {
            if (obj == null || ImplementsInterface(obj.m_pMethodTable, type))
                return obj;
            ThrowHelpers.Panic("invalid cast to interface");
            return null;
        }

        public static object? IsInstanceOfAny(MethodTable* type, object? obj)
        {
            if (obj == null || AreTypesAssignable(obj.m_pMethodTable, type))
                return obj;
            return null;
        }

        public static object? CheckCastAny(MethodTable* type, object? obj)
        {
            if (obj == null || AreTypesAssignable(obj.m_pMethodTable, type))
                return obj;
            ThrowHelpers.Panic("invalid cast");
            return null;
        }

        public static void StelemRef(object?[] array, nint index, object? obj)
        {
            if ((nuint)index >= (uint)array.Length)
                ThrowHelpers.ThrowIndexOutOfRangeException();
            ref object? element = ref Unsafe.Add(ref Unsafe.As<byte, object?>(ref array.GetRawArrayData()), index);
            if (obj != null)
            {
                MethodTable* elementType = array.m_pMethodTable->RelatedType;
                if (obj.m_pMethodTable != elementType && !AreTypesAssignable(obj.m_pMethodTable, elementType))
                    ThrowHelpers.Panic("array type mismatch");
            }
            element = obj;
        }

        public static ref object? LdelemaRef(object?[] array, nint index, MethodTable* elementType)
        {
            if ((nuint)index >= (uint)array.Length)
                ThrowHelpers.ThrowIndexOutOfRangeException();
            if (array.m_pMethodTable->RelatedType != elementType)
                ThrowHelpers.Panic("array type mismatch");
            return ref Unsafe.Add(ref Unsafe.As<byte, object?>(ref array.GetRawArrayData()), index);
        }
    }
}

namespace System
{
    /// <summary>Memory helpers ILC calls by name.</summary>
    internal static unsafe class Buffer
    {
        internal static void Memmove(ref byte destination, ref byte source, nuint length)
            => MemmoveInternal((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source), length);

        private static void MemmoveInternal(byte* dest, byte* src, nuint len) => BlockCopy.Move(dest, src, len);

        internal static void ZeroMemory(ref byte b, nuint length) => BlockCopy.Zero((byte*)Unsafe.AsPointer(ref b), length);

        private static void MemmoveInternal(ref byte destination, ref byte source, nuint length)
            => MemmoveInternal((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source), length);

        private static void ZeroMemoryInternal(ref byte b, nuint byteLength) => ZeroMemory(ref b, byteLength);

        private static void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount)
            => MemmoveInternal((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source), byteCount);
    }

    internal static unsafe class SpanHelpers
    {
        /// <summary>The JIT's helper for large struct copies.</summary>
        internal static void Memmove(ref byte destination, ref byte source, nuint length)
            => Buffer.Memmove(ref destination, ref source, length);

        internal static void Fill<T>(ref T refData, nuint numElements, T value)
        {
            for (nuint i = 0; i < numElements; i++)
                Unsafe.Add(ref refData, (nint)i) = value;
        }

        internal static void ClearWithoutReferences(ref byte b, nuint byteLength)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref b);
            for (nuint i = 0; i < byteLength; i++)
                p[i] = 0;
        }

        internal static void ClearWithReferences(ref IntPtr ip, nuint pointerSizeLength)
        {
            for (nuint i = 0; i < pointerSizeLength; i++)
                Unsafe.Add(ref ip, (nint)i) = default;
        }
    }
}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        bool IsInterfaceImplemented(RuntimeTypeHandle interfaceType, bool throwIfNotImplemented);
        RuntimeTypeHandle GetInterfaceImplementation(RuntimeTypeHandle interfaceType);
    }
}
