using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Emulator.Core.Debug;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Cpu;

/// <summary>
/// The CPU side of the gdb stub. The stub's thread calls the <see cref="IDebugTarget"/> methods; everything that
/// touches Unicorn runs on the vCPU thread, which waits in <see cref="Halt"/> while the guest is stopped and
/// executes the stub's requests there one at a time.
/// <para>
/// Stops happen only where the host already regains control synchronously (shared/notes/cpu-core.md: an
/// asynchronous stop replays device accesses): a code hook before an instruction (Unicorn synchronises PC to the
/// instruction and a stop there leaves before it runs), an exception entry, WFI. Breakpoints are code hooks on
/// their addresses only, single steps and watchpoints a code hook on every instruction, watchpoints memory hooks
/// on their ranges; none exists while nothing is set, and translated code is flushed whenever they change, so a
/// machine with no breakpoint runs exactly as without a debugger. A Ctrl-C is taken at the next exception entry
/// or WFI, which a running kernel reaches at its next timer tick, system call or idle loop.
/// </para>
/// </summary>
public sealed unsafe class CpuDebugger : IDebugTarget, IDisposable
{
    private readonly Vcpu _vcpu;
    private readonly UnicornEngine _engine;
    private readonly GuestRam _ram;
    private readonly GenericTimer _timer;
    private readonly object _gate;
    private GCHandle _self;

    // Between the stub's thread and the vCPU thread, under _gate.
    private Func<object?>? _request;
    private object? _response;
    private Exception? _requestError;
    private bool _requestDone;
    private bool _resume;
    private bool _resumeStep;
    private bool _halted;
    private bool _exited;
    private StopEvent? _report;
    private volatile bool _breakRequested;
    private volatile bool _detached;

    // vCPU thread only.
    private readonly Dictionary<ulong, (nint Hook, BreakpointKind Kind)> _breakpoints = [];
    private readonly List<Watchpoint> _watchpoints = [];
    private nint _stepHook;
    private nint _watchBoundaryHook;
    private bool _stepping;
    private bool _firstInstruction;
    private ulong _resumePc;
    private StopEvent? _stop;
    private StopEvent? _watchHit;
    private bool _rewindPending;
    private nint _rewindContext;
    private (ulong Physical, byte[] Bytes)? _rewindMemory;

    /// <summary>A watchpoint: a virtual range, hooked page by page at the physical addresses it had when set.</summary>
    private sealed record Watchpoint(BreakpointKind Kind, ulong Address, ulong Length, List<WatchPiece> Pieces);

    private sealed record WatchPiece(ulong Virtual, ulong Physical, ulong Length, nint ReadHook, nint WriteHook);

    internal CpuDebugger(Vcpu vcpu, UnicornEngine engine, GuestRam ram, GenericTimer timer, bool haltAtStart)
    {
        _vcpu = vcpu;
        _engine = engine;
        _ram = ram;
        _timer = timer;
        _gate = vcpu.Gate;
        HaltAtStart = haltAtStart;
        _self = GCHandle.Alloc(this);
    }

    /// <summary>-S: the CPU waits for gdb before its first instruction.</summary>
    public bool HaltAtStart { get; }

    internal bool BreakRequested => _breakRequested;

    internal bool Stepping => _stepping;

    private nint User => GCHandle.ToIntPtr(_self);

    private static CpuDebugger From(nint user) => (CpuDebugger)GCHandle.FromIntPtr(user).Target!;

    // ---- vCPU thread: called by Vcpu.Run ----

    /// <summary>The stop a hook recorded during the last run, if any (taken once).</summary>
    internal StopEvent? TakeStop()
    {
        var stop = _stop;
        _stop = null;
        return stop;
    }

    /// <summary>Called in a hook: stop the run before the current instruction (or after the exception entry).</summary>
    internal void StopRun(StopEvent stop)
    {
        _stop ??= stop;
        _engine.Stop();
    }

    /// <summary>
    /// The guest is stopped at an instruction boundary: report it to the stub and serve its requests until it
    /// resumes the guest (null) or the machine is asked to exit (that exit).
    /// </summary>
    internal MachineExit? Halt(StopEvent stop, Func<MachineExit?> exitRequested)
    {
        EndStep();
        Rewind();
        _watchHit = null;
        lock (_gate)
        {
            _halted = true;
            _breakRequested = false;
            _report = stop;
            Monitor.PulseAll(_gate);
        }

        while (true)
        {
            Func<object?> request;
            lock (_gate)
            {
                while (_request == null && !_resume && exitRequested() == null)
                {
                    Monitor.Wait(_gate);
                }

                if (exitRequested() is { } exit)
                {
                    _halted = false;
                    Monitor.PulseAll(_gate);
                    return exit;
                }

                if (_request == null)
                {
                    _resume = false;
                    _halted = false;
                    break;
                }

                request = _request;
            }

            object? response = null;
            Exception? error = null;
            try
            {
                response = request();
            }
            catch (Exception e)
            {
                error = e;
            }

            lock (_gate)
            {
                _request = null;
                _response = response;
                _requestError = error;
                _requestDone = true;
                Monitor.PulseAll(_gate);
            }
        }

        if (_resumeStep)
        {
            BeginStep();
        }

        return null;
    }

    /// <summary>The machine has stopped running for good: a waiting stub hears that the guest exited.</summary>
    internal void MachineExited()
    {
        lock (_gate)
        {
            _exited = true;
            _halted = false;
            _report = new StopEvent(0, Exited: true);
            Monitor.PulseAll(_gate);
        }
    }

    private void BeginStep()
    {
        _stepping = true;
        _firstInstruction = true;
        _resumePc = _engine.Read(Arm64Reg.Pc);
        // Interrupts wait while stepping (as QEMU's gdbstub steps with SSTEP_NOIRQ): a step stays in the code.
        _vcpu.HoldIrq(true);
        _stepHook = _engine.AddCodeHook(&OnStep, User);
        _engine.FlushTranslations();
    }

    private void EndStep()
    {
        if (!_stepping)
        {
            return;
        }

        _stepping = false;
        _firstInstruction = false;
        _engine.DeleteHook(_stepHook);
        _stepHook = 0;
        _vcpu.HoldIrq(false);
        _engine.FlushTranslations();
    }

    [UnmanagedCallersOnly]
    private static void OnStep(nint uc, ulong address, uint size, nint user)
    {
        var debugger = From(user);
        if (debugger._firstInstruction)
        {
            debugger._firstInstruction = false;
            return;
        }

        debugger.StopRun(StopEvent.Trap);
    }

    [UnmanagedCallersOnly]
    private static void OnBreakpoint(nint uc, ulong address, uint size, nint user)
    {
        var debugger = From(user);
        if (debugger._detached || (debugger._firstInstruction && address == debugger._resumePc))
        {
            // A step starts on a breakpoint: the instruction there runs (gdb steps off its breakpoints so).
            return;
        }

        if (debugger._breakpoints.TryGetValue(address, out var breakpoint))
        {
            debugger.StopRun(new StopEvent(StopEvent.SigTrap, breakpoint.Kind));
        }
    }

    /// <summary>
    /// A watched range is accessed (Unicorn 2.1.4 reports the physical address to memory hooks, and calls them
    /// before the access). The stop comes before the next instruction (<see cref="OnWatchBoundary"/>), and is then
    /// rewound to before this one, as on ARM: the CPU state saved here (the registers are still those before the
    /// instruction, PC its address) and the bytes about to change are put back, so gdb sees the access instruction
    /// not yet executed, steps over it and compares the old and new values itself.
    /// </summary>
    [UnmanagedCallersOnly]
    private static void OnMemoryAccess(nint uc, int type, ulong address, int size, long value, nint user)
    {
        var debugger = From(user);
        try
        {
            debugger.CheckAccess(type == MemWrite, address, (ulong)size);
        }
        catch (Exception e)
        {
            debugger._vcpu.Fail(e);
        }
    }

    private void CheckAccess(bool write, ulong address, ulong size)
    {
        if (_detached || _watchHit != null)
        {
            return;
        }

        foreach (var watch in _watchpoints)
        {
            var wanted = watch.Kind == BreakpointKind.AccessWatch || (watch.Kind == BreakpointKind.WriteWatch) == write;
            foreach (var piece in watch.Pieces)
            {
                if (!wanted || address >= piece.Physical + piece.Length || address + size <= piece.Physical)
                {
                    continue;
                }

                var hit = Math.Max(address, piece.Physical);
                _watchHit = new StopEvent(StopEvent.SigTrap, watch.Kind, piece.Virtual + (hit - piece.Physical));
                if (_rewindContext == 0)
                {
                    _rewindContext = _engine.AllocateContext();
                }

                _engine.SaveContext(_rewindContext);
                var start = Math.Min(address, piece.Physical);
                var end = Math.Max(address + size, piece.Physical + piece.Length);
                _rewindMemory = _ram.Contains(start, end - start) ? (start, _ram.Slice(start, (int)(end - start)).ToArray()) : null;
                return;
            }
        }
    }

    private const int MemWrite = 17;

    [UnmanagedCallersOnly]
    private static void OnWatchBoundary(nint uc, ulong address, uint size, nint user)
    {
        var debugger = From(user);
        if (debugger._watchHit is { } hit)
        {
            debugger._watchHit = null;
            debugger._rewindPending = true;
            debugger.StopRun(hit);
        }
    }

    /// <summary>After a watchpoint's stop: back to before the access instruction (see <see cref="OnMemoryAccess"/>).</summary>
    private void Rewind()
    {
        if (!_rewindPending)
        {
            return;
        }

        _rewindPending = false;
        _engine.RestoreContext(_rewindContext);
        if (_rewindMemory is { } memory)
        {
            _engine.WriteMemory(memory.Physical, memory.Bytes);
            _rewindMemory = null;
        }
    }

    // ---- the stub's thread ----

    /// <summary>Runs <paramref name="action"/> on the halted vCPU thread; default when the guest is not halted.</summary>
    private T? Call<T>(Func<T> action)
    {
        lock (_gate)
        {
            if (!_halted)
            {
                return default;
            }

            _request = () => action();
            _requestDone = false;
            Monitor.PulseAll(_gate);
            while (!_requestDone && _halted)
            {
                Monitor.Wait(_gate);
            }

            if (!_requestDone)
            {
                return default;
            }

            if (_requestError is { } error)
            {
                if (error is UnicornException)
                {
                    return default;
                }

                throw new InvalidOperationException($"gdb stub request failed: {error.Message}", error);
            }

            return (T?)_response;
        }
    }

    public void Resume(bool step)
    {
        lock (_gate)
        {
            _report = null;
            _resume = true;
            _resumeStep = step;
            Monitor.PulseAll(_gate);
        }
    }

    public void Interrupt()
    {
        _breakRequested = true;
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    public StopEvent? WaitForStop(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (_report == null)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return null;
                }

                Monitor.Wait(_gate, (int)left);
            }

            var report = _report;
            _report = null;
            return report;
        }
    }

    /// <summary>
    /// A new gdb connects: the guest stops (as QEMU stops it), breakpoints a previous gdb left behind (it went away
    /// without detaching) are dropped, and the stop is returned.
    /// </summary>
    public StopEvent Attach()
    {
        _detached = false;
        StopEvent stop;
        lock (_gate)
        {
            if (_exited)
            {
                return new StopEvent(0, Exited: true);
            }

            stop = _halted ? _report ?? StopEvent.Trap : null!;
            _report = null;
        }

        while (stop == null)
        {
            Interrupt();
            stop = WaitForStop(TimeSpan.FromMilliseconds(100))!;
        }

        Call(() =>
        {
            RemoveAll();
            return true;
        });
        return stop;
    }

    public void Detach()
    {
        _detached = true;
        bool halted;
        lock (_gate)
        {
            halted = _halted;
        }

        if (halted)
        {
            Call(() =>
            {
                RemoveAll();
                return true;
            });
            Resume(false);
        }
    }

    public void Kill() => _vcpu.RequestExit(MachineExit.PowerOff);

    public bool TryReadRegister(int number, Span<byte> value)
    {
        if (Aarch64Registers.Find(number) is not { } reg || value.Length < reg.Size)
        {
            return false;
        }

        var bytes = Call(() => ReadRegister(reg));
        if (bytes == null)
        {
            return false;
        }

        bytes.CopyTo(value);
        return true;
    }

    public bool TryWriteRegister(int number, ReadOnlySpan<byte> value)
    {
        if (Aarch64Registers.Find(number) is not { } reg || value.Length < reg.Size)
        {
            return false;
        }

        var bytes = value[..reg.Size].ToArray();
        return Call(() => WriteRegister(reg, bytes));
    }

    public bool TryReadMemory(ulong address, Span<byte> data)
    {
        var length = data.Length;
        var bytes = Call(() => ReadMemory(address, length));
        if (bytes == null)
        {
            return false;
        }

        bytes.CopyTo(data);
        return true;
    }

    public bool TryWriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        return Call(() => WriteMemory(address, bytes));
    }

    public bool InsertBreakpoint(BreakpointKind kind, ulong address, ulong length) => Call(() => Insert(kind, address, length));

    public bool RemoveBreakpoint(BreakpointKind kind, ulong address, ulong length) => Call(() => Remove(kind, address, length));

    // ---- the vCPU thread, serving requests ----

    private byte[] ReadRegister(GdbRegister reg)
    {
        var bytes = new byte[reg.Size];
        switch (reg.Number)
        {
            case < 31:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, _engine.ReadX(reg.Number));
                break;
            case Aarch64Registers.Sp:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, _engine.Read(Arm64Reg.Sp));
                break;
            case Aarch64Registers.Pc:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, _engine.Read(Arm64Reg.Pc));
                break;
            case Aarch64Registers.Cpsr:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)_engine.Read(Arm64Reg.Pstate));
                break;
            case >= Aarch64Registers.V0 and < Aarch64Registers.Fpsr:
                BinaryPrimitives.WriteUInt128LittleEndian(bytes, _engine.ReadVector(reg.Number - Aarch64Registers.V0));
                break;
            case Aarch64Registers.Fpsr:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)_engine.Read(Arm64Reg.Fpsr));
                break;
            case Aarch64Registers.Fpcr:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)_engine.Read(Arm64Reg.Fpcr));
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, ReadSystemRegister(reg));
                break;
        }

        return bytes;
    }

    private ulong ReadSystemRegister(GdbRegister reg)
    {
        var (op0, op1, crn, crm, op2) = reg.SystemRegister!.Value;
        switch (reg.Name)
        {
            case "SP_EL0":
                return _engine.Read(Arm64Reg.SpEl0);
            case "SP_EL1":
                return _engine.Read(Arm64Reg.SpEl1);
        }

        // The timers' registers live in the host's timer model, not in Unicorn.
        lock (_gate)
        {
            if (_timer.TryReadRegister(op0, op1, crn, crm, op2, out var timerValue))
            {
                return timerValue;
            }
        }

        return _engine.Read(new CpReg(op0, op1, crn, crm, op2));
    }

    private bool WriteRegister(GdbRegister reg, byte[] bytes)
    {
        switch (reg.Number)
        {
            case < 31:
                _engine.WriteX(reg.Number, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
                return true;
            case Aarch64Registers.Sp:
                _engine.Write(Arm64Reg.Sp, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
                return true;
            case Aarch64Registers.Pc:
                _engine.Write(Arm64Reg.Pc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
                return true;
            case Aarch64Registers.Cpsr:
                _engine.Write(Arm64Reg.Pstate, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
                // A system register write makes Unicorn rebuild its cached execution flags (EL, SP choice).
                _engine.Write(SysReg.SctlrEl1, _engine.Read(SysReg.SctlrEl1));
                return true;
            case >= Aarch64Registers.V0 and < Aarch64Registers.Fpsr:
                _engine.WriteVector(reg.Number - Aarch64Registers.V0, BinaryPrimitives.ReadUInt128LittleEndian(bytes));
                return true;
            case Aarch64Registers.Fpsr:
                _engine.Write(Arm64Reg.Fpsr, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
                return true;
            case Aarch64Registers.Fpcr:
                _engine.Write(Arm64Reg.Fpcr, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
                return true;
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var (op0, op1, crn, crm, op2) = reg.SystemRegister!.Value;
        switch (reg.Name)
        {
            case "SP_EL0":
                _engine.Write(Arm64Reg.SpEl0, value);
                return true;
            case "SP_EL1":
                _engine.Write(Arm64Reg.SpEl1, value);
                return true;
        }

        lock (_gate)
        {
            if (_timer.TryWriteRegister(op0, op1, crn, crm, op2, value))
            {
                Monitor.PulseAll(_gate);
                return true;
            }
        }

        _engine.Write(new CpReg(op0, op1, crn, crm, op2), value);
        return true;
    }

    private const ulong PageSize = 0x1000;

    /// <summary>
    /// Guest memory by virtual address, page by page through the current translation regime. Only RAM: a
    /// device's registers are not read for gdb (a read can pop a FIFO), and unmapped pages are errors.
    /// </summary>
    private byte[]? ReadMemory(ulong address, int length)
    {
        var data = new byte[length];
        var done = 0;
        while (done < length)
        {
            var virtualAddress = address + (ulong)done;
            var chunk = (int)Math.Min((ulong)(length - done), PageSize - (virtualAddress & (PageSize - 1)));
            if (!_engine.TryTranslate(virtualAddress, out var physical) || !_ram.Contains(physical, (ulong)chunk))
            {
                return null;
            }

            _ram.Slice(physical, chunk).CopyTo(data.AsSpan(done));
            done += chunk;
        }

        return data;
    }

    private bool WriteMemory(ulong address, byte[] data)
    {
        // Translate every page first, so that a write is all or nothing.
        var pieces = new List<(ulong Physical, int Offset, int Length)>();
        var done = 0;
        while (done < data.Length)
        {
            var virtualAddress = address + (ulong)done;
            var chunk = (int)Math.Min((ulong)(data.Length - done), PageSize - (virtualAddress & (PageSize - 1)));
            if (!_engine.TryTranslate(virtualAddress, out var physical) || !_ram.Contains(physical, (ulong)chunk))
            {
                return false;
            }

            pieces.Add((physical, done, chunk));
            done += chunk;
        }

        foreach (var (physical, offset, length) in pieces)
        {
            _engine.WriteMemory(physical, data.AsSpan(offset, length));
        }

        // The bytes may be code that is translated already.
        _engine.FlushTranslations();
        return true;
    }

    private bool Insert(BreakpointKind kind, ulong address, ulong length)
    {
        switch (kind)
        {
            case BreakpointKind.Software or BreakpointKind.Hardware:
                if (!_breakpoints.ContainsKey(address))
                {
                    _breakpoints[address] = (_engine.AddCodeHook(&OnBreakpoint, User, address, address), kind);
                    _engine.FlushTranslations();
                }

                return true;
            default:
                if (length == 0 || length > PageSize || address + length < address)
                {
                    return false;
                }

                // Memory hooks see physical addresses: hook where the range is mapped now, page by page.
                var pieces = new List<(ulong Virtual, ulong Physical, ulong Length)>();
                for (var at = address; at < address + length;)
                {
                    var piece = Math.Min(address + length - at, PageSize - (at & (PageSize - 1)));
                    if (!_engine.TryTranslate(at, out var physical) || !_ram.Contains(physical, piece))
                    {
                        return false;
                    }

                    pieces.Add((at, physical, piece));
                    at += piece;
                }

                var hooked = new List<WatchPiece>();
                foreach (var (virtualAddress, physical, pieceLength) in pieces)
                {
                    // A hook fires for accesses that start in its range: start it early enough for the widest
                    // access (16 bytes) that overlaps; the callback checks the overlap.
                    var begin = physical >= 15 ? physical - 15 : 0;
                    var end = physical + pieceLength - 1;
                    var read = kind is BreakpointKind.ReadWatch or BreakpointKind.AccessWatch
                        ? _engine.AddMemoryHook(false, &OnMemoryAccess, User, begin, end) : 0;
                    var write = kind is BreakpointKind.WriteWatch or BreakpointKind.AccessWatch
                        ? _engine.AddMemoryHook(true, &OnMemoryAccess, User, begin, end) : 0;
                    hooked.Add(new WatchPiece(virtualAddress, physical, pieceLength, read, write));
                }

                _watchpoints.Add(new Watchpoint(kind, address, length, hooked));
                if (_watchBoundaryHook == 0)
                {
                    _watchBoundaryHook = _engine.AddCodeHook(&OnWatchBoundary, User);
                }

                // Memory hooks are placed at translation, like code hooks (accesses then take the slow path).
                _engine.FlushTranslations();
                _engine.FlushTlb();
                return true;
        }
    }

    private bool Remove(BreakpointKind kind, ulong address, ulong length)
    {
        switch (kind)
        {
            case BreakpointKind.Software or BreakpointKind.Hardware:
                if (!_breakpoints.Remove(address, out var breakpoint))
                {
                    return false;
                }

                _engine.DeleteHook(breakpoint.Hook);
                _engine.FlushTranslations();
                return true;
            default:
                var index = _watchpoints.FindIndex(w => w.Kind == kind && w.Address == address && w.Length == length);
                if (index < 0)
                {
                    return false;
                }

                RemoveWatchpoint(_watchpoints[index]);
                _watchpoints.RemoveAt(index);
                if (_watchpoints.Count == 0 && _watchBoundaryHook != 0)
                {
                    _engine.DeleteHook(_watchBoundaryHook);
                    _watchBoundaryHook = 0;
                }

                _engine.FlushTranslations();
                return true;
        }
    }

    private void RemoveWatchpoint(Watchpoint watch)
    {
        foreach (var piece in watch.Pieces)
        {
            if (piece.ReadHook != 0)
            {
                _engine.DeleteHook(piece.ReadHook);
            }

            if (piece.WriteHook != 0)
            {
                _engine.DeleteHook(piece.WriteHook);
            }
        }
    }

    private void RemoveAll()
    {
        foreach (var (_, breakpoint) in _breakpoints)
        {
            _engine.DeleteHook(breakpoint.Hook);
        }

        _breakpoints.Clear();
        foreach (var watch in _watchpoints)
        {
            RemoveWatchpoint(watch);
        }

        _watchpoints.Clear();
        if (_watchBoundaryHook != 0)
        {
            _engine.DeleteHook(_watchBoundaryHook);
            _watchBoundaryHook = 0;
        }

        _engine.FlushTranslations();
    }

    public void Dispose()
    {
        if (_rewindContext != 0)
        {
            UnicornEngine.FreeContext(_rewindContext);
            _rewindContext = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }
}
