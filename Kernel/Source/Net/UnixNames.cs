using System;
using Kernel.Logic;

namespace Kernel.Net
{
    /// <summary>
    /// Which AF_UNIX socket is bound to which name: a file-system name by its socket inode (held by the
    /// socket while bound, so it stays the same object), an abstract name by its bytes.
    /// </summary>
    public static class UnixNames
    {
        private sealed class Entry
        {
            public Logic.Fs.Inode? Node;
            public byte[]? Abstract;
            public UnixSocket Socket = null!;
            public Entry? Next;
        }

        private static Entry? s_first;
        private static uint s_autobind;

        public static void BindPath(Logic.Fs.Inode node, UnixSocket socket)
            => s_first = new Entry { Node = node, Socket = socket, Next = s_first };

        /// <summary>Binds an abstract name (copied); -EADDRINUSE when taken.</summary>
        public static int BindAbstract(ReadOnlySpan<byte> name, UnixSocket socket)
        {
            if (FindAbstract(name) != null)
                return -Errno.EADDRINUSE;
            byte[] copy = new byte[name.Length];
            name.CopyTo(copy);
            s_first = new Entry { Abstract = copy, Socket = socket, Next = s_first };
            return 0;
        }

        /// <summary>An unused automatic name (five hex digits, as Linux's autobind), written into <paramref name="name"/>.</summary>
        public static void NextAutobindName(Span<byte> name)
        {
            for (int tries = 0; tries < 0x100000; tries++)
            {
                s_autobind = (s_autobind + 1) & 0xFFFFF;
                Logic.Net.UnixAddress.AutobindName(s_autobind, name);
                if (FindAbstract(name) == null)
                    return;
            }
        }

        public static UnixSocket? FindPath(Logic.Fs.Inode node)
        {
            for (Entry? e = s_first; e != null; e = e.Next)
                if (e.Node == node)
                    return e.Socket;
            return null;
        }

        public static UnixSocket? FindAbstract(ReadOnlySpan<byte> name)
        {
            for (Entry? e = s_first; e != null; e = e.Next)
                if (e.Abstract != null && Same(name, e.Abstract))
                    return e.Socket;
            return null;
        }

        private static bool Same(ReadOnlySpan<byte> a, byte[] b)
        {
            if (a.Length != b.Length)
                return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                    return false;
            return true;
        }

        /// <summary>Forgets the socket's name (at close).</summary>
        public static void Unbind(UnixSocket socket)
        {
            Entry? previous = null;
            for (Entry? e = s_first; e != null; previous = e, e = e.Next)
            {
                if (e.Socket != socket)
                    continue;
                if (previous == null) s_first = e.Next; else previous.Next = e.Next;
                Owned.Free(e.Abstract);
                Owned.Free(e);
                return;
            }
        }
    }
}
