using Kernel.Logic.Net;
using Kernel.Threading;

namespace Kernel.Net
{
    /// <summary>The stack's readiness changes become wake-ups of the threads blocked on the socket.</summary>
    public sealed class NetWaker : INetWaker
    {
        public void Wake(object channel) => Scheduler.WakeAll(channel);
    }
}
