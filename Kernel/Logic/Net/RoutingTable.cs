using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// The IPv4 routing table (Linux's main table as `route`/`ip route` show it): connected routes added with
    /// an interface's address, a default route by the gateway, others by the user. Lookup is longest prefix,
    /// then lowest metric, on interfaces that are up.
    /// </summary>
    public sealed class RoutingTable
    {
        public const int Capacity = 32;

        private readonly Route[] _routes = new Route[Capacity];

        public int Count
        {
            get
            {
                int n = 0;
                for (int i = 0; i < Capacity; i++)
                    if (_routes[i].InUse)
                        n++;
                return n;
            }
        }

        /// <summary>The route in slot <paramref name="index"/> (0 to <see cref="Capacity"/>-1; unused slots have no interface).</summary>
        public Route At(int index) => _routes[index];

        /// <summary>Adds a route: 0, -EEXIST for the same destination, mask and metric, -EINVAL for a bad mask or a destination outside it, -ENOBUFS when full.</summary>
        public int Add(uint destination, uint netmask, uint gateway, NetInterface iface, int metric = 0)
        {
            if (!Ipv4Address.IsValidMask(netmask) || (destination & ~netmask) != 0)
                return -Errno.EINVAL;
            int free = -1;
            for (int i = 0; i < Capacity; i++)
            {
                ref Route r = ref _routes[i];
                if (!r.InUse)
                {
                    if (free < 0)
                        free = i;
                    continue;
                }
                if (r.Destination == destination && r.Netmask == netmask && r.Metric == metric)
                    return -Errno.EEXIST;
            }
            if (free < 0)
                return -Errno.ENOBUFS;
            _routes[free] = new Route { Destination = destination, Netmask = netmask, Gateway = gateway, Interface = iface, Metric = metric };
            return 0;
        }

        /// <summary>Removes the route to <paramref name="destination"/>/<paramref name="netmask"/> (any metric, any interface when null): 0 or -ESRCH.</summary>
        public int Remove(uint destination, uint netmask, NetInterface? iface = null)
        {
            for (int i = 0; i < Capacity; i++)
            {
                ref Route r = ref _routes[i];
                if (r.InUse && r.Destination == destination && r.Netmask == netmask && (iface == null || r.Interface == iface))
                {
                    r = default;
                    return 0;
                }
            }
            return -Errno.ESRCH;
        }

        /// <summary>Removes the route in slot <paramref name="index"/>: 0, or -ESRCH when the slot is free.</summary>
        public int RemoveAt(int index)
        {
            if (!_routes[index].InUse)
                return -Errno.ESRCH;
            _routes[index] = default;
            return 0;
        }

        /// <summary>
        /// The used slots in the order of Linux's trie (what /proc/net/route and netlink dumps list): by destination,
        /// then the longer prefix, then the lower metric. Writes them into <paramref name="slots"/> (room for
        /// <see cref="Capacity"/>) and returns how many.
        /// </summary>
        public int InOrder(Span<int> slots)
        {
            int n = 0;
            for (int i = 0; i < Capacity; i++)
            {
                if (!_routes[i].InUse)
                    continue;
                int at = n++;
                while (at > 0 && Before(in _routes[i], in _routes[slots[at - 1]]))
                {
                    slots[at] = slots[at - 1];
                    at--;
                }
                slots[at] = i;
            }
            return n;
        }

        private static bool Before(in Route a, in Route b) =>
            a.Destination < b.Destination || (a.Destination == b.Destination && (a.Netmask > b.Netmask || (a.Netmask == b.Netmask && a.Metric < b.Metric)));

        /// <summary>Removes every route through <paramref name="iface"/> (its address went away).</summary>
        public void RemoveAll(NetInterface iface)
        {
            for (int i = 0; i < Capacity; i++)
                if (_routes[i].Interface == iface)
                    _routes[i] = default;
        }

        /// <summary>The best route to <paramref name="destination"/>; false when none reaches it.</summary>
        public bool Lookup(uint destination, out Route route)
        {
            route = default;
            int best = -1;
            for (int i = 0; i < Capacity; i++)
            {
                ref Route r = ref _routes[i];
                if (!r.InUse || !r.Interface!.IsUp || (destination & r.Netmask) != r.Destination)
                    continue;
                if (best < 0 || r.Netmask > _routes[best].Netmask || (r.Netmask == _routes[best].Netmask && r.Metric < _routes[best].Metric))
                    best = i;
            }
            if (best < 0)
                return false;
            route = _routes[best];
            return true;
        }
    }
}
