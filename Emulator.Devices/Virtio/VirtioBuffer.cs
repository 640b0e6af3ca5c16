namespace Emulator.Devices.Virtio;

/// <summary>One guest buffer of a descriptor chain, already checked to lie wholly in guest RAM.</summary>
public readonly record struct VirtioBuffer(ulong Address, uint Length);
