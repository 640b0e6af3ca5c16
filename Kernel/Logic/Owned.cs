namespace Kernel.Logic
{
    /// <summary>
    /// Explicit freeing for shared code. The kernel has no garbage collector: the owner of an object
    /// or array returns it to the kernel heap with <see cref="Free"/>. On the host build (xunit) the
    /// GC reclaims memory and this only counts calls, so tests can check that owners free.
    /// </summary>
    public static class Owned
    {
#if !KERNEL
        [System.ThreadStatic] private static long s_freedOnThisThread;
        /// <summary>Host only: frees counted on this thread.</summary>
        public static long FreedOnThisThread => s_freedOnThisThread;
#endif

        public static void Free(object? value)
        {
            if (value == null)
                return;
#if KERNEL
            System.Runtime.ManagedHeap.Free(value);
#else
            s_freedOnThisThread++;
#endif
        }
    }
}
