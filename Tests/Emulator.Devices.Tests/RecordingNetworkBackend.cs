using Emulator.Devices.Net;

namespace Emulator.Devices.Tests;

/// <summary>A network back end that records what the guest sent and delivers frames for the guest on the caller's thread.</summary>
internal sealed class RecordingNetworkBackend : INetworkBackend
{
    private FrameHandler? _receive;

    public List<byte[]> Sent { get; } = [];

    public bool Disposed { get; private set; }

    public void Attach(FrameHandler receive) => _receive = receive;

    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (Sent)
        {
            Sent.Add(frame.ToArray());
        }
    }

    /// <summary>A frame for the guest, as the back end's own thread would deliver it.</summary>
    public void Deliver(ReadOnlySpan<byte> frame) => _receive?.Invoke(frame);

    public void Dispose() => Disposed = true;
}
