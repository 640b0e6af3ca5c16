using System.Diagnostics;
using Emulator.Core.Input;
using Emulator.Devices.Virtio;

namespace Emulator.Core.Tests.Input;

/// <summary>QEMU's input routing and translation (ui/input.c, hw/input/virtio-input-hid.c) and send-key's timing.</summary>
public sealed class InputRouterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static List<string> WaitForEvents(InputTestGuest guest, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (guest.Events().Count < count && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        return guest.Events();
    }

    [Fact]
    public void SendKeys_PressesInOrder_ThenReleasesInReverse_EachReportClosed()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        using var router = new InputRouter(() => [keyboard.Device]);

        router.SendKeys(["shift", "a"], 5);

        Assert.Equal(["1 42 1", "0 0 0", "1 30 1", "0 0 0", "1 30 0", "0 0 0", "1 42 0", "0 0 0"], WaitForEvents(keyboard, 8));
    }

    [Fact]
    public void SendKeys_PressesTheFirstKeyAtOnce_AndHoldsForHoldTimeBetweenEvents()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        using var router = new InputRouter(() => [keyboard.Device]);
        var clock = Stopwatch.StartNew();

        router.SendKeys(["ctrl", "alt", "delete"], 100);

        Assert.Equal(["1 29 1", "0 0 0"], keyboard.Events());
        var events = WaitForEvents(keyboard, 12);
        Assert.Equal(12, events.Count);
        Assert.Equal("1 29 0", events[10]);

        // Five delays of 100 ms come before the last release (QEMU queues one after every press and release).
        Assert.InRange(clock.ElapsedMilliseconds, 480, 5000);
    }

    [Fact]
    public void SendKeys_WhileAnotherWaits_QueuesBehindIt()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        using var router = new InputRouter(() => [keyboard.Device]);

        router.SendKeys(["a"], 20);
        router.SendKeys(["b"], 20);

        Assert.Equal(["1 30 1", "0 0 0", "1 30 0", "0 0 0", "1 48 1", "0 0 0", "1 48 0", "0 0 0"], WaitForEvents(keyboard, 8));
    }

    [Fact]
    public void SysRq_IsSentAsPrint_AndAnUnmappedKey_AsALoneSynReport()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        using var router = new InputRouter(() => [keyboard.Device]);

        router.Key("sysrq", true);
        router.Key("unmapped", true);

        Assert.Equal(["1 99 1", "0 0 0", "0 0 0"], keyboard.Events());
    }

    [Fact]
    public void AWindowsLinuxKey_GoesToTheKeyboardAtOnce_OutsideSendKeysQueue()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        var tablet = new InputTestGuest(VirtioInputProfile.Tablet());
        using var router = new InputRouter(() => [tablet.Device, keyboard.Device]);

        router.SendKeys(["a"], 200); // its release waits in the queue
        router.LinuxKey(48, true); // KEY_B
        router.Sync();
        router.LinuxKey(48, false);
        router.Sync();

        Assert.Equal(["1 30 1", "0 0 0", "1 48 1", "0 0 0", "1 48 0", "0 0 0"], keyboard.Events());
        Assert.Empty(tablet.Events());
    }

    [Fact]
    public void Keys_GoToTheKeyboard_AndPointerEvents_ToTheTablet()
    {
        var keyboard = new InputTestGuest(VirtioInputProfile.Keyboard());
        var tablet = new InputTestGuest(VirtioInputProfile.Tablet());
        using var router = new InputRouter(() => [keyboard.Device, tablet.Device]);

        router.KeyNow("b", true);
        router.Move(absolute: true, "x", 100);
        router.Move(absolute: true, "y", 0x7fff);
        router.Button("left", true);
        router.Sync();

        Assert.Equal(["1 48 1", "0 0 0"], keyboard.Events());
        Assert.Equal(["3 0 100", "3 1 32767", "1 272 1", "0 0 0"], tablet.Events());
    }

    [Fact]
    public void Wheel_IsARelativeStep_WhenPressed_AndAGearButtonRelease_AsQemu()
    {
        var tablet = new InputTestGuest(VirtioInputProfile.Tablet());
        using var router = new InputRouter(() => [tablet.Device]);

        router.Button("wheel-up", true);
        router.Sync();
        router.Button("wheel-up", false);
        router.Sync();
        router.Button("wheel-down", true);
        router.Sync();

        Assert.Equal(["2 8 1", "0 0 0", "1 337 0", "0 0 0", "2 8 -1", "0 0 0"], tablet.Events());
    }

    [Fact]
    public void RelativeMoves_GoToAMouse()
    {
        var mouse = new InputTestGuest(VirtioInputProfile.Mouse());
        var tablet = new InputTestGuest(VirtioInputProfile.Tablet());
        using var router = new InputRouter(() => [tablet.Device, mouse.Device]);

        router.Move(absolute: false, "x", -3);
        router.Sync();

        Assert.Equal(["2 0 -3", "0 0 0"], mouse.Events());
        Assert.Empty(tablet.Events());
        Assert.False(router.HasHandler(Devices.Input.InputEventKinds.Key));
        Assert.True(router.HasHandler(Devices.Input.InputEventKinds.Relative));
    }

    [Fact]
    public void ADeviceTheDriverRuns_IsPreferred_OverOneItDoesNot()
    {
        var idle = new InputTestGuest(VirtioInputProfile.Keyboard(), start: false);
        var running = new InputTestGuest(VirtioInputProfile.Keyboard());
        using var router = new InputRouter(() => [idle.Device, running.Device]);

        router.Key("a", true);

        Assert.Equal(["1 30 1", "0 0 0"], running.Events());
    }

    [Fact]
    public void WithNoDevice_EventsAreDropped()
    {
        using var router = new InputRouter(() => []);

        router.SendKeys(["a"], 1);
        router.Button("left", true);
        router.Move(absolute: true, "x", 1);
        router.Sync();

        Assert.False(router.HasHandler(Devices.Input.InputEventKinds.Key));
    }
}
