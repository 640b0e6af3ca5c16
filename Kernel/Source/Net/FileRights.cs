using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Net
{
    /// <summary>
    /// Descriptors in flight (SCM_RIGHTS): a reference to each open file, held from sendmsg until the
    /// receiver installs them or the message is dropped unreceived (then released here).
    /// </summary>
    public sealed class FileRights : ISocketAttachment
    {
        public readonly OpenFile?[] Files;
        public readonly int Count;

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
            for (int i = 0; i < Count; i++)
            {
                OpenFile? f = Files[i];
                Files[i] = null;
                f?.Release();
            }
            Owned.Free(Files);
            Owned.Free(this);
        }
    }
}
