using System.Diagnostics;
using System.Runtime.InteropServices;
using Emulator.Core.Input;
using Emulator.Devices.Display;
using Emulator.Devices.Input;

namespace Emulator.Window;

/// <summary>
/// -display sdl: a desktop window showing the machine's picture, on a thread of its own (every SDL and OpenGL call
/// is made there; the CPU runs on another). Up to 60 times a second (<see cref="CapturePacer"/>) it captures the
/// picture, and draws only when the picture changed or the window needs it; the picture keeps its aspect ratio in a resized
/// window (black bars). Before the guest sets up its display the window is black, 640x480; when the picture's size
/// changes the window takes the new size. Keys go to the virtio keyboard as Linux key codes, the pointer (with a
/// virtio tablet) as absolute positions. Closing the window calls back, and the emulator quits as QEMU's does.
/// </summary>
public sealed unsafe partial class DisplayWindow : IDisposable
{
    /// <summary>The window's size before the guest sets up a picture (QEMU's placeholder size).</summary>
    public const int PlaceholderWidth = 640;

    public const int PlaceholderHeight = 480;

    public const string Title = "virt";

    private readonly Func<DisplayFrame?> _capture;
    private readonly InputRouter _input;
    private readonly Action _closed;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _started = new();
    private volatile bool _stop;
    private string? _error;

    // The window thread's own state.
    private IFramePresenter? _presenter;
    private readonly RedrawTracker _redraw = new();
    private readonly KeyboardState _keys = new();
    private readonly CapturePacer _pacer = new();
    private long _next;
    private int _frameWidth = PlaceholderWidth;
    private int _frameHeight = PlaceholderHeight;
    private bool _closeReported;
    private long _captures;
    private long _uploads;
    private long _draws;

    private DisplayWindow(Func<DisplayFrame?> capture, InputRouter input, Action closed)
    {
        _capture = capture;
        _input = input;
        _closed = closed;
        _thread = new Thread(Run) { IsBackground = true, Name = "window" };
    }

    /// <summary>How the window draws (OpenGL and its renderer, or SDL's software renderer).</summary>
    public string Description { get; private set; } = "";

    /// <summary>Captures, uploads of a changed picture, and draws so far (for the trace and the benchmark).</summary>
    public (long Captures, long Uploads, long Draws) Counts =>
        (Interlocked.Read(ref _captures), Interlocked.Read(ref _uploads), Interlocked.Read(ref _draws));

    /// <summary>
    /// Opens the window and starts its thread; null, with the reason, when no window can be shown (no display
    /// server, no libSDL2). <paramref name="closed"/> is called on the window's thread when the user closes it.
    /// </summary>
    public static DisplayWindow? Open(Func<DisplayFrame?> capture, InputRouter input, Action closed, out string error)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(closed);
        var window = new DisplayWindow(capture, input, closed);
        window._thread.Start();
        window._started.Wait();
        if (window._error is { } reason)
        {
            window._thread.Join();
            error = reason;
            return null;
        }

        error = "";
        return window;
    }

    private void Run()
    {
        var initialised = false;
        try
        {
            initialised = Start();
            _started.Set();
            if (initialised)
            {
                Loop();
            }
        }
        finally
        {
            _presenter?.Dispose();
            if (initialised)
            {
                Sdl.SDL_Quit();
            }

            _started.Set();
        }
    }

    /// <summary>SDL's video and a window: OpenGL when it works, else SDL's software renderer.</summary>
    private bool Start()
    {
        try
        {
            // Mesa's llvmpipe (OpenGL without a GPU) draws on the calling thread instead of its pool of rasterizer
            // threads: for one textured blit a frame, the threads' hand-offs cost more than they save (DOOM at
            // 1024x768: the window's CPU from +33-40% to +24% of a core, see the README's Performance). A value the
            // user set stays.
            setenv("LP_NUM_THREADS", "0", 0);
            // The emulator handles SIGINT and SIGTERM itself (the console restores the terminal); SDL must not
            // turn them into a quit event.
            Sdl.SDL_SetHint(Sdl.SDL_HINT_NO_SIGNAL_HANDLERS, "1");
            // Only a display server a person sees: when X11 and Wayland fail, SDL would go on to its offscreen
            // driver and "show" an invisible window. $SDL_VIDEODRIVER, when set, still chooses (a hint is weaker).
            Sdl.SDL_SetHint(Sdl.SDL_HINT_VIDEODRIVER, VideoDrivers(Environment.GetEnvironmentVariable));
            if (Sdl.SDL_Init(Sdl.SDL_INIT_VIDEO) != 0)
            {
                _error = $"cannot open a window on {DisplayServers(Environment.GetEnvironmentVariable)} (SDL: {Sdl.Error()})";
                return false;
            }
        }
        catch (DllNotFoundException)
        {
            _error = "cannot open a window: libSDL2-2.0.so.0 is not installed (Debian's libsdl2-2.0-0; scripts/setup.sh installs it)";
            return false;
        }

        _presenter = GlPresenter.TryCreate(Title, PlaceholderWidth, PlaceholderHeight, out var glReason);
        if (_presenter is not null)
        {
            Description = $"{_presenter.Description} ({Sdl.CurrentVideoDriver()})";
            return true;
        }

        _presenter = SoftwarePresenter.TryCreate(Title, PlaceholderWidth, PlaceholderHeight, out var softwareReason);
        if (_presenter is null)
        {
            _error = $"cannot open a window: {glReason}; {softwareReason}";
            Sdl.SDL_Quit();
            return false;
        }

        Description = $"{_presenter.Description} ({Sdl.CurrentVideoDriver()}; {glReason})";
        return true;
    }

    /// <summary>SDL's video drivers to try, in order, for the display servers the environment names (SDL's order: X11 first).</summary>
    public static string VideoDrivers(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var drivers = new List<string>();
        if (!string.IsNullOrEmpty(environment("DISPLAY")))
        {
            drivers.Add("x11");
        }

        if (!string.IsNullOrEmpty(environment("WAYLAND_DISPLAY")))
        {
            drivers.Add("wayland");
        }

        return drivers.Count == 0 ? "x11" : string.Join(',', drivers);
    }

    private static string DisplayServers(Func<string, string?> environment)
    {
        var x11 = environment("DISPLAY");
        var wayland = environment("WAYLAND_DISPLAY");
        return (string.IsNullOrEmpty(x11), string.IsNullOrEmpty(wayland)) switch
        {
            (false, true) => $"X display {x11}",
            (true, false) => $"Wayland display {wayland}",
            (false, false) => $"X display {x11} or Wayland display {wayland}",
            _ => "any display",
        };
    }

    private void Loop()
    {
        _next = Stopwatch.GetTimestamp();
        SdlEvent sdlEvent;
        while (!_stop)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= _next)
            {
                Refresh();
                _next += Stopwatch.Frequency / _pacer.Hz;
                if (_next <= now)
                {
                    _next = now + (Stopwatch.Frequency / _pacer.Hz); // fell behind (a slow draw): skip, do not catch up
                }

                continue;
            }

            // Sleeps in SDL (on the display server's connection) until an event comes or the next refresh is due.
            var wait = (int)Math.Max(1, (_next - now) * 1000 / Stopwatch.Frequency);
            if (Sdl.SDL_WaitEventTimeout(&sdlEvent, wait) == 1)
            {
                Handle(in sdlEvent);
                while (Sdl.SDL_PollEvent(&sdlEvent) == 1)
                {
                    Handle(in sdlEvent);
                }
            }
        }
    }

    private void Refresh()
    {
        var presenter = _presenter!;
        var frame = _capture();
        Interlocked.Increment(ref _captures);
        _pacer.Captured(_redraw.IsNew(frame));
        if (!_redraw.NeedsRedraw(frame))
        {
            return;
        }

        if (_redraw.IsNew(frame))
        {
            var (width, height) = frame is null ? (PlaceholderWidth, PlaceholderHeight) : (frame.Width, frame.Height);
            if (width != _frameWidth || height != _frameHeight)
            {
                (_frameWidth, _frameHeight) = (width, height);
                Sdl.SDL_SetWindowSize(presenter.Window, width, height);
            }

            if (frame is not null)
            {
                presenter.Upload(frame);
                Interlocked.Increment(ref _uploads);
            }
        }

        var (drawableWidth, drawableHeight) = presenter.DrawableSize();
        presenter.Draw(Letterbox.Fit(_frameWidth, _frameHeight, drawableWidth, drawableHeight), frame is not null);
        Interlocked.Increment(ref _draws);
        _redraw.Shown(frame);
    }

    private void Handle(in SdlEvent sdlEvent)
    {
        switch (sdlEvent.Type)
        {
            case Sdl.SDL_QUIT:
                Close();
                break;
            case Sdl.SDL_WINDOWEVENT:
                switch (sdlEvent.WindowEvent)
                {
                    case Sdl.SDL_WINDOWEVENT_EXPOSED:
                    case Sdl.SDL_WINDOWEVENT_SIZE_CHANGED:
                        _redraw.Invalidate();
                        _next = Math.Min(_next, Stopwatch.GetTimestamp() + (Stopwatch.Frequency / CapturePacer.ActiveHz));
                        break;
                    case Sdl.SDL_WINDOWEVENT_FOCUS_LOST:
                        LiftAllKeys();
                        break;
                    case Sdl.SDL_WINDOWEVENT_CLOSE:
                        Close();
                        break;
                }

                break;
            case Sdl.SDL_KEYDOWN:
            case Sdl.SDL_KEYUP:
                Key(sdlEvent.Scancode, sdlEvent.Type == Sdl.SDL_KEYDOWN);
                LookSoon();
                break;
            case Sdl.SDL_MOUSEMOTION:
                Point(sdlEvent.MouseX, sdlEvent.MouseY);
                break;
            case Sdl.SDL_MOUSEBUTTONDOWN:
            case Sdl.SDL_MOUSEBUTTONUP:
                Button(sdlEvent.MouseButton, sdlEvent.MouseX, sdlEvent.MouseY, sdlEvent.Type == Sdl.SDL_MOUSEBUTTONDOWN);
                break;
            case Sdl.SDL_MOUSEWHEEL:
                Wheel(sdlEvent.WheelDirection == Sdl.SDL_MOUSEWHEEL_FLIPPED ? -sdlEvent.WheelY : sdlEvent.WheelY);
                break;
        }

        if (sdlEvent.Type is Sdl.SDL_MOUSEMOTION or Sdl.SDL_MOUSEBUTTONDOWN or Sdl.SDL_MOUSEBUTTONUP or Sdl.SDL_MOUSEWHEEL)
        {
            LookSoon();
        }
    }

    /// <summary>After input, the picture is looked at at the active pace again, from the next active period on.</summary>
    private void LookSoon()
    {
        _pacer.Input();
        _next = Math.Min(_next, Stopwatch.GetTimestamp() + (Stopwatch.Frequency / CapturePacer.ActiveHz));
    }

    private void Close()
    {
        if (!_closeReported)
        {
            _closeReported = true;
            _closed();
        }
    }

    private void Key(int scancode, bool down)
    {
        var code = SdlScancodes.LinuxCode(scancode);
        if (code != 0 && _keys.Change(code, down))
        {
            _input.LinuxKey(code, down);
            _input.Sync();
        }
    }

    private void LiftAllKeys()
    {
        foreach (var code in _keys.LiftAll())
        {
            _input.LinuxKey(code, false);
            _input.Sync();
        }
    }

    /// <summary>Moves the tablet's pointer to the picture's pixel under the window point (nothing without a tablet).</summary>
    private bool Point(int x, int y)
    {
        if (!_input.HasHandler(InputEventKinds.Absolute))
        {
            return false;
        }

        var (drawableWidth, drawableHeight) = _presenter!.DrawableSize();
        var box = Letterbox.Fit(_frameWidth, _frameHeight, drawableWidth, drawableHeight);
        var (frameX, frameY) = box.ToFrame(x, y, _frameWidth, _frameHeight);
        _input.Move(true, "x", Letterbox.TabletAxis(frameX, _frameWidth));
        _input.Move(true, "y", Letterbox.TabletAxis(frameY, _frameHeight));
        _input.Sync();
        return true;
    }

    private void Button(byte button, int x, int y, bool down)
    {
        var name = button switch
        {
            Sdl.SDL_BUTTON_LEFT => "left",
            Sdl.SDL_BUTTON_MIDDLE => "middle",
            Sdl.SDL_BUTTON_RIGHT => "right",
            Sdl.SDL_BUTTON_X1 => "side",
            Sdl.SDL_BUTTON_X2 => "extra",
            _ => null,
        };
        if (name is not null && Point(x, y))
        {
            _input.Button(name, down);
            _input.Sync();
        }
    }

    /// <summary>A wheel step: a press and a release of QEMU's wheel-up or wheel-down button, as QEMU's SDL window sends it.</summary>
    private void Wheel(int y)
    {
        if (y == 0 || !_input.HasHandler(InputEventKinds.Absolute))
        {
            return;
        }

        var name = y > 0 ? "wheel-up" : "wheel-down";
        _input.Button(name, true);
        _input.Sync();
        _input.Button(name, false);
        _input.Sync();
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    /// <summary>Closes the window (its thread ends).</summary>
    public void Dispose()
    {
        _stop = true;
        if (Thread.CurrentThread != _thread && _thread.Join(TimeSpan.FromSeconds(5)))
        {
            _started.Dispose();
        }
    }
}
