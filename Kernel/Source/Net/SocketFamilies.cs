using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Net
{
    /// <summary>
    /// The address families socket(2) and socketpair(2) know: each registers its constructor (and, if
    /// it has pairs, its pair constructor) by AF_* number. AF_UNIX registers itself here; AF_INET
    /// registers from its own subsystem's start-up. A family nobody registered is EAFNOSUPPORT.
    /// </summary>
    public static unsafe class SocketFamilies
    {
        /// <summary>Makes a socket of the base type (SOCK_*), protocol and open-file flags (O_NONBLOCK), or returns -errno (EPROTONOSUPPORT, ESOCKTNOSUPPORT...).</summary>
        private static readonly nint[] Constructors = new nint[SocketConstants.AF_MAX];
        private static readonly nint[] PairConstructors = new nint[SocketConstants.AF_MAX];
        private static bool s_initialized;

        public static void Register(int family, delegate*<int, int, int, out Socket?, int> create, delegate*<int, int, int, out Socket?, out Socket?, int> createPair)
        {
            Constructors[family] = (nint)create;
            PairConstructors[family] = (nint)createPair;
        }

        /// <summary>Registers the families built into the socket layer (AF_UNIX); called by <see cref="SocketSyscalls.Register"/>.</summary>
        public static void Initialize()
        {
            if (s_initialized)
                return;
            s_initialized = true;
            Register(SocketConstants.AF_UNIX, &UnixSocket.Create, &UnixSocket.CreatePair);
        }

        public static int Create(int family, int type, int protocol, int flags, out Socket? socket)
        {
            socket = null;
            if (family < 0 || family >= SocketConstants.AF_MAX || Constructors[family] == 0)
                return -Errno.EAFNOSUPPORT;
            return ((delegate*<int, int, int, out Socket?, int>)Constructors[family])(type, protocol, flags, out socket);
        }

        public static int CreatePair(int family, int type, int protocol, int flags, out Socket? first, out Socket? second)
        {
            first = second = null;
            if (family < 0 || family >= SocketConstants.AF_MAX || Constructors[family] == 0)
                return -Errno.EAFNOSUPPORT;
            if (PairConstructors[family] == 0)
                return -Errno.EOPNOTSUPP;
            return ((delegate*<int, int, int, out Socket?, out Socket?, int>)PairConstructors[family])(type, protocol, flags, out first, out second);
        }
    }
}
