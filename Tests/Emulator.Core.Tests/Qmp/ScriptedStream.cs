using System.Text;

namespace Emulator.Core.Tests.Qmp;

/// <summary>A client in memory: reads give the scripted input (at most <paramref name="chunk"/> bytes at a time), then end of stream; writes are kept.</summary>
internal sealed class ScriptedStream(string input, int chunk = int.MaxValue) : Stream
{
    private readonly byte[] _input = Encoding.UTF8.GetBytes(input);
    private readonly MemoryStream _output = new();
    private int _position;

    public string Output => Encoding.UTF8.GetString(_output.ToArray());

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, chunk), _input.Length - _position);
        Array.Copy(_input, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
