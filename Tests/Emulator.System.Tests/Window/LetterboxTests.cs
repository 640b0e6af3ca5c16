using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>The picture in a window of another size: its aspect ratio kept, centred, black bars on the other sides.</summary>
public sealed class LetterboxTests
{
    [Fact]
    public void AWindowOfThePicturesSizeIsFilled() =>
        Assert.Equal(new Letterbox(0, 0, 640, 480), Letterbox.Fit(640, 480, 640, 480));

    [Fact]
    public void AWindowOfTheSameAspectIsFilledScaled() =>
        Assert.Equal(new Letterbox(0, 0, 1280, 960), Letterbox.Fit(640, 480, 1280, 960));

    [Fact]
    public void AWiderWindowGetsBarsLeftAndRight() =>
        Assert.Equal(new Letterbox(180, 0, 640, 480), Letterbox.Fit(640, 480, 1000, 480));

    [Fact]
    public void ATallerWindowGetsBarsAboveAndBelow() =>
        Assert.Equal(new Letterbox(0, 200, 640, 400), Letterbox.Fit(640, 400, 640, 800));

    [Fact]
    public void ScaledSizesRoundToTheNearestPixel()
    {
        // 64x48 in 100x100: 100 wide, 75 high (exactly); in 100x77: 77 * 64 / 48 = 102.67 > 100, so 100 x 75.
        Assert.Equal(new Letterbox(0, 12, 100, 75), Letterbox.Fit(64, 48, 100, 100));
        // 640x400 in 333x300: 333 * 400 / 640 = 208.1 -> 208 high.
        Assert.Equal(new Letterbox(0, 46, 333, 208), Letterbox.Fit(640, 400, 333, 300));
        // 3x1 in 10x10: 10 wide, 3.33 -> 3 high.
        Assert.Equal(new Letterbox(0, 3, 10, 3), Letterbox.Fit(3, 1, 10, 10));
    }

    [Fact]
    public void AVeryThinWindowStillShowsAPixel() =>
        Assert.Equal(new Letterbox(0, 0, 1, 1), Letterbox.Fit(1000, 10, 1, 1));

    [Theory]
    [InlineData(0, 480, 640, 480)]
    [InlineData(640, 0, 640, 480)]
    [InlineData(640, 480, 0, 480)]
    [InlineData(640, 480, 640, 0)]
    public void NothingIsDrawnWhenASizeIsZero(int frameWidth, int frameHeight, int windowWidth, int windowHeight) =>
        Assert.True(Letterbox.Fit(frameWidth, frameHeight, windowWidth, windowHeight).IsEmpty);

    [Fact]
    public void APointerOverThePictureIsOverItsScaledPixel()
    {
        var box = Letterbox.Fit(320, 240, 1000, 480); // 640x480 at x 180: each picture pixel is 2x2
        Assert.Equal((0, 0), box.ToFrame(180, 0, 320, 240));
        Assert.Equal((1, 0), box.ToFrame(182, 1, 320, 240));
        Assert.Equal((160, 120), box.ToFrame(500, 240, 320, 240));
        Assert.Equal((319, 239), box.ToFrame(819, 479, 320, 240));
    }

    [Fact]
    public void APointerOverABarIsAtThePicturesEdge()
    {
        var box = Letterbox.Fit(320, 240, 1000, 480);
        Assert.Equal((0, 120), box.ToFrame(10, 240, 320, 240));
        Assert.Equal((319, 120), box.ToFrame(990, 240, 320, 240));
    }

    [Fact]
    public void TheTabletAxisSpansZeroTo7fffAsQemuScalesIt()
    {
        Assert.Equal(0, Letterbox.TabletAxis(0, 640));
        Assert.Equal(0x7fff / 2, Letterbox.TabletAxis(320, 640));
        Assert.Equal(639 * 0x7fff / 640, Letterbox.TabletAxis(639, 640));
        Assert.Equal(0, Letterbox.TabletAxis(5, 0));
    }
}
