using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// Supplementary group lists as Linux keeps them (kernel/groups.c): at most <see cref="Max"/>
    /// (NGROUPS_MAX) ids, sorted by setgroups so membership is a binary search; getgroups returns
    /// them in that order.
    /// </summary>
    public static class GroupList
    {
        /// <summary>NGROUPS_MAX.</summary>
        public const int Max = 65536;

        /// <summary>Sorts <paramref name="groups"/> ascending in place (heap sort: no allocation, n log n).</summary>
        public static void Sort(Span<uint> groups)
        {
            int n = groups.Length;
            for (int i = n / 2 - 1; i >= 0; i--)
                SiftDown(groups, i, n);
            for (int end = n - 1; end > 0; end--)
            {
                Swap(groups, 0, end);
                SiftDown(groups, 0, end);
            }
        }

        private static void SiftDown(Span<uint> a, int root, int n)
        {
            for (; ; )
            {
                int child = 2 * root + 1;
                if (child >= n)
                    return;
                if (child + 1 < n && a[child + 1] > a[child])
                    child++;
                if (a[root] >= a[child])
                    return;
                Swap(a, root, child);
                root = child;
            }
        }

        private static void Swap(Span<uint> a, int i, int j)
        {
            uint t = a[i];
            a[i] = a[j];
            a[j] = t;
        }

        /// <summary>Whether the sorted list holds <paramref name="gid"/> (groups_search).</summary>
        public static bool Contains(ReadOnlySpan<uint> sorted, uint gid)
        {
            int lo = 0, hi = sorted.Length - 1;
            while (lo <= hi)
            {
                int mid = lo + (hi - lo) / 2;
                if (sorted[mid] == gid)
                    return true;
                if (sorted[mid] < gid)
                    lo = mid + 1;
                else
                    hi = mid - 1;
            }
            return false;
        }
    }
}
