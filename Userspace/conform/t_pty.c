/* Pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, the lock, the line discipline on the slave
 * (canonical input with echo and editing, raw mode, output processing), window size and SIGWINCH, the
 * controlling terminal (setsid, TIOCSCTTY, open without O_NOCTTY, /dev/tty, tcgetsid/tcgetpgrp,
 * /proc/self/stat), signal characters typed at the master, hang-up when the master closes, EIO when
 * the slave is gone, readiness on both ends, flow limits, /dev/pts node attributes and many pairs in
 * a row. */
#include "conform.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>

/* A master (O_RDWR | O_NOCTTY) and its unlocked slave; *slave_index gets N of /dev/pts/N. */
static int open_pair(int *slave, int *slave_index)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    SYS(grantpt(m));
    SYS(unlockpt(m));
    unsigned n;
    SYS(ioctl(m, TIOCGPTN, &n));
    if (slave_index) *slave_index = (int)n;
    if (slave) *slave = SYS(open(ptsname(m), O_RDWR | O_NOCTTY));
    return m;
}

/* Reads from fd until n bytes came or nothing more comes within timeout_ms; returns the count. */
static size_t read_some(int fd, char *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0 || !(p.revents & POLLIN)) break;
        ssize_t k = read(fd, buf + got, n - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    buf[got] = 0;
    return got;
}

/* Reads exactly strlen(want) bytes (waiting up to 2 s) and compares. */
#define EXPECT_READ(fd, want)                                                                     \
    do {                                                                                          \
        char b_[256];                                                                             \
        size_t w_ = strlen(want);                                                                 \
        size_t g_ = read_some(fd, b_, w_, 2000);                                                  \
        if (g_ != w_ || memcmp(b_, want, w_) != 0)                                                \
            FAIL("read %zu bytes \"%s\", expected \"%s\"", g_, b_, want);                         \
    } while (0)

static int poll_bits(int fd, int events, int timeout_ms)
{
    struct pollfd p = {fd, (short)events, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) FAIL("poll: %s", strerror(errno));
    return r == 0 ? 0 : p.revents;
}

static void raw_mode(int fd)
{
    struct termios t;
    SYS(tcgetattr(fd, &t));
    cfmakeraw(&t);
    SYS(tcsetattr(fd, TCSANOW, &t));
}

/* Waits for one byte on a pipe (the other side's "ready"). */
static void await(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1) FAIL("the other process did not get ready");
}

static void ready(int fd)
{
    char c = 'r';
    write_all(fd, &c, 1);
}

TEST(pty_openpt_lock_and_names)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    SYS(grantpt(m));
    unsigned n;
    SYS(ioctl(m, TIOCGPTN, &n));
    char want[32];
    snprintf(want, sizeof want, "/dev/pts/%u", n);
    STREQ(ptsname(m), want);
    int locked = -1;
    if (!qemu_user()) { /* qemu 7.2 has no TIOCGPTLCK */
        SYS(ioctl(m, TIOCGPTLCK, &locked));
        EQ(locked, 1);
    }
    ERR(open(want, O_RDWR | O_NOCTTY), EIO);
    SYS(unlockpt(m));
    if (!qemu_user()) {
        SYS(ioctl(m, TIOCGPTLCK, &locked));
        EQ(locked, 0);
    }
    int s = SYS(open(want, O_RDWR | O_NOCTTY));
    CHECK(isatty(m) && isatty(s), "both ends are terminals");
    struct stat st, byname;
    SYS(fstat(s, &st));
    SYS(stat(want, &byname));
    CHECK(S_ISCHR(st.st_mode), "the slave is a character device");
    EQ(major(st.st_rdev), 136);
    EQ(minor(st.st_rdev), n);
    EQ(st.st_rdev, byname.st_rdev);
    EQ(st.st_ino, byname.st_ino);
    EQ(st.st_uid, geteuid());
    STREQ(ttyname(s), want);
    char link[64], path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", s);
    ssize_t k = SYS(readlink(path, link, sizeof link - 1));
    link[k] = 0;
    STREQ(link, want);
    /* The slave has no pty ioctls of the master's. */
    ERR(ioctl(s, TIOCGPTN, &n), ENOTTY);
    struct stat ms;
    SYS(fstat(m, &ms));
    EQ(major(ms.st_rdev), 5);
    EQ(minor(ms.st_rdev), 2);
    close(s);
    close(m);
    /* The node goes with the pair. */
    ERR(stat(want, &byname), ENOENT);
}

TEST(pty_canonical_input_echo_and_output)
{
    int s, m = open_pair(&s, NULL);
    write_all(m, "hello\n", 6);
    EXPECT_READ(s, "hello\n");
    EXPECT_READ(m, "hello\r\n");            /* the echo, through ONLCR */
    /* Editing: erase (DEL) and kill (^U) act before the line is read. */
    write_all(m, "abx\177c\n", 6);
    EXPECT_READ(s, "abc\n");
    EXPECT_READ(m, "abx\b \bc\r\n");
    write_all(m, "junk\025ok\n", 8);
    EXPECT_READ(s, "ok\n");
    /* A partial line is not readable yet. */
    write_all(m, "part", 4);
    EQ(poll_bits(s, POLLIN, 100), 0);
    int avail = -1;
    SYS(ioctl(s, FIONREAD, &avail));
    EQ(avail, 0);
    write_all(m, "\n", 1);
    CHECK(poll_bits(s, POLLIN, 2000) & POLLIN, "a complete line is readable");
    SYS(ioctl(s, FIONREAD, &avail));
    EQ(avail, 5);
    EXPECT_READ(s, "part\n");
    /* ^D at the start of a line is end of file for one read. */
    write_all(m, "\004", 1);
    CHECK(poll_bits(s, POLLIN, 2000) & POLLIN, "EOF is readable");
    char c;
    EQ(read(s, &c, 1), 0);
    /* Output processing: \n becomes \r\n on the master's side. */
    char drain[256];
    read_some(m, drain, sizeof drain - 1, 100);
    write_all(s, "out\nx", 5);
    EXPECT_READ(m, "out\r\nx");
    close(s);
    close(m);
}

TEST(pty_raw_mode_passes_bytes_unchanged)
{
    int s, m = open_pair(&s, NULL);
    raw_mode(s);
    write_all(m, "a\nb\003\r", 5);
    EXPECT_READ(s, "a\nb\003\r");
    EQ(poll_bits(m, POLLIN, 100), 0); /* no echo */
    write_all(s, "x\ny", 3);
    EXPECT_READ(m, "x\ny");           /* no ONLCR */
    struct termios t;
    SYS(tcgetattr(m, &t));            /* the master's termios calls act on the slave */
    EQ(t.c_lflag & (ICANON | ECHO | ISIG), 0);
    close(s);
    close(m);
}

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch++; }

TEST(pty_window_size_and_sigwinch)
{
    int index, m = open_pair(NULL, &index);
    int sync[2], back[2];
    SYS(pipe(sync));
    SYS(pipe(back));
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setsid());
        set_handler(SIGWINCH, on_winch, SA_RESTART);
        int s = SYS(open(ptsname(m), O_RDWR)); /* a session leader's first terminal: its controlling terminal */
        EQ(tcgetpgrp(s), getpid());
        ready(back[1]);
        await(sync[0]);
        for (int i = 0; i < 200 && !winch; i++) sleep_ms(10);
        EQ(winch, 1);
        struct winsize w;
        SYS(ioctl(s, TIOCGWINSZ, &w));
        EQ(w.ws_row, 50);
        EQ(w.ws_col, 132);
        _exit(0);
    }
    await(back[0]);
    struct winsize w = {50, 132, 0, 0};
    SYS(ioctl(m, TIOCSWINSZ, &w));
    SYS(ioctl(m, TIOCSWINSZ, &w)); /* the same size again: no second signal */
    memset(&w, 0, sizeof w);
    SYS(ioctl(m, TIOCGWINSZ, &w));
    EQ(w.ws_row, 50);
    EQ(w.ws_col, 132);
    ready(sync[1]);
    expect_exit(pid, 0);
}

/* tty_nr (field 7) and tpgid (field 8) of /proc/self/stat. */
static void stat_tty(long *tty_nr, long *tpgid)
{
    static char buf[1024];
    read_file("/proc/self/stat", buf, sizeof buf);
    char *p = strrchr(buf, ')');
    CHECK(p != NULL, "/proc/self/stat has a name");
    char state;
    long ppid, pgrp, session;
    CHECK(sscanf(p + 2, "%c %ld %ld %ld %ld %ld", &state, &ppid, &pgrp, &session, tty_nr, tpgid) == 6, "fields");
}

TEST(pty_setsid_tiocsctty_and_dev_tty)
{
    int index, m = open_pair(NULL, &index);
    int other, om = open_pair(&other, NULL);
    int back[2], go[2];
    SYS(pipe(back));
    SYS(pipe(go));
    /* Not a session leader: no controlling terminal for us. */
    int s0 = SYS(open(ptsname(m), O_RDWR | O_NOCTTY));
    ERR(ioctl(s0, TIOCSCTTY, 0), EPERM);
    close(s0);
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setsid());
        ERR(open("/dev/tty", O_RDWR), ENXIO);
        int s = SYS(open(ptsname(m), O_RDWR | O_NOCTTY));
        ERR(open("/dev/tty", O_RDWR), ENXIO);
        pid_t sid;
        if (!qemu_user()) /* qemu 7.2 does not pass TIOCGSID's result back */
            ERR(ioctl(s, TIOCGSID, &sid), ENOTTY);
        SYS(ioctl(s, TIOCSCTTY, 0));
        SYS(ioctl(s, TIOCSCTTY, 0)); /* again: nothing to do */
        if (!qemu_user())
            EQ(tcgetsid(s), getpid());
        EQ(tcgetpgrp(s), getpid());
        ERR(ioctl(other, TIOCSCTTY, 0), EPERM); /* it has one already */
        int t = SYS(open("/dev/tty", O_RDWR));
        struct stat st;
        SYS(fstat(t, &st));
        EQ(major(st.st_rdev), 5);
        EQ(minor(st.st_rdev), 0);
        write_all(t, "via tty\n", 8);
        if (!qemu_user()) {
            EQ(tcgetsid(t), getpid());
            long tty_nr, tpgid;
            stat_tty(&tty_nr, &tpgid);
            EQ(tty_nr, (136 << 8) | (index & 0xff) | ((long)(index & ~0xff) << 12));
            EQ(tpgid, getpid());
        }
        ready(back[1]);
        await(go[0]);
        _exit(0);
    }
    await(back[0]);
    EXPECT_READ(m, "via tty\r\n");
    /* The master may read the slave's session and group without being a controlling terminal. */
    pid_t sid = 0, group = 0;
    if (!qemu_user()) {
        SYS(ioctl(m, TIOCGSID, &sid));
        EQ(sid, pid);
    }
    SYS(ioctl(m, TIOCGPGRP, &group));
    EQ(group, pid);
    ready(go[1]);
    expect_exit(pid, 0);
    /* The session ended with its leader: the terminal is nobody's now. */
    if (!qemu_user())
        ERR(ioctl(m, TIOCGSID, &sid), ENOTTY);
    close(other);
    close(om);
    close(m);
}

TEST(pty_open_without_noctty_acquires_terminal)
{
    int m = open_pair(NULL, NULL);
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setsid());
        int s = SYS(open(ptsname(m), O_RDWR));
        EQ(tcgetpgrp(s), getpid());
        close(SYS(open("/dev/tty", O_RDWR)));
        /* TIOCNOTTY by the session leader gives it up. */
        signal(SIGHUP, SIG_IGN);
        SYS(ioctl(s, TIOCNOTTY));
        ERR(open("/dev/tty", O_RDWR), ENXIO);
        _exit(0);
    }
    expect_exit(pid, 0);
    close(m);
}

TEST(pty_signal_characters_reach_the_foreground_job)
{
    int m = open_pair(NULL, NULL);
    int back[2];
    SYS(pipe(back));
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setsid());
        int s = SYS(open(ptsname(m), O_RDWR));
        signal(SIGTTOU, SIG_IGN);
        pid_t job = xfork();
        if (job == 0) {
            setpgid(0, 0);
            for (;;) pause();
        }
        setpgid(job, job);
        SYS(tcsetpgrp(s, job));
        ready(back[1]);
        int status;
        SYS(waitpid(job, &status, WUNTRACED));
        CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP, "^Z stopped the job: %s", status_str(status));
        ready(back[1]);
        SYS(waitpid(job, &status, 0));
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "^C ended the job: %s", status_str(status));
        _exit(0);
    }
    await(back[0]);
    write_all(m, "\032", 1);
    await(back[0]);
    /* A stopped job still gets SIGINT when it is continued; send SIGCONT after ^C. */
    write_all(m, "\003", 1);
    pid_t fg = 0;
    SYS(ioctl(m, TIOCGPGRP, &fg));
    CHECK(fg > 0, "the master sees the slave's foreground group");
    kill(-fg, SIGCONT);
    expect_exit(pid, 0);
    char echo[64];
    read_some(m, echo, sizeof echo - 1, 500);
    CHECK(strstr(echo, "^Z") && strstr(echo, "^C"), "the signal characters are echoed: \"%s\"", echo);
    close(m);
}

TEST(pty_master_close_hangs_up_the_session)
{
    int m = open_pair(NULL, NULL);
    int back[2];
    SYS(pipe(back));
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setsid());
        SYS(open(ptsname(m), O_RDWR));
        close(m);
        ready(back[1]);
        for (;;) pause();
    }
    await(back[0]);
    close(m);
    expect_signal(pid, SIGHUP);
}

TEST(pty_hung_up_slave_reads_eof_writes_eio)
{
    int m = open_pair(NULL, NULL);
    int back[2], go[2];
    SYS(pipe(back));
    SYS(pipe(go));
    char name[32];
    snprintf(name, sizeof name, "%s", ptsname(m));
    pid_t pid = xfork();
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN);
        SYS(setsid());
        int s = SYS(open(name, O_RDWR));
        close(m);
        close(go[1]);
        ready(back[1]);
        char c;
        EQ(read(go[0], &c, 1), 0); /* the parent closed the master */
        EQ(read(s, &c, 1), 0);
        ERR(write(s, "x", 1), EIO);
        struct termios t;
        ERR(tcgetattr(s, &t), EIO);
        CHECK(poll_bits(s, POLLIN | POLLOUT, 0) & POLLHUP, "a hung-up terminal polls POLLHUP");
        ERR(open("/dev/tty", O_RDWR), ENXIO);
        ERR(open(name, O_RDWR | O_NOCTTY), ENOENT);
        _exit(0);
    }
    close(go[0]);
    await(back[0]);
    close(m);
    close(go[1]);
    expect_exit(pid, 0);
}

TEST(pty_master_reads_eio_after_the_slave_closes)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK));
    SYS(unlockpt(m));
    char c;
    ERR(read(m, &c, 1), EAGAIN); /* no slave yet: nothing to read, not an error */
    int s = SYS(open(ptsname(m), O_RDWR | O_NOCTTY));
    write_all(s, "bye\n", 4);
    close(s);
    CHECK(poll_bits(m, POLLIN, 2000) & POLLHUP, "the master polls POLLHUP once the slave closed");
    EXPECT_READ(m, "bye\r\n");
    ERR(read(m, &c, 1), EIO);
    /* The slave can be opened again while the master lives. */
    s = SYS(open(ptsname(m), O_RDWR | O_NOCTTY));
    write_all(s, "again", 5);
    EXPECT_READ(m, "again");
    close(s);
    close(m);
}

TEST(pty_poll_and_epoll_on_both_ends)
{
    int s, m = open_pair(&s, NULL);
    CHECK(poll_bits(m, POLLOUT, 0) & POLLOUT, "the master is writable");
    CHECK(poll_bits(s, POLLOUT, 0) & POLLOUT, "the slave is writable");
    EQ(poll_bits(m, POLLIN, 0), 0);
    EQ(poll_bits(s, POLLIN, 0), 0);
    int ep = SYS(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = m};
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev));
    ev.data.fd = s;
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    EQ(epoll_wait(ep, &ev, 1, 0), 0);
    /* A writer in another process wakes a blocked epoll_wait on the master. */
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(100);
        write_all(s, "ping", 4);
        _exit(0);
    }
    struct epoll_event got[2];
    int n = SYS(epoll_wait(ep, got, 2, 3000));
    EQ(n, 1);
    EQ(got[0].data.fd, m);
    expect_exit(pid, 0);
    EXPECT_READ(m, "ping");
    /* And a typed line wakes a blocked poll on the slave. */
    pid = xfork();
    if (pid == 0) {
        sleep_ms(100);
        write_all(m, "pong\n", 5);
        _exit(0);
    }
    CHECK(poll_bits(s, POLLIN, 3000) & POLLIN, "the slave becomes readable");
    expect_exit(pid, 0);
    EXPECT_READ(s, "pong\n");
    close(ep);
    close(s);
    close(m);
}

TEST(pty_buffers_are_bounded)
{
    int s, m = open_pair(&s, NULL);
    raw_mode(s);
    SYS(fcntl(m, F_SETFL, O_NONBLOCK));
    SYS(fcntl(s, F_SETFL, O_NONBLOCK));
    static char block[4096];
    memset(block, 'z', sizeof block);
    size_t total = 0;
    /* Linux moves the slave's output to the master's side in a worker, which may make room just after a
     * write said EAGAIN: the slave is full when a write says EAGAIN and poll then says it is not writable. */
    int writable_after_eagain = 0;
    for (;;) {
        ssize_t k = write(s, block, sizeof block);
        if (k < 0) {
            EQ(errno, EAGAIN);
            if (poll_bits(s, POLLOUT, 0) == 0)
                break;
            CHECK(++writable_after_eagain < 100, "a full slave is not writable");
            sleep_ms(1);
            continue;
        }
        total += (size_t)k;
        CHECK(total < (1 << 20), "the slave's output is bounded");
    }
    CHECK(total >= 4096, "some output was buffered (%zu)", total);
    /* Reading the master makes room again. */
    static char sink[65536];
    size_t drained = 0;
    while (drained < total) {
        ssize_t k = read(m, sink, sizeof sink);
        if (k <= 0) {
            CHECK(poll_bits(m, POLLIN, 2000) & POLLIN, "the master has the rest");
            continue;
        }
        drained += (size_t)k;
    }
    EQ(drained, total);
    CHECK(poll_bits(s, POLLOUT, 2000) & POLLOUT, "the slave is writable again");
    total = 0;
    for (;;) {
        ssize_t k = write(m, block, sizeof block);
        if (k < 0) {
            EQ(errno, EAGAIN);
            break;
        }
        total += (size_t)k;
        CHECK(total < (1 << 20), "the slave's input is bounded");
    }
    CHECK(total >= 4096, "some input was buffered (%zu)", total);
    close(s);
    close(m);
}

TEST(pty_slave_node_chmod_and_chown)
{
    int index, m = open_pair(NULL, &index);
    const char *name = ptsname(m);
    SYS(chmod(name, 0620));
    struct stat st;
    SYS(stat(name, &st));
    EQ(st.st_mode & 07777, 0620);
    if (geteuid() == 0) {
        SYS(chown(name, 54321, 5));
        SYS(stat(name, &st));
        EQ(st.st_uid, 54321);
        EQ(st.st_gid, 5);
    }
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    SYS(fchmod(s, 0600));
    SYS(fstat(s, &st));
    EQ(st.st_mode & 07777, 0600);
    close(s);
    close(m);
}

TEST(pty_flush_and_fionread)
{
    int s, m = open_pair(&s, NULL);
    write_all(m, "abc\n", 4);
    CHECK(poll_bits(s, POLLIN, 2000) & POLLIN, "a line arrived");
    int n = -1;
    SYS(ioctl(s, FIONREAD, &n));
    EQ(n, 4);
    SYS(tcflush(s, TCIFLUSH));
    SYS(ioctl(s, FIONREAD, &n));
    EQ(n, 0);
    char drain[64];
    read_some(m, drain, sizeof drain - 1, 200); /* the echo */
    write_all(s, "xy", 2);
    CHECK(poll_bits(m, POLLIN, 2000) & POLLIN, "output arrived");
    SYS(ioctl(m, FIONREAD, &n));
    EQ(n, 2);
    close(s);
    close(m);
}

TEST_TIMEOUT(pty_thousand_pairs_in_a_row, 60)
{
    int first = -1;
    for (int i = 0; i < 1000; i++) {
        int s, index, m = open_pair(&s, &index);
        if (first < 0) first = index;
        /* Numbers are reused: the lowest free one comes back (another user of ptys may hold one). */
        if (!qemu_user() && index != first) FAIL("pair %d got /dev/pts/%d, expected %d", i, index, first);
        if (i % 100 == 0) {
            raw_mode(s);
            write_all(m, "r", 1);
            EXPECT_READ(s, "r");
        } else {
            write_all(m, "q", 1);
        }
        close(s);
        close(m);
    }
}
