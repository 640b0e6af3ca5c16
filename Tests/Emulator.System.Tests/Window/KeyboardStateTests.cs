using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>Only key events that change a key's state reach the guest, as QEMU's kbd-state filters them.</summary>
public sealed class KeyboardStateTests
{
    [Fact]
    public void APressAndItsReleaseAreSent()
    {
        var keys = new KeyboardState();
        Assert.True(keys.Change(30, down: true));
        Assert.True(keys.Change(30, down: false));
    }

    [Fact]
    public void TheHostsKeyRepeatIsNotSent()
    {
        var keys = new KeyboardState();
        Assert.True(keys.Change(30, down: true));
        Assert.False(keys.Change(30, down: true));
        Assert.False(keys.Change(30, down: true));
        Assert.True(keys.Change(30, down: false));
    }

    [Fact]
    public void AReleaseWithoutItsPressIsNotSent()
    {
        // A key pressed in another window and released in ours.
        var keys = new KeyboardState();
        Assert.False(keys.Change(42, down: false));
    }

    [Fact]
    public void LosingTheFocusReleasesEveryKeyStillDown()
    {
        var keys = new KeyboardState();
        keys.Change(42, down: true);
        keys.Change(30, down: true);
        keys.Change(48, down: true);
        keys.Change(48, down: false);
        Assert.Equal([30, 42], keys.LiftAll());
        Assert.Empty(keys.LiftAll());
        Assert.False(keys.Change(30, down: false));
    }
}
