using System;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>
    /// The buffers of one read or write, seen as a single run of bytes: a user iovec array (already read
    /// into kernel memory as (base, length) pairs) or one kernel buffer. Files that must see a request
    /// whole (a socket sends one datagram per call) copy in and out of it at any offset.
    /// </summary>
    public unsafe struct IoVectors
    {
        /// <summary>The most iovecs one call takes (UIO_MAXIOV).</summary>
        public const int MaxCount = 1024;
        /// <summary>The most one call transfers (Linux's MAX_RW_COUNT).</summary>
        public const long MaxTransfer = 0x7FFFF000;

        private ulong* _pairs;
        private int _count;
        private byte* _kernel;
        public long Total;

        /// <summary>A kernel buffer (which must stay put while the call runs).</summary>
        public static IoVectors ForKernel(byte* buffer, long length) => new IoVectors { _kernel = buffer, Total = length };

        /// <summary>One user buffer, described by <paramref name="pair"/> (two ulongs the caller keeps alive).</summary>
        public static IoVectors ForUser(ulong* pair, ulong address, ulong length)
        {
            pair[0] = address;
            pair[1] = length > (ulong)MaxTransfer ? (ulong)MaxTransfer : length;
            return new IoVectors { _pairs = pair, _count = 1, Total = (long)pair[1] };
        }

        /// <summary>
        /// Reads <paramref name="count"/> struct iovec from user <paramref name="iov"/> into
        /// <paramref name="pairs"/> (room for 2 * count ulongs): -EINVAL for a negative length or a sum
        /// beyond ssize_t, -EFAULT for a bad array; the total is capped at <see cref="MaxTransfer"/>.
        /// </summary>
        public static int Load(ulong iov, int count, ulong* pairs, out IoVectors vectors)
        {
            vectors = default;
            ulong total = 0;
            for (int i = 0; i < count; i++)
            {
                if (UserMemory.Read(iov + (ulong)i * 16, out ulong b) < 0 || UserMemory.Read(iov + (ulong)i * 16 + 8, out ulong len) < 0)
                    return -Errno.EFAULT;
                if ((long)len < 0 || total + len > long.MaxValue)
                    return -Errno.EINVAL;
                if (total + len > (ulong)MaxTransfer)
                    len = (ulong)MaxTransfer - total;
                pairs[2 * i] = b;
                pairs[2 * i + 1] = len;
                total += len;
            }
            vectors = new IoVectors { _pairs = pairs, _count = count, Total = (long)total };
            return 0;
        }

        /// <summary>Copies the request's bytes from <paramref name="offset"/> into <paramref name="destination"/>; 0 or -EFAULT.</summary>
        public int CopyIn(long offset, Span<byte> destination)
        {
            if (_kernel != null)
            {
                new ReadOnlySpan<byte>(_kernel + offset, destination.Length).CopyTo(destination);
                return 0;
            }
            int done = 0;
            for (int i = 0; i < _count && done < destination.Length; i++)
            {
                long len = (long)_pairs[2 * i + 1];
                if (offset >= len)
                {
                    offset -= len;
                    continue;
                }
                int n = (int)(len - offset < destination.Length - done ? len - offset : destination.Length - done);
                if (UserMemory.CopyIn(_pairs[2 * i] + (ulong)offset, destination.Slice(done, n)) < 0)
                    return -Errno.EFAULT;
                done += n;
                offset = 0;
            }
            return 0;
        }

        /// <summary>Copies <paramref name="source"/> into the request's buffers at <paramref name="offset"/>; 0 or -EFAULT.</summary>
        public int CopyOut(long offset, ReadOnlySpan<byte> source)
        {
            if (_kernel != null)
            {
                source.CopyTo(new Span<byte>(_kernel + offset, source.Length));
                return 0;
            }
            int done = 0;
            for (int i = 0; i < _count && done < source.Length; i++)
            {
                long len = (long)_pairs[2 * i + 1];
                if (offset >= len)
                {
                    offset -= len;
                    continue;
                }
                int n = (int)(len - offset < source.Length - done ? len - offset : source.Length - done);
                if (UserMemory.CopyOut(_pairs[2 * i] + (ulong)offset, source.Slice(done, n)) < 0)
                    return -Errno.EFAULT;
                done += n;
                offset = 0;
            }
            return 0;
        }
    }
}
