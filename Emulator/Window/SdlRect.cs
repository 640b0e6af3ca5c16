namespace Emulator.Window;

/// <summary>SDL_Rect: a rectangle in pixels.</summary>
internal struct SdlRect(int x, int y, int w, int h)
{
    public int X = x;
    public int Y = y;
    public int W = w;
    public int H = h;
}
