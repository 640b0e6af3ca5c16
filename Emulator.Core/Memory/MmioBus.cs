using System.Runtime.InteropServices;
using Emulator.Core.Unicorn;
using Emulator.Devices;

namespace Emulator.Core.Memory;

/// <summary>
/// Connects device models to Unicorn's MMIO callbacks. Every access runs under the machine lock, so the
/// devices themselves stay plain single-threaded state machines. A host-side bug in a device is caught
/// here, logged once, and the access completes (reads as zero): a device must never take the emulator
/// down because of what a guest did.
/// </summary>
public sealed unsafe class MmioBus : IDisposable
{
    private readonly object _gate;
    private readonly List<(ulong Base, ulong Size, IMmioDevice Device)> _windows = [];
    private readonly int _id;

    // Live buses by id; callbacks find theirs from the user data (id << 16 | window), allocating nothing.
    private static readonly List<MmioBus?> Buses = [];

    public MmioBus(object gate)
    {
        _gate = gate;
        lock (Buses)
        {
            _id = Buses.IndexOf(null);
            if (_id < 0)
            {
                _id = Buses.Count;
                Buses.Add(this);
            }
            else
            {
                Buses[_id] = this;
            }
        }
    }

    public IReadOnlyList<(ulong Base, ulong Size, IMmioDevice Device)> Windows => _windows;

    /// <summary>Maps <paramref name="device"/> at [base, base+size); size is rounded up to whole pages.</summary>
    public void Map(UnicornEngine engine, ulong baseAddress, ulong size, IMmioDevice device)
    {
        var mapped = (size + 0xFFF) & ~0xFFFUL;
        _windows.Add((baseAddress, mapped, device));
        var user = (nint)(((long)_id << 16) | (long)(_windows.Count - 1));
        engine.MapMmio(baseAddress, mapped, &OnRead, &OnWrite, user);
    }

    private static MmioBus Bus(nint user) => Buses[(int)(user >> 16)]!;

    public ulong Read(int window, ulong offset, int size)
    {
        var device = _windows[window].Device;
        lock (_gate)
        {
            return device.Read(offset, size);
        }
    }

    public void Write(int window, ulong offset, int size, ulong value)
    {
        var device = _windows[window].Device;
        lock (_gate)
        {
            device.Write(offset, size, value);
        }
    }

    [UnmanagedCallersOnly]
    private static ulong OnRead(nint uc, ulong offset, uint size, nint user)
    {
        var bus = Bus(user);
        var window = (int)(user & 0xFFFF);
        try
        {
            return bus.Read(window, offset, (int)size);
        }
        catch (Exception e)
        {
            DeviceLog.Once($"emulator bug: read of {bus.Describe(window, offset)} failed: {e}");
            return 0;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnWrite(nint uc, ulong offset, uint size, ulong value, nint user)
    {
        var bus = Bus(user);
        var window = (int)(user & 0xFFFF);
        try
        {
            bus.Write(window, offset, (int)size, value);
        }
        catch (Exception e)
        {
            DeviceLog.Once($"emulator bug: write to {bus.Describe(window, offset)} failed: {e}");
        }
    }

    private string Describe(int window, ulong offset) =>
        $"0x{_windows[window].Base + offset:x} ({_windows[window].Device.GetType().Name})";

    public void Dispose()
    {
        lock (Buses)
        {
            if (ReferenceEquals(Buses[_id], this))
            {
                Buses[_id] = null;
            }
        }
    }
}
