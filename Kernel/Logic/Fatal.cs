namespace Kernel.Logic
{
    /// <summary>
    /// Kernel bugs in shared code: a panic in the kernel, an exception on the host (so tests see it).
    /// Expected failures are negative errno return values instead.
    /// </summary>
    internal static class Fatal
    {
#if KERNEL
        public static void Panic(string message) => System.ThrowHelpers.Panic(message);
#else
        public static void Panic(string message) => throw new System.InvalidOperationException(message);
#endif
    }
}
