using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Threading;

namespace Kernel.Processes
{
    public enum ProcessState { Alive, Zombie }
}
