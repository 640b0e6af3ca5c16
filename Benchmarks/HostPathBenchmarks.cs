using BenchmarkDotNet.Attributes;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Benchmarks;

/// <summary>
/// The host-side hot paths of the CPU loop, each measured end to end from guest code on a real Unicorn engine and
/// <see cref="Vcpu"/> (per operation: the run is a loop of <see cref="Operations"/> of them): a synchronous exception
/// taken by the host (SVC at EL1, whose vector ERETs at once), an MMIO read dispatched to a device model, and a read
/// and a write of the virtual timer's registers through the MRS/MSR hooks. The managed parts alone (the bus's
/// dispatch under the machine lock, the timer model's register access) are measured beside them.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class HostPathBenchmarks
{
    private const int Operations = 200_000;
    private const ulong RamBase = 0x4000_0000;
    private const ulong Code = 0x4008_0000;
    private const ulong Vectors = 0x4009_0000;
    private const ulong StackTop = 0x4040_0000;
    private const ulong DeviceBase = 0x0900_0000;

    // A64 encodings (checked against the assembler): the loop body varies, the rest is fixed.
    private const uint Svc0 = 0xD4000001;
    private const uint LdrW1FromX5 = 0xB94000A1;
    private const uint MrsX1CntvCtl = 0xD53BE321;
    private const uint MsrCntvCvalX1 = 0xD51BE341;
    private const uint SubsX4By1 = 0xF1000484;
    private const uint MovzX0Psci = 0xD2800100;   // movz x0, #0x8
    private const uint MovkX0Psci = 0xF2B08000;   // movk x0, #0x8400, lsl #16: PSCI SYSTEM_OFF
    private const uint Hvc0 = 0xD4000002;
    private const uint Eret = 0xD69F03E0;

    private readonly object _gate = new();
    private readonly CountingDevice _device = new();
    private UnicornEngine? _engine;
    private GuestRam? _ram;
    private MmioBus? _bus;
    private GenericTimer? _timer;
    private Vcpu? _vcpu;

    /// <summary>A machine whose loop body is <paramref name="body"/>, repeated until x4 reaches zero, then power-off.</summary>
    private void Build(params uint[] body)
    {
        _engine = new UnicornEngine(CpuModel.CortexA57);
        _ram = new GuestRam(RamBase, 16 << 20);
        _bus = new MmioBus(_gate);
        unsafe
        {
            _engine.MapRam(_ram.Base, _ram.Size, _ram.Pointer);
        }

        _bus.Map(_engine, DeviceBase, 0x1000, _device);
        var clock = new GuestClock();
        _timer = new GenericTimer(() => clock.Counter, NullIrqLine.Instance, NullIrqLine.Instance);
        _vcpu = new Vcpu(_engine, CpuModel.CortexA57, _gate, clock, _timer, () => false, _timer.Update, () => _timer.NextDeadline);

        // b.ne back to the loop's start: imm19 = -(body + 1) instructions.
        var branch = 0x54000001u | (((uint)-(body.Length + 1) & 0x7FFFF) << 5);
        _engine.WriteCode(Code, [.. body, SubsX4By1, branch, MovzX0Psci, MovkX0Psci, Hvc0]);
        _engine.WriteCode(Vectors + 0x200, Eret);
        _engine.Write(Arm64Reg.VbarEl1, Vectors);
        _engine.Write(Arm64Reg.SpEl1, StackTop);
        _engine.Write(Arm64Reg.Sp, StackTop);
        _engine.WriteX(4, Operations);
        _engine.WriteX(5, DeviceBase);
    }

    [IterationSetup(Target = nameof(SynchronousException))]
    public void SetUpException() => Build(Svc0);

    [IterationSetup(Target = nameof(MmioRead))]
    public void SetUpMmio() => Build(LdrW1FromX5);

    [IterationSetup(Target = nameof(TimerRegisterReadAndWrite))]
    public void SetUpTimer() => Build(MrsX1CntvCtl, MsrCntvCvalX1);

    [IterationCleanup(Targets = [nameof(SynchronousException), nameof(MmioRead), nameof(TimerRegisterReadAndWrite)])]
    public void CleanUp()
    {
        _vcpu?.Dispose();
        _engine?.Dispose();
        _bus?.Dispose();
        _ram?.Dispose();
    }

    /// <summary>SVC at EL1: Unicorn's exception hook, the host's exception entry, the vector's ERET.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public MachineExit SynchronousException() => _vcpu!.Run(Code, 0);

    /// <summary>A 4-byte guest load from a device window: Unicorn's MMIO callback, the bus, the device under the lock.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public MachineExit MmioRead() => _vcpu!.Run(Code, 0);

    /// <summary>MRS CNTV_CTL_EL0 and MSR CNTV_CVAL_EL0: the hooks, the timer model under the lock.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public MachineExit TimerRegisterReadAndWrite() => _vcpu!.Run(Code, 0);

    private readonly MmioBus _managedBus = new(new object());
    private GenericTimer _managedTimer = null!;

    [GlobalSetup(Targets = [nameof(BusDispatchOnly), nameof(TimerModelOnly)])]
    public void SetUpManaged()
    {
        var clock = new GuestClock();
        _managedTimer = new GenericTimer(() => clock.Counter, NullIrqLine.Instance, NullIrqLine.Instance);
        _managedEngine = new UnicornEngine(CpuModel.CortexA57);
        _managedBus.Map(_managedEngine, DeviceBase, 0x1000, _device);
    }

    private UnicornEngine? _managedEngine;

    /// <summary>The managed half of <see cref="MmioRead"/>: the bus's dispatch under the machine lock.</summary>
    [Benchmark]
    [InvocationCount(4_000_000)]
    public ulong BusDispatchOnly() => _managedBus.Read(0, 0, 4);

    /// <summary>The managed half of <see cref="TimerRegisterReadAndWrite"/>: CNTV_CTL read and CNTV_CVAL write.</summary>
    [Benchmark]
    [InvocationCount(4_000_000)]
    public ulong TimerModelOnly()
    {
        _managedTimer.TryReadRegister(3, 3, 14, 3, 1, out var control);
        _managedTimer.TryWriteRegister(3, 3, 14, 3, 2, control + 1_000_000);
        return control;
    }

    private sealed class CountingDevice : IMmioDevice
    {
        private ulong _reads;

        public ulong Read(ulong offset, int size) => ++_reads;

        public void Write(ulong offset, int size, ulong value)
        {
        }
    }
}
