using System.Text.Json.Nodes;

namespace Emulator.System.Tests;

/// <summary>
/// The command line of <see cref="LinuxFramebufferTests"/> on QEMU's own virt, the reference for everything the
/// two machines share: Linux boots to its shell on the serial line just the same, but without UEFI nothing
/// configures ramfb, so Linux has no framebuffer and the screendump is QEMU's 640x480 placeholder. Our
/// machine's firmware framebuffer is an extension; it changes nothing else.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
public sealed class LinuxFramebufferOnQemuTests : IDisposable
{
    private static readonly TimeSpan CommandTimeout = LinuxFramebufferShell.CommandTimeout;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void OnQemu_TheSameCommandLineBootsToTheSerialShell_WithNoFramebuffer()
    {
        TestEnvironment.RequireDefaultGuest();
        var socket = _folder.File("qmp.sock");
        using var console = GuestConsole.StartQemu("-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs,
            "-append", LinuxFramebufferShell.Append, "-device", "ramfb", "-qmp", $"unix:{socket},server=on,wait=off");
        console.FailOn = LinuxGuestCollection.KernelFailure;
        console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);
        using var qmp = QmpClient.Connect(socket, CommandTimeout, console.Describe);
        qmp.Execute("""{"execute":"qmp_capabilities"}""");

        Assert.Equal("", console.Run("cat /proc/fb", CommandTimeout));
        Assert.Equal("", console.Run("dmesg | grep simple-framebuffer", CommandTimeout));

        var path = _folder.File("screen.ppm");
        qmp.Execute(new JsonObject { ["execute"] = "screendump", ["arguments"] = new JsonObject { ["filename"] = path } }.ToJsonString());
        var screen = ConsoleScreen.Read(path);
        Assert.Equal((640, 480), (screen.Width, screen.Height));

        qmp.Execute("""{"execute":"quit"}""");
        Assert.Equal(0, console.WaitForExit(CommandTimeout));
    }
}
