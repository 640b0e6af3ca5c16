using System;

namespace Kernel.Logic.Virtio
{
    /// <summary>
    /// Linux's names for virtio disks: vda..vdz, vdaa..vdzz, ... (the index in base 26 with letters,
    /// as sd_format_disk_name), and their device numbers: 16 minors per disk (whole disk and 15
    /// partitions) under virtio-blk's major.
    /// </summary>
    public static class DiskName
    {
        /// <summary>Linux registers virtblk with a dynamic major, the first free from 254 down: 254 on a plain virt board.</summary>
        public const uint VirtioBlockMajor = 254;
        public const uint MinorsPerDisk = 16;

        /// <summary>Writes "vd" and the letters for <paramref name="index"/>; returns the length.</summary>
        public static int Format(int index, Span<byte> name)
        {
            Span<byte> letters = stackalloc byte[8];
            int count = 0;
            int n = index;
            do
            {
                letters[count++] = (byte)('a' + n % 26);
                n = n / 26 - 1;
            } while (n >= 0 && count < letters.Length);
            name[0] = (byte)'v';
            name[1] = (byte)'d';
            for (int i = 0; i < count; i++)
                name[2 + i] = letters[count - 1 - i];
            return 2 + count;
        }
    }
}
