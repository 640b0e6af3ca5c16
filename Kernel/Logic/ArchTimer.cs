using System;

namespace Kernel.Logic
{
    /// <summary>
    /// The architected timer's device-tree node ("arm,armv8-timer" / "arm,armv7-timer", binding
    /// Documentation/devicetree/bindings/timer/arm,arch_timer.yaml) and the choice of the tick timer,
    /// as Linux's drivers/clocksource/arm_arch_timer.c makes it for a kernel running at EL1.
    /// </summary>
    public static class ArchTimer
    {
        /// <summary>Interrupt indices in the node's "interrupts" list (Linux's enum arch_timer_ppi_nr).</summary>
        public const int SecurePhysicalIndex = 0, PhysicalIndex = 1, VirtualIndex = 2, HypervisorIndex = 3;

        /// <summary>
        /// Finds the interrupt of one of the timers: by its name when the node has "interrupt-names"
        /// ("sec-phys", "phys", "virt", "hyp-phys"), else by its position. 0 or a negative errno
        /// (-ENOENT: the node does not list that timer).
        /// </summary>
        public static int GetInterrupt(in DeviceTree tree, int node, int index, out uint interruptId)
        {
            interruptId = 0;
            if (node < 0)
                return -Errno.ENOENT;
            int position = index;
            if (tree.TryGetProperty(node, "interrupt-names"u8, out ReadOnlySpan<byte> names))
            {
                position = IndexInStringList(names, index switch
                {
                    SecurePhysicalIndex => "sec-phys"u8,
                    PhysicalIndex => "phys"u8,
                    VirtualIndex => "virt"u8,
                    _ => "hyp-phys"u8,
                });
                if (position < 0)
                    return -Errno.ENOENT;
            }
            int r = tree.GetInterrupt(node, position, out interruptId, out _);
            if (r == -Errno.ERANGE)
                return -Errno.ENOENT;
            return r;
        }

        /// <summary>
        /// Chooses the tick timer of a kernel at EL1: the virtual timer when the node lists its
        /// interrupt, else the non-secure physical timer (an arm64 kernel never uses the secure one).
        /// 0 or a negative errno (-ENOENT: no timer node, or neither interrupt listed).
        /// </summary>
        public static int SelectTick(in DeviceTree tree, out TimerKind kind, out uint interruptId)
        {
            kind = TimerKind.Virtual;
            int node = tree.FindCompatible("arm,armv8-timer"u8);
            if (node < 0)
                node = tree.FindCompatible("arm,armv7-timer"u8);
            if (GetInterrupt(tree, node, VirtualIndex, out interruptId) == 0)
                return 0;
            kind = TimerKind.Physical;
            return GetInterrupt(tree, node, PhysicalIndex, out interruptId);
        }

        private static int IndexInStringList(ReadOnlySpan<byte> list, ReadOnlySpan<byte> item)
        {
            int index = 0;
            int start = 0;
            while (start < list.Length)
            {
                int end = start;
                while (end < list.Length && list[end] != 0)
                    end++;
                if (Bytes.Equal(list.Slice(start, end - start), item))
                    return index;
                start = end + 1;
                index++;
            }
            return -1;
        }
    }
}
