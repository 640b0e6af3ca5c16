using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// Reader of "new ASCII" (newc, magic "070701") and "new CRC" ("070702") cpio archives, as the
    /// Linux initramfs uses them. Headers and data start on 4-byte boundaries counted from the start
    /// of the input. An archive ends with the "TRAILER!!!" entry (not returned); zero bytes may follow,
    /// and another archive may follow them, as Linux accepts. Reading stops at the end of the input or
    /// at the first non-cpio bytes after a trailer (<see cref="Offset"/> tells where: the caller may
    /// find a compressed archive there).
    /// </summary>
    public ref struct CpioReader
    {
        public const int HeaderSize = 110;
        /// <summary>Longest name accepted (with its NUL), like the kernel's PATH_MAX.</summary>
        public const int MaxNameSize = 4096;

        private readonly ReadOnlySpan<byte> _input;
        private int _pos;
        private bool _afterTrailer;

        public CpioReader(ReadOnlySpan<byte> input)
        {
            _input = input;
            _pos = 0;
            _afterTrailer = true; // the input may start with zero padding, like the data after a trailer
            Archives = 0;
        }

        /// <summary>Where reading stopped (or the next header).</summary>
        public readonly int Offset => _pos;

        /// <summary>Number of trailers passed so far (a hard-link group never spans archives).</summary>
        public int Archives { get; private set; }

        /// <summary>True when the last archive read ended with its trailer (false: the input stopped after an entry).</summary>
        public readonly bool EndedWithTrailer => _afterTrailer && Archives > 0;

        /// <summary>True when bytes remain after the last archive that are not zero padding.</summary>
        public readonly bool HasTrailingData => _pos < _input.Length;

        /// <summary>Reads the next entry: 1 = <paramref name="entry"/> filled, 0 = no more entries, -EINVAL = malformed.</summary>
        public int Next(out CpioEntry entry)
        {
            entry = default;
            for (; ; )
            {
                if (_afterTrailer)
                {
                    int p = _pos;
                    while (p < _input.Length && _input[p] == 0)
                        p++;
                    if (p == _input.Length)
                    {
                        _pos = p;
                        return 0;
                    }
                    if (!IsMagic(_input.Slice(p)))
                    {
                        // Not cpio: stop here if this follows a complete archive, else it is garbage.
                        if (Archives == 0 && p == 0)
                            return -Errno.EINVAL;
                        _pos = p;
                        return 0;
                    }
                    if ((p & 3) != 0)
                        return -Errno.EINVAL;
                    _pos = p;
                    _afterTrailer = false;
                }
                if (_pos == _input.Length)
                    return 0; // archive ended without a trailer
                int rc = ParseHeader(out entry);
                if (rc < 0)
                    return rc;
                if (IsTrailer(entry.Name))
                {
                    Archives++;
                    _afterTrailer = true;
                    continue;
                }
                return 1;
            }
        }

        private static bool IsMagic(ReadOnlySpan<byte> p)
            => p.Length >= 6 && p[0] == '0' && p[1] == '7' && p[2] == '0' && p[3] == '7' && p[4] == '0' && (p[5] == '1' || p[5] == '2');

        private static bool IsTrailer(ReadOnlySpan<byte> name)
        {
            ReadOnlySpan<byte> t = "TRAILER!!!"u8;
            if (name.Length != t.Length)
                return false;
            for (int i = 0; i < t.Length; i++)
                if (name[i] != t[i])
                    return false;
            return true;
        }

        private int ParseHeader(out CpioEntry e)
        {
            e = default;
            int start = _pos;
            if (_input.Length - start < HeaderSize)
                return -Errno.EINVAL;
            ReadOnlySpan<byte> h = _input.Slice(start, HeaderSize);
            if (!IsMagic(h))
                return -Errno.EINVAL;
            e.HasChecksum = h[5] == '2';
            e.HeaderOffset = start;
            bool ok = true;
            e.Ino = Hex(h, 0, ref ok);
            e.Mode = Hex(h, 1, ref ok);
            e.Uid = Hex(h, 2, ref ok);
            e.Gid = Hex(h, 3, ref ok);
            e.Nlink = Hex(h, 4, ref ok);
            e.Mtime = Hex(h, 5, ref ok);
            e.FileSize = Hex(h, 6, ref ok);
            e.DevMajor = Hex(h, 7, ref ok);
            e.DevMinor = Hex(h, 8, ref ok);
            e.RdevMajor = Hex(h, 9, ref ok);
            e.RdevMinor = Hex(h, 10, ref ok);
            uint nameSize = Hex(h, 11, ref ok);
            e.Check = Hex(h, 12, ref ok);
            if (!ok || nameSize == 0 || nameSize > MaxNameSize)
                return -Errno.EINVAL;
            long nameStart = start + HeaderSize;
            long dataStart = Align4(nameStart + nameSize);
            long dataEnd = dataStart + e.FileSize;
            if (dataEnd > _input.Length)
                return -Errno.EINVAL;
            ReadOnlySpan<byte> name = _input.Slice((int)nameStart, (int)nameSize);
            if (name[(int)nameSize - 1] != 0)
                return -Errno.EINVAL;
            int len = (int)nameSize - 1;
            for (int i = 0; i < len; i++)
                if (name[i] == 0)
                    return -Errno.EINVAL;
            e.Name = name.Slice(0, len);
            e.Data = _input.Slice((int)dataStart, (int)e.FileSize);
            long next = Align4(dataEnd);
            _pos = next > _input.Length ? _input.Length : (int)next; // the last entry's padding may be cut
            return 0;
        }

        private static long Align4(long v) => (v + 3) & ~3L;

        // Field i of the header: 8 hex digits (either case) after the 6-byte magic.
        private static uint Hex(ReadOnlySpan<byte> h, int field, ref bool ok)
        {
            uint v = 0;
            int at = 6 + field * 8;
            for (int i = 0; i < 8; i++)
            {
                int c = h[at + i];
                int d;
                if (c >= '0' && c <= '9') d = c - '0';
                else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
                else { ok = false; return 0; }
                v = (v << 4) | (uint)d;
            }
            return v;
        }
    }
}
