using Emulator;
using Emulator.Core.Board;
using Emulator.Core.Boot;
using Emulator.Core.Cpu;
using Emulator.Core.Input;
using Emulator.Core.Qmp;
using Emulator.Core.Debug;
using Emulator.Devices;
using Emulator.Window;

Options options;
MachineConfig config;
try
{
    options = Options.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(Options.Usage);
        return 0;
    }

    if (options.Display == DisplayKind.Sdl && !DefaultDisplay.HasDisplayServer(Environment.GetEnvironmentVariable))
    {
        Console.Error.WriteLine("emulator: -display sdl: no display server to open a window on ($DISPLAY and $WAYLAND_DISPLAY are not set); use -display none");
        return 1;
    }

    config = DefaultGuest.Complete(options, Console.Error);
}
catch (Exception e) when (e is UsageException or BootException)
{
    Console.Error.WriteLine($"emulator: {e.Message}");
    return 1;
}

if (options.DumpDtb is { } dumpPath)
{
    return DumpDeviceTree(config, dumpPath);
}

GdbServer? gdb = null;
if (options.Gdb is { } gdbEndPoint)
{
    try
    {
        gdb = new GdbServer(gdbEndPoint);
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"emulator: {e.Message}");
        return 1;
    }
}

using var gdbServer = gdb;
using var console = new HostConsole();
DeviceLog.Sink = message => console.Message($"emulator: {message}");
var control = new MachineControl();
var qmp = new QmpDispatcher(control);
using var input = new InputRouter(() => control.InputDevices);
new InputCommands(input, () => control.IsRunning).Register(qmp);
var trace = Environment.GetEnvironmentVariable("VIRT_EMULATOR_TRACE") == "1";
DisplayWindow? window = null;
if (DefaultDisplay.Resolve(options.Display, options.Ramfb, Environment.GetEnvironmentVariable) == DisplayKind.Sdl)
{
    // Closing the window ends the emulator as QEMU's does: a SHUTDOWN event (the host's user interface asked), then quit.
    window = DisplayWindow.Open(control.CaptureScreen, input, () =>
    {
        qmp.Emit("SHUTDOWN", new System.Text.Json.Nodes.JsonObject { ["guest"] = false, ["reason"] = "host-ui" });
        control.Quit();
    }, out var windowError);
    if (window is null && options.Display == DisplayKind.Sdl)
    {
        console.Message($"emulator: -display sdl: {windowError}");
        return 1;
    }

    if (window is null)
    {
        // The default display: a window only when one can be shown; the serial console goes on alone.
        console.Message($"emulator: no window ({windowError}); the console is on the terminal");
    }
    else if (trace)
    {
        console.Message($"emulator: window: {window.Description}");
    }
}

using var displayWindow = window;
var qmpServers = new List<QmpServer>();
try
{
    foreach (var endpoint in options.Qmp)
    {
        qmpServers.Add(new QmpServer(endpoint, qmp));
    }

    var first = true;
    while (true)
    {
        using var machine = new VirtMachine(config);
        console.Attach(machine);
        control.Attach(machine);
        if (gdbServer != null)
        {
            // -S halts the first boot only; after a reset the machine runs and gdb may connect again.
            gdbServer.Attach(machine.EnableDebugger(options.HaltAtStart && first));
        }

        first = false;
        var exit = machine.Run();
        control.Attach(null);
        if (exit == MachineExit.PowerOff)
        {
            qmp.Emit("SHUTDOWN", new System.Text.Json.Nodes.JsonObject { ["guest"] = true, ["reason"] = "guest-shutdown" });
        }

        if (exit != MachineExit.Reset || options.NoReboot || control.QuitRequested)
        {
            return 0;
        }

        qmp.Emit("RESET", new System.Text.Json.Nodes.JsonObject { ["guest"] = true, ["reason"] = "guest-reset" });
    }
}
catch (BootException e)
{
    console.Message($"emulator: {e.Message}");
    return 1;
}
catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or Emulator.Core.Unicorn.UnicornException)
{
    console.Message($"emulator: {e.Message}");
    return 1;
}
finally
{
    foreach (var server in qmpServers)
    {
        server.Dispose();
    }

    if (window is not null && trace)
    {
        var (captures, uploads, draws) = window.Counts;
        console.Message($"emulator: window: {captures} captures, {uploads} changed pictures uploaded, {draws} draws");
    }

    // Guest mistakes were reported once each; say how often the repeated ones happened.
    foreach (var line in DeviceLog.Summary())
    {
        console.Message($"emulator: {line}");
    }
}

static int DumpDeviceTree(MachineConfig config, string path)
{
    try
    {
        using var machine = new VirtMachine(config);
        File.WriteAllBytes(path, machine.DeviceTreeBlob);
        return 0;
    }
    catch (BootException e)
    {
        Console.Error.WriteLine($"emulator: {e.Message}");
        return 1;
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        var reason = Directory.Exists(path) ? "is a directory" : e.Message;
        Console.Error.WriteLine($"emulator: cannot write device tree '{path}': {reason}");
        return 1;
    }
    catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or Emulator.Core.Unicorn.UnicornException)
    {
        Console.Error.WriteLine($"emulator: {e.Message}");
        return 1;
    }
}
