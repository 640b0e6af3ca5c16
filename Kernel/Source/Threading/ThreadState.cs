using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Threading
{
    public enum ThreadState { Runnable, Blocked, Finished }
}
