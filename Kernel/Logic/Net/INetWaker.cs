namespace Kernel.Logic.Net
{
    /// <summary>
    /// How the stack tells the kernel that a socket's readiness changed (data arrived, room to send, an
    /// error): Logic code cannot call the scheduler, so the kernel implements this and wakes the threads
    /// waiting on the channel (the socket object itself) and re-checks poll/epoll.
    /// </summary>
    public interface INetWaker
    {
        void Wake(object channel);
    }
}
