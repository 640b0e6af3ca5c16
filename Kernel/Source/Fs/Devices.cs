using System;
using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Processes.Fs
{
    /// <summary>Character devices by number: the memory devices (1,x) and the terminals (5,0 5,1 204,64).</summary>
    public static class Devices
    {
        public const uint MemMajor = 1, TtyMajor = 5, AmbaSerialMajor = 204;

        /// <summary>Opens the device <paramref name="rdev"/>; -ENXIO when there is no such device.</summary>
        public static int Open(ulong rdev, int flags, out OpenFile? file)
        {
            file = null;
            uint major = DeviceNumber.Major(rdev), minor = DeviceNumber.Minor(rdev);
            if (major == MemMajor)
            {
                file = minor switch
                {
                    3 => new MemoryDevice(MemoryDevice.Kind.Null, rdev),
                    5 => new MemoryDevice(MemoryDevice.Kind.Zero, rdev),
                    7 => new MemoryDevice(MemoryDevice.Kind.Full, rdev),
                    8 or 9 => new MemoryDevice(MemoryDevice.Kind.Random, rdev),
                    _ => null,
                };
            }
            else if ((major == TtyMajor && (minor == 0 || minor == 1)) || (major == AmbaSerialMajor && minor == 64))
            {
                if (major == TtyMajor && minor == 0 && !Console.IsControllingTerminalOf(Threading.Scheduler.Current.Process))
                    return -Errno.ENXIO; // /dev/tty without a controlling terminal
                file = new ConsoleFile(0, rdev);
                // Opening the serial port (not /dev/console) makes it a session leader's controlling terminal.
                if (major == AmbaSerialMajor && (flags & OpenFlags.NoCtty) == 0)
                    Console.TryAcquireAsControllingTerminal(Threading.Scheduler.Current.Process!);
            }
            if (file == null)
                return -Errno.ENXIO;
            file.Flags = flags;
            return 0;
        }

        /// <summary>Creates the standard nodes in a devtmpfs root.</summary>
        public static void Populate(Inode root)
        {
            Node(root, "null"u8, MemMajor, 3);
            Node(root, "zero"u8, MemMajor, 5);
            Node(root, "full"u8, MemMajor, 7);
            Node(root, "random"u8, MemMajor, 8);
            Node(root, "urandom"u8, MemMajor, 9);
            Node(root, "tty"u8, TtyMajor, 0);
            Node(root, "console"u8, TtyMajor, 1, 0x180);
            Node(root, "ttyAMA0"u8, AmbaSerialMajor, 64, 0x1B0);
            root.CreateNode("shm"u8, InodeMode.S_IFDIR | 0x3FF, 0, 0, 0, out _);
            root.CreateNode("pts"u8, InodeMode.S_IFDIR | 0x1ED, 0, 0, 0, out _);
        }

        private static void Node(Inode root, ReadOnlySpan<byte> name, uint major, uint minor, uint permissions = 0x1B6)
            => root.CreateNode(name, InodeMode.S_IFCHR | permissions, DeviceNumber.Make(major, minor), 0, 0, out _);
    }

    /// <summary>/dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom.</summary>
    public sealed class MemoryDevice : OpenFile
    {
        public enum Kind { Null, Zero, Full, Random }

        private readonly Kind _kind;
        private readonly ulong _rdev;

        public MemoryDevice(Kind kind, ulong rdev)
        {
            _kind = kind;
            _rdev = rdev;
        }

        public override bool IsStream => _kind == Kind.Null;
        public override bool MapsAnonymous => _kind == Kind.Zero;

        public override long Read(Span<byte> destination)
        {
            switch (_kind)
            {
                case Kind.Null:
                    return 0;
                case Kind.Random:
                    Random.Fill(destination);
                    return destination.Length;
                default:
                    destination.Clear();
                    return destination.Length;
            }
        }

        public override long Write(ReadOnlySpan<byte> source) => _kind == Kind.Full ? -Errno.ENOSPC : source.Length;
        public override long ReadAt(Span<byte> destination, long offset) => Read(destination);
        public override long WriteAt(ReadOnlySpan<byte> source, long offset) => Write(source);
        public override long Seek(long offset, int whence) => 0;

        public override int Stat(Span<byte> stat)
            => Node != null ? base.Stat(stat) : StatWriter.Fill(stat, 6, 100 + (ulong)_kind, InodeMode.S_IFCHR | 0x1B6, 1, _rdev, 0);
    }
}
