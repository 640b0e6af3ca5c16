namespace Kernel.Processes
{
    public enum ProcessState { Alive, Zombie }
}
