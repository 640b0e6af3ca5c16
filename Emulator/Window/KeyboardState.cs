namespace Emulator.Window;

/// <summary>
/// The keys the window has pressed in the guest, as QEMU's ui/kbd-state.c keeps them: an event that does not change
/// a key's state (the host's key repeat, a release whose press went elsewhere) is not sent, and when the window
/// loses the focus every key still down is released, so none sticks in the guest.
/// </summary>
public sealed class KeyboardState
{
    private readonly HashSet<ushort> _down = [];

    /// <summary>Records a press or release; whether it changes the key's state (and so goes to the guest).</summary>
    public bool Change(ushort code, bool down) => down ? _down.Add(code) : _down.Remove(code);

    /// <summary>Forgets every key still down and returns them, lowest code first, for their releases to be sent.</summary>
    public IReadOnlyList<ushort> LiftAll()
    {
        var keys = _down.Order().ToArray();
        _down.Clear();
        return keys;
    }
}
