using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

public class JobControlTests
{
    [Fact]
    public void The_foreground_group_and_other_terminals_go_ahead()
    {
        Assert.Equal(0, JobControl.CheckBackground(true, 10, 10, false, Signals.SIGTTIN));
        Assert.Equal(0, JobControl.CheckBackground(false, 10, 20, false, Signals.SIGTTIN));
        Assert.Equal(0, JobControl.CheckBackground(true, 10, 0, false, Signals.SIGTTOU));
    }

    [Fact]
    public void A_background_reader_is_stopped_by_SIGTTIN_or_gets_EIO_when_it_ignores_it()
    {
        Assert.Equal(Signals.SIGTTIN, JobControl.CheckBackground(true, 10, 20, false, Signals.SIGTTIN));
        Assert.Equal(-Errno.EIO, JobControl.CheckBackground(true, 10, 20, true, Signals.SIGTTIN));
    }

    [Fact]
    public void A_background_writer_is_stopped_by_SIGTTOU_or_goes_ahead_when_it_ignores_it()
    {
        Assert.Equal(Signals.SIGTTOU, JobControl.CheckBackground(true, 10, 20, false, Signals.SIGTTOU));
        Assert.Equal(0, JobControl.CheckBackground(true, 10, 20, true, Signals.SIGTTOU));
    }
}
