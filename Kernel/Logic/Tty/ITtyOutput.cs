using System;

namespace Kernel.Logic.Tty
{
    /// <summary>Where a terminal's output and echo go (the serial driver's transmit path).</summary>
    public interface ITtyOutput
    {
        void Write(ReadOnlySpan<byte> bytes);
    }
}
