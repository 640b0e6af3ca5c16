using Kernel.Arch;
using Kernel.Logic;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>FIFOs in file systems: one pipe per FIFO inode while it is open.</summary>
    public static class NamedPipes
    {
        private sealed class Entry
        {
            public Logic.Fs.Inode Node = null!;
            public Pipe Pipe = null!;
            public Entry? Next;
        }

        private static Entry? s_open;
        private static Logic.Fs.FileSystem? s_pipeFs;
        private static ulong s_nextName;

        /// <summary>
        /// The FIFO inode an anonymous pipe is reopened through (/proc/PID/fd/N, /dev/fd/N: Linux's pipefs
        /// inode): made on first use in a file system mounted nowhere, unlinked at once and held by the pipe
        /// until its last end closes; opening it opens another end of the same pipe. It belongs to
        /// <paramref name="uid"/>/<paramref name="gid"/> (the process holding the pipe), mode 0600. Null without memory.
        /// </summary>
        public static Logic.Fs.Inode? NodeFor(Pipe pipe, uint uid, uint gid)
        {
            if (pipe.ProcNode != null)
                return pipe.ProcNode;
            s_pipeFs ??= FileSystems.NewTmpfs();
            System.Span<byte> name = stackalloc byte[24];
            var t = new TextBuilder(name);
            t.Decimal(++s_nextName);
            if (s_pipeFs.Root.CreateNode(t.Text, Logic.Fs.InodeMode.S_IFIFO | 0x180, 0, uid, gid, out Logic.Fs.Inode? node) < 0)
                return null;
            node!.Acquire();
            s_pipeFs.Root.Remove(t.Text);
            pipe.ProcNode = node;
            pipe.Named = true;
            s_open = new Entry { Node = node, Pipe = pipe, Next = s_open };
            return node;
        }

        /// <summary>open(2) of a FIFO: O_RDONLY waits for a writer, O_WRONLY for a reader (O_NONBLOCK: ENXIO without one).</summary>
        public static int Open(Logic.Fs.Inode node, int flags, out OpenFile? file)
        {
            file = null;
            Entry? e = s_open;
            while (e != null && e.Node != node)
                e = e.Next;
            if (e == null)
            {
                e = new Entry { Node = node, Pipe = new Pipe(), Next = s_open };
                e.Pipe.Named = true;
                s_open = e;
            }
            int access = flags & OpenFlags.AccessMode;
            bool reader = access != OpenFlags.WriteOnly;
            bool nonBlocking = (flags & OpenFlags.NonBlock) != 0;
            Pipe pipe = e.Pipe;
            // A reopened anonymous pipe never waits for the other side (Linux's fifo_open skips it for pipefs).
            bool anonymous = pipe.ProcNode != null;
            if (access == OpenFlags.WriteOnly && nonBlocking && pipe.Readers == 0 && !anonymous)
            {
                Forget(pipe);
                return -Errno.ENXIO;
            }
            var end = new PipeEnd(pipe, reader, flags);
            if (access == OpenFlags.ReadWrite)
                pipe.Writers++; // O_RDWR: both ends at once (Linux allows it)
            pipe.Opens++;
            Scheduler.WakeAll(pipe);
            if (!nonBlocking && access != OpenFlags.ReadWrite && !anonymous)
            {
                // Wait for the other side (one open of it since we started waiting).
                while (reader ? pipe.Writers == 0 && pipe.WriterOpens == 0 : pipe.Readers == 0)
                {
                    ulong daif = Cpu.SaveAndDisableInterrupts();
                    int r = Waiting.WaitOn(pipe);
                    Cpu.RestoreInterrupts(daif);
                    if (r < 0)
                    {
                        end.Release();
                        return -Errno.ERESTARTSYS;
                    }
                }
            }
            if (!reader)
                pipe.WriterOpens++;
            end.Node = node;
            node.Acquire();
            file = end;
            return 0;
        }

        /// <summary>The pipe's last end closed: the FIFO starts empty next time.</summary>
        public static void Forget(Pipe pipe)
        {
            Entry? previous = null;
            for (Entry? e = s_open; e != null; previous = e, e = e.Next)
            {
                if (e.Pipe != pipe)
                    continue;
                if (previous == null) s_open = e.Next; else previous.Next = e.Next;
                Owned.Free(e);
                return;
            }
        }
    }
}
