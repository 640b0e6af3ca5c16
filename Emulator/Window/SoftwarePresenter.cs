using Emulator.Devices.Display;

namespace Emulator.Window;

/// <summary>
/// Draws without OpenGL, with SDL's software renderer: the picture is a streaming texture in SDL_PIXELFORMAT_RGB888
/// (a frame's 0x__RRGGBB pixels as they are), scaled into the letterbox by SDL_RenderCopy.
/// </summary>
internal sealed unsafe class SoftwarePresenter : IFramePresenter
{
    private readonly nint _renderer;
    private nint _texture;
    private int _textureWidth;
    private int _textureHeight;

    private SoftwarePresenter(nint window, nint renderer)
    {
        Window = window;
        _renderer = renderer;
    }

    public nint Window { get; }

    public string Description => "SDL's software renderer";

    /// <summary>A resizable window with SDL's software renderer, or null (and why).</summary>
    public static SoftwarePresenter? TryCreate(string title, int width, int height, out string reason)
    {
        var window = Sdl.SDL_CreateWindow(title, Sdl.SDL_WINDOWPOS_UNDEFINED, Sdl.SDL_WINDOWPOS_UNDEFINED, width, height,
            Sdl.SDL_WINDOW_SHOWN | Sdl.SDL_WINDOW_RESIZABLE);
        if (window == 0)
        {
            reason = $"no window: {Sdl.Error()}";
            return null;
        }

        var renderer = Sdl.SDL_CreateRenderer(window, -1, Sdl.SDL_RENDERER_SOFTWARE);
        if (renderer == 0)
        {
            reason = $"no software renderer: {Sdl.Error()}";
            Sdl.SDL_DestroyWindow(window);
            return null;
        }

        reason = "";
        return new SoftwarePresenter(window, renderer);
    }

    public (int Width, int Height) DrawableSize()
    {
        int w, h;
        return Sdl.SDL_GetRendererOutputSize(_renderer, &w, &h) == 0 ? (w, h) : (0, 0);
    }

    public void Upload(DisplayFrame frame)
    {
        if (frame.Width != _textureWidth || frame.Height != _textureHeight)
        {
            if (_texture != 0)
            {
                Sdl.SDL_DestroyTexture(_texture);
            }

            _texture = Sdl.SDL_CreateTexture(_renderer, Sdl.SDL_PIXELFORMAT_RGB888, Sdl.SDL_TEXTUREACCESS_STREAMING, frame.Width, frame.Height);
            (_textureWidth, _textureHeight) = _texture == 0 ? (0, 0) : (frame.Width, frame.Height);
            if (_texture == 0)
            {
                return;
            }
        }

        fixed (uint* pixels = frame.Pixels)
        {
            Sdl.SDL_UpdateTexture(_texture, null, pixels, frame.Width * 4);
        }
    }

    public void Draw(Letterbox box, bool withFrame)
    {
        Sdl.SDL_SetRenderDrawColor(_renderer, 0, 0, 0, 255);
        Sdl.SDL_RenderClear(_renderer);
        if (withFrame && _texture != 0 && !box.IsEmpty)
        {
            var destination = new SdlRect(box.X, box.Y, box.Width, box.Height);
            Sdl.SDL_RenderCopy(_renderer, _texture, null, &destination);
        }

        Sdl.SDL_RenderPresent(_renderer);
    }

    public void Dispose()
    {
        if (_texture != 0)
        {
            Sdl.SDL_DestroyTexture(_texture);
        }

        Sdl.SDL_DestroyRenderer(_renderer);
        Sdl.SDL_DestroyWindow(Window);
    }
}
