using System.Buffers.Binary;
using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

/// <summary>struct signalfd_siginfo as a read of a signalfd returns it (Linux's include/uapi/linux/signalfd.h).</summary>
public class SignalFdInfoTests
{
    private static byte[] Write(SigInfo info)
    {
        byte[] b = new byte[SignalFdInfo.Size];
        b.AsSpan().Fill(0xAA);
        SignalFdInfo.Write(in info, b);
        return b;
    }

    private static uint U32(byte[] b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o));
    private static ulong U64(byte[] b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(o));

    [Fact]
    public void A_child_signal_carries_pid_uid_status_and_times()
    {
        byte[] b = Write(SigInfo.Child(SigInfo.CLD_EXITED, 42, 1000, 3, 11, 22));
        Assert.Equal((uint)Signals.SIGCHLD, U32(b, 0));
        Assert.Equal((uint)SigInfo.CLD_EXITED, U32(b, 8));
        Assert.Equal(42u, U32(b, 12));
        Assert.Equal(1000u, U32(b, 16));
        Assert.Equal(3u, U32(b, 40));
        Assert.Equal(11ul, U64(b, 56));
        Assert.Equal(22ul, U64(b, 64));
        Assert.All(b.AsSpan(72).ToArray(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void A_queued_signal_carries_its_value_as_int_and_pointer()
    {
        var info = new SigInfo { Signo = Signals.SIGUSR1, Code = SigInfo.SI_QUEUE, Pid = 7, Uid = 0, Value = 0x1_0000_002A };
        byte[] b = Write(info);
        Assert.Equal(unchecked((uint)SigInfo.SI_QUEUE), U32(b, 8));
        Assert.Equal(7u, U32(b, 12));
        Assert.Equal(0x2Au, U32(b, 44));
        Assert.Equal(0x1_0000_002Aul, U64(b, 48));
    }

    [Fact]
    public void A_fault_carries_only_its_address()
    {
        byte[] b = Write(SigInfo.Fault(Signals.SIGSEGV, SigInfo.SEGV_MAPERR, 0xDEAD0000));
        Assert.Equal(0xDEAD0000ul, U64(b, 72));
        Assert.Equal(0u, U32(b, 12));
        Assert.Equal(0u, U32(b, 16));
    }
}
