using System;
using Kernel.Logic;
using Kernel.Logic.Net;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// The interface and routing ioctls every socket answers (Linux's sock_ioctl → dev_ioctl, and devinet_ioctl and
    /// ip_rt_ioctl for AF_INET and AF_PACKET sockets): the user's struct ifreq, ifconf or rtentry copied in and
    /// out here, the work done by <see cref="InterfaceIoctl"/> on the network stack.
    /// </summary>
    public static class InterfaceRequests
    {
        private static bool IsRoot => Scheduler.Current.Process?.Euid == 0;

        /// <summary>Answers <paramref name="command"/> for <paramref name="socket"/>: -ENOTTY for a command that is not an interface ioctl.</summary>
        public static int Ioctl(Socket socket, uint command, ulong argument)
        {
            bool inet = socket.Family == SocketConstants.AF_INET || socket.Family == SocketConstants.AF_PACKET;
            InterfaceIoctl.Argument kind = InterfaceIoctl.ArgumentOf(command, inet);
            if (kind == InterfaceIoctl.Argument.None)
                return -Errno.ENOTTY;
            NetStack? stack = NetSubsystem.Stack;
            if (stack == null)
                return -Errno.ENODEV;
            switch (kind)
            {
                case InterfaceIoctl.Argument.Ifreq:
                    {
                        Span<byte> ifreq = stackalloc byte[InterfaceIoctl.IfreqSize];
                        if (UserMemory.CopyIn(argument, ifreq) < 0)
                            return -Errno.EFAULT;
                        int r = InterfaceIoctl.Ifreq(stack, command, ifreq, IsRoot);
                        if (r < 0 || InterfaceIoctl.IsSetter(command))
                            return r;
                        return UserMemory.CopyOut(argument, ifreq) < 0 ? -Errno.EFAULT : 0;
                    }
                case InterfaceIoctl.Argument.Ifconf:
                    return Ifconf(stack, argument);
                default:
                    {
                        Span<byte> rtentry = stackalloc byte[InterfaceIoctl.RtentrySize];
                        if (UserMemory.CopyIn(argument, rtentry) < 0)
                            return -Errno.EFAULT;
                        Span<byte> device = stackalloc byte[InterfaceIoctl.NameSize];
                        int n = 0;
                        ulong name = LittleEndian.U64(rtentry, InterfaceIoctl.RtDeviceOffset);
                        if (name != 0 && IsRoot)
                        {
                            n = UserMemory.ReadString(name, device);
                            if (n == -Errno.ENAMETOOLONG)
                                n = InterfaceIoctl.NameSize - 1; // Linux keeps IFNAMSIZ - 1 bytes
                            else if (n < 0)
                                return -Errno.EFAULT;
                        }
                        return InterfaceIoctl.Route(stack, command, rtentry, device.Slice(0, n), IsRoot);
                    }
            }
        }

        /// <summary>SIOCGIFCONF: entries into ifc_buf as far as ifc_len allows (only the length needed when ifc_buf is null).</summary>
        private static int Ifconf(NetStack stack, ulong argument)
        {
            Span<byte> ifconf = stackalloc byte[InterfaceIoctl.IfconfSize];
            if (UserMemory.CopyIn(argument, ifconf) < 0)
                return -Errno.EFAULT;
            int length = (int)LittleEndian.U32(ifconf, 0);
            ulong buffer = LittleEndian.U64(ifconf, 8);
            Span<byte> entries = stackalloc byte[NetStack.MaxInterfaces * InterfaceIoctl.IfreqSize];
            int room = length < 0 ? 0 : length < entries.Length ? length : entries.Length;
            int done = InterfaceIoctl.Ifconf(stack, entries.Slice(0, room), buffer == 0);
            if (buffer != 0 && done > 0 && UserMemory.CopyOut(buffer, entries.Slice(0, done)) < 0)
                return -Errno.EFAULT;
            return UserMemory.Write(argument, done) < 0 ? -Errno.EFAULT : 0;
        }
    }
}
