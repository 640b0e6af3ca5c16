using System;
using Kernel.Diagnostics;
using System.Runtime.CompilerServices;

namespace Kernel.Boot
{
    /// <summary>Deliberate crashes selected by the boot argument test=..., checked by the boot tests.</summary>
    public static class CrashTests
    {
        private sealed class Victim
        {
            public int Value;
        }

        public static void NullDereference()
        {
            Log.Line("test: dereferencing a null pointer");
            int value = ReadThroughNull(null);
            Log.Line($"test: read {value}");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int ReadThroughNull(Victim? victim) => victim!.Value;

        public static void StackOverflow()
        {
            Log.Line("test: recursing without end");
            ulong depth = Recurse(1);
            Log.Line($"test: depth {depth}");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ulong Recurse(ulong depth)
        {
            Span<byte> frame = stackalloc byte[256];
            frame[0] = (byte)depth;
            return Recurse(depth + 1) + frame[0];
        }

        public static void Throw()
        {
            Log.Line("test: throwing");
            ThrowSomething();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowSomething() => throw new InvalidOperationException("deliberate exception from CrashTests");
    }
}
