using Emulator.Devices.Display;

namespace Emulator.Window;

/// <summary>
/// A window and the way pictures reach it: OpenGL (<see cref="GlPresenter"/>) or, without OpenGL, SDL's software
/// renderer (<see cref="SoftwarePresenter"/>). Used only on the window's thread.
/// </summary>
internal interface IFramePresenter : IDisposable
{
    /// <summary>The SDL_Window.</summary>
    nint Window { get; }

    /// <summary>How the window draws, for the log: the OpenGL renderer's name, or SDL's software renderer.</summary>
    string Description { get; }

    /// <summary>The window's drawable area in pixels.</summary>
    (int Width, int Height) DrawableSize();

    /// <summary>Copies a new picture to where <see cref="Draw"/> takes it from.</summary>
    void Upload(DisplayFrame frame);

    /// <summary>Paints the window black and the last uploaded picture (if <paramref name="withFrame"/>) into <paramref name="box"/>, then shows it.</summary>
    void Draw(Letterbox box, bool withFrame);
}
