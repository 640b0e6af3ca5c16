using System.Runtime.InteropServices;

namespace Emulator.Devices.Storage;

/// <summary>One piece of host memory for scattered file I/O: struct iovec (iov_base, iov_len) as preadv/pwritev take it.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct IoVector(nint Base, nint Length);
