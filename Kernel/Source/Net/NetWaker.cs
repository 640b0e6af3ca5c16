using Kernel.Logic.Net;
using Kernel.Logic.Net.Tcp;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>
    /// The stack's readiness changes become wake-ups of the threads blocked on the socket (the endpoint is
    /// the channel: <see cref="InetSocket"/>'s WaitChannel); the <see cref="TcpStack"/> as the channel means
    /// a TCP timer was armed earlier than the net thread's deadline, so the net thread runs its timers again.
    /// </summary>
    public sealed class NetWaker : INetWaker
    {
        public void Wake(object channel)
        {
            if (channel is TcpStack)
                NetSubsystem.Kick();
            else
                Scheduler.WakeAll(channel);
        }
    }
}
