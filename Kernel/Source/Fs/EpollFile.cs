using System;
using Kernel.Logic;

namespace Kernel.Fs
{
    /// <summary>
    /// An epoll instance: its interest list of (descriptor, open file, events, data). Entries name the
    /// open file they were added with but hold no reference to it (as Linux), so closing the file's
    /// last descriptor does not keep it open: a wait drops an entry whose descriptor no longer refers
    /// to that file. Readiness is level-triggered; EPOLLET is accepted and behaves level-triggered,
    /// EPOLLONESHOT disarms an entry once it has been reported.
    /// </summary>
    public sealed class EpollFile : AnonymousFile
    {
        public sealed class Entry
        {
            public int Fd;
            public OpenFile? File;
            public uint Events;
            public ulong Data;
            public Entry? Next;
        }

        public Entry? First;

        /// <summary>Counts changes to the list: a waiter that slept rereads it when another process sharing the instance changed it.</summary>
        public ulong Generation;

        public EpollFile(int flags)
        {
            Flags = OpenFlags.ReadWrite | flags;
        }

        public Entry? Find(int fd, OpenFile file)
        {
            for (Entry? e = First; e != null; e = e.Next)
                if (e.Fd == fd && e.File == file)
                    return e;
            return null;
        }

        public void Add(Entry entry)
        {
            entry.Next = First;
            First = entry;
            Generation++;
        }

        public void Remove(Entry entry)
        {
            Generation++;
            if (First == entry)
                First = entry.Next;
            else
                for (Entry? e = First; e != null; e = e.Next)
                    if (e.Next == entry)
                    {
                        e.Next = entry.Next;
                        break;
                    }
            Owned.Free(entry);
        }

        /// <summary>Never ready itself: epoll instances cannot be watched by another (EPOLL_CTL_ADD refuses them).</summary>
        public override int Poll() => 0;

        protected override ReadOnlySpan<byte> Kind => "eventpoll"u8;

        protected override void Closed()
        {
            while (First != null)
                Remove(First);
            base.Closed();
        }
    }
}
