using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Tests.Support;

/// <summary>
/// A minimal machine wired the way VirtMachine wires its CPU, minus the board: RAM at 0x4000_0000, a
/// <see cref="Vcpu"/> with its generic timer, and whatever MMIO devices a test maps. As on the board,
/// only the physical timer's line is connected (the virtual timer is not supported); here it drives the
/// CPU's IRQ input directly (no interrupt controller), together with an external line a test can raise
/// from its own thread (<see cref="SetExternalIrq"/>). There is no timer thread: the timer's line is
/// re-driven when the guest writes a timer register or waits in WFI. A test assembles a guest, runs it
/// to power-off with a time limit, then reads the registers it left behind.
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
    private readonly IrqInput _timerLine;
    private readonly IrqInput _externalLine;

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
        _timerLine = new IrqInput(this);
        _externalLine = new IrqInput(this);
        Timer = new GenericTimer(() => Clock.Counter, _timerLine, NullIrqLine.Instance);
        Vcpu = new Vcpu(Engine, model, _gate, Clock, Timer, () => IrqLevel, Timer.Update, () => Timer.NextDeadline);
    }

    public GuestProgram Program { get; }

    public UnicornEngine Engine { get; }

    public GuestRam Ram { get; }

    public MmioBus Bus { get; }

    public GuestClock Clock { get; } = new();

    public GenericTimer Timer { get; }

    public Vcpu Vcpu { get; }

    private bool IrqLevel => _timerLine.Level || _externalLine.Level;

    /// <summary>Raises or lowers an interrupt of the test's own, from any thread (as the board's devices do, under the machine lock).</summary>
    public void SetExternalIrq(bool level)
    {
        lock (_gate)
        {
            _externalLine.Set(level);
        }
    }

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

    private sealed class IrqInput(GuestMachine machine) : IIrqLine
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
