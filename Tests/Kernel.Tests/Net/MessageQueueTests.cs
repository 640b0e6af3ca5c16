using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

public class MessageQueueTests
{
    private sealed class CountingRights : ISocketAttachment
    {
        public int Released;
        public void Release() => Released++;
    }

    [Fact]
    public void BytesAndChargesFollowEnqueueAndConsume()
    {
        var q = new MessageQueue();
        q.Enqueue(SocketMessage.Create(10, 10));
        q.Enqueue(SocketMessage.Create(5, 517));
        Assert.Equal(2, q.Count);
        Assert.Equal(15, q.Bytes);
        Assert.Equal(527, q.Charged);
        q.Consume(4);
        Assert.Equal(11, q.Bytes);
        Assert.Equal(2, q.Count);
        q.Consume(6); // the first message read to its end goes
        Assert.Equal(1, q.Count);
        Assert.Equal(5, q.Bytes);
        Assert.Equal(517, q.Charged);
    }

    [Fact]
    public void ClearReleasesDescriptorsInFlight()
    {
        var q = new MessageQueue();
        var rights = new CountingRights();
        SocketMessage m = SocketMessage.Create(1, 1);
        m.Rights = rights;
        q.Enqueue(m);
        long freed = Owned.FreedOnThisThread;
        q.Clear();
        Assert.Equal(1, rights.Released);
        Assert.True(q.IsEmpty);
        Assert.Equal(0, q.Charged);
        Assert.True(Owned.FreedOnThisThread - freed >= 2, "the message and its data are freed");
    }

    [Fact]
    public void TakenRightsAreNotReleasedWithTheMessage()
    {
        var rights = new CountingRights();
        SocketMessage m = SocketMessage.Create(1, 1);
        m.Rights = rights;
        Assert.Same(rights, m.TakeRights());
        m.Free();
        Assert.Equal(0, rights.Released);
    }

    [Fact]
    public void DequeueKeepsOrder()
    {
        var q = new MessageQueue();
        SocketMessage a = SocketMessage.Create(1, 1), b = SocketMessage.Create(2, 2);
        q.Enqueue(a);
        q.Enqueue(b);
        Assert.Same(a, q.Dequeue());
        Assert.Same(b, q.Head);
        Assert.Same(b, q.Dequeue());
        Assert.Null(q.Dequeue());
    }
}
