namespace Kernel.Logic.Process
{
    /// <summary>What a signal does when its disposition is SIG_DFL (signal(7)).</summary>
    public enum DefaultAction
    {
        Terminate,
        /// <summary>Terminate and dump core (the wait status gets 0x80 when a core was written).</summary>
        Core,
        Ignore,
        Stop,
        /// <summary>SIGCONT: resume a stopped process (otherwise ignored).</summary>
        Continue,
    }
}
