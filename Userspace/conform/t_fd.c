/* File descriptors: pipes, dup/dup2/dup3, fcntl, close-on-exec, poll/select, epoll. */
#include "conform.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/uio.h>

TEST(pipe_read_write)
{
    int p[2];
    EQ(pipe(p), 0);
    CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe fds %d %d", p[0], p[1]);
    EQ(write(p[1], "hello", 5), 5);
    char buf[16] = {0};
    EQ(read(p[0], buf, sizeof buf), 5);    /* a read returns what is there, not a full buffer */
    STREQ(buf, "hello");
    EQ(write(p[1], "abcdef", 6), 6);
    EQ(read(p[0], buf, 2), 2);
    EQ(memcmp(buf, "ab", 2), 0);
    EQ(read(p[0], buf, 10), 4);
    EQ(memcmp(buf, "cdef", 4), 0);
    ERR(write(p[0], "x", 1), EBADF);    /* the read end is read-only */
    ERR(read(p[1], buf, 1), EBADF);
    EQ(write(p[1], buf, 0), 0);
}

TEST(pipe_eof_after_writer_close)
{
    int p[2];
    SYS(pipe(p));
    EQ(write(p[1], "ab", 2), 2);
    EQ(close(p[1]), 0);
    char buf[4];
    EQ(read(p[0], buf, 4), 2);    /* buffered data first */
    EQ(read(p[0], buf, 4), 0);    /* then end of file */
    EQ(read(p[0], buf, 4), 0);
}

TEST(pipe_eof_child_writer)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        close(p[0]);
        sleep_ms(30);
        write_all(p[1], "from child", 10);
        _exit(0);    /* exit closes the write end */
    }
    close(p[1]);
    char buf[32];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], buf + n, sizeof buf - n)) > 0) n += r;
    EQ(r, 0);
    EQ(n, 10);
    EQ(memcmp(buf, "from child", 10), 0);
    expect_exit(pid, 0);
}

TEST(pipe_sigpipe_kills)
{
    int p[2];
    SYS(pipe(p));
    close(p[0]);
    pid_t pid = xfork();
    if (pid == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    expect_signal(pid, SIGPIPE);
}

TEST(pipe_epipe_when_ignored)
{
    int p[2];
    SYS(pipe(p));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    ERR(write(p[1], "x", 1), EPIPE);
}

static volatile int sigpipe_seen;
static void on_sigpipe(int sig) { sigpipe_seen++; }

TEST(pipe_epipe_with_handler)
{
    int p[2];
    SYS(pipe(p));
    close(p[0]);
    set_handler(SIGPIPE, on_sigpipe, 0);
    ERR(write(p[1], "x", 1), EPIPE);
    EQ(sigpipe_seen, 1);
}

TEST(pipe_blocking_reader_wakes)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(100);
        write_all(p[1], "late", 4);
        _exit(0);
    }
    int64_t t0 = mono_ns();
    char buf[8];
    EQ(read(p[0], buf, sizeof buf), 4);
    CHECK(mono_ns() - t0 >= 50 * 1000000, "read returned before the writer wrote");
    EQ(memcmp(buf, "late", 4), 0);
    expect_exit(pid, 0);
}

TEST(pipe_fionread)
{
    int p[2];
    SYS(pipe(p));
    int n = -1;
    EQ(ioctl(p[0], FIONREAD, &n), 0);
    EQ(n, 0);
    EQ(write(p[1], "0123456789", 10), 10);
    EQ(ioctl(p[0], FIONREAD, &n), 0);
    EQ(n, 10);
    char buf[4];
    EQ(read(p[0], buf, 4), 4);
    EQ(ioctl(p[0], FIONREAD, &n), 0);
    EQ(n, 6);
}

TEST(pipe_nonblock_eagain)
{
    int p[2];
    SYS(pipe(p));
    int fl = SYS(fcntl(p[0], F_GETFL));
    EQ(fl & O_NONBLOCK, 0);
    EQ(fl & O_ACCMODE, O_RDONLY);
    EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    EQ(fcntl(p[0], F_SETFL, fl | O_NONBLOCK), 0);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK did not stick");
    char c;
    ERR(read(p[0], &c, 1), EAGAIN);
    EQ(write(p[1], "z", 1), 1);
    EQ(read(p[0], &c, 1), 1);
    ERR(read(p[0], &c, 1), EAGAIN);
    close(p[1]);
    EQ(read(p[0], &c, 1), 0);    /* EOF beats EAGAIN */

    int q[2];
    EQ(pipe2(q, O_NONBLOCK), 0);
    CHECK(fcntl(q[0], F_GETFL) & O_NONBLOCK, "pipe2(O_NONBLOCK) read end blocks");
    CHECK(fcntl(q[1], F_GETFL) & O_NONBLOCK, "pipe2(O_NONBLOCK) write end blocks");
    ERR(read(q[0], &c, 1), EAGAIN);
}

TEST(pipe_capacity)
{
    int p[2];
    SYS(pipe2(p, O_NONBLOCK));
    int size = SYS(fcntl(p[1], F_GETPIPE_SZ));
    EQ(size, 65536);    /* Linux's default: 16 pages */
    static char buf[8192];
    memset(buf, 'q', sizeof buf);
    long total = 0;
    for (;;) {
        ssize_t r = write(p[1], buf, sizeof buf);
        if (r < 0) {
            EQ(errno, EAGAIN);
            break;
        }
        total += r;
        CHECK(total <= 1 << 20, "the pipe never fills");
    }
    EQ(total, size);
    /* After room for PIPE_BUF bytes appears, a PIPE_BUF write goes in whole. */
    read_exact(p[0], buf, 4096);
    EQ(write(p[1], buf, 4096), 4096);
    ERR(write(p[1], buf, 1), EAGAIN);
}

TEST(pipe_large_transfer)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        close(p[0]);
        static unsigned char out[300000];
        for (size_t i = 0; i < sizeof out; i++) out[i] = (unsigned char)(i * 7 + (i >> 9));
        write_all(p[1], out, sizeof out);
        _exit(0);
    }
    close(p[1]);
    static unsigned char in[300000];
    read_exact(p[0], in, sizeof in);
    for (size_t i = 0; i < sizeof in; i++)
        if (in[i] != (unsigned char)(i * 7 + (i >> 9))) FAIL("byte %zu differs", i);
    char c;
    EQ(read(p[0], &c, 1), 0);
    expect_exit(pid, 0);
}

TEST(pipe_readv_writev)
{
    int p[2];
    SYS(pipe(p));
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    EQ(writev(p[1], out, 3), 6);
    char a[3] = {0}, b[8] = {0};
    struct iovec in[2] = {{a, 3}, {b, 8}};
    EQ(readv(p[0], in, 2), 6);
    EQ(memcmp(a, "abc", 3), 0);
    EQ(memcmp(b, "def", 3), 0);
    struct iovec bad = {(void *)1, 4};
    ERR(writev(p[1], &bad, 1), EFAULT);
    ERR(writev(p[1], out, -1), EINVAL);
}

HELPER(fds)
{
    /* argv: fds N:open|N:closed ... */
    for (int i = 1; i < argc; i++) {
        int fd = atoi(argv[i]);
        int want_open = strstr(argv[i], ":open") != NULL;
        int is_open = fcntl(fd, F_GETFD) >= 0;
        CHECK(is_open == want_open, "after execve fd %d is %s, expected %s", fd, is_open ? "open" : "closed",
              want_open ? "open" : "closed");
    }
    return 0;
}

TEST(cloexec_across_exec)
{
    int keep[2], drop[2];
    SYS(pipe(keep));
    SYS(pipe2(drop, O_CLOEXEC));
    EQ(fcntl(drop[0], F_GETFD), FD_CLOEXEC);
    EQ(fcntl(keep[0], F_GETFD), 0);
    int file = SYS(open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0644));
    int dupped = SYS(fcntl(file, F_DUPFD, 40));    /* F_DUPFD clears close-on-exec */
    int flagged = SYS(dup(keep[0]));
    SYS(fcntl(flagged, F_SETFD, FD_CLOEXEC));
    char a[6][24];
    snprintf(a[0], 24, "%d:open", keep[0]);
    snprintf(a[1], 24, "%d:open", keep[1]);
    snprintf(a[2], 24, "%d:closed", drop[0]);
    snprintf(a[3], 24, "%d:closed", drop[1]);
    snprintf(a[4], 24, "%d:closed", file);
    snprintf(a[5], 24, "%d:open", dupped);
    char f[24];
    snprintf(f, 24, "%d:closed", flagged);
    char *args[] = {"fds", a[0], a[1], a[2], a[3], a[4], a[5], f, NULL};
    int status = run_helper(args);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "helper %s", status_str(status));
}

TEST(dup_lowest_free)
{
    int a = SYS(open("/dev/null", O_RDONLY));
    int b = SYS(open("/dev/null", O_RDONLY));
    CHECK(b > a, "second open %d not above first %d", b, a);
    close(a);
    EQ(dup(b), a);    /* the lowest free number */
    int c = SYS(open("/dev/null", O_RDONLY));
    CHECK(c > b, "open %d reused a busy number", c);
    ERR(dup(-1), EBADF);
    ERR(dup(12345), EBADF);
}

TEST(dup2_dup3)
{
    int p[2];
    SYS(pipe(p));
    int other = SYS(open("/dev/null", O_WRONLY));
    EQ(dup2(p[1], other), other);    /* silently closes what other was */
    EQ(write(other, "x", 1), 1);
    char c;
    EQ(read(p[0], &c, 1), 1);
    EQ(dup2(p[1], p[1]), p[1]);    /* same fd: nothing happens */
    ERR(dup2(12345, other), EBADF);
    ERR(dup2(p[1], -1), EBADF);
    EQ(dup2(p[1], 60), 60);
    EQ(fcntl(60, F_GETFD), 0);
    ERR(dup3(p[1], p[1], 0), EINVAL);    /* dup3 refuses the same fd */
    EQ(dup3(p[1], 61, O_CLOEXEC), 61);
    EQ(fcntl(61, F_GETFD), FD_CLOEXEC);
    ERR(dup3(p[1], 62, O_NONBLOCK), EINVAL);
}

TEST(fcntl_dupfd)
{
    int fd = SYS(open("/dev/null", O_RDONLY));
    int d = SYS(fcntl(fd, F_DUPFD, 50));
    CHECK(d >= 50, "F_DUPFD gave %d < 50", d);
    EQ(fcntl(fd, F_DUPFD, 50), d + 1);    /* lowest free at or above 50 */
    EQ(fcntl(d, F_GETFD), 0);
    int e = SYS(fcntl(fd, F_DUPFD_CLOEXEC, 50));
    EQ(fcntl(e, F_GETFD), FD_CLOEXEC);
    EQ(fcntl(e, F_SETFD, 0), 0);
    EQ(fcntl(e, F_GETFD), 0);
    EQ(fcntl(e, F_SETFD, FD_CLOEXEC), 0);
    EQ(fcntl(e, F_GETFD), FD_CLOEXEC);
    ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
    ERR(fcntl(12345, F_GETFD), EBADF);
    ERR(fcntl(fd, 0x7fff), EINVAL);    /* unknown command */
}

TEST(fcntl_getfl_setfl)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR | O_APPEND, 0644));
    int fl = SYS(fcntl(fd, F_GETFL));
    EQ(fl & O_ACCMODE, O_RDWR);
    CHECK(fl & O_APPEND, "O_APPEND missing from F_GETFL %#x", fl);
    CHECK(!(fl & O_CREAT), "F_GETFL shows the creation flag O_CREAT (%#x)", fl);
    EQ(fcntl(fd, F_SETFL, O_NONBLOCK | O_WRONLY), 0);    /* the access mode cannot change */
    fl = fcntl(fd, F_GETFL);
    EQ(fl & O_ACCMODE, O_RDWR);
    CHECK(!(fl & O_APPEND), "O_APPEND not cleared by F_SETFL");
    CHECK(fl & O_NONBLOCK, "O_NONBLOCK not set by F_SETFL");
    int ro = SYS(open("f", O_RDONLY));
    EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
    int wo = SYS(open("f", O_WRONLY));
    EQ(fcntl(wo, F_GETFL) & O_ACCMODE, O_WRONLY);
}

TEST(dup_shares_offset_and_flags)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "0123456789", 10);
    int d = SYS(dup(fd));
    EQ(lseek(fd, 3, SEEK_SET), 3);
    EQ(lseek(d, 0, SEEK_CUR), 3);    /* one open file description */
    char c;
    EQ(read(d, &c, 1), 1);
    EQ(c, '3');
    EQ(lseek(fd, 0, SEEK_CUR), 4);
    SYS(fcntl(fd, F_SETFL, O_APPEND));    /* status flags are shared too ... */
    CHECK(fcntl(d, F_GETFL) & O_APPEND, "O_APPEND not shared with the dup");
    SYS(fcntl(fd, F_SETFD, FD_CLOEXEC));    /* ... the close-on-exec flag is not */
    EQ(fcntl(d, F_GETFD), 0);
    int other = SYS(open("f", O_RDONLY));
    EQ(lseek(other, 0, SEEK_CUR), 0);    /* a second open has its own offset */
}

TEST(fork_shares_offset)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    pid_t pid = xfork();
    if (pid == 0) {
        write_all(fd, "child", 5);
        _exit(0);
    }
    expect_exit(pid, 0);
    EQ(lseek(fd, 0, SEEK_CUR), 5);
    write_all(fd, "parent", 6);
    char buf[16] = {0};
    EQ(pread(fd, buf, sizeof buf, 0), 11);
    STREQ(buf, "childparent");
}

TEST(close_errors)
{
    ERR(close(-1), EBADF);
    ERR(close(12345), EBADF);
    int fd = SYS(open("/dev/null", O_RDONLY));
    EQ(close(fd), 0);
    ERR(close(fd), EBADF);
    char c;
    ERR(read(fd, &c, 1), EBADF);
    ERR(write(fd, &c, 1), EBADF);
    int ro = SYS(open("/dev/null", O_RDONLY));
    ERR(write(ro, "x", 1), EBADF);
    int wo = SYS(open("/dev/null", O_WRONLY));
    ERR(read(wo, &c, 1), EBADF);
}

static long raw_ppoll(struct pollfd *fds, int n, const struct timespec *ts)
{
    return syscall(SYS_ppoll, fds, n, ts, NULL, (size_t)8);
}

TEST(ppoll_ready)
{
    int p[2];
    SYS(pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    struct timespec zero = {0, 0};
    EQ(raw_ppoll(fds, 2, &zero), 1);    /* only the write end is ready */
    EQ(fds[0].revents, 0);
    EQ(fds[1].revents, POLLOUT);
    EQ(write(p[1], "x", 1), 1);
    EQ(raw_ppoll(fds, 2, &zero), 2);
    EQ(fds[0].revents, POLLIN);
    EQ(fds[1].revents, POLLOUT);
    /* A negative fd is ignored; a closed one reports POLLNVAL. */
    int closed = SYS(dup(p[0]));
    close(closed);
    struct pollfd odd[2] = {{-1, POLLIN, 0}, {closed, POLLIN, 0}};
    EQ(raw_ppoll(odd, 2, &zero), 1);
    EQ(odd[0].revents, 0);
    EQ(odd[1].revents, POLLNVAL);
}

TEST(ppoll_wakes_and_times_out)
{
    int p[2];
    SYS(pipe(p));
    struct pollfd fd = {p[0], POLLIN, 0};
    struct timespec ts = {0, 100 * 1000000};
    int64_t t0 = mono_ns();
    EQ(raw_ppoll(&fd, 1, &ts), 0);
    int64_t dt = mono_ns() - t0;
    CHECK(dt >= 100 * 1000000, "ppoll timed out after %lld ns, before 100 ms", (long long)dt);
    CHECK(dt < 5000000000LL, "ppoll took %lld ns for a 100 ms timeout", (long long)dt);

    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(50);
        write(p[1], "x", 1);
        _exit(0);
    }
    t0 = mono_ns();
    EQ(raw_ppoll(&fd, 1, NULL), 1);    /* no timeout: waits for the writer */
    EQ(fd.revents, POLLIN);
    CHECK(mono_ns() - t0 >= 30 * 1000000, "ppoll returned before the data came");
    expect_exit(pid, 0);
}

TEST(ppoll_hup_and_err)
{
    int p[2];
    SYS(pipe(p));
    close(p[1]);
    struct pollfd fd = {p[0], POLLIN, 0};
    struct timespec zero = {0, 0};
    EQ(raw_ppoll(&fd, 1, &zero), 1);
    CHECK(fd.revents & POLLHUP, "read end of a widowed pipe: revents %#x lacks POLLHUP", fd.revents);
    int q[2];
    SYS(pipe(q));
    close(q[0]);
    struct pollfd w = {q[1], POLLOUT, 0};
    EQ(raw_ppoll(&w, 1, &zero), 1);
    CHECK(w.revents & POLLERR, "write end without readers: revents %#x lacks POLLERR", w.revents);
}

TEST(pselect6_ready_and_timeout)
{
    int p[2];
    SYS(pipe(p));
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    int nfds = (p[0] > p[1] ? p[0] : p[1]) + 1;
    struct timespec ts = {0, 50 * 1000000};
    EQ(syscall(SYS_pselect6, nfds, &rd, &wr, NULL, &ts, NULL), 1);
    CHECK(!FD_ISSET(p[0], &rd), "empty pipe reported readable");
    CHECK(FD_ISSET(p[1], &wr), "pipe not writable");

    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    ts.tv_sec = 0;
    ts.tv_nsec = 80 * 1000000;
    int64_t t0 = mono_ns();
    EQ(syscall(SYS_pselect6, nfds, &rd, NULL, NULL, &ts, NULL), 0);
    CHECK(mono_ns() - t0 >= 80 * 1000000, "pselect6 timed out early");
    CHECK(!FD_ISSET(p[0], &rd), "the set was not cleared on timeout");

    EQ(write(p[1], "x", 1), 1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    EQ(syscall(SYS_pselect6, nfds, &rd, NULL, NULL, NULL, NULL), 1);
    CHECK(FD_ISSET(p[0], &rd), "pipe with data not readable");

    int closed = SYS(dup(p[0]));
    close(closed);
    FD_ZERO(&rd);
    FD_SET(closed, &rd);
    ERR(syscall(SYS_pselect6, closed + 1, &rd, NULL, NULL, NULL, NULL), EBADF);
}

TEST(epoll_pipe)
{
    int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
    EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    int p[2];
    SYS(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
    EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    struct epoll_event out[4];
    EQ(epoll_wait(ep, out, 4, 0), 0);
    int64_t t0 = mono_ns();
    EQ(epoll_wait(ep, out, 4, 50), 0);
    CHECK(mono_ns() - t0 >= 45 * 1000000, "epoll_wait timed out early");
    EQ(write(p[1], "x", 1), 1);
    EQ(epoll_wait(ep, out, 4, 1000), 1);
    EQ(out[0].events, EPOLLIN);
    EQ(out[0].data.u64, 0x1234);
    EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
    EQ(epoll_wait(ep, out, 4, 0), 0);
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
}

TEST(epoll_oneshot_hup_and_closed_descriptors)
{
    int ep = SYS(epoll_create1(0));
    int p[2];
    SYS(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 7};
    EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
    EQ(write(p[1], "ab", 2), 2);
    struct epoll_event out[2];
    EQ(epoll_wait(ep, out, 2, 0), 1);
    EQ(out[0].data.u64, 7);
    EQ(epoll_wait(ep, out, 2, 0), 0); /* one-shot: disarmed, though still readable */
    ev.events = EPOLLIN;
    EQ(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), 0);
    EQ(epoll_wait(ep, out, 2, 0), 1);
    close(p[1]);
    char buf[2];
    EQ(read(p[0], buf, 2), 2);
    EQ(epoll_wait(ep, out, 2, 0), 1);
    EQ(out[0].events, EPOLLHUP); /* no writer and nothing left: hang-up, not readable */
    EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);

    int fd = SYS(open("f", O_CREAT | O_RDWR, 0600));
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM); /* regular files are always ready */
    ERR(epoll_ctl(p[0], EPOLL_CTL_ADD, ep, &ev), EINVAL); /* p[0] is no epoll instance */
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    ERR(epoll_wait(ep, out, 0, 0), EINVAL);

    /* Closing a watched descriptor (its file's last reference) takes it off the list. */
    int q[2];
    SYS(pipe(q));
    ev.data.u64 = 9;
    EQ(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev), 0);
    EQ(write(q[1], "x", 1), 1);
    EQ(epoll_wait(ep, out, 2, 0), 1);
    EQ(out[0].data.u64, 9);
    close(q[0]);
    EQ(epoll_wait(ep, out, 2, 0), 0);
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL), EBADF);
}

TEST(ioctl_not_a_tty)
{
    int p[2];
    SYS(pipe(p));
    CHECK(!isatty(p[0]), "a pipe claims to be a terminal");
    struct { char b[64]; } t;
    ERR(ioctl(p[0], TCGETS, &t), ENOTTY);
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    ERR(ioctl(fd, TCGETS, &t), ENOTTY);
}

TEST(pipe_reopened_through_proc_self_fd)
{
    /* What bash's <(...) relies on: opening /proc/self/fd/N of a pipe's end opens the same pipe. */
    int p[2];
    SYS(pipe(p));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    int r = SYS(open(path, O_RDONLY));
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    int w = SYS(open(path, O_WRONLY));
    write_all(w, "via proc", 8);
    char buf[9] = {0};
    read_exact(r, buf, 8);
    STREQ(buf, "via proc");
    write_all(p[1], "direct", 6);
    memset(buf, 0, sizeof buf);
    read_exact(r, buf, 6);
    STREQ(buf, "direct");
    struct stat st;
    SYS(fstat(r, &st));
    CHECK(S_ISFIFO(st.st_mode), "mode %o", st.st_mode);
    /* Every write end closed: the reader gets end of file, and a new read end opens at once
     * (a pipe, unlike a FIFO, does not wait for a writer). */
    close(w);
    close(p[1]);
    EQ(read(r, buf, 1), 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    int again = SYS(open(path, O_RDONLY));
    EQ(read(again, buf, 1), 0);
    close(again);
    close(r);
    close(p[0]);
}
