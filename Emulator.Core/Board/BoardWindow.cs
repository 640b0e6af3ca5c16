using Emulator.Devices;

namespace Emulator.Core.Board;

/// <summary>One register window of a board device: where it sits and the model that answers accesses to it.</summary>
public sealed record BoardWindow(ulong Base, ulong Size, IMmioDevice Model);
