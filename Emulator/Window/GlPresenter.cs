using Emulator.Devices.Display;
using Silk.NET.OpenGL;

namespace Emulator.Window;

/// <summary>
/// Draws with OpenGL 3.0 or later (Mesa's llvmpipe without a GPU): the picture is a texture, updated with
/// TexSubImage2D (a frame's 0xFFRRGGBB pixels are the bytes B, G, R, A: GL's BGRA), attached to a read framebuffer
/// and copied into the window with BlitFramebuffer, scaled into the letterbox and flipped (GL's rows go up).
/// </summary>
internal sealed unsafe class GlPresenter : IFramePresenter
{
    private readonly nint _context;
    private readonly GL _gl;
    private readonly uint _texture;
    private readonly uint _framebuffer;
    private int _textureWidth;
    private int _textureHeight;

    private GlPresenter(nint window, nint context, GL gl)
    {
        Window = window;
        _context = context;
        _gl = gl;
        Description = $"OpenGL {_gl.GetStringS(StringName.Version)} on {_gl.GetStringS(StringName.Renderer)}";
        _texture = _gl.GenTexture();
        _gl.BindTexture(TextureTarget.Texture2D, _texture);
        _gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMinFilter, (int)TextureMinFilter.Linear);
        _gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMagFilter, (int)TextureMagFilter.Linear);
        _framebuffer = _gl.GenFramebuffer();
    }

    public nint Window { get; }

    public string Description { get; }

    /// <summary>A resizable OpenGL window with its context current on this thread, or null (and why) when there is no usable OpenGL.</summary>
    public static GlPresenter? TryCreate(string title, int width, int height, out string reason)
    {
        Sdl.SDL_GL_SetAttribute(Sdl.SDL_GL_DOUBLEBUFFER, 1);
        var window = Sdl.SDL_CreateWindow(title, Sdl.SDL_WINDOWPOS_UNDEFINED, Sdl.SDL_WINDOWPOS_UNDEFINED, width, height,
            Sdl.SDL_WINDOW_OPENGL | Sdl.SDL_WINDOW_SHOWN | Sdl.SDL_WINDOW_RESIZABLE);
        if (window == 0)
        {
            reason = $"no OpenGL window: {Sdl.Error()}";
            return null;
        }

        var context = Sdl.SDL_GL_CreateContext(window);
        if (context == 0)
        {
            reason = $"no OpenGL context: {Sdl.Error()}";
            Sdl.SDL_DestroyWindow(window);
            return null;
        }

        var gl = GL.GetApi(name => Sdl.SDL_GL_GetProcAddress(name));
        gl.GetInteger(GetPName.MajorVersion, out var major);
        if (major < 3)
        {
            // BlitFramebuffer needs OpenGL 3.0 (or ARB_framebuffer_object); older contexts take the software path.
            reason = $"OpenGL {gl.GetStringS(StringName.Version)} is older than 3.0";
            gl.Dispose();
            Sdl.SDL_GL_DeleteContext(context);
            Sdl.SDL_DestroyWindow(window);
            return null;
        }

        // The window draws when the picture changes, paced by its own clock: no waiting for a vertical blank.
        Sdl.SDL_GL_SetSwapInterval(0);
        reason = "";
        return new GlPresenter(window, context, gl);
    }

    public (int Width, int Height) DrawableSize()
    {
        int w, h;
        Sdl.SDL_GL_GetDrawableSize(Window, &w, &h);
        return (w, h);
    }

    public void Upload(DisplayFrame frame)
    {
        _gl.BindTexture(TextureTarget.Texture2D, _texture);
        fixed (uint* pixels = frame.Pixels)
        {
            if (frame.Width != _textureWidth || frame.Height != _textureHeight)
            {
                _gl.TexImage2D(TextureTarget.Texture2D, 0, InternalFormat.Rgba8, (uint)frame.Width, (uint)frame.Height, 0,
                    PixelFormat.Bgra, PixelType.UnsignedByte, pixels);
                _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, _framebuffer);
                _gl.FramebufferTexture2D(FramebufferTarget.ReadFramebuffer, FramebufferAttachment.ColorAttachment0,
                    TextureTarget.Texture2D, _texture, 0);
                _textureWidth = frame.Width;
                _textureHeight = frame.Height;
            }
            else
            {
                _gl.TexSubImage2D(TextureTarget.Texture2D, 0, 0, 0, (uint)frame.Width, (uint)frame.Height,
                    PixelFormat.Bgra, PixelType.UnsignedByte, pixels);
            }
        }
    }

    public void Draw(Letterbox box, bool withFrame)
    {
        var (_, windowHeight) = DrawableSize();
        _gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, 0);
        _gl.ClearColor(0, 0, 0, 1);
        _gl.Clear(ClearBufferMask.ColorBufferBit);
        if (withFrame && _textureWidth > 0 && !box.IsEmpty)
        {
            _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, _framebuffer);
            // The texture's first row is the picture's top; the window's GL rows count from the bottom.
            var top = windowHeight - box.Y;
            _gl.BlitFramebuffer(0, 0, _textureWidth, _textureHeight, box.X, top, box.X + box.Width, top - box.Height,
                ClearBufferMask.ColorBufferBit, BlitFramebufferFilter.Linear);
        }

        Sdl.SDL_GL_SwapWindow(Window);
    }

    public void Dispose()
    {
        _gl.DeleteFramebuffer(_framebuffer);
        _gl.DeleteTexture(_texture);
        _gl.Dispose();
        Sdl.SDL_GL_DeleteContext(_context);
        Sdl.SDL_DestroyWindow(Window);
    }
}
