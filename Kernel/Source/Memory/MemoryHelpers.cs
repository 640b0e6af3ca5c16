using System;

namespace Kernel.Memory
{
    public static unsafe class MemoryHelpers
    {
        /// <summary>Zeroed kernel-heap memory for raw tables; the owner frees it with ManagedHeap semantics.</summary>
        public static void* AllocateZeroed(ulong size)
        {
            byte* p = (byte*)Memory.MemoryManager.Heap.Allocate(size);
            if (p == null)
                ThrowHelpers.Panic("out of memory");
            for (ulong i = 0; i < size; i++)
                p[i] = 0;
            return p;
        }
    }
}
