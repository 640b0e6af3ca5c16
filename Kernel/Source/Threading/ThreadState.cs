namespace Kernel.Threading
{
    public enum ThreadState { Runnable, Blocked, Finished }
}
