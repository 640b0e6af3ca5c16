using System.Runtime.InteropServices;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Cpu;

/// <summary>
/// The single virtual CPU: a Unicorn engine run without asynchronous stops, with the host performing
/// synchronous exception entry, PSCI firmware on HVC/SMC, the physical timer's registers emulated when
/// their accesses trap to EL2 (see <see cref="CpuState.CnthctlCounterOnly"/>) and the virtual timer's,
/// which ARMv8.0 cannot trap, through MRS/MSR hooks. Interrupts reach the
/// guest through the virtual IRQ line, raised from any thread by <see cref="VirtualIrqLine"/>, and running code is made
/// to take them by a kick (<see cref="InterruptWaiting"/>), or, in the compatible mode, user code by a block hook
/// (<see cref="OnUserBlock"/>). Everything device-side happens under <see cref="Gate"/>, the machine lock.
/// </summary>
public sealed unsafe class Vcpu : IDisposable
{
    private readonly UnicornEngine _engine;
    private readonly FaultSyndrome _syndrome;
    private readonly GuestClock _clock;
    private readonly GenericTimer _timer;
    private readonly Func<bool> _irqPending;
    private readonly Action _updateDevices;
    private readonly Func<ulong?> _nextDeadline;
    private GCHandle _self;
    private MachineExit? _exit;
    private Exception? _fatal;
    private bool _virtualIrq;
    private bool _irqHeld;
    private bool _engineRunning;
    private readonly VirtualIrqLine _irqLine;
    private readonly Aarch32State _aarch32;
    private readonly nint _user;
    private nint _illegalStateProbe;

    // Where translated code checks for exit requests (null: everywhere, this Unicorn build is not recognised), and
    // whether the machine wants them only at block starts (see ExitRequestChecks), and with that interrupts delivered
    // by kicks (see KickIfInterruptWaiting): until UseCompatibleInterrupts turns both off for good. Written under Gate
    // (kicks come from any thread).
    private readonly ExitRequestChecks? _exitChecks;
    private bool _leanExitChecks;
    private bool _armProbeAfterRun;

    // What the user-block hook reads (see FlagGatedCallback): [0] is nonzero while the IRQ line is raised for the
    // guest, [1] this object's handle. The hook itself is registered only in the compatible mode
    // (UseCompatibleInterrupts).
    private nint* _userBlockCell;
    private nint _userBlockHook;
    private bool _compatibleAfterRun;

    /// <summary>Counts for diagnostics and benchmarks.</summary>
    public long Exceptions { get; private set; }

    public long TimerRegisterTraps { get; private set; }

    public Vcpu(UnicornEngine engine, CpuModel model, object gate, GuestClock clock, GenericTimer timer,
        Func<bool> irqPending, Action updateDevices, Func<ulong?> nextDeadline)
    {
        _engine = engine;
        Gate = gate;
        _clock = clock;
        _timer = timer;
        _irqPending = irqPending;
        _updateDevices = updateDevices;
        _nextDeadline = nextDeadline;
        _syndrome = FaultSyndrome.For(engine, model);
        var env = VirtualIrqLine.LocateCpuState(engine);
        _irqLine = VirtualIrqLine.For(env, model);
        _aarch32 = Aarch32State.For(env, model);
        _exitChecks = ExitRequestChecks.For(engine);
        _leanExitChecks = _exitChecks != null && Environment.GetEnvironmentVariable("VIRT_EMULATOR_EXIT_CHECKS") != "1";
        if (_exitChecks != null)
        {
            // Nothing is translated yet.
            _exitChecks.Enabled = !_leanExitChecks;
        }

        _self = GCHandle.Alloc(this);
        var user = GCHandle.ToIntPtr(_self);
        _user = user;
        engine.AddInterruptHook(&OnException, user);
        engine.AddSystemRegisterHook(false, &OnMrs, user);
        engine.AddSystemRegisterHook(true, &OnMsr, user);
        _userBlockCell = FlagGatedCallback.AllocateCell(&OnUserBlock, user);
        if (!_leanExitChecks)
        {
            UseCompatibleInterrupts();
        }

        CpuState.EnterEl1(engine);
    }

    public object Gate { get; }

    /// <summary>Drives the guest's IRQ input. Called under <see cref="Gate"/>, from any thread.</summary>
    public void SetIrq(bool level)
    {
        if (level == _virtualIrq)
        {
            return;
        }

        _virtualIrq = level;
        if (!_irqHeld)
        {
            _irqLine.Set(level);
        }

        PublishIrqForUserBlocks();

        if (level)
        {
            KickIfInterruptWaiting();
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>
    /// Whether the IRQ line is raised for the guest and a kick would deliver it. A raised IRQ line kicks the guest while
    /// every translated block checks for exits at its start only (<see cref="ExitChecksAtBlockStartsOnly"/>): an exit
    /// requested from any thread (QEMU's cpu_exit: icount_decr's high half) is then taken at the next block start,
    /// where nothing of the block has run and QEMU takes the interrupt; at any exception level, in a <c>for(;;);</c> as
    /// anywhere. Not while the illegal-state probe is armed (code translated then checks after accesses, where an exit
    /// would replay the access). Under <see cref="Gate"/>.
    /// </summary>
    internal bool InterruptWaiting => _virtualIrq && !_irqHeld && ExitChecksAtBlockStartsOnly;

    /// <summary>
    /// Kicks the guest if an interrupt waits for it. SetIrq does it when the line rises; the timer thread does it
    /// again every millisecond while the line stays raised, because a kick can be lost: Unicorn clears the request
    /// with a plain store and then reads the interrupt word, and on x86 that load may pass the store, so a kick made
    /// in between is overwritten with the interrupt unseen. Under <see cref="Gate"/>, from any thread.
    /// </summary>
    internal void KickIfInterruptWaiting()
    {
        if (InterruptWaiting)
        {
            _irqLine.RequestExit();
            Kicks++;
        }
    }

    /// <summary>Kicks made (diagnostics).</summary>
    public long Kicks { get; private set; }

    /// <summary>
    /// Leaves the kicks for the design that needs no exact exits: every check after accesses and hooks back on for
    /// new code, and user code interrupted by the user-block hook (<see cref="OnUserBlock"/>) instead of kicks (kernel
    /// code takes its interrupts at its next exception, timer access, unmask or WFI). For a debugger (its code hooks
    /// stop before an instruction and need the check after them), for VIRT_EMULATOR_EXIT_CHECKS=1, and once the guest
    /// returns to AArch32 (<see cref="OnSpsrWrite"/>): Unicorn's Thumb translator turns the checks back on by itself,
    /// which would make kicks replay accesses. Before the first run or between runs (it flushes translated code).
    /// </summary>
    private void UseCompatibleInterrupts()
    {
        lock (Gate)
        {
            _leanExitChecks = false;
        }

        RestoreExitChecks();
        if (_userBlockHook == 0)
        {
            _userBlockHook = _engine.AddBlockHook(FlagGatedCallback.CallbackFor(_userBlockCell), (nint)_userBlockCell, 0,
                UserAddressEnd);
        }

        _engine.FlushTranslations();
    }

    /// <summary>
    /// The debugger, when one is enabled (-s, -gdb). Without one the run loop pays only a null check per
    /// return from Unicorn and per exception.
    /// </summary>
    public CpuDebugger? Debugger { get; private set; }

    /// <summary>Enables the gdb stub's access to this CPU; before <see cref="Run"/>.</summary>
    internal CpuDebugger EnableDebugger(Memory.GuestRam ram, bool haltAtStart)
    {
        // Breakpoints, steps and watchpoints stop from code hooks, before an instruction: that needs the check after
        // every hook.
        UseCompatibleInterrupts();
        return Debugger = new CpuDebugger(this, _engine, ram, _timer, haltAtStart);
    }

    /// <summary>
    /// Whether translated code checks for exits only at block starts now: lean checks wanted, and no illegal-state
    /// probe armed (its code hook leaves the block by writing PC, which needs the check after the hook).
    /// </summary>
    private bool ExitChecksAtBlockStartsOnly => _leanExitChecks && _illegalStateProbe == 0;

    /// <summary>
    /// Unicorn's AArch32 Thumb translator sets or clears no_exit_request itself (it turns the checks off inside IT
    /// blocks), so after Thumb code has been translated the flag may be wrong for what comes next: put it back.
    /// Code translated in between is safe either way (see <see cref="TakePendingInterruptAfterHook"/>).
    /// </summary>
    private void RestoreExitChecks()
    {
        if (_exitChecks != null && _exitChecks.Enabled == ExitChecksAtBlockStartsOnly)
        {
            _exitChecks.Enabled = !ExitChecksAtBlockStartsOnly;
        }
    }

    /// <summary>While held (a debugger's single step), the IRQ line stays low for the guest; its level is kept.</summary>
    internal void HoldIrq(bool hold)
    {
        lock (Gate)
        {
            _irqHeld = hold;
            _irqLine.Set(!hold && _virtualIrq);
            PublishIrqForUserBlocks();
        }
    }

    /// <summary>The highest address of the lower (TTBR0, user) half of a 48-bit address space.</summary>
    private const ulong UserAddressEnd = (1UL << 48) - 1;

    private const ulong PstateIrqMasked = 1UL << 7;

    private void PublishIrqForUserBlocks()
    {
        if (_userBlockCell != null)
        {
            Volatile.Write(ref _userBlockCell[0], _virtualIrq && !_irqHeld ? 1 : 0);
        }
    }

    /// <summary>
    /// The block hook over the lower half of the address space (user code): Unicorn calls it at the start of
    /// every block there, before any of the block's instructions, through <see cref="FlagGatedCallback"/>'s front,
    /// which returns after one load while the IRQ line is low. With the line raised and IRQs unmasked it writes
    /// PC to the block's own address: Unicorn leaves the block there, with nothing of it executed (no access can
    /// be repeated), and takes the interrupt before it runs anything else. This is how code that never traps (a
    /// user program's <c>for(;;);</c>) is interrupted. If the line drops in between, the guest simply resumes at
    /// the same block.
    /// </summary>
    [UnmanagedCallersOnly]
    private static void OnUserBlock(nint uc, ulong address, uint size, nint cell)
    {
        var shared = (nint*)cell;
        if (Volatile.Read(ref shared[0]) == 0)
        {
            return;
        }

        var vcpu = From(shared[1]);
        try
        {
            vcpu.TakeInterruptAtBlock(address);
        }
        catch (Exception e)
        {
            vcpu.Fail(e);
        }
    }

    private bool IrqMasked() =>
        _aarch32.IsActive ? (_aarch32.Cpsr & PstateIrqMasked) != 0 : (_engine.Read(Arm64Reg.Pstate) & PstateIrqMasked) != 0;

    private void TakeInterruptAtBlock(ulong address)
    {
        // While masked Unicorn would not take it, and leaving the block would only bring the guest back here.
        if (IrqMasked())
        {
            return;
        }

        lock (Gate)
        {
            // The flag is read without the lock: look again. And assert the request word once more, so that
            // leaving the block is sure to take the interrupt (never an exit that finds nothing to take and
            // comes back here at once).
            if (!_virtualIrq || _irqHeld)
            {
                return;
            }

            _irqLine.Set(true);
        }

        UserBlockExits++;
        if (_aarch32.IsActive)
        {
            // AArch32's PC is R15; writing Unicorn's (AArch64) PC register is still what makes it leave the block.
            _aarch32.SetPc((uint)address);
        }

        _engine.Write(Arm64Reg.Pc, address);
    }

    /// <summary>Interrupts taken at the start of a user block (see <see cref="OnUserBlock"/>).</summary>
    public long UserBlockExits { get; private set; }

    /// <summary>Asks the run loop to end (Ctrl-A x, a test's shutdown). Safe from any thread.</summary>
    public void RequestExit(MachineExit exit)
    {
        lock (Gate)
        {
            _exit ??= exit;
            Monitor.PulseAll(Gate);

            // The one asynchronous stop we allow: the machine is going away, so a replayed instruction
            // can no longer matter. Only a running engine is stopped (once Run has returned, the machine
            // may already have closed it), and the stop is repeated until Run returns, because one that
            // arrives just before uc_emu_start begins is ignored by Unicorn.
            while (_engineRunning)
            {
                _engine.Stop();
                Monitor.Wait(Gate, 10);
            }
        }
    }

    /// <summary>Runs the guest from <paramref name="entry"/> with x0..x3 set, until it powers off or resets.</summary>
    public MachineExit Run(ulong entry, ulong x0)
    {
        try
        {
            return RunGuest(entry, x0);
        }
        finally
        {
            Debugger?.MachineExited();
        }
    }

    private MachineExit? HaltForDebugger(CpuDebugger debugger, Debug.StopEvent stop) => debugger.Halt(stop, () => _exit);

    private MachineExit RunGuest(ulong entry, ulong x0)
    {
        _engine.WriteX(0, x0);
        for (var i = 1; i < 4; i++)
        {
            _engine.WriteX(i, 0);
        }

        var pc = entry;
        if (Debugger is { HaltAtStart: true } halting)
        {
            _engine.Write(Arm64Reg.Pc, pc);
            if (HaltForDebugger(halting, Debug.StopEvent.Trap) is { } exitAtStart)
            {
                return exitAtStart;
            }

            pc = _engine.Read(Arm64Reg.Pc);
        }

        while (true)
        {
            // RequestExit's uc_emu_stop does nothing while no emulation is running (before the first
            // run, or between a WFI wake-up and the next run), so look for a request before starting.
            lock (Gate)
            {
                if (_exit is { } pending)
                {
                    return pending;
                }

                _engineRunning = true;
            }

            int error;
            try
            {
                error = _engine.Run(pc);
            }
            finally
            {
                lock (Gate)
                {
                    _engineRunning = false;
                    Monitor.PulseAll(Gate);
                }
            }

            if (_fatal != null)
            {
                throw new InvalidOperationException($"emulator fault while running the guest: {_fatal.Message}", _fatal);
            }

            lock (Gate)
            {
                if (_exit is { } exit)
                {
                    return exit;
                }
            }

            if (_armProbeAfterRun && error == 0)
            {
                // OnSpsrWrite stopped the run at the next block start to arm the probe there (a WFI that ended the
                // run at the same time simply returns).
                _armProbeAfterRun = false;
                ArmIllegalStateProbe();
                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            if (_compatibleAfterRun && error == 0)
            {
                // OnSpsrWrite stopped the run at the next block start, before anything in AArch32 ran.
                _compatibleAfterRun = false;
                UseCompatibleInterrupts();
                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            if (Debugger is { } debugger && debugger.TakeStop() is { } stop)
            {
                if (HaltForDebugger(debugger, stop) is { } exitWhileHalted)
                {
                    return exitWhileHalted;
                }

                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            if (error is ErrorFetchUnmapped or ErrorFetchProtected)
            {
                TakeInstructionAbort();
                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            pc = _engine.Read(Arm64Reg.Pc);
            if (error != 0)
            {
                // Every physical address is backed (RAM, a device, or the all-ones hole), so Unicorn
                // should have nothing else to refuse; if it does, say where.
                throw new UnicornException($"running the guest (pc 0x{pc:x})", error);
            }

            // A normal return without an exit request means the guest executed WFI (an illegal exception
            // return before it makes the WFI take the Illegal Execution State exception instead).
            if (TakeIllegalStateException(pc - 4))
            {
                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            // A WFI: a debugger's step or Ctrl-C stops here (a WFI may end at any time), else sleep.
            if (Debugger is { } waiting && (waiting.Stepping || waiting.BreakRequested))
            {
                if (HaltForDebugger(waiting, waiting.Stepping ? Debug.StopEvent.Trap : Debug.StopEvent.Interrupted) is { } exitAtWfi)
                {
                    return exitAtWfi;
                }

                pc = _engine.Read(Arm64Reg.Pc);
                continue;
            }

            if (WaitForInterrupt() is { } requested)
            {
                return requested;
            }

            if (Debugger is { BreakRequested: true } woken)
            {
                if (HaltForDebugger(woken, Debug.StopEvent.Interrupted) is { } exitAfterWait)
                {
                    return exitAfterWait;
                }

                pc = _engine.Read(Arm64Reg.Pc);
            }
        }
    }

    private const int ErrorFetchUnmapped = 8;
    private const int ErrorFetchProtected = 14;

    /// <summary>
    /// Physical addresses where QEMU fetches instructions by reading a device (its flash at 0, device
    /// registers), rather than failing the fetch; set by the board. Empty by default.
    /// </summary>
    public Func<ulong, bool> IsDeviceMemory { get; set; } = _ => false;

    /// <summary>
    /// Unicorn refuses to fetch instructions from anything but RAM and returns from the run. QEMU answers a
    /// fetch from an address where nothing is with a synchronous external abort on the instruction fetch
    /// (ESR 0x86000010 from EL1, 0x82000010 from EL0, FAR = ELR = the address). From a device (its flash,
    /// the UART) it executes what the device reads: in practice zeros or ones, an undefined instruction
    /// (ESR 0x02000000, ELR = the address, FAR untouched). The host does the same for A64 code with the MMU
    /// off, where the address is physical; with the MMU on it cannot tell a device from a hole and aborts.
    /// </summary>
    private void TakeInstructionAbort()
    {
        Exceptions++;
        var fromAarch32 = _aarch32.IsActive;
        var address = fromAarch32 ? _aarch32.Register(15) : _engine.Read(Arm64Reg.Pc);
        var mmuOff = (_engine.Read(SysReg.SctlrEl1) & 1) == 0;
        if (!fromAarch32 && mmuOff && IsDeviceMemory(address))
        {
            TakeSynchronousException(EsrUnknownReason, null, address);
            return;
        }

        var fromEl = fromAarch32 ? 0 : (_engine.Read(Arm64Reg.Pstate) >> 2) & 3;
        var ec = fromEl == 0 ? EcInstructionAbortLowerEl : EcInstructionAbortSameEl;
        TakeSynchronousException((ec << 26) | EsrIl | FscSynchronousExternalAbort, address, address);
    }

    private const uint EsrUnknownReason = 1u << 25;
    private const uint EcInstructionAbortLowerEl = 0x20;
    private const uint EcInstructionAbortSameEl = 0x21;
    private const uint EcIllegalExecutionState = 0x0E;
    private const uint EsrIl = 1u << 25;
    private const uint FscSynchronousExternalAbort = 0x10;
    private const ulong PstateIllegalExecution = 1UL << 20;

    /// <summary>SPSR.M[4]: the state returned to is AArch32.</summary>
    private const ulong SpsrAarch32 = 1UL << 4;

    /// <summary>
    /// An illegal exception return (ERET to a higher EL, say) sets PSTATE.IL and resumes at ELR; QEMU then
    /// raises the Illegal Execution State exception (EC 0x0E) at the first instruction. Unicorn's translator
    /// (QEMU 5.0) ignores PSTATE.IL, and the host cannot see an ERET. But it sees the MSR that puts such a
    /// value in SPSR_EL1 (<see cref="OnSpsrWrite"/>), and then watches every instruction until the
    /// exception is taken (<see cref="OnIllegalStateProbe"/>), so the exception comes at the first
    /// instruction after the return. Without that probe (SPSR written some other way) it is taken at the
    /// next instruction the host does see: one that traps or WFI. Returns whether the exception was taken.
    /// </summary>
    private bool TakeIllegalStateException(ulong instruction)
    {
        if (_aarch32.IsActive || (_engine.Read(Arm64Reg.Pstate) & PstateIllegalExecution) == 0)
        {
            return false;
        }

        Exceptions++;
        TakeSynchronousException((EcIllegalExecutionState << 26) | EsrIl, null, instruction);
        return true;
    }

    /// <summary>Sleeps until an interrupt is pending for the CPU; returns an exit request that came meanwhile.</summary>
    private MachineExit? WaitForInterrupt()
    {
        lock (Gate)
        {
            while (_exit == null)
            {
                if (Debugger is { BreakRequested: true })
                {
                    return null;
                }

                _updateDevices();
                if (_irqPending())
                {
                    // Assert the request again in case the halt cleared it in Unicorn.
                    _irqLine.Set(true);
                    return null;
                }

                var deadline = _nextDeadline();
                Monitor.Wait(Gate, deadline is { } d ? _clock.MillisecondsUntil(d, 1000) : 1000);
            }

            return _exit;
        }
    }

    private static Vcpu From(nint user) => (Vcpu)GCHandle.FromIntPtr(user).Target!;

    [UnmanagedCallersOnly]
    private static void OnException(nint uc, uint intno, nint user)
    {
        var vcpu = From(user);
        try
        {
            vcpu.HandleException(intno);

            // The PC written here (uc_reg_write) leaves a skip flag that only a check in translated code clears, and
            // no check follows this hook: Unicorn leaves its loop through the exit request instead. Left set, the flag
            // would make the next exit at a block start (a kick's) keep a stale PC instead of the block's own.
            vcpu._exitChecks?.ForgetPcWrite();
        }
        catch (Exception e)
        {
            vcpu.Fail(e);
        }
    }

    private const uint ExceptionHvc = 11;
    private const uint ExceptionSmc = 13;
    private const uint EcTrappedSystemRegister = 0x18;

    private const uint ExceptionSvc = 2;
    private const uint ExceptionPrefetchAbort = 3;
    private const uint ExceptionDataAbort = 4;

    private void HandleException(uint intno)
    {
        RestoreExitChecks();
        // SVC, HVC and SMC report the address after the instruction; every other exception the instruction's own.
        var afterInstruction = intno is ExceptionSvc or ExceptionHvc or ExceptionSmc;
        if (TakeIllegalStateException(_engine.Read(Arm64Reg.Pc) - (afterInstruction ? 4UL : 0)))
        {
            return;
        }

        Exceptions++;
        if (intno is ExceptionHvc or ExceptionSmc)
        {
            CallFirmware();
            return;
        }

        var (esr, far, targetEl) = _syndrome.Read();
        TakeException(esr, far, targetEl, intno);

        // The exception is taken: a boundary where a debugger's Ctrl-C can stop the guest exactly.
        if (Debugger is { BreakRequested: true } debugger)
        {
            debugger.StopRun(Debug.StopEvent.Interrupted);
        }
    }

    private void TakeException(uint esr, ulong far, uint targetEl, uint intno)
    {
        if (targetEl == 2 && esr >> 26 == EcTrappedSystemRegister && EmulateTimerRegister(esr))
        {
            return;
        }

        // QEMU writes FAR only for aborts (its value is UNKNOWN after other exceptions).
        var hasAddress = intno is ExceptionPrefetchAbort or ExceptionDataAbort;
        TakeSynchronousException(esr, hasAddress ? far : null, null);
    }

    /// <summary>
    /// An MRS/MSR of a physical timer register, trapped to EL2 (ISS: Op0 21:20, Op2 19:17, Op1 16:14,
    /// CRn 13:10, Rt 9:5, CRm 4:1, direction 0 with 1 = read). Emulates it and steps past it.
    /// </summary>
    private bool EmulateTimerRegister(uint esr)
    {
        var op0 = (esr >> 20) & 3;
        var op2 = (esr >> 17) & 7;
        var op1 = (esr >> 14) & 7;
        var crn = (esr >> 10) & 0xF;
        var crm = (esr >> 1) & 0xF;
        var rt = (int)((esr >> 5) & 0x1F);
        var isRead = (esr & 1) != 0;
        lock (Gate)
        {
            if (isRead)
            {
                if (!_timer.TryReadRegister(op0, op1, crn, crm, op2, out var value))
                {
                    return false;
                }

                if (rt != 31)
                {
                    _engine.WriteX(rt, value);
                }
            }
            else
            {
                if (!_timer.TryWriteRegister(op0, op1, crn, crm, op2, rt == 31 ? 0 : _engine.ReadX(rt)))
                {
                    return false;
                }

                // The timer thread sleeps until the old deadline: wake it to look at the new one.
                Monitor.PulseAll(Gate);
            }
        }

        TimerRegisterTraps++;
        _engine.Write(Arm64Reg.Pc, _engine.Read(Arm64Reg.Pc) + 4);
        return true;
    }

    private static readonly bool TraceExceptions = Environment.GetEnvironmentVariable("VIRT_EMULATOR_TRACE") == "2";

    private void CallFirmware()
    {
        var (x0, action) = Psci.Call(_engine.ReadX(0), _engine.ReadX(1), _engine.ReadX(2), _engine.ReadX(3));
        _engine.WriteX(0, x0);
        if (action != PsciAction.None)
        {
            lock (Gate)
            {
                _exit ??= action == PsciAction.PowerOff ? MachineExit.PowerOff : MachineExit.Reset;
            }

            _engine.Stop();
        }
    }

    /// <summary>
    /// MRS hook: reads of the virtual timer's registers, which ARMv8.0 cannot trap, are emulated; every
    /// other system register reads natively (the hook returns 0).
    /// </summary>
    [UnmanagedCallersOnly]
    private static uint OnMrs(nint uc, int reg, CpReg* cp, nint user)
    {
        if (!GenericTimer.IsVirtualTimerRegister(cp->Op0, cp->Op1, cp->Crn, cp->Crm))
        {
            return 0;
        }

        var vcpu = From(user);
        try
        {
            return vcpu.HookedTimerRead(cp, reg);
        }
        catch (Exception e)
        {
            vcpu.Fail(e);
            return 0;
        }
    }

    /// <summary>
    /// MSR hook: writes to the virtual timer's registers are emulated, like reads in <see cref="OnMrs"/>;
    /// writes to SPSR_EL1 are watched for values that make the next ERET illegal (<see cref="OnSpsrWrite"/>).
    /// </summary>
    [UnmanagedCallersOnly]
    private static uint OnMsr(nint uc, int reg, CpReg* cp, nint user)
    {
        var isSpsr = cp->IsRegister(SysReg.SpsrEl1);
        if (isSpsr
            ? s_armedProbes == 0 && !MakesIllegalState(cp->Value) && (cp->Value & SpsrAarch32) == 0
            : !GenericTimer.IsVirtualTimerRegister(cp->Op0, cp->Op1, cp->Crn, cp->Crm))
        {
            return 0;
        }

        var vcpu = From(user);
        try
        {
            return isSpsr ? vcpu.OnSpsrWrite(cp->Value) : vcpu.HookedTimerWrite(cp);
        }
        catch (Exception e)
        {
            vcpu.Fail(e);
            return 0;
        }
    }

    /// <summary>
    /// Whether an ERET at EL1 with this SPSR leaves PSTATE.IL set: an illegal return (ARM ARM "Illegal
    /// return events", as QEMU's el_from_spsr and exception return check them for a CPU whose EL1 is
    /// AArch64: a reserved M, EL0 with SP_EL1, a higher EL, AArch32 other than User) or SPSR.IL itself.
    /// </summary>
    internal static bool MakesIllegalState(ulong spsr)
    {
        if ((spsr & PstateIllegalExecution) != 0)
        {
            return true;
        }

        var m = (uint)spsr & 0x1F;
        if ((m & 0x10) != 0)
        {
            return m != 0x10;
        }

        return (m & 2) != 0 || m == 1 || m >> 2 > 1;
    }

    /// <summary>Probes armed in this process: while there are none, a legal SPSR write returns at once.</summary>
    private static int s_armedProbes;

    /// <summary>
    /// An MSR to SPSR_EL1 (only EL1 can write it). A value that makes the next ERET illegal arms the probe:
    /// a code hook on every instruction, which takes the Illegal Execution State exception at the first one
    /// executed with PSTATE.IL set. A legal value disarms it. Nothing to do otherwise (the MSR runs natively).
    /// Arming and disarming flush the translated code (hook calls are placed at translation), so the hook
    /// writes SPSR itself and leaves the block by writing PC, as <see cref="UnicornEngine.FlushTranslations"/>
    /// requires. Linux never writes an illegal value, so this costs it nothing but the check.
    /// </summary>
    private uint OnSpsrWrite(ulong value)
    {
        var illegal = MakesIllegalState(value);
        var toAarch32 = !illegal && (value & SpsrAarch32) != 0 && _leanExitChecks;
        if (!toAarch32 && illegal == (_illegalStateProbe != 0))
        {
            return 0;
        }

        // At EL0 the MSR is undefined: let Unicorn raise that.
        if (((_engine.Read(Arm64Reg.Pstate) >> 2) & 3) == 0)
        {
            return 0;
        }

        if (toAarch32)
        {
            // A return to AArch32 is coming: leave the kicks before any AArch32 code is translated. Let the MSR run
            // and stop at the next block start (exactly), where Run switches.
            _compatibleAfterRun = true;
            _exitChecks!.ForgetPcWrite();
            _engine.Stop();
            return 0;
        }

        if (illegal && ExitChecksAtBlockStartsOnly)
        {
            // No check follows this hook, so writing PC here would replay the rest of the block. Let the MSR run,
            // and stop at the next block start (exactly: nothing of that block has run), where Run arms the probe.
            _armProbeAfterRun = true;
            _exitChecks!.ForgetPcWrite();
            _engine.Stop();
            return 0;
        }

        if (illegal)
        {
            ArmIllegalStateProbe();
        }
        else
        {
            DisarmIllegalStateProbe();
        }

        _engine.Write(SysReg.SpsrEl1, value);
        _engine.Write(Arm64Reg.Pc, _engine.Read(Arm64Reg.Pc) + 4);
        return 1;
    }

    /// <summary>
    /// Adds the probe, with the exit checks after hooks on while it is armed; the caller writes PC or is between runs
    /// (see <see cref="UnicornEngine.FlushTranslations"/>).
    /// </summary>
    private void ArmIllegalStateProbe()
    {
        var probe = _engine.AddCodeHook(&OnIllegalStateProbe, _user);
        lock (Gate)
        {
            // No kicks while it is armed (see InterruptWaiting).
            _illegalStateProbe = probe;
        }

        Interlocked.Increment(ref s_armedProbes);
        RestoreExitChecks();
        _engine.FlushTranslations();
    }

    /// <summary>
    /// Removes the probe; the caller writes PC (see <see cref="UnicornEngine.FlushTranslations"/>). Code translated
    /// while it was armed checks after hooks, so that PC write leaves the block.
    /// </summary>
    private void DisarmIllegalStateProbe()
    {
        if (_illegalStateProbe == 0)
        {
            return;
        }

        _engine.DeleteHook(_illegalStateProbe);
        lock (Gate)
        {
            // Kicks are exact again: the block running now is left before its next access (the caller writes PC, or
            // is between blocks), and every block after the flush is translated without checks after accesses.
            _illegalStateProbe = 0;
        }

        Interlocked.Decrement(ref s_armedProbes);
        RestoreExitChecks();
        _engine.FlushTranslations();
    }

    /// <summary>The armed probe: runs before each instruction, at <paramref name="address"/>.</summary>
    [UnmanagedCallersOnly]
    private static void OnIllegalStateProbe(nint uc, ulong address, uint size, nint user)
    {
        var vcpu = From(user);
        try
        {
            // Taking the exception writes PC, so Unicorn leaves the block before executing the instruction.
            vcpu.TakeIllegalStateException(address);
        }
        catch (Exception e)
        {
            vcpu.Fail(e);
        }
    }

    private uint HookedTimerRead(CpReg* cp, int reg)
    {
        ulong value;
        lock (Gate)
        {
            if (!_timer.TryReadRegister(cp->Op0, cp->Op1, cp->Crn, cp->Crm, cp->Op2, out value))
            {
                return 0;
            }
        }

        TimerRegisterTraps++;
        if (reg != (int)Arm64Reg.Xzr)
        {
            _engine.Write((Arm64Reg)reg, value);
        }

        TakePendingInterruptAfterHook();
        return 1;
    }

    /// <summary>
    /// A hooked timer access is, like a trapped one, a point where a pending interrupt is taken: Unicorn
    /// syncs PC to the instruction before the hook and, when the hook writes PC, leaves the block right
    /// after it (measured), so stepping PC past the access here is exact. It is also where a debugger's Ctrl-C
    /// stops the guest: with PC written, a stop keeps that PC (Unicorn resynchronises PC to the block start only
    /// when no stop and no PC write is pending), so the guest stops right after the access.
    /// </summary>
    private void TakePendingInterruptAfterHook()
    {
        if (ExitChecksAtBlockStartsOnly)
        {
            // No check follows the hook (and no debugger is attached): writing PC would replay the rest of the block.
            // Ask for an exit instead; the next block start honours it exactly and QEMU takes the interrupt there. In
            // code translated with the checks on (after Thumb code, see RestoreExitChecks) the check after the hook
            // honours it, restoring PC to this access, which then runs again: reading or writing a timer register
            // twice is harmless. Only while the interrupt can be taken, or that replay would repeat.
            if (_virtualIrq && !_irqHeld && !IrqMasked())
            {
                _exitChecks!.ForgetPcWrite();
                _irqLine.RequestExit();
            }

            return;
        }

        var debugger = Debugger is { BreakRequested: true } d ? d : null;
        if (_virtualIrq || debugger != null)
        {
            _engine.Write(Arm64Reg.Pc, _engine.Read(Arm64Reg.Pc) + 4);
        }

        debugger?.StopRun(Debug.StopEvent.Interrupted);
    }

    private uint HookedTimerWrite(CpReg* cp)
    {
        lock (Gate)
        {
            if (!_timer.TryWriteRegister(cp->Op0, cp->Op1, cp->Crn, cp->Crm, cp->Op2, cp->Value))
            {
                return 0;
            }

            Monitor.PulseAll(Gate);
        }

        TimerRegisterTraps++;
        TakePendingInterruptAfterHook();
        return 1;
    }

    /// <summary>
    /// Exception entry to EL1, done by the host because Unicorn drops synchronous exceptions. The order
    /// of the writes matters (shared/notes/cpu-core.md): PSTATE first, then a system register write so
    /// Unicorn rebuilds its cached execution flags, then SP and PC. From AArch32 (EL0 only: EL1 is AArch64)
    /// the state comes from <see cref="Aarch32State"/>, the stack pointers are left alone (R13 is X13, not
    /// SP_EL0) and the vector is the lower-EL AArch32 one at VBAR + 0x600. <paramref name="returnAddress"/>
    /// overrides ELR (by default the PC Unicorn reports: the preferred return address); FAR is written only
    /// when <paramref name="far"/> is given.
    /// </summary>
    private void TakeSynchronousException(uint esr, ulong? far, ulong? returnAddress)
    {
        // The entry rewrites SPSR_EL1 (and ends with a PC write, as the flush requires).
        DisarmIllegalStateProbe();
        ulong spsr;
        ulong elr;
        ulong vectorOffset;
        if (_aarch32.IsActive)
        {
            spsr = _aarch32.Cpsr;
            elr = returnAddress ?? _aarch32.Register(15);
            vectorOffset = 0x600;
            _aarch32.SwitchToAarch64();
        }
        else
        {
            spsr = _engine.Read(Arm64Reg.Pstate);
            elr = returnAddress ?? _engine.Read(Arm64Reg.Pc);
            var sp = _engine.Read(Arm64Reg.Sp);
            var fromEl = (spsr >> 2) & 3;
            if (fromEl == 0)
            {
                _engine.Write(Arm64Reg.SpEl0, sp);
                vectorOffset = 0x400;
            }
            else if ((spsr & 1) != 0)
            {
                _engine.Write(Arm64Reg.SpEl1, sp);
                vectorOffset = 0x200;
            }
            else
            {
                _engine.Write(Arm64Reg.SpEl0, sp);
                vectorOffset = 0;
            }
        }

        if (TraceExceptions)
        {
            Console.Error.WriteLine($"exception esr=0x{esr:x} far=0x{far ?? 0:x} elr=0x{elr:x} spsr=0x{spsr:x} vbar=0x{_engine.Read(Arm64Reg.VbarEl1):x}");
        }

        _engine.Write(Arm64Reg.ElrEl1, elr);
        _engine.Write(Arm64Reg.EsrEl1, esr);
        if (far is { } address)
        {
            _engine.Write(Arm64Reg.FarEl1, address);
        }

        _engine.Write(Arm64Reg.Pstate, (spsr & CpuState.PstateNzcvMask) | CpuState.PstateEl1hMasked);
        _engine.Write(SysReg.SpsrEl1, spsr);
        _engine.Write(Arm64Reg.Sp, _engine.Read(Arm64Reg.SpEl1));
        _engine.Write(Arm64Reg.Pc, _engine.Read(Arm64Reg.VbarEl1) + vectorOffset);
    }

    /// <summary>A bug on the host side inside a callback: stop the guest and report it from Run.</summary>
    internal void Fail(Exception e)
    {
        _fatal ??= e;
        _engine.Stop();
    }

    public void Dispose()
    {
        _syndrome.Dispose();
        if (_illegalStateProbe != 0)
        {
            // The hook goes with the engine; only the count is this class's.
            _illegalStateProbe = 0;
            Interlocked.Decrement(ref s_armedProbes);
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        // The engine is not running any more; a device may still drive the line (under Gate), so the cell
        // goes under Gate too.
        lock (Gate)
        {
            NativeMemory.Free(_userBlockCell);
            _userBlockCell = null;
        }
    }
}
