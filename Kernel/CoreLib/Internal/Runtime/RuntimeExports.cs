using System.Runtime.CompilerServices;
using System.Diagnostics.CodeAnalysis;

namespace System.Runtime
{
    /// <summary>Entry points that ILC-generated code calls by name.</summary>
    internal static unsafe class RuntimeExports
    {
        internal static object AllocateArrayLike(MethodTable* type, int length)
        {
            if (length < 0)
                ThrowHelpers.Panic("negative array length");
            nuint size = type->BaseSize + (nuint)length * type->ComponentSize;
            byte* block = (byte*)ManagedHeap.Allocate(size);
            ZeroMemory(block, size);
            *(MethodTable**)(block + sizeof(nint)) = type;
            *(int*)(block + 2 * sizeof(nint)) = length;
            return ObjectAt(block + sizeof(nint));
        }

        internal static object ObjectAt(byte* address) => Unsafe.As<IntPtr, object>(ref *(IntPtr*)&address);

        private static void ZeroMemory(byte* p, nuint size)
        {
            // Blocks are 16-byte aligned with sizes rounded up to 16.
            Internal.Runtime.BlockCopy.Zero(p, (size + 15) & ~(nuint)15);
        }

        [RuntimeExport("RhpNewFast")]
        private static object RhpNewFast(MethodTable* type)
        {
            nuint size = type->BaseSize;
            byte* block = (byte*)ManagedHeap.Allocate(size);
            ZeroMemory(block, size);
            *(MethodTable**)(block + sizeof(nint)) = type;
            return ObjectAt(block + sizeof(nint));
        }

        [RuntimeExport("RhpNewFinalizable")]
        private static object RhpNewFinalizable(MethodTable* type) => RhpNewFast(type);

        [RuntimeExport("RhpNewArrayFast")]
        private static object RhpNewArrayFast(MethodTable* type, int length) => AllocateArrayLike(type, length);

        [RuntimeExport("RhpNewPtrArrayFast")]
        private static object RhpNewPtrArrayFast(MethodTable* type, int length) => AllocateArrayLike(type, length);

        [RuntimeExport("RhpNewArray")]
        private static object RhpNewArray(MethodTable* type, int length) => AllocateArrayLike(type, length);

        [RuntimeExport("RhNewString")]
        private static object RhNewString(MethodTable* type, int length) => AllocateArrayLike(type, length);

        [RuntimeExport("RhpNewFastAlign8")]
        private static object RhpNewFastAlign8(MethodTable* type) => RhpNewFast(type);

        [RuntimeExport("RhpNewFastMisalign")]
        private static object RhpNewFastMisalign(MethodTable* type) => RhpNewFast(type);

        [RuntimeExport("RhpNewArrayFastAlign8")]
        private static object RhpNewArrayFastAlign8(MethodTable* type, int length) => AllocateArrayLike(type, length);

        [RuntimeExport("RhBox")]
        private static object RhBox(MethodTable* type, ref byte data)
        {
            object result = RhpNewFast(type);
            int size = (int)type->BaseSize - 2 * sizeof(nint);
            byte* dst = (byte*)*(IntPtr*)Unsafe.AsPointer(ref result) + sizeof(nint);
            byte* src = (byte*)Unsafe.AsPointer(ref data);
            for (int i = 0; i < size; i++)
                dst[i] = src[i];
            return result;
        }

        [RuntimeExport("RhUnbox2")]
        private static ref byte RhUnbox2(MethodTable* type, object obj)
        {
            if (obj == null || obj.m_pMethodTable != type)
                ThrowHelpers.Panic("invalid unbox");
            return ref obj.GetRawData();
        }

        [RuntimeExport("RhUnboxAny")]
        private static void RhUnboxAny(object? obj, ref byte data, MethodTable* type)
        {
            if (obj == null || obj.m_pMethodTable != type)
                ThrowHelpers.Panic("invalid unbox");
            int size = (int)type->BaseSize - 2 * sizeof(nint);
            byte* dst = (byte*)Unsafe.AsPointer(ref data);
            byte* src = (byte*)Unsafe.AsPointer(ref obj.GetRawData());
            for (int i = 0; i < size; i++)
                dst[i] = src[i];
        }

        [RuntimeExport("RhUnboxNullable")]
        private static void RhUnboxNullable(ref byte data, MethodTable* type, object? obj)
        {
            ThrowHelpers.Panic("Nullable unboxing is not supported in the kernel");
        }

        [RuntimeExport("RhpThrowEx")]
        [DoesNotReturn]
        private static void RhpThrowEx(Exception exception)
        {
            ThrowHelpers.Panic(exception == null ? "throw null" : exception.Message);
        }

        [RuntimeExport("RhpRethrow")]
        [DoesNotReturn]
        private static void RhpRethrow()
        {
            ThrowHelpers.Panic("rethrow");
        }

        [RuntimeExport("RhpFallbackFailFast")]
        [DoesNotReturn]
        private static void RhpFallbackFailFast()
        {
            ThrowHelpers.Panic("stack cookie corrupted (buffer overrun)");
        }

        [RuntimeExport("RhpReversePInvoke")]
        private static void RhpReversePInvoke(IntPtr frame) { }

        [RuntimeExport("RhpReversePInvokeReturn")]
        private static void RhpReversePInvokeReturn(IntPtr frame) { }

        [RuntimeExport("RhpPInvoke")]
        private static void RhpPInvoke(IntPtr frame) { }

        [RuntimeExport("RhpPInvokeReturn")]
        private static void RhpPInvokeReturn(IntPtr frame) { }

        [RuntimeExport("RhpGcPoll")]
        private static void RhpGcPoll() { }

        [RuntimeExport("RhSuppressFinalize")]
        private static void RhSuppressFinalize(object obj) { }
    }
}

namespace System.Runtime.CompilerServices
{
    internal static class ClassConstructorRunner
    {
        private static object CheckStaticClassConstructionReturnGCStaticBase(ref StaticClassConstructionContext context, object gcStaticBase)
        {
            CheckStaticClassConstruction(ref context);
            return gcStaticBase;
        }

        private static IntPtr CheckStaticClassConstructionReturnNonGCStaticBase(ref StaticClassConstructionContext context, IntPtr nonGcStaticBase)
        {
            CheckStaticClassConstruction(ref context);
            return nonGcStaticBase;
        }

        // One CPU, no preemption inside class constructors: a simple state machine suffices,
        // address -> 1 (running) -> 0 (done). State 1 means the constructor is already on this call
        // stack (it, or something it calls, reads the type's statics): carry on, as .NET does for
        // the thread that runs a constructor.
        private static unsafe void CheckStaticClassConstruction(ref StaticClassConstructionContext context)
        {
            IntPtr cctor = context.cctorMethodAddress;
            if (cctor == (IntPtr)0 || cctor == (IntPtr)1)
                return;
            context.cctorMethodAddress = (IntPtr)1;
            ((delegate*<void>)cctor)();
            context.cctorMethodAddress = (IntPtr)0;
        }
    }

    public struct StaticClassConstructionContext
    {
        public volatile IntPtr cctorMethodAddress;
    }
}
