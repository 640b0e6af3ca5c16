using Kernel.Diagnostics;
using Kernel.Memory;
using System.Runtime;

namespace Kernel.Boot
{
    /// <summary>Allocates and frees a million objects of mixed sizes; free memory must come back exactly.</summary>
    public static class HeapStress
    {
        private sealed class Small { public long A; }
        private sealed class Medium { public long A, B, C, D, E, F, G, H; public object? Next; }

        public const int Total = 1_000_000;
        private const int Batch = 1000;

        public static void Run()
        {
            ulong before = MemoryManager.Pages.FreeBytes;
            ulong start = Kernel.Arch.Cpu.Counter();
            Log.Line($"heap-stress: free before {before} bytes");
            object?[] live = new object?[Batch];
            int allocated = 0;
            uint seed = 12345;
            while (allocated < Total)
            {
                for (int i = 0; i < Batch; i++)
                {
                    seed = seed * 1103515245 + 12345;
                    uint pick = (seed >> 16) % 10;
                    object o;
                    if (pick < 4) o = new Small { A = i };
                    else if (pick < 7) o = new Medium();
                    else if (pick < 9) o = new byte[(seed >> 8) % 2000];
                    else o = new long[(seed >> 8) % 1500]; // up to ~12 KiB: whole-page runs
                    live[i] = o;
                    allocated++;
                }
                for (int i = 0; i < Batch; i++)
                {
                    ManagedHeap.Free(live[i]);
                    live[i] = null;
                }
            }
            ManagedHeap.Free(live);
            ulong after = MemoryManager.Pages.FreeBytes;
            ulong elapsed = Kernel.Drivers.SystemTimer.MicrosecondsBetween(start, Kernel.Arch.Cpu.Counter());
            Log.Line($"heap-stress: {allocated} objects allocated and freed in {elapsed / 1000} ms");
            Log.Line($"heap-stress: free after {after} bytes");
            Log.Line(before == after ? "heap-stress: ok" : "heap-stress: LEAK");
        }
    }
}
