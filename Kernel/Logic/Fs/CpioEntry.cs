using System;

namespace Kernel.Logic.Fs
{
    /// <summary>One entry of a newc cpio archive; the spans point into the archive.</summary>
    public ref struct CpioEntry
    {
        /// <summary>The path as stored, without the terminating NUL (may start with "./" or "/").</summary>
        public ReadOnlySpan<byte> Name;
        /// <summary>The file's bytes (regular files) or the link target (symlinks).</summary>
        public ReadOnlySpan<byte> Data;
        public uint Ino, Mode, Uid, Gid, Nlink, Mtime, FileSize;
        public uint DevMajor, DevMinor, RdevMajor, RdevMinor;
        /// <summary>The "070702" (crc) format's checksum: the sum of the data bytes; 0 in "070701".</summary>
        public uint Check;
        /// <summary>True for the "070702" magic.</summary>
        public bool HasChecksum;
        /// <summary>Offset of the entry's header within the reader's input.</summary>
        public int HeaderOffset;

        /// <summary>Sum of the data bytes, as the "070702" format's check field holds it.</summary>
        public readonly uint DataChecksum()
        {
            uint sum = 0;
            for (int i = 0; i < Data.Length; i++)
                sum += Data[i];
            return sum;
        }
    }
}
