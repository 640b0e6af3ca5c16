using Kernel.Logic.Fs;
using Kernel.Processes;

namespace Kernel.Fs
{
    /// <summary>The owner/group/other permission check of Linux's generic_permission, for non-root callers.</summary>
    public static class Permissions
    {
        /// <summary>Access wanted, as access(2)'s mode bits (R_OK, W_OK, X_OK; search is execute on a directory).</summary>
        public const int Read = 4, Write = 2, Execute = 1, Search = Execute;

        /// <summary>Whether the permission bits that apply to <paramref name="p"/> (owner, group: the effective or a supplementary one, or other) grant all of <paramref name="mask"/>.</summary>
        public static bool MayAccess(Inode node, Process p, int mask)
        {
            uint bits = node.Uid == p.Euid ? (node.Mode >> 6) & 7 : p.InGroup(node.Gid) ? (node.Mode >> 3) & 7 : node.Mode & 7;
            return ((uint)mask & ~bits) == 0;
        }
    }
}
