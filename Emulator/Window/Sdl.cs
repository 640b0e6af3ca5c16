using System.Runtime.InteropServices;

namespace Emulator.Window;

/// <summary>
/// The few functions of SDL 2 (Debian's libsdl2-2.0-0, 2.26) the window needs: video, an OpenGL context or the
/// software renderer, events. Names and values are SDL's (SDL.h, SDL_video.h, SDL_render.h, SDL_events.h). Every
/// call but <see cref="SDL_GetError"/> belongs on the thread that initialised the video subsystem.
/// </summary>
internal static unsafe partial class Sdl
{
    private const string Library = "libSDL2-2.0.so.0";

    public const uint SDL_INIT_VIDEO = 0x0000_0020;

    public const int SDL_WINDOWPOS_UNDEFINED = 0x1FFF_0000;
    public const uint SDL_WINDOW_OPENGL = 0x0000_0002;
    public const uint SDL_WINDOW_SHOWN = 0x0000_0004;
    public const uint SDL_WINDOW_RESIZABLE = 0x0000_0020;

    // SDL_GLattr.
    public const int SDL_GL_DOUBLEBUFFER = 5;
    public const int SDL_GL_CONTEXT_MAJOR_VERSION = 17;
    public const int SDL_GL_CONTEXT_MINOR_VERSION = 18;
    public const int SDL_GL_CONTEXT_PROFILE_MASK = 21;
    public const int SDL_GL_CONTEXT_PROFILE_COMPATIBILITY = 0x0002;

    public const uint SDL_RENDERER_SOFTWARE = 0x0000_0001;

    /// <summary>SDL_PIXELFORMAT_RGB888: 32-bit pixels 0x__RRGGBB, DRM's XRGB8888.</summary>
    public const uint SDL_PIXELFORMAT_RGB888 = 0x1616_1804;
    public const int SDL_TEXTUREACCESS_STREAMING = 1;

    // Event types (SDL_EventType).
    public const uint SDL_QUIT = 0x100;
    public const uint SDL_WINDOWEVENT = 0x200;
    public const uint SDL_KEYDOWN = 0x300;
    public const uint SDL_KEYUP = 0x301;
    public const uint SDL_MOUSEMOTION = 0x400;
    public const uint SDL_MOUSEBUTTONDOWN = 0x401;
    public const uint SDL_MOUSEBUTTONUP = 0x402;
    public const uint SDL_MOUSEWHEEL = 0x403;

    // SDL_WindowEventID.
    public const byte SDL_WINDOWEVENT_EXPOSED = 3;
    public const byte SDL_WINDOWEVENT_SIZE_CHANGED = 6;
    public const byte SDL_WINDOWEVENT_FOCUS_LOST = 13;
    public const byte SDL_WINDOWEVENT_CLOSE = 14;

    // SDL_BUTTON_*.
    public const byte SDL_BUTTON_LEFT = 1;
    public const byte SDL_BUTTON_MIDDLE = 2;
    public const byte SDL_BUTTON_RIGHT = 3;
    public const byte SDL_BUTTON_X1 = 4;
    public const byte SDL_BUTTON_X2 = 5;

    public const uint SDL_MOUSEWHEEL_FLIPPED = 1;

    // Hints (SDL_hints.h).
    public const string SDL_HINT_NO_SIGNAL_HANDLERS = "SDL_NO_SIGNAL_HANDLERS";
    public const string SDL_HINT_VIDEODRIVER = "SDL_VIDEODRIVER";

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool SDL_SetHint(string name, string value);

    [LibraryImport(Library)]
    public static partial int SDL_Init(uint flags);

    [LibraryImport(Library)]
    public static partial void SDL_Quit();

    [LibraryImport(Library)]
    public static partial nint SDL_GetCurrentVideoDriver();

    /// <summary>The name of the video driver SDL runs (x11, wayland, ...).</summary>
    public static string CurrentVideoDriver() => Marshal.PtrToStringUTF8(SDL_GetCurrentVideoDriver()) ?? "none";

    [LibraryImport(Library)]
    public static partial nint SDL_GetError();

    /// <summary>SDL's last error message.</summary>
    public static string Error() => Marshal.PtrToStringUTF8(SDL_GetError()) ?? "unknown error";

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint SDL_CreateWindow(string title, int x, int y, int w, int h, uint flags);

    [LibraryImport(Library)]
    public static partial void SDL_DestroyWindow(nint window);

    [LibraryImport(Library)]
    public static partial void SDL_SetWindowSize(nint window, int w, int h);

    [LibraryImport(Library)]
    public static partial void SDL_GetWindowSize(nint window, int* w, int* h);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SDL_SetWindowTitle(nint window, string title);

    [LibraryImport(Library)]
    public static partial int SDL_GL_SetAttribute(int attribute, int value);

    [LibraryImport(Library)]
    public static partial nint SDL_GL_CreateContext(nint window);

    [LibraryImport(Library)]
    public static partial void SDL_GL_DeleteContext(nint context);

    [LibraryImport(Library)]
    public static partial int SDL_GL_MakeCurrent(nint window, nint context);

    [LibraryImport(Library)]
    public static partial int SDL_GL_SetSwapInterval(int interval);

    [LibraryImport(Library)]
    public static partial void SDL_GL_SwapWindow(nint window);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint SDL_GL_GetProcAddress(string name);

    [LibraryImport(Library)]
    public static partial void SDL_GL_GetDrawableSize(nint window, int* w, int* h);

    [LibraryImport(Library)]
    public static partial nint SDL_CreateRenderer(nint window, int index, uint flags);

    [LibraryImport(Library)]
    public static partial void SDL_DestroyRenderer(nint renderer);

    [LibraryImport(Library)]
    public static partial int SDL_GetRendererOutputSize(nint renderer, int* w, int* h);

    [LibraryImport(Library)]
    public static partial nint SDL_CreateTexture(nint renderer, uint format, int access, int w, int h);

    [LibraryImport(Library)]
    public static partial void SDL_DestroyTexture(nint texture);

    [LibraryImport(Library)]
    public static partial int SDL_UpdateTexture(nint texture, SdlRect* rect, void* pixels, int pitch);

    [LibraryImport(Library)]
    public static partial int SDL_SetRenderDrawColor(nint renderer, byte r, byte g, byte b, byte a);

    [LibraryImport(Library)]
    public static partial int SDL_RenderClear(nint renderer);

    [LibraryImport(Library)]
    public static partial int SDL_RenderCopy(nint renderer, nint texture, SdlRect* source, SdlRect* destination);

    [LibraryImport(Library)]
    public static partial void SDL_RenderPresent(nint renderer);

    [LibraryImport(Library)]
    public static partial int SDL_WaitEventTimeout(SdlEvent* sdlEvent, int timeout);

    [LibraryImport(Library)]
    public static partial int SDL_PollEvent(SdlEvent* sdlEvent);
}
