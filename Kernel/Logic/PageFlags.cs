using System;

namespace Kernel.Logic
{
    [Flags]
    public enum PageFlags
    {
        Read = 1,
        Write = 2,
        Execute = 4,
        Device = 8,    // Device-nGnRE instead of Normal write-back
        User = 16,     // accessible from EL0
    }
}
