namespace Emulator.System.Tests.Window;

/// <summary>With neither -display nor -nographic: a window when there is a display server and ramfb, else none.</summary>
public sealed class DefaultDisplayTests
{
    private static Func<string, string?> Environment(string? display = null, string? wayland = null) =>
        name => name switch
        {
            "DISPLAY" => display,
            "WAYLAND_DISPLAY" => wayland,
            _ => null,
        };

    [Fact]
    public void AnXServerAndRamfbMakeAWindow() =>
        Assert.Equal(DisplayKind.Sdl, DefaultDisplay.Resolve(DisplayKind.Default, ramfb: true, Environment(display: ":0")));

    [Fact]
    public void AWaylandCompositorAndRamfbMakeAWindow() =>
        Assert.Equal(DisplayKind.Sdl, DefaultDisplay.Resolve(DisplayKind.Default, ramfb: true, Environment(wayland: "wayland-0")));

    [Fact]
    public void NoDisplayServerMeansNoWindow()
    {
        Assert.Equal(DisplayKind.None, DefaultDisplay.Resolve(DisplayKind.Default, ramfb: true, Environment()));
        Assert.Equal(DisplayKind.None, DefaultDisplay.Resolve(DisplayKind.Default, ramfb: true, Environment(display: "", wayland: "")));
    }

    [Fact]
    public void NothingToShowMeansNoWindow() =>
        Assert.Equal(DisplayKind.None, DefaultDisplay.Resolve(DisplayKind.Default, ramfb: false, Environment(display: ":0")));

    [Fact]
    public void AChosenDisplayStays()
    {
        Assert.Equal(DisplayKind.None, DefaultDisplay.Resolve(DisplayKind.None, ramfb: true, Environment(display: ":0")));
        Assert.Equal(DisplayKind.Sdl, DefaultDisplay.Resolve(DisplayKind.Sdl, ramfb: false, Environment()));
    }

    [Fact]
    public void SdlTriesOnlyTheDisplayServersNamed_NeverAnInvisibleOne()
    {
        Assert.Equal("x11", global::Emulator.Window.DisplayWindow.VideoDrivers(Environment(display: ":0")));
        Assert.Equal("wayland", global::Emulator.Window.DisplayWindow.VideoDrivers(Environment(wayland: "wayland-0")));
        Assert.Equal("x11,wayland", global::Emulator.Window.DisplayWindow.VideoDrivers(Environment(display: ":0", wayland: "wayland-0")));
    }
}
