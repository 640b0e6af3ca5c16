using System.Runtime.CompilerServices;

namespace System.Runtime
{
    /// <summary>
    /// The kernel's object allocator as the core library sees it. There is no garbage collector: the kernel
    /// installs its heap here at boot, and every owner of an object frees it explicitly with <see cref="Free"/>.
    /// Until the kernel heap exists, objects come from a small boot arena that is never reclaimed.
    /// </summary>
    public static unsafe class ManagedHeap
    {
        private static delegate*<nuint, void*> s_allocate;
        private static delegate*<void*, void> s_free;

        private const int BootArenaSize = 256 * 1024;
        private static byte* s_bootArena;
        private static nuint s_bootUsed;

        /// <summary>Bytes handed out by the boot arena (never reclaimed).</summary>
        public static nuint BootArenaUsed => s_bootUsed;

        /// <summary>Gives the allocator a boot arena (static storage in the image) before the heap exists.</summary>
        public static void SetBootArena(byte* arena) => s_bootArena = arena;

        public static int BootArenaBytes => BootArenaSize;

        /// <summary>Installs the kernel heap; from now on objects are allocated and freed there.</summary>
        public static void Install(delegate*<nuint, void*> allocate, delegate*<void*, void> free)
        {
            s_allocate = allocate;
            s_free = free;
        }

        internal static void* Allocate(nuint size)
        {
            size = (size + 15) & ~(nuint)15;
            void* result;
            if (s_allocate != null)
            {
                result = s_allocate(size);
            }
            else
            {
                if (s_bootArena == null || s_bootUsed + size > BootArenaSize)
                    ThrowHelpers.Panic("boot arena exhausted");
                result = s_bootArena + s_bootUsed;
                s_bootUsed += size;
            }
            if (result == null)
                ThrowHelpers.Panic("out of memory");
            return result;
        }

        /// <summary>Returns an object's memory to the kernel heap. The caller must own the only reference.</summary>
        public static void Free(object? obj)
        {
            if (obj == null)
                return;
            // The object reference points just past the 8-byte header word.
            byte* objectAddress = *(byte**)Unsafe.AsPointer(ref obj);
            FreeBlock(objectAddress - sizeof(nint));
        }

        internal static void FreeBlock(byte* block)
        {
            if (s_bootArena != null && block >= s_bootArena && block < s_bootArena + BootArenaSize)
                return; // boot arena objects live for ever
            if (s_free != null)
                s_free(block);
        }
    }
}
