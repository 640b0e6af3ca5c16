using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;

namespace Kernel.Drivers
{
    /// <summary>Power-off and restart through PSCI (SYSTEM_OFF, SYSTEM_RESET), by the conduit the device tree names.</summary>
    public static class Power
    {
        private const ulong SystemOff = 0x84000008, SystemReset = 0x84000009;
        private static bool s_smc;
        private static bool s_present;

        public static void Initialize(in DeviceTree tree)
        {
            int psci = tree.FindCompatible("arm,psci-1.0"u8);
            if (psci < 0) psci = tree.FindCompatible("arm,psci-0.2"u8);
            if (psci < 0) psci = tree.FindCompatible("arm,psci"u8);
            if (psci < 0)
                return;
            s_present = true;
            s_smc = tree.TryGetString(psci, "method"u8, out System.ReadOnlySpan<byte> method) && Bytes.Equal(method, "smc"u8);
        }

        /// <summary>Stops for good: silences the tick (only the timer in use: the other may not exist), masks everything, waits.</summary>
        public static void Halt()
        {
            SystemTimer.Stop();
            Cpu.HaltProcessor();
        }

        public static void Off() => Call(SystemOff);
        public static void Restart() => Call(SystemReset);

        private static void Call(ulong function)
        {
            Log.Line(function == SystemOff ? "reboot: power down" : "reboot: restarting system");
            SystemTimer.Stop();
            if (s_present)
            {
                if (s_smc)
                    Cpu.SecureMonitorCall(function, 0, 0, 0);
                else
                    Cpu.HypervisorCall(function, 0, 0, 0);
            }
            Halt();
        }
    }
}
