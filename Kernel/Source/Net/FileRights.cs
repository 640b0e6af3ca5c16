using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Net
{
    /// <summary>
    /// Descriptors in flight (SCM_RIGHTS): a reference to each open file, held from sendmsg until the
    /// receiver installs them or the message is dropped unreceived (then released here).
    /// Releasing a file may close a socket whose queue holds more descriptors in flight, and so on: those
    /// releases are queued and run one after another by the outermost release, never nested, so a long
    /// chain of sockets each carrying the next cannot run the kernel stack out.
    /// </summary>
    public sealed class FileRights : ISocketAttachment
    {
        public readonly OpenFile?[] Files;
        public readonly int Count;
        private FileRights? _nextToRelease;

        private static FileRights? s_releaseFirst, s_releaseLast;
        private static bool s_releasing;

        /// <summary>Descriptors in flight per user (the real uid of the sender), as Linux's user->unix_inflight.</summary>
        private sealed class UserCount
        {
            public uint Uid;
            public int InFlight;
            public UserCount? Next;
        }

        private static UserCount? s_users;
        private readonly uint _uid;

        public FileRights(int count, uint uid)
        {
            Files = new OpenFile?[count];
            Count = count;
            _uid = uid;
            UserCount u = CountFor(uid);
            u.InFlight += count;
        }

        /// <summary>
        /// Whether <paramref name="uid"/> may put more descriptors in flight: not when it already has more
        /// than its RLIMIT_NOFILE (<paramref name="limit"/>) unreceived, as Linux refuses (ETOOMANYREFS)
        /// to bound what a user can pin where no descriptor table counts it.
        /// </summary>
        public static bool MayPass(uint uid, int limit)
        {
            for (UserCount? u = s_users; u != null; u = u.Next)
                if (u.Uid == uid)
                    return u.InFlight <= limit;
            return true;
        }

        private static UserCount CountFor(uint uid)
        {
            for (UserCount? u = s_users; u != null; u = u.Next)
                if (u.Uid == uid)
                    return u;
            var created = new UserCount { Uid = uid, Next = s_users };
            s_users = created;
            return created;
        }

        private static void Uncount(uint uid, int count)
        {
            UserCount? previous = null;
            for (UserCount? u = s_users; u != null; previous = u, u = u.Next)
            {
                if (u.Uid != uid)
                    continue;
                u.InFlight -= count;
                if (u.InFlight <= 0)
                {
                    if (previous == null) s_users = u.Next; else previous.Next = u.Next;
                    Owned.Free(u);
                }
                return;
            }
        }

        /// <summary>Gives up file <paramref name="i"/> to the caller (who now holds its reference).</summary>
        public OpenFile? Take(int i)
        {
            OpenFile? f = Files[i];
            Files[i] = null;
            return f;
        }

        public void Release()
        {
            Uncount(_uid, Count);
            if (s_releaseLast == null)
                s_releaseFirst = this;
            else
                s_releaseLast._nextToRelease = this;
            s_releaseLast = this;
            if (s_releasing)
                return; // an outer release is draining the queue: it gets to this one
            s_releasing = true;
            while (s_releaseFirst != null)
            {
                FileRights r = s_releaseFirst;
                s_releaseFirst = r._nextToRelease;
                if (s_releaseFirst == null)
                    s_releaseLast = null;
                for (int i = 0; i < r.Count; i++)
                {
                    OpenFile? f = r.Files[i];
                    r.Files[i] = null;
                    f?.Release();
                }
                Owned.Free(r.Files);
                Owned.Free(r);
            }
            s_releasing = false;
        }
    }
}
