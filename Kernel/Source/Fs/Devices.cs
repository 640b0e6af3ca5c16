using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Logic.Block;
using Kernel.Tty;

namespace Kernel.Fs
{
    /// <summary>
    /// Devices by number: the memory devices (1,x), the terminals (5,0 /dev/tty, 5,1 /dev/console,
    /// 204,64 /dev/ttyAMA0), the pseudo-terminals (5,2 /dev/ptmx, 136,N /dev/pts/N), the hardware random
    /// generator (10,183), the framebuffer (29,0 /dev/fb0), the input devices
    /// (13,64+N /dev/input/eventN) and the disks (block devices, <see cref="BlockDevices"/>).
    /// </summary>
    public static class Devices
    {
        public const uint MemMajor = 1, TtyMajor = 5, MiscMajor = 10, AmbaSerialMajor = 204;
        public const uint HwRngMinor = 183, PtmxMinor = 2;

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
            else if (major == FramebufferFile.Major && minor == 0 && FramebufferFile.Exists)
            {
                file = new FramebufferFile();
            }
            else if (major == EvdevFile.Major && minor >= EvdevFile.FirstMinor)
            {
                int r = EvdevFile.Open(minor - EvdevFile.FirstMinor, out file);
                if (r < 0)
                    return r;
            }
            else if (major == MiscMajor && minor == HwRngMinor)
            {
                file = new HwRngFile();
            }
            else if (major == TtyMajor && minor == 0)
            {
                // /dev/tty: the caller's controlling terminal, whichever it is.
                Processes.Process? p = Threading.Scheduler.Current.Process;
                Terminal? t = Terminal.ControllingTerminalOf(p);
                if (t == null)
                    return -Errno.ENXIO;
                file = new TerminalFile(t, flags, rdev);
            }
            else if (major == TtyMajor && minor == PtmxMinor)
            {
                int r = PseudoTerminal.OpenMaster(flags, out file);
                if (r < 0)
                    return r;
            }
            else if (major == PseudoTerminal.SlaveMajor)
            {
                int r = PseudoTerminal.OpenSlave(minor, rdev, flags, out file);
                if (r < 0)
                    return r;
            }
            else if ((major == TtyMajor && minor == 1) || (major == AmbaSerialMajor && minor == 64))
            {
                file = new TerminalFile(SerialConsole.Instance, flags, rdev);
                // Opening the serial port (not /dev/console) makes it a session leader's controlling terminal.
                if (major == AmbaSerialMajor && Threading.Scheduler.Current.Process is Processes.Process p)
                    SerialConsole.Instance.OpenedBy(p, flags);
            }
            if (file == null)
                return -Errno.ENXIO;
            file.Flags = flags;
            return 0;
        }

        /// <summary>Opens the disk <paramref name="rdev"/>; -ENXIO when there is no such disk.</summary>
        public static int OpenBlock(ulong rdev, int flags, out OpenFile? file)
        {
            file = null;
            IBlockDevice? device = BlockDevices.Find(DeviceNumber.Major(rdev), DeviceNumber.Minor(rdev));
            if (device == null)
                return -Errno.ENXIO;
            file = new BlockDeviceFile(device) { Flags = flags };
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
            Node(root, "ptmx"u8, TtyMajor, PtmxMinor);
            Node(root, "ttyAMA0"u8, AmbaSerialMajor, 64, 0x1B0);
            Node(root, "hwrng"u8, MiscMajor, HwRngMinor, InodeMode.S_IRUSR | InodeMode.S_IWUSR);
            if (FramebufferFile.Exists)
                Node(root, "fb0"u8, FramebufferFile.Major, 0, 0x1B0); // crw-rw----, as udev leaves it
            // Disks as devtmpfs makes them without udev: brw------- root root.
            for (int i = 0; i < BlockDevices.Count; i++)
            {
                BlockDeviceEntry disk = BlockDevices.At(i);
                root.CreateNode(disk.Name, InodeMode.S_IFBLK | InodeMode.S_IRUSR | InodeMode.S_IWUSR, DeviceNumber.Make(disk.Major, disk.Minor), 0, 0, out _);
            }
            if (Drivers.Virtio.VirtioInput.Count > 0 && root.CreateNode("input"u8, InodeMode.S_IFDIR | 0x1ED, 0, 0, 0, out Inode? input) == 0)
            {
                Span<byte> name = stackalloc byte[16];
                for (int i = 0; i < Drivers.Virtio.VirtioInput.Count; i++)
                {
                    var text = new TextBuilder(name);
                    text.Append("event"u8);
                    text.Decimal((ulong)i);
                    // crw-rw----, as udev leaves them (group input).
                    input!.CreateNode(text.Text, InodeMode.S_IFCHR | 0x1B0, DeviceNumber.Make(EvdevFile.Major, EvdevFile.FirstMinor + (uint)i), 0, 0, out _);
                }
            }
            root.CreateNode("shm"u8, InodeMode.S_IFDIR | 0x3FF, 0, 0, 0, out _);
            root.CreateNode("pts"u8, InodeMode.S_IFDIR | 0x1ED, 0, 0, 0, out _);
        }

        private static void Node(Inode root, ReadOnlySpan<byte> name, uint major, uint minor, uint permissions = InodeMode.S_IRUGO | InodeMode.S_IWUGO)
            => root.CreateNode(name, InodeMode.S_IFCHR | permissions, DeviceNumber.Make(major, minor), 0, 0, out _);
    }
}
