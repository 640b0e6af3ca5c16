namespace Kernel.Logic.Net
{
    /// <summary>ICMP (RFC 792) message types and codes this stack sends or understands.</summary>
    public static class Icmp
    {
        public const int HeaderLength = 8;
        public const byte EchoReply = 0, DestinationUnreachable = 3, SourceQuench = 4, Redirect = 5, EchoRequest = 8,
            TimeExceeded = 11, ParameterProblem = 12;
        /// <summary>Destination unreachable's codes.</summary>
        public const byte NetUnreachable = 0, HostUnreachable = 1, ProtocolUnreachable = 2, PortUnreachable = 3,
            FragmentationNeeded = 4;

        /// <summary>Whether a type is an error (never answered with another error, RFC 1122 3.2.2).</summary>
        public static bool IsError(byte type) =>
            type == DestinationUnreachable || type == SourceQuench || type == Redirect || type == TimeExceeded || type == ParameterProblem;

        /// <summary>Linux's icmp_err_convert: the errno a destination-unreachable code gives a socket.</summary>
        public static int UnreachableErrno(byte code) => code switch
        {
            NetUnreachable => Errno.ENETUNREACH,
            HostUnreachable => Errno.EHOSTUNREACH,
            ProtocolUnreachable => Errno.ENOPROTOOPT,
            PortUnreachable => Errno.ECONNREFUSED,
            FragmentationNeeded => Errno.EMSGSIZE,
            _ => Errno.EHOSTUNREACH,
        };
    }
}
