using System;
using Kernel.Logic;
using Kernel.Threading;

namespace Kernel.Memory
{
    /// <summary>
    /// Every access to user memory goes through here: addresses are translated through the current
    /// process's tables in software (faulting pages in as the user access would), so a bad pointer
    /// gives -EFAULT and the kernel never takes a fault on a user address, nor touches kernel memory
    /// on a user's behalf.
    /// </summary>
    public static unsafe class UserMemory
    {
        private static AddressSpace? Space => Scheduler.Current.Process?.Memory;

        public static int CopyIn(ulong va, Span<byte> destination)
        {
            AddressSpace? space = Space;
            if (space == null)
                return -Errno.EFAULT;
            int done = 0;
            while (done < destination.Length)
            {
                ulong k = space.KernelAddress(va + (ulong)done, false);
                if (k == 0 || va + (ulong)done < va)
                    return -Errno.EFAULT;
                int chunk = (int)(PageAllocator.PageSize - ((va + (ulong)done) & (PageAllocator.PageSize - 1)));
                if (chunk > destination.Length - done)
                    chunk = destination.Length - done;
                new ReadOnlySpan<byte>((void*)k, chunk).CopyTo(destination.Slice(done, chunk));
                done += chunk;
            }
            return 0;
        }

        public static int CopyOut(ulong va, ReadOnlySpan<byte> source)
        {
            AddressSpace? space = Space;
            if (space == null)
                return -Errno.EFAULT;
            int done = 0;
            while (done < source.Length)
            {
                ulong k = space.KernelAddress(va + (ulong)done, true);
                if (k == 0 || va + (ulong)done < va)
                    return -Errno.EFAULT;
                int chunk = (int)(PageAllocator.PageSize - ((va + (ulong)done) & (PageAllocator.PageSize - 1)));
                if (chunk > source.Length - done)
                    chunk = source.Length - done;
                source.Slice(done, chunk).CopyTo(new Span<byte>((void*)k, chunk));
                done += chunk;
            }
            return 0;
        }

        /// <summary>
        /// Whether [va, va + length) is writable user memory, faulting pages in as a store would.
        /// Readers of streams check this before consuming data, so that a bad buffer does not lose it.
        /// </summary>
        public static bool CanWrite(ulong va, ulong length)
        {
            AddressSpace? space = Space;
            if (space == null || va + length < va)
                return false;
            if (length == 0)
                return true;
            for (ulong page = va & ~(PageAllocator.PageSize - 1); page < va + length; page += PageAllocator.PageSize)
            {
                if (space.KernelAddress(page < va ? va : page, true) == 0)
                    return false;
            }
            return true;
        }

        /// <summary>Zero-fills user memory.</summary>
        public static int Clear(ulong va, ulong length)
        {
            Span<byte> zeros = stackalloc byte[256];
            zeros.Clear();
            while (length > 0)
            {
                int chunk = length > 256 ? 256 : (int)length;
                int r = CopyOut(va, zeros.Slice(0, chunk));
                if (r < 0)
                    return r;
                va += (ulong)chunk;
                length -= (ulong)chunk;
            }
            return 0;
        }

        public static int Read<T>(ulong va, out T value) where T : unmanaged
        {
            T v = default;
            int r = CopyIn(va, new Span<byte>(&v, sizeof(T)));
            value = v;
            return r;
        }

        public static int Write<T>(ulong va, T value) where T : unmanaged
            => CopyOut(va, new ReadOnlySpan<byte>(&value, sizeof(T)));

        /// <summary>
        /// Copies a NUL-terminated string into <paramref name="buffer"/>; returns its length (without the
        /// NUL), -EFAULT, or -ENAMETOOLONG when it does not fit.
        /// </summary>
        public static int ReadString(ulong va, Span<byte> buffer)
        {
            AddressSpace? space = Space;
            if (space == null)
                return -Errno.EFAULT;
            int n = 0;
            ulong k = 0;
            while (true)
            {
                ulong a = va + (ulong)n;
                if (n == 0 || (a & 4095) == 0)
                {
                    k = space.KernelAddress(a, false);
                    if (k == 0)
                        return -Errno.EFAULT;
                }
                else
                {
                    k++;
                }
                byte c = *(byte*)k;
                if (c == 0)
                    return n;
                if (n == buffer.Length)
                    return -Errno.ENAMETOOLONG;
                buffer[n++] = c;
            }
        }
    }
}
