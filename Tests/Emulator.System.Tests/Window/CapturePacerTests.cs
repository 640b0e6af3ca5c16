using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>The window looks at the picture 60 times a second while it moves or the user acts, 15 once it has been still for a second.</summary>
public sealed class CapturePacerTests
{
    [Fact]
    public void AWindowStartsAtTheActivePace() => Assert.Equal(60, new CapturePacer().Hz);

    [Fact]
    public void ASecondOfStillPictureSlowsThePace()
    {
        var pacer = new CapturePacer();
        for (var i = 0; i < 59; i++)
        {
            pacer.Captured(changed: false);
            Assert.Equal(60, pacer.Hz);
        }

        pacer.Captured(changed: false);
        Assert.True(pacer.IsIdle);
        Assert.Equal(15, pacer.Hz);
    }

    [Fact]
    public void AChangedPictureBringsTheActivePaceBack()
    {
        var pacer = new CapturePacer();
        for (var i = 0; i < 1000; i++)
        {
            pacer.Captured(changed: false);
        }

        pacer.Captured(changed: true);
        Assert.Equal(60, pacer.Hz);
    }

    [Fact]
    public void InputBringsTheActivePaceBack_ForAnotherSecond()
    {
        var pacer = new CapturePacer();
        for (var i = 0; i < 60; i++)
        {
            pacer.Captured(changed: false);
        }

        pacer.Input();
        Assert.Equal(60, pacer.Hz);
        for (var i = 0; i < 59; i++)
        {
            pacer.Captured(changed: false);
        }

        Assert.Equal(60, pacer.Hz);
        pacer.Captured(changed: false);
        Assert.Equal(15, pacer.Hz);
    }

    [Fact]
    public void AMovingPictureKeepsTheActivePace()
    {
        var pacer = new CapturePacer();
        for (var i = 0; i < 600; i++)
        {
            pacer.Captured(changed: i % 30 == 0); // DOOM-like: a new frame twice a second at least
            Assert.Equal(60, pacer.Hz);
        }
    }
}
