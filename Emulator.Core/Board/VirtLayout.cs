namespace Emulator.Core.Board;

/// <summary>The fixed facts of QEMU's `virt` board (hw/arm/virt.c memory map and interrupt numbers).</summary>
public static class VirtLayout
{
    public const ulong FlashBase = 0x0000_0000;
    public const ulong FlashSize = 0x0800_0000;
    public const ulong GicDistributorBase = 0x0800_0000;
    public const ulong GicDistributorSize = 0x1_0000;
    public const ulong GicCpuInterfaceBase = 0x0801_0000;
    public const ulong GicCpuInterfaceSize = 0x1_0000;
    public const ulong UartBase = 0x0900_0000;
    public const ulong UartSize = 0x1000;
    public const ulong RtcBase = 0x0901_0000;
    public const ulong RtcSize = 0x1000;
    public const ulong FwCfgBase = 0x0902_0000;
    public const ulong FwCfgSize = 0x18;
    public const ulong GpioBase = 0x0903_0000;
    public const ulong GpioSize = 0x1000;
    public const ulong RamBase = 0x4000_0000;

    /// <summary>virtio-mmio transports: <see cref="VirtioCount"/> windows from here, <see cref="VirtioSize"/> apart.</summary>
    public const ulong VirtioBase = 0x0a00_0000;
    public const ulong VirtioSize = 0x200;
    public const int VirtioCount = 32;

    /// <summary>Transport i raises SPI VirtioSpiBase + i.</summary>
    public const int VirtioSpiBase = 16;

    public const int UartSpi = 1;
    public const int RtcSpi = 2;
    public const int GpioSpi = 7;

    /// <summary>The PL061 input that QEMU's gpio-keys node names as the power button (KEY_POWER).</summary>
    public const int PowerButtonGpio = 3;

    /// <summary>Linux's KEY_POWER (include/uapi/linux/input-event-codes.h).</summary>
    public const uint KeyPower = 116;

    /// <summary>Interrupt ids (INTID) of the generic timer's PPIs (include/hw/arm/bsa.h).</summary>
    public const int SecurePhysicalTimerIntId = 29;
    public const int PhysicalTimerIntId = 30;
    public const int VirtualTimerIntId = 27;
    public const int HypervisorTimerIntId = 26;

    public const int SpiBase = 32;
    public const int PpiBase = 16;
    public const int GicInterruptCount = 288;

    /// <summary>Physical addresses the guest can form; everything below not described is an all-ones hole.</summary>
    public const ulong PhysicalAddressTop = 1UL << 44;

    /// <summary>The apb-pclk clock Linux's AMBA bus needs before it probes PL011 and PL031.</summary>
    public const uint ApbClockHz = 24_000_000;
}
