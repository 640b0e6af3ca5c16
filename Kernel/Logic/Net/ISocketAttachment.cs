namespace Kernel.Logic.Net
{
    /// <summary>Something a queued message owns besides its bytes (descriptors in flight): released when the message is dropped unreceived.</summary>
    public interface ISocketAttachment
    {
        void Release();
    }
}
