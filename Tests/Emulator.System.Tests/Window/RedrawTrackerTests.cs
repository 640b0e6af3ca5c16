using Emulator.Devices.Display;
using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>The window draws only when the picture changed (another frame object from the display) or it was exposed or resized.</summary>
public sealed class RedrawTrackerTests
{
    private static DisplayFrame Frame(long generation) => new(4, 2, new uint[8], generation);

    [Fact]
    public void TheFirstRefreshDrawsThePlaceholder_AndTheNextOneNothing()
    {
        var tracker = new RedrawTracker();
        Assert.True(tracker.NeedsRedraw(null));
        Assert.True(tracker.IsNew(null));
        tracker.Shown(null);
        Assert.False(tracker.NeedsRedraw(null));
    }

    [Fact]
    public void TheSamePictureIsNotDrawnAgain()
    {
        var tracker = new RedrawTracker();
        var frame = Frame(1);
        Assert.True(tracker.NeedsRedraw(frame));
        tracker.Shown(frame);
        for (var i = 0; i < 100; i++)
        {
            Assert.False(tracker.NeedsRedraw(frame));
        }
    }

    [Fact]
    public void AChangedPictureIsUploadedAndDrawn()
    {
        var tracker = new RedrawTracker();
        tracker.Shown(Frame(1));
        var next = Frame(2);
        Assert.True(tracker.IsNew(next));
        Assert.True(tracker.NeedsRedraw(next));
        tracker.Shown(next);
        Assert.False(tracker.NeedsRedraw(next));
    }

    [Fact]
    public void AnExposedOrResizedWindowIsDrawnAgainWithoutAnUpload()
    {
        var tracker = new RedrawTracker();
        var frame = Frame(1);
        tracker.Shown(frame);
        tracker.Invalidate();
        Assert.True(tracker.NeedsRedraw(frame));
        Assert.False(tracker.IsNew(frame));
        tracker.Shown(frame);
        Assert.False(tracker.NeedsRedraw(frame));
    }

    [Fact]
    public void APictureGoingAway_AResetsMachine_BringsThePlaceholderBack()
    {
        var tracker = new RedrawTracker();
        tracker.Shown(Frame(1));
        Assert.True(tracker.NeedsRedraw(null));
        tracker.Shown(null);
        // The next machine's first picture has generation 1 again, but it is another picture.
        Assert.True(tracker.NeedsRedraw(Frame(1)));
    }
}
