namespace Emulator.Devices.Net;

/// <summary>Takes one Ethernet frame (destination MAC first, no FCS); the span is valid only during the call.</summary>
public delegate void FrameHandler(ReadOnlySpan<byte> frame);
