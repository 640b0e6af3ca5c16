using Kernel.Arch;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Processes;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Memory
{
    /// <summary>System calls on the address space: brk, mmap, munmap, mprotect, mremap, madvise, msync and friends.</summary>
    public static unsafe class MemorySyscalls
    {
        private const ulong PageMask = 4095;
        private const int MapShared = 1, MapPrivate = 2, MapSharedValidate = 3, MapFixed = 0x10, MapAnonymous = 0x20, MapFixedNoReplace = 0x100000;

        public static void Register()
        {
            Syscalls.Register("brk"u8, &Brk);
            Syscalls.Register("mmap"u8, &Mmap);
            Syscalls.Register("munmap"u8, &Munmap);
            Syscalls.Register("mprotect"u8, &Mprotect);
            Syscalls.Register("mremap"u8, &Mremap);
            Syscalls.Register("madvise"u8, &Madvise);
            Syscalls.Register("msync"u8, &Msync);
            Syscalls.Register("mlock"u8, &Mlock);
            Syscalls.Register("munlock"u8, &Mlock);
        }

        private static ulong PageUp(ulong v) => (v + PageMask) & ~PageMask;

        private static long Brk(TrapFrame* f)
        {
            AddressSpace m = Current.Memory!;
            ulong wanted = f->X[0];
            if (wanted < m.BrkStart)
                return (long)m.Brk;
            ulong oldTop = PageUp(m.Brk), newTop = PageUp(wanted);
            if (newTop > oldTop)
            {
                if (m.MappedBytes + (newTop - oldTop) > Current.LimitCur[Process.RlimitAs])
                    return (long)m.Brk;
                if (!m.IsFree(oldTop, newTop) || m.Map(oldTop, newTop - oldTop, AddressSpace.ProtRead | AddressSpace.ProtWrite, false, null, 0, 0) < 0)
                    return (long)m.Brk;
            }
            else if (newTop < oldTop)
            {
                m.Unmap(newTop, oldTop);
            }
            m.Brk = wanted;
            return (long)wanted;
        }

        private static long Mmap(TrapFrame* f)
        {
            ulong address = f->X[0], length = f->X[1];
            int prot = Int(f, 2), flags = Int(f, 3), fd = Int(f, 4);
            ulong offset = f->X[5];
            int type = flags & 3;
            if (length == 0 || (offset & PageMask) != 0 || type == 0 || (prot & ~7) != 0)
                return -Errno.EINVAL;
            ulong size = PageUp(length);
            if (size == 0 || size >= AddressSpace.UserTop)
                return -Errno.ENOMEM;
            bool shared = type == MapShared || type == MapSharedValidate;
            PageSource? source = null;
            ulong fileBytes = 0;
            OpenFile? mapped = (flags & MapAnonymous) == 0 ? Current.Files!.Get(fd) : null;
            if ((flags & MapAnonymous) == 0 && mapped == null)
                return -Errno.EBADF;
            if (mapped != null && mapped.MapsAnonymous)
                mapped = null; // /dev/zero: anonymous memory
            if (mapped != null)
            {
                OpenFile file = mapped;
                source = file.Pages;
                if (source == null)
                    return -Errno.ENODEV;
                if (!file.CanRead || (shared && (prot & AddressSpace.ProtWrite) != 0 && !file.CanWrite))
                    return -Errno.EACCES;
                ulong fileSize = (ulong)file.Size;
                fileBytes = fileSize > offset ? fileSize - offset : 0;
                // Pages beyond the end of the file read as zeros (Linux would raise SIGBUS there).
            }
            AddressSpace m = Current.Memory!;
            if (m.MappedBytes + size > Current.LimitCur[Process.RlimitAs])
                return -Errno.ENOMEM;
            if ((flags & (MapFixed | MapFixedNoReplace)) != 0)
            {
                if ((address & PageMask) != 0 || address + size > AddressSpace.UserTop || address + size < address)
                    return -Errno.EINVAL;
                if (address < AddressSpace.MmapMinAddr && Current.Euid != 0)
                    return -Errno.EPERM; // security_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO
                if (!m.IsFree(address, address + size))
                {
                    if ((flags & MapFixedNoReplace) != 0)
                        return -Errno.EEXIST;
                    m.Unmap(address, address + size);
                }
            }
            else
            {
                address &= ~PageMask;
                if (address == 0 || address < 0x10000 || address + size > AddressSpace.MmapTop || !m.IsFree(address, address + size))
                    address = m.FindFree(size);
                if (address == 0)
                    return -Errno.ENOMEM;
            }
            int r = m.Map(address, size, prot, shared, source, offset, fileBytes, source != null);
            return r < 0 ? r : (long)address;
        }

        private static long Munmap(TrapFrame* f)
        {
            ulong address = f->X[0], length = f->X[1];
            if ((address & PageMask) != 0 || length == 0 || address + length > AddressSpace.UserTop || address + length < address)
                return -Errno.EINVAL;
            return Current.Memory!.Unmap(address, address + PageUp(length));
        }

        private static long Mprotect(TrapFrame* f)
        {
            ulong address = f->X[0], length = f->X[1];
            int prot = Int(f, 2);
            if ((address & PageMask) != 0 || (prot & ~7) != 0)
                return -Errno.EINVAL;
            if (length == 0)
                return 0;
            ulong end = address + PageUp(length);
            if (end > AddressSpace.UserTop || end < address)
                return -Errno.ENOMEM;
            return Current.Memory!.Protect(address, end, prot);
        }

        private static long Mremap(TrapFrame* f)
        {
            ulong old = f->X[0], oldSize = PageUp(f->X[1]), newSize = PageUp(f->X[2]);
            int flags = Int(f, 3);
            const int MayMove = 1, Fixed = 2;
            if ((old & PageMask) != 0 || newSize == 0 || (flags & ~3) != 0 || (flags & Fixed) != 0)
                return -Errno.EINVAL;
            AddressSpace m = Current.Memory!;
            Vma? area = m.FindArea(old);
            if (area == null || old + oldSize > area.End)
                return -Errno.EFAULT;
            if (newSize <= oldSize)
            {
                if (newSize < oldSize)
                    m.Unmap(old + newSize, old + oldSize);
                return (long)old;
            }
            if (m.IsFree(old + oldSize, old + newSize) && old + newSize <= AddressSpace.UserTop)
            {
                if (m.Extend(area, old + oldSize, old + newSize) == 0)
                    return (long)old;
            }
            if ((flags & MayMove) == 0)
                return -Errno.ENOMEM;
            ulong target = m.FindFree(newSize);
            if (target == 0)
                return -Errno.ENOMEM;
            int r = m.Move(old, oldSize, target, newSize);
            return r < 0 ? r : (long)target;
        }

        private static long Madvise(TrapFrame* f)
        {
            const int DontNeed = 4;
            if ((f->X[0] & PageMask) != 0)
                return -Errno.EINVAL;
            if (Int(f, 2) == DontNeed)
                Current.Memory!.Discard(f->X[0], f->X[0] + PageUp(f->X[1]));
            return 0;
        }

        /// <summary>
        /// msync: MS_SYNC writes what the range's shared file mappings stored back to the files and
        /// waits; MS_ASYNC does nothing more (the write-back thread writes them within seconds, and
        /// reads see them already, as Linux); MS_INVALIDATE has nothing to drop (mappings map the
        /// file's own pages). -ENOMEM when part of the range is unmapped.
        /// </summary>
        private static long Msync(TrapFrame* f)
        {
            const int Async = 1, Invalidate = 2, Sync = 4;
            ulong start = f->X[0];
            int flags = Int(f, 2);
            if ((start & PageMask) != 0 || (flags & ~(Async | Invalidate | Sync)) != 0 || (flags & (Async | Sync)) == (Async | Sync))
                return -Errno.EINVAL;
            ulong end = start + PageUp(f->X[1]);
            if (end < start || PageUp(f->X[1]) < f->X[1])
                return -Errno.ENOMEM;
            return end == start ? 0 : Current.Memory!.SyncFiles(start, end, (flags & Sync) != 0);
        }

        private static long Mlock(TrapFrame* f) => 0;
    }
}
