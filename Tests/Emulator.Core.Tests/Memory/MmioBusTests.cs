using Emulator.Core.Tests.Cpu;
using Emulator.Core.Tests.Support;
using Emulator.Devices;

namespace Emulator.Core.Tests.Memory;

/// <summary>Guest loads and stores reaching device models through MmioBus.</summary>
public class MmioBusTests
{
    private const ulong DeviceBase = 0x0A00_0000;

    private static string Guest(string body) => VcpuExceptionTests.Guest($"    load_imm x1, 0x{DeviceBase:x}\n" + body);

    [Fact]
    public void GuestStores_ReachTheDeviceWithOffsetSizeAndValue()
    {
        var device = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                mov w2, #0xab
                strb w2, [x1, #0x1]
                mov w2, #0xbeef
                strh w2, [x1, #0x12]
                load_imm x2, 0xdeadbeef
                str w2, [x1, #0x24]
                power_off
            """), devices: (DeviceBase, 0x1000, device));

        machine.RunToPowerOff();

        Assert.Equal(
            [
                new Access(false, 0x01, 1, 0xab),
                new Access(false, 0x12, 2, 0xbeef),
                new Access(false, 0x24, 4, 0xdeadbeef),
            ],
            device.Accesses);
    }

    [Fact]
    public void GuestLoads_ReachTheDeviceWithOffsetAndSize_AndReturnItsValue()
    {
        var device = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                ldrb w10, [x1, #0x3]
                ldrh w11, [x1, #0x16]
                ldr w12, [x1, #0x28]
                power_off
            """), devices: (DeviceBase, 0x1000, device));

        machine.RunToPowerOff();

        Assert.Equal(
            [
                new Access(true, 0x03, 1, RecordingDevice.ValueAt(0x03, 1)),
                new Access(true, 0x16, 2, RecordingDevice.ValueAt(0x16, 2)),
                new Access(true, 0x28, 4, RecordingDevice.ValueAt(0x28, 4)),
            ],
            device.Accesses);
        Assert.Equal(RecordingDevice.ValueAt(0x03, 1), machine.X(10));
        Assert.Equal(RecordingDevice.ValueAt(0x16, 2), machine.X(11));
        Assert.Equal(RecordingDevice.ValueAt(0x28, 4), machine.X(12));
    }

    // Unicorn's MMIO regions leave QEMU's maximum access size at its default of 4 bytes, so QEMU splits
    // wider accesses. Devices that implement 64-bit registers must accept the two halves.
    [Fact]
    public void A64BitGuestStore_ReachesTheDeviceAsTwo32BitStores_LowWordFirst()
    {
        var device = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                load_imm x2, 0x0123456789abcdef
                str x2, [x1, #0x38]
                power_off
            """), devices: (DeviceBase, 0x1000, device));

        machine.RunToPowerOff();

        Assert.Equal([new Access(false, 0x38, 4, 0x89abcdef), new Access(false, 0x3c, 4, 0x01234567)], device.Accesses);
    }

    [Fact]
    public void A64BitGuestLoad_IsAssembledFromTwo32BitDeviceReads()
    {
        var device = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                ldr x13, [x1, #0x40]
                power_off
            """), devices: (DeviceBase, 0x1000, device));

        machine.RunToPowerOff();

        Assert.Equal(
            [new Access(true, 0x40, 4, RecordingDevice.ValueAt(0x40, 4)), new Access(true, 0x44, 4, RecordingDevice.ValueAt(0x44, 4))],
            device.Accesses);
        Assert.Equal((RecordingDevice.ValueAt(0x44, 4) << 32) | RecordingDevice.ValueAt(0x40, 4), machine.X(13));
    }

    [Fact]
    public void EachWindow_SeesOffsetsFromItsOwnBase()
    {
        var first = new RecordingDevice();
        var second = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                load_imm x3, 0x0a010000
                mov w2, #5
                str w2, [x3, #0x8]
                power_off
            """), devices: [(DeviceBase, 0x1000, first), (DeviceBase + 0x1_0000, 0x1000, second)]);

        machine.RunToPowerOff();

        Assert.Empty(first.Accesses);
        Assert.Equal([new Access(false, 0x8, 4, 5)], second.Accesses);
    }

    [Fact]
    public void AWindowSmallerThanAPage_IsMappedAsAWholePage()
    {
        var device = new RecordingDevice();
        using var machine = new GuestMachine(Guest("""
                mov w2, #1
                str w2, [x1, #0xff0]
                power_off
            """), devices: (DeviceBase, 0x18, device));

        machine.RunToPowerOff();

        Assert.Equal(0x1000UL, machine.Bus.Windows[0].Size);
        Assert.Equal([new Access(false, 0xff0, 4, 1)], device.Accesses);
    }

    [Fact]
    public void ADeviceThatThrows_ReadsAsZero_IsReportedOnce_AndTheGuestContinues()
    {
        var messages = new List<string>();
        var previousSink = DeviceLog.Sink;
        DeviceLog.Sink = message =>
        {
            lock (messages)
            {
                messages.Add(message);
            }
        };
        try
        {
            using var machine = new GuestMachine(Guest("""
                    mov x10, #-1
                    ldr w10, [x1, #0x10]
                    ldr w11, [x1, #0x10]
                    str w11, [x1, #0x10]
                    mov x19, #1
                    power_off
                """), devices: (DeviceBase, 0x1000, new ThrowingDevice()));

            machine.RunToPowerOff();

            Assert.Equal(0UL, machine.X(10));
            Assert.Equal(1UL, machine.X(19));
            lock (messages)
            {
                var ours = messages.Where(m => m.Contains(nameof(ThrowingDevice), StringComparison.Ordinal)).ToList();
                Assert.Equal(2, ours.Count); // one for the reads, one for the write
                Assert.Contains(ours, m => m.Contains("read of 0xa000010", StringComparison.Ordinal));
                Assert.Contains(ours, m => m.Contains("write to 0xa000010", StringComparison.Ordinal));
            }
        }
        finally
        {
            DeviceLog.Sink = previousSink;
        }
    }

    internal sealed record Access(bool IsRead, ulong Offset, int Size, ulong Value);

    /// <summary>Remembers every access; reads return a value made of the offset and size.</summary>
    private sealed class RecordingDevice : IMmioDevice
    {
        public List<Access> Accesses { get; } = [];

        public static ulong ValueAt(ulong offset, int size)
        {
            var value = 0xA5A5_0000_0000_0000UL | (offset * 0x0101_0101UL) | (uint)size;
            return size == 8 ? value : value & ((1UL << (8 * size)) - 1);
        }

        public ulong Read(ulong offset, int size)
        {
            var value = ValueAt(offset, size);
            Accesses.Add(new Access(true, offset, size, value));
            return value;
        }

        public void Write(ulong offset, int size, ulong value) => Accesses.Add(new Access(false, offset, size, value));
    }

    /// <summary>A device with a host-side bug.</summary>
    private sealed class ThrowingDevice : IMmioDevice
    {
        private readonly string _unique = Guid.NewGuid().ToString();

        public ulong Read(ulong offset, int size) => throw new InvalidOperationException($"read bug {_unique}");

        public void Write(ulong offset, int size, ulong value) => throw new InvalidOperationException($"write bug {_unique}");
    }
}
