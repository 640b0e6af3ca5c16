using System;

namespace Kernel.Logic.Tty
{
    /// <summary>
    /// devpts mount options (Linux's fs/devpts): mode= (octal, the permissions of new /dev/pts/N,
    /// default 0600), gid= (their group; without it the opener's group), ptmxmode= (octal, of
    /// /dev/pts/ptmx, default 0000), uid= (their owner; without it the opener), and newinstance,
    /// max= which are accepted and have no effect here (one instance).
    /// </summary>
    public struct DevPtsOptions
    {
        public uint Mode, PtmxMode;
        public bool SetGid, SetUid;
        public uint Gid, Uid;

        public static DevPtsOptions Default => new DevPtsOptions { Mode = 0x180, PtmxMode = 0 };

        /// <summary>Parses a comma-separated option string into <paramref name="options"/> (starting from the defaults); 0 or -EINVAL.</summary>
        public static int Parse(ReadOnlySpan<byte> text, out DevPtsOptions options)
        {
            options = Default;
            while (text.Length > 0)
            {
                int comma = Find(text, (byte)',');
                ReadOnlySpan<byte> option = comma < 0 ? text : text.Slice(0, comma);
                text = comma < 0 ? default : text.Slice(comma + 1);
                if (option.Length == 0)
                    continue;
                int eq = Find(option, (byte)'=');
                ReadOnlySpan<byte> name = eq < 0 ? option : option.Slice(0, eq);
                ReadOnlySpan<byte> value = eq < 0 ? default : option.Slice(eq + 1);
                if (Bytes.Equal(name, "newinstance"u8) && eq < 0)
                    continue;
                if (eq < 0)
                {
                    // Options the generic mount code passes along (rw, nosuid, noexec, relatime...) are not devpts's business.
                    if (IsGeneric(name))
                        continue;
                    return -Errno.EINVAL;
                }
                if (Bytes.Equal(name, "mode"u8))
                {
                    if (!Number(value, 8, out ulong mode) || mode > 0xFFF)
                        return -Errno.EINVAL;
                    options.Mode = (uint)mode & 0x1FF;
                }
                else if (Bytes.Equal(name, "ptmxmode"u8))
                {
                    if (!Number(value, 8, out ulong mode) || mode > 0xFFF)
                        return -Errno.EINVAL;
                    options.PtmxMode = (uint)mode & 0x1FF;
                }
                else if (Bytes.Equal(name, "gid"u8))
                {
                    if (!Number(value, 10, out ulong gid) || gid > uint.MaxValue)
                        return -Errno.EINVAL;
                    options.Gid = (uint)gid;
                    options.SetGid = true;
                }
                else if (Bytes.Equal(name, "uid"u8))
                {
                    if (!Number(value, 10, out ulong uid) || uid > uint.MaxValue)
                        return -Errno.EINVAL;
                    options.Uid = (uint)uid;
                    options.SetUid = true;
                }
                else if (Bytes.Equal(name, "max"u8))
                {
                    if (!Number(value, 10, out _))
                        return -Errno.EINVAL;
                }
                else
                {
                    return -Errno.EINVAL;
                }
            }
            return 0;
        }

        private static int Find(ReadOnlySpan<byte> text, byte c)
        {
            for (int i = 0; i < text.Length; i++)
                if (text[i] == c)
                    return i;
            return -1;
        }

        private static bool IsGeneric(ReadOnlySpan<byte> name)
            => Bytes.Equal(name, "rw"u8) || Bytes.Equal(name, "ro"u8) || Bytes.Equal(name, "nosuid"u8) || Bytes.Equal(name, "noexec"u8)
            || Bytes.Equal(name, "relatime"u8) || Bytes.Equal(name, "noatime"u8) || Bytes.Equal(name, "nodev"u8);

        private static bool Number(ReadOnlySpan<byte> text, uint radix, out ulong value)
        {
            value = 0;
            if (text.Length == 0 || text.Length > 11)
                return false;
            for (int i = 0; i < text.Length; i++)
            {
                uint d = (uint)(text[i] - '0');
                if (d >= radix)
                    return false;
                value = value * radix + d;
            }
            return true;
        }
    }
}
