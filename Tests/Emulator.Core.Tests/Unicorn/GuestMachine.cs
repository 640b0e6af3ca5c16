using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Tests.Unicorn;

/// <summary>
/// A minimal machine wired the way VirtMachine wires its CPU, minus the board: RAM at 0x4000_0000, a
/// <see cref="Vcpu"/> with its generic timer, and whatever MMIO devices a test maps. The timers' lines
/// drive the CPU's IRQ input directly (no interrupt controller). A test assembles a guest, runs it to
/// power-off with a time limit, then reads the registers it left behind.
/// </summary>
internal sealed class GuestMachine : IDisposable
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong CodeAddress = 0x4008_0000;
    public const ulong RamSize = 16 << 20;

    /// <summary>Top of the EL1 stack the guests set up (inside RAM, far from the code).</summary>
    public const ulong StackTop = 0x4040_0000;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly object _gate = new();
    private readonly TimerLine _physicalLine;
    private readonly TimerLine _virtualLine;

    public GuestMachine(string source, CpuModel model = CpuModel.CortexA57, params (ulong Base, ulong Size, IMmioDevice Device)[] devices)
    {
        Program = GuestAssembler.Assemble(source, CodeAddress);
        Engine = new UnicornEngine(model);
        Ram = new GuestRam(RamBase, RamSize);
        Bus = new MmioBus(_gate);
        unsafe
        {
            Engine.MapRam(Ram.Base, Ram.Size, Ram.Pointer);
        }

        foreach (var (windowBase, size, device) in devices)
        {
            Bus.Map(Engine, windowBase, size, device);
        }

        Program.Image.CopyTo(Ram.Slice(CodeAddress, Program.Image.Length));
        _physicalLine = new TimerLine(this);
        _virtualLine = new TimerLine(this);
        Timer = new GenericTimer(() => Clock.Counter, _physicalLine, _virtualLine);
        Vcpu = new Vcpu(Engine, model, _gate, Clock, Timer, () => IrqLevel, () => { }, () => null);
    }

    public GuestProgram Program { get; }

    public UnicornEngine Engine { get; }

    public GuestRam Ram { get; }

    public MmioBus Bus { get; }

    public GuestClock Clock { get; } = new();

    public GenericTimer Timer { get; }

    public Vcpu Vcpu { get; }

    private bool IrqLevel => _physicalLine.Level || _virtualLine.Level;

    /// <summary>Starts the guest at _start on a thread of its own; the task ends when Vcpu.Run returns.</summary>
    public Task<MachineExit> Start(ulong x0 = 0)
    {
        var result = new TaskCompletionSource<MachineExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(Vcpu.Run(CodeAddress, x0));
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        thread.IsBackground = true;
        thread.Name = "test vcpu";
        thread.Start();
        return result.Task;
    }

    /// <summary>Runs the guest to its end; fails the test if it has not stopped in time.</summary>
    public MachineExit Run(TimeSpan? timeout = null, ulong x0 = 0) => Wait(Start(x0), timeout ?? DefaultTimeout);

    /// <summary>Waits for a started guest; on time-out asks it to stop and fails the test.</summary>
    public MachineExit Wait(Task<MachineExit> run, TimeSpan timeout)
    {
        if (!run.Wait(timeout))
        {
            Vcpu.RequestExit(MachineExit.Quit);
            var stopped = run.Wait(TimeSpan.FromSeconds(10));
            Assert.Fail($"the guest did not stop within {timeout.TotalSeconds} s" +
                (stopped ? $" (pc 0x{Engine.Read(Arm64Reg.Pc):x} when stopped)" : " and did not stop when asked to"));
        }

        return run.GetAwaiter().GetResult();
    }

    /// <summary>Runs the guest and asserts that it ended with PSCI SYSTEM_OFF.</summary>
    public void RunToPowerOff(TimeSpan? timeout = null, ulong x0 = 0) => Assert.Equal(MachineExit.PowerOff, Run(timeout, x0));

    public ulong X(int n) => Engine.ReadX(n);

    public void Dispose()
    {
        Vcpu.Dispose();
        Engine.Dispose();
        Bus.Dispose();
        Ram.Dispose();
    }

    private sealed class TimerLine(GuestMachine machine) : IIrqLine
    {
        public bool Level { get; private set; }

        // Called under the machine lock, as the Vcpu requires for SetIrq.
        public void Set(bool level)
        {
            Level = level;
            machine.Vcpu.SetIrq(machine.IrqLevel);
        }
    }
}
