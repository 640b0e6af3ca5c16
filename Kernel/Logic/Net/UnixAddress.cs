using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// struct sockaddr_un as bind(2), connect(2) and sendto(2) take it: the family (AF_UNIX) then up to
    /// 108 bytes of sun_path. A path name ends at its first NUL (or at the given length); a name whose
    /// first byte is NUL is in the abstract namespace and is every byte after it up to the given length;
    /// a bare family (length 2) asks bind for an automatic name.
    /// </summary>
    public static class UnixAddress
    {
        public const int FamilySize = 2, PathMax = 108, MaxLength = FamilySize + PathMax;
        public const int Unnamed = 0, Path = 1, Abstract = 2;

        /// <summary>
        /// Classifies <paramref name="address"/>: returns <see cref="Unnamed"/>, <see cref="Path"/> (name:
        /// the path without its NUL) or <see cref="Abstract"/> (name: the bytes after the leading NUL), or
        /// -EINVAL for a short address, another family or one longer than sockaddr_un.
        /// </summary>
        public static int Parse(ReadOnlySpan<byte> address, out int nameStart, out int nameLength)
        {
            nameStart = 0;
            nameLength = 0;
            if (address.Length < FamilySize || address.Length > MaxLength)
                return -Errno.EINVAL;
            if ((address[0] | address[1] << 8) != SocketConstants.AF_UNIX)
                return -Errno.EINVAL;
            if (address.Length == FamilySize)
                return Unnamed;
            if (address[FamilySize] == 0)
            {
                nameStart = FamilySize + 1;
                nameLength = address.Length - nameStart;
                return Abstract;
            }
            int end = FamilySize;
            while (end < address.Length && address[end] != 0)
                end++;
            nameStart = FamilySize;
            nameLength = end - FamilySize;
            return Path;
        }

        /// <summary>
        /// The address getsockname shows for a bound name (the family, then a path with its NUL, or a NUL
        /// and the abstract name); returns its length (as Linux records it).
        /// </summary>
        public static int Format(Span<byte> destination, int kind, ReadOnlySpan<byte> name)
        {
            destination[0] = SocketConstants.AF_UNIX;
            destination[1] = 0;
            if (kind == Unnamed)
                return FamilySize;
            int at = FamilySize;
            if (kind == Abstract)
                destination[at++] = 0;
            name.CopyTo(destination.Slice(at));
            at += name.Length;
            if (kind == Path)
                destination[at++] = 0;
            return at;
        }

        /// <summary>The name autobind gives: five lowercase hex digits of <paramref name="number"/> (Linux's "\0XXXXX").</summary>
        public static void AutobindName(uint number, Span<byte> name)
        {
            for (int i = 4; i >= 0; i--)
            {
                uint digit = number & 0xF;
                name[i] = (byte)(digit < 10 ? '0' + digit : 'a' + digit - 10);
                number >>= 4;
            }
        }
    }
}
