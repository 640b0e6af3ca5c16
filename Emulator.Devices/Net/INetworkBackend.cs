namespace Emulator.Devices.Net;

/// <summary>
/// The host side of a NIC (QEMU's netdev): takes the guest's frames and delivers frames for the guest.
/// Implemented by <see cref="SlirpNetwork"/> and by tests' recording back ends.
/// </summary>
public interface INetworkBackend : IDisposable
{
    /// <summary>
    /// Sets where frames for the guest go. The back end calls it on a thread of its own, one frame at a
    /// time; before this is called, frames for the guest are dropped.
    /// </summary>
    void Attach(FrameHandler receive);

    /// <summary>A frame from the guest. Never blocks: a back end that cannot keep up drops the frame.</summary>
    void Send(ReadOnlySpan<byte> frame);
}
