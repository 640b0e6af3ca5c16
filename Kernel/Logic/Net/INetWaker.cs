namespace Kernel.Logic.Net
{
    /// <summary>Wakes whoever waits on channel (the kernel's scheduler; tests record it).</summary>
    public interface INetWaker
    {
        void Wake(object channel);
    }
}
