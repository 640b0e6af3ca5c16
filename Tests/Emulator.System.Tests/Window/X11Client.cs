using System.Runtime.InteropServices;

namespace Emulator.System.Tests.Window;

/// <summary>
/// The one X11 request the tests make themselves (libX11, which SDL already pulls in): a window manager's close,
/// the WM_PROTOCOLS client message carrying WM_DELETE_WINDOW (ICCCM 4.2.8.1). With no window manager on Xvfb,
/// nothing else sends it; xdotool's windowclose destroys the window instead.
/// </summary>
public static unsafe partial class X11Client
{
    private const string Library = "libX11.so.6";
    private const int ClientMessage = 33;

    /// <summary>XClientMessageEvent inside the 192-byte XEvent union (64-bit layout).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct ClientMessageEvent
    {
        [FieldOffset(0)]
        public int Type;

        [FieldOffset(32)]
        public ulong Window;

        [FieldOffset(40)]
        public ulong MessageType;

        [FieldOffset(48)]
        public int Format;

        [FieldOffset(56)]
        public ulong Data0;

        [FieldOffset(64)]
        public ulong Data1;
    }

    public static void SendDeleteWindow(string display, ulong window)
    {
        var connection = XOpenDisplay(display);
        Assert.True(connection != 0, $"cannot connect to X display {display}");
        try
        {
            var message = new ClientMessageEvent
            {
                Type = ClientMessage,
                Window = window,
                MessageType = XInternAtom(connection, "WM_PROTOCOLS", 0),
                Format = 32,
                Data0 = XInternAtom(connection, "WM_DELETE_WINDOW", 0),
                Data1 = 0, // CurrentTime
            };
            Assert.True(XSendEvent(connection, window, 0, 0, &message) != 0, "XSendEvent failed");
            XSync(connection, 0);
        }
        finally
        {
            XCloseDisplay(connection);
        }
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint XOpenDisplay(string name);

    [LibraryImport(Library)]
    private static partial int XCloseDisplay(nint display);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial ulong XInternAtom(nint display, string name, int onlyIfExists);

    [LibraryImport(Library)]
    private static partial int XSendEvent(nint display, ulong window, int propagate, long eventMask, ClientMessageEvent* sendEvent);

    [LibraryImport(Library)]
    private static partial int XSync(nint display, int discard);
}
