using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// struct signalfd_siginfo (128 bytes), what a read of a signalfd returns per signal: the signal,
    /// errno and code, then the fields of the siginfo's layout (sender, child status, fault address,
    /// sigval...) at their fixed places; the rest is zero.
    /// </summary>
    public static class SignalFdInfo
    {
        public const int Size = 128;

        private const int SignoOffset = 0, ErrnoOffset = 4, CodeOffset = 8, PidOffset = 12, UidOffset = 16, FdOffset = 20;
        private const int TidOffset = 24, BandOffset = 28, OverrunOffset = 32, StatusOffset = 40, IntOffset = 44;
        private const int PtrOffset = 48, UtimeOffset = 56, StimeOffset = 64, AddrOffset = 72, SyscallOffset = 84, CallAddrOffset = 88, ArchOffset = 96;

        public static void Write(in SigInfo info, Span<byte> destination)
        {
            destination.Slice(0, Size).Clear();
            LittleEndian.Put32(destination, SignoOffset, (uint)info.Signo);
            LittleEndian.Put32(destination, ErrnoOffset, (uint)info.Errno);
            LittleEndian.Put32(destination, CodeOffset, (uint)info.Code);
            switch (info.Layout)
            {
                case SigInfoLayout.Kill:
                    LittleEndian.Put32(destination, PidOffset, (uint)info.Pid);
                    LittleEndian.Put32(destination, UidOffset, info.Uid);
                    break;
                case SigInfoLayout.Timer:
                    LittleEndian.Put32(destination, TidOffset, (uint)info.TimerId);
                    LittleEndian.Put32(destination, OverrunOffset, (uint)info.Overrun);
                    LittleEndian.Put64(destination, PtrOffset, info.Value);
                    LittleEndian.Put32(destination, IntOffset, (uint)info.Value);
                    break;
                case SigInfoLayout.Rt:
                    LittleEndian.Put32(destination, PidOffset, (uint)info.Pid);
                    LittleEndian.Put32(destination, UidOffset, info.Uid);
                    LittleEndian.Put64(destination, PtrOffset, info.Value);
                    LittleEndian.Put32(destination, IntOffset, (uint)info.Value);
                    break;
                case SigInfoLayout.Child:
                    LittleEndian.Put32(destination, PidOffset, (uint)info.Pid);
                    LittleEndian.Put32(destination, UidOffset, info.Uid);
                    LittleEndian.Put32(destination, StatusOffset, (uint)info.Status);
                    LittleEndian.Put64(destination, UtimeOffset, (ulong)info.Utime);
                    LittleEndian.Put64(destination, StimeOffset, (ulong)info.Stime);
                    break;
                case SigInfoLayout.Fault:
                    LittleEndian.Put64(destination, AddrOffset, info.Addr);
                    break;
                case SigInfoLayout.Poll:
                    LittleEndian.Put32(destination, BandOffset, (uint)info.Band);
                    LittleEndian.Put32(destination, FdOffset, (uint)info.Fd);
                    break;
                case SigInfoLayout.Sys:
                    LittleEndian.Put64(destination, CallAddrOffset, info.CallAddr);
                    LittleEndian.Put32(destination, SyscallOffset, (uint)info.Syscall);
                    LittleEndian.Put32(destination, ArchOffset, info.Arch);
                    break;
            }
        }
    }
}
