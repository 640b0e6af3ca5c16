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

        public FileRights(int count)
        {
            Files = new OpenFile?[count];
            Count = count;
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
