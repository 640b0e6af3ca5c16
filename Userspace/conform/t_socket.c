/* Sockets: the socket calls on AF_UNIX (stream, datagram, seqpacket), socketpair, names in the file
 * system and the abstract namespace, descriptor passing, readiness, options, shutdown and errors. */
#include "conform.h"

#include <dirent.h>
#include <stddef.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

static socklen_t unix_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* An abstract name: sun_path[0] is NUL, the name is the bytes after it (no terminator). */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static int listener_at(const char *path, int type, int backlog)
{
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, path);
    int s = SYS(socket(AF_UNIX, type, 0));
    SYS(bind(s, (struct sockaddr *)&a, n));
    SYS(listen(s, backlog));
    return s;
}

static int connect_to(const char *path, int type)
{
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, path);
    int s = SYS(socket(AF_UNIX, type, 0));
    SYS(connect(s, (struct sockaddr *)&a, n));
    return s;
}

TEST(socket_create_errors)
{
    ERR(socket(9999, SOCK_STREAM, 0), EAFNOSUPPORT);
    ERR(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
    if (!qemu_user())    /* qemu-user passes an unknown type on as another */
        ERR(socket(AF_UNIX, 99, 0), EINVAL);
    if (!qemu_user())    /* qemu-user drops flags it does not know */
        ERR(socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), EINVAL);
    ERR(socket(AF_UNIX, SOCK_STREAM, 5), EPROTONOSUPPORT);
    ERR(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    int s = SYS(socket(AF_UNIX, SOCK_RAW, 0));    /* SOCK_RAW means SOCK_DGRAM for AF_UNIX */
    int type = 0;
    socklen_t len = sizeof type;
    SYS(getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len));
    EQ(type, SOCK_DGRAM);
    close(s);
    int sv[2];
    ERR(socketpair(9999, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, KERNEL_ADDR), EFAULT);
}

TEST(socket_calls_on_other_files)
{
    int p[2];
    SYS(pipe(p));
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    ERR(getsockname(p[0], (struct sockaddr *)&a, &len), ENOTSOCK);
    ERR(listen(p[0], 1), ENOTSOCK);
    ERR(accept(p[0], NULL, NULL), ENOTSOCK);
    ERR(send(p[1], "x", 1, 0), ENOTSOCK);
    ERR(shutdown(p[0], SHUT_RD), ENOTSOCK);
    ERR(getsockname(12345, (struct sockaddr *)&a, &len), EBADF);
    ERR(bind(12345, (struct sockaddr *)&a, sizeof a), EBADF);
}

TEST(socketpair_stream_read_write)
{
    int sv[2];
    EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    EQ(write(sv[0], "hello", 5), 5);
    EQ(write(sv[0], " world", 6), 6);
    char buf[32] = {0};
    EQ(read(sv[1], buf, sizeof buf), 11);    /* a stream has no boundaries */
    STREQ(buf, "hello world");
    EQ(send(sv[1], "back", 4, 0), 4);
    memset(buf, 0, sizeof buf);
    EQ(recv(sv[0], buf, 2, 0), 2);
    EQ(recv(sv[0], buf + 2, sizeof buf, 0), 2);
    STREQ(buf, "back");
    EQ(write(sv[0], buf, 0), 0);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    EQ(writev(sv[0], wv, 3), 6);
    char x[3] = {0}, y[8] = {0};
    struct iovec rv[2] = {{x, 2}, {y, sizeof y}};
    EQ(readv(sv[1], rv, 2), 6);
    EQ(memcmp(x, "ab", 2), 0);
    STREQ(y, "cdef");
}

TEST(socket_file_behaviour)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct stat st;
    SYS(fstat(sv[0], &st));
    CHECK(S_ISSOCK(st.st_mode), "fstat mode %o is not a socket", st.st_mode);
    EQ(st.st_mode & 0777, 0777);
    char path[64], link[64], want[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
    link[n] = 0;
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    STREQ(link, want);
    struct stat st2;
    SYS(fstat(sv[1], &st2));
    CHECK(st.st_ino != st2.st_ino, "both ends have inode %lu", (unsigned long)st.st_ino);
    ERR(lseek(sv[0], 0, SEEK_SET), ESPIPE);
    ERR(fsync(sv[0]), EINVAL);
    char c;
    ERR(pread(sv[0], &c, 1, 0), ESPIPE);
    ERR(pwrite(sv[0], &c, 1, 0), ESPIPE);
}

TEST(socket_nonblock_and_cloexec_flags)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK not in F_GETFL");
    EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
    char c;
    ERR(read(sv[0], &c, 1), EAGAIN);
    SYS(fcntl(sv[0], F_SETFL, 0));
    CHECK(!(fcntl(sv[0], F_GETFL) & O_NONBLOCK), "O_NONBLOCK still set");
    int on = 1;
    SYS(ioctl(sv[0], FIONBIO, &on));
    ERR(recv(sv[0], &c, 1, 0), EAGAIN);
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    EQ(fcntl(s, F_GETFL) & O_NONBLOCK, 0);
    /* MSG_DONTWAIT on a blocking socket */
    int bv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, bv));
    ERR(recv(bv[0], &c, 1, MSG_DONTWAIT), EAGAIN);
    int avail = -1;
    SYS(ioctl(bv[0], FIONREAD, &avail));
    EQ(avail, 0);
    EQ(write(bv[1], "12345", 5), 5);
    SYS(ioctl(bv[0], FIONREAD, &avail));
    EQ(avail, 5);
}

TEST(dgram_keeps_boundaries)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    EQ(send(sv[0], "one", 3, 0), 3);
    EQ(send(sv[0], "", 0, 0), 0);
    EQ(send(sv[0], "three33", 7, 0), 7);
    char buf[16];
    int avail = -1;
    SYS(ioctl(sv[1], FIONREAD, &avail));
    EQ(avail, 3);    /* the next datagram's size */
    EQ(recv(sv[1], buf, sizeof buf, 0), 3);
    EQ(recv(sv[1], buf, sizeof buf, 0), 0);    /* an empty datagram is one too */
    /* a short buffer truncates: MSG_TRUNC in msg_flags, the rest is gone */
    struct iovec iov = {buf, 4};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    EQ(recvmsg(sv[1], &m, 0), 4);
    CHECK(m.msg_flags & MSG_TRUNC, "msg_flags %#x lacks MSG_TRUNC", m.msg_flags);
    EQ(memcmp(buf, "thre", 4), 0);
    ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* MSG_TRUNC asks for the real length */
    EQ(send(sv[0], "abcdefgh", 8, 0), 8);
    EQ(recv(sv[1], buf, 2, MSG_TRUNC), 8);
    /* writev of several buffers is one datagram; read() takes one */
    struct iovec wv[2] = {{"ab", 2}, {"cd", 2}};
    EQ(writev(sv[0], wv, 2), 4);
    EQ(write(sv[0], "ef", 2), 2);
    EQ(read(sv[1], buf, sizeof buf), 4);
    EQ(memcmp(buf, "abcd", 4), 0);
    EQ(read(sv[1], buf, sizeof buf), 2);
    /* too large for the send buffer */
    int sndbuf = 0;
    socklen_t len = sizeof sndbuf;
    SYS(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len));
    char *big = calloc(1, sndbuf + 1);
    ERR(send(sv[0], big, sndbuf + 1, 0), EMSGSIZE);
    free(big);
}

TEST(seqpacket_keeps_boundaries)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    EQ(send(sv[0], "first", 5, 0), 5);
    EQ(send(sv[0], "second", 6, 0), 6);
    char buf[16] = {0};
    EQ(recv(sv[1], buf, sizeof buf, 0), 5);
    EQ(recv(sv[1], buf, 3, 0), 3);    /* truncated: the rest of "second" is dropped */
    EQ(memcmp(buf, "sec", 3), 0);
    ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    close(sv[0]);
    EQ(recv(sv[1], buf, sizeof buf, 0), 0);
}

TEST(stream_peer_close_eof_and_epipe)
{
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "last", 4), 4);
    close(sv[0]);
    struct pollfd pfd = {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
    EQ(poll(&pfd, 1, 0), 1);
    CHECK((pfd.revents & (POLLIN | POLLHUP | POLLRDHUP)) == (POLLIN | POLLHUP | POLLRDHUP), "revents %#x", pfd.revents);
    char buf[8];
    EQ(read(sv[1], buf, sizeof buf), 4);    /* data first */
    EQ(read(sv[1], buf, sizeof buf), 0);    /* then end of file */
    ERR(write(sv[1], "x", 1), EPIPE);
    ERR(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
}

TEST(stream_sigpipe_unless_nosignal)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[1]);
    pid_t pid = xfork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);    /* no signal */
        write(sv[0], "x", 1);                            /* SIGPIPE */
        _exit(0);
    }
    expect_signal(pid, SIGPIPE);
}

TEST(stream_unread_data_resets_peer)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "unread", 6), 6);
    close(sv[1]);    /* closed with data still queued for it */
    char c;
    ERR(read(sv[0], &c, 1), ECONNRESET);
    EQ(read(sv[0], &c, 1), 0);
}

TEST(msg_peek_and_waitall)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "abc", 3), 3);
    EQ(write(sv[0], "def", 3), 3);
    char buf[16] = {0};
    EQ(recv(sv[1], buf, sizeof buf, MSG_PEEK), 6);
    STREQ(buf, "abcdef");
    memset(buf, 0, sizeof buf);
    EQ(recv(sv[1], buf, 2, 0), 2);
    STREQ(buf, "ab");
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(50);
        write_all(sv[0], "gh", 2);
        sleep_ms(50);
        write_all(sv[0], "ij", 2);
        _exit(0);
    }
    memset(buf, 0, sizeof buf);
    EQ(recv(sv[1], buf, 8, MSG_WAITALL), 8);    /* waits for both later writes */
    STREQ(buf, "cdefghij");
    expect_exit(pid, 0);
    /* MSG_PEEK on a datagram leaves it queued */
    int dv[2];
    SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, dv));
    EQ(send(dv[0], "dgram", 5, 0), 5);
    EQ(recv(dv[1], buf, sizeof buf, MSG_PEEK), 5);
    EQ(recv(dv[1], buf, sizeof buf, 0), 5);
    ERR(recv(dv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* MSG_WAITALL stops at end of file */
    EQ(write(sv[0], "xy", 2), 2);
    close(sv[0]);
    EQ(recv(sv[1], buf, 8, MSG_WAITALL), 2);
}

TEST(bind_listen_accept_connect_by_path)
{
    int l = listener_at("srv", SOCK_STREAM, 4);
    struct stat st;
    SYS(stat("srv", &st));
    CHECK(S_ISSOCK(st.st_mode), "bound name has mode %o", st.st_mode);
    /* the name is taken, even by another socket */
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, "srv");
    int other = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(bind(other, (struct sockaddr *)&a, n), EADDRINUSE);
    struct sockaddr_un fresh;
    socklen_t fn = unix_addr(&fresh, "fresh");
    ERR(bind(l, (struct sockaddr *)&fresh, fn), EINVAL);    /* already bound */
    close(other);
    int on = 0;
    socklen_t len = sizeof on;
    SYS(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &on, &len));
    EQ(on, 1);
    pid_t pid = xfork();
    if (pid == 0) {
        int c = connect_to("srv", SOCK_STREAM);
        struct sockaddr_un peer;
        socklen_t pl = sizeof peer;
        SYS(getpeername(c, (struct sockaddr *)&peer, &pl));
        STREQ(peer.sun_path, "srv");
        write_all(c, "ping", 4);
        char buf[4];
        read_exact(c, buf, 4);
        CHECK(memcmp(buf, "pong", 4) == 0, "client got %.4s", buf);
        _exit(0);
    }
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    int s = SYS(accept(l, (struct sockaddr *)&from, &fl));
    EQ(fl, sizeof(sa_family_t));    /* the client has no name */
    EQ(from.sun_family, AF_UNIX);
    struct sockaddr_un self;
    socklen_t sl = sizeof self;
    SYS(getsockname(s, (struct sockaddr *)&self, &sl));
    EQ(sl, offsetof(struct sockaddr_un, sun_path) + 4);
    STREQ(self.sun_path, "srv");
    struct ucred cred;
    socklen_t cl = sizeof cred;
    SYS(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl));
    EQ(cl, sizeof cred);
    EQ(cred.pid, pid);
    EQ(cred.uid, geteuid());
    char buf[4];
    read_exact(s, buf, 4);
    CHECK(memcmp(buf, "ping", 4) == 0, "server got %.4s", buf);
    write_all(s, "pong", 4);
    expect_exit(pid, 0);
    /* closing the listener leaves the name; nobody listens on it any more */
    close(l);
    SYS(stat("srv", &st));
    int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c, (struct sockaddr *)&a, n), ECONNREFUSED);
    SYS(unlink("srv"));
    ERR(connect(c, (struct sockaddr *)&a, n), ENOENT);
}

TEST(connect_errors)
{
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, "/nonexistent-dir/socket");
    /* musl's initgroups probes nscd like this: a missing socket must be ENOENT */
    int s = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ERR(connect(s, (struct sockaddr *)&a, n), ENOENT);
    n = unix_addr(&a, "/var/run/nscd/socket");
    ERR(connect(s, (struct sockaddr *)&a, n), ENOENT);
    write_file("plain", "not a socket");
    n = unix_addr(&a, "plain");
    ERR(connect(s, (struct sockaddr *)&a, n), ECONNREFUSED);
    /* bound but not listening */
    int b = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    n = unix_addr(&a, "bound");
    SYS(bind(b, (struct sockaddr *)&a, n));
    ERR(connect(s, (struct sockaddr *)&a, n), ECONNREFUSED);
    ERR(accept(b, NULL, NULL), EINVAL);
    /* a datagram socket cannot reach a stream listener */
    int l = listener_at("stream", SOCK_STREAM, 1);
    n = unix_addr(&a, "stream");
    int d = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    ERR(connect(d, (struct sockaddr *)&a, n), EPROTOTYPE);
    SYS(connect(s, (struct sockaddr *)&a, n));
    ERR(connect(s, (struct sockaddr *)&a, n), EISCONN);
    ERR(connect(l, (struct sockaddr *)&a, n), EINVAL);
    /* listen needs a name, and a connection-mode socket */
    int u = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(listen(u, 1), EINVAL);
    ERR(listen(d, 1), EOPNOTSUPP);
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    ERR(getpeername(u, (struct sockaddr *)&peer, &pl), ENOTCONN);
    /* bad addresses */
    a.sun_family = AF_INET;
    ERR(connect(u, (struct sockaddr *)&a, n), EINVAL);
    ERR(bind(u, (struct sockaddr *)&a, 1), EINVAL);
    ERR(connect(u, KERNEL_ADDR, n), EFAULT);
    ERR(connect(u, (struct sockaddr *)&a, 200), EINVAL);
    /* an unconnected stream socket cannot send or receive */
    char c;
    ERR(send(u, "x", 1, MSG_NOSIGNAL), ENOTCONN);
    ERR(recv(u, &c, 1, 0), EINVAL);
}

TEST(connect_needs_write_permission)
{
    if (geteuid() != 0)
        conform_skip("needs root to switch to uid 54321");
    int l = listener_at("private", SOCK_STREAM, 1);
    SYS(chmod("private", 0600));
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(setgid(54321));
        SYS(setuid(54321));
        struct sockaddr_un a;
        socklen_t n = unix_addr(&a, "private");
        int s = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
        ERR(connect(s, (struct sockaddr *)&a, n), EACCES);
        _exit(0);
    }
    expect_exit(pid, 0);
    close(l);
}

TEST(unlinked_name_keeps_connections)
{
    int l = listener_at("gone", SOCK_STREAM, 2);
    int c = connect_to("gone", SOCK_STREAM);
    int s = SYS(accept(l, NULL, NULL));
    SYS(unlink("gone"));
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, "gone");
    int c2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c2, (struct sockaddr *)&a, n), ENOENT);
    write_all(c, "still", 5);
    char buf[5];
    read_exact(s, buf, 5);
    CHECK(memcmp(buf, "still", 5) == 0, "got %.5s", buf);
    /* the name can be bound again */
    int again = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    SYS(bind(again, (struct sockaddr *)&a, n));
}

TEST(abstract_namespace)
{
    struct sockaddr_un a;
    char name[32];
    snprintf(name, sizeof name, "conform-%d", getpid());
    socklen_t n = abstract_addr(&a, name);
    int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    SYS(bind(l, (struct sockaddr *)&a, n));
    SYS(listen(l, 1));
    int dup_ = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(bind(dup_, (struct sockaddr *)&a, n), EADDRINUSE);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    SYS(getsockname(l, (struct sockaddr *)&got, &gl));
    EQ(gl, n);
    EQ(got.sun_path[0], 0);
    EQ(memcmp(got.sun_path + 1, name, strlen(name)), 0);
    int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    SYS(connect(c, (struct sockaddr *)&a, n));
    int s = SYS(accept(l, NULL, NULL));
    write_all(s, "abs", 3);
    char buf[3];
    read_exact(c, buf, 3);
    /* a different length is a different name */
    ERR(connect(dup_, (struct sockaddr *)&a, n - 1), ECONNREFUSED);
    /* closing frees the name */
    close(l);
    SYS(bind(dup_, (struct sockaddr *)&a, n));
}

TEST(autobind_on_empty_bind)
{
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    SYS(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    SYS(getsockname(s, (struct sockaddr *)&got, &gl));
    EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);    /* NUL and five hex digits */
    EQ(got.sun_path[0], 0);
    for (int i = 1; i < 6; i++)
        CHECK(strchr("0123456789abcdef", got.sun_path[i]) && got.sun_path[i], "autobind name byte %d is %#x", i, got.sun_path[i]);
    /* others can send to it by that name */
    int t = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    EQ(sendto(t, "hi", 2, 0, (struct sockaddr *)&got, gl), 2);
    char buf[4];
    EQ(recv(s, buf, sizeof buf, 0), 2);
}

TEST(dgram_sendto_recvfrom_by_path)
{
    struct sockaddr_un a, b, from;
    socklen_t an = unix_addr(&a, "dga"), bn = unix_addr(&b, "dgb");
    int sa = SYS(socket(AF_UNIX, SOCK_DGRAM, 0)), sb = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    SYS(bind(sa, (struct sockaddr *)&a, an));
    SYS(bind(sb, (struct sockaddr *)&b, bn));
    EQ(sendto(sa, "to b", 4, 0, (struct sockaddr *)&b, bn), 4);
    char buf[16];
    socklen_t fl = sizeof from;
    EQ(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 4);
    EQ(fl, an);
    STREQ(from.sun_path, "dga");
    /* an unnamed sender has no address */
    int u = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    EQ(sendto(u, "anon", 4, 0, (struct sockaddr *)&b, bn), 4);
    fl = sizeof from;
    EQ(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 4);
    EQ(fl, 0);
    /* no destination */
    ERR(send(u, "x", 1, 0), ENOTCONN);
    struct sockaddr_un nowhere;
    socklen_t nn = unix_addr(&nowhere, "nowhere");
    ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&nowhere, nn), ENOENT);
    /* connected to a: b cannot send to u's peer... u connects to a, a is not connected back */
    SYS(connect(u, (struct sockaddr *)&a, an));
    EQ(send(u, "via connect", 11, 0), 11);
    EQ(recv(sa, buf, sizeof buf, 0), 11);
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    SYS(getpeername(u, (struct sockaddr *)&peer, &pl));
    STREQ(peer.sun_path, "dga");
    /* a socket connected to another refuses senders other than its peer */
    SYS(connect(sa, (struct sockaddr *)&b, bn));
    ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&a, an), EPERM);
    /* the peer goes away: ECONNREFUSED once, then not connected */
    close(sa);
    ERR(send(u, "x", 1, 0), ECONNREFUSED);
    ERR(send(u, "x", 1, 0), ENOTCONN);
    /* AF_UNSPEC dissolves a datagram connection */
    SYS(connect(u, (struct sockaddr *)&b, bn));
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    SYS(connect(u, &unspec, sizeof unspec));
    ERR(send(u, "x", 1, 0), ENOTCONN);
}

/* Sends n descriptors over sock with one byte of data. */
static void send_fds(int sock, const int *fds, int n)
{
    char control[CMSG_SPACE(sizeof(int) * 8)];
    memset(control, 0, sizeof control);
    struct iovec iov = {"F", 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    EQ(sendmsg(sock, &m, 0), 1);
}

TEST(scm_rights_passes_descriptors)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int p[2];
    SYS(pipe(p));
    write_file("file", "file contents");
    int f = SYS(open("file", O_RDONLY));
    int fds[2] = {p[0], f};
    send_fds(sv[0], fds, 2);
    close(p[0]);
    close(f);
    pid_t pid = xfork();
    if (pid == 0) {
        char data;
        char control[CMSG_SPACE(sizeof(int) * 2)];
        struct iovec iov = {&data, 1};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        EQ(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 1);
        EQ(data, 'F');
        EQ(m.msg_flags & MSG_CTRUNC, 0);
        EQ(m.msg_controllen, CMSG_SPACE(sizeof(int) * 2));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        CHECK(c != NULL, "no control message");
        EQ(c->cmsg_level, SOL_SOCKET);
        EQ(c->cmsg_type, SCM_RIGHTS);
        EQ(c->cmsg_len, CMSG_LEN(sizeof(int) * 2));
        int got[2];
        memcpy(got, CMSG_DATA(c), sizeof got);
        EQ(fcntl(got[0], F_GETFD), FD_CLOEXEC);
        char buf[32] = {0};
        read_exact(got[0], buf, 5);    /* the pipe, written to by the parent */
        STREQ(buf, "piped");
        memset(buf, 0, sizeof buf);
        EQ(read(got[1], buf, sizeof buf), 13);
        STREQ(buf, "file contents");
        _exit(0);
    }
    write_all(p[1], "piped", 5);
    expect_exit(pid, 0);
}

TEST(scm_rights_truncated_control_closes_extra)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int p[2];
    if (qemu_user())
        conform_skip("qemu-user converts control messages through its own buffer (no MSG_CTRUNC)");
    SYS(pipe(p));
    int fds[2] = {p[1], p[1]};
    send_fds(sv[0], fds, 2);
    close(p[1]);
    /* room for one descriptor only: the other is closed, MSG_CTRUNC */
    char data;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {&data, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_LEN(sizeof(int));
    EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK(m.msg_flags & MSG_CTRUNC, "msg_flags %#x lacks MSG_CTRUNC", m.msg_flags);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    CHECK(c != NULL && c->cmsg_type == SCM_RIGHTS, "no SCM_RIGHTS");
    EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
    int w;
    memcpy(&w, CMSG_DATA(c), sizeof w);
    close(w);    /* the last write end: the reader sees end of file */
    char b;
    EQ(read(p[0], &b, 1), 0);
    /* recv without control space: descriptors are dropped */
    int q[2];
    SYS(pipe(q));
    send_fds(sv[0], &q[1], 1);
    close(q[1]);
    EQ(recv(sv[1], &b, 1, 0), 1);
    EQ(read(q[0], &b, 1), 0);
}

TEST(scm_rights_freed_when_unreceived)
{
    int p[2];
    SYS(pipe(p));
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    send_fds(sv[0], &p[1], 1);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);    /* the message in flight goes, and the write end with it */
    char b;
    EQ(read(p[0], &b, 1), 0);
}

TEST(scm_rights_long_chain_released)
{
    /* 1,000 socket pairs, each pair in flight in the previous one's queue, a pipe's write end in the
     * last: closing the first pair releases them all, one after another (not nested: released
     * recursively, this many run a kernel stack out) */
    int p[2];
    SYS(pipe(p));
    int first[2], prev[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, first));
    prev[0] = first[0];
    prev[1] = first[1];
    for (int i = 0; i < 1000; i++) {
        int next[2];
        SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, next));
        send_fds(prev[0], next, 2);
        if (prev[0] != first[0]) {
            close(prev[0]);
            close(prev[1]);
        }
        prev[0] = next[0];
        prev[1] = next[1];
    }
    send_fds(prev[0], &p[1], 1);
    close(prev[0]);
    close(prev[1]);
    close(p[1]);
    close(first[0]);
    close(first[1]);
    char b;
    EQ(read(p[0], &b, 1), 0);    /* the write end went with the last pair */
}

/* Sends one byte with n copies of fd (n <= 253). */
static long send_fd_copies(int sock, int fd, int n)
{
    static char control[CMSG_SPACE(sizeof(int) * 253)];
    memset(control, 0, sizeof control);
    struct iovec iov = {"F", 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    for (int i = 0; i < n; i++)
        memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof fd);
    return syscall(SYS_sendmsg, sock, &m, MSG_DONTWAIT);    /* raw: musl refuses large control buffers itself */
}

TEST(scm_rights_in_flight_limited_per_user)
{
    /* a user (not root) may have about RLIMIT_NOFILE sockets in flight, unreceived: then ETOOMANYREFS */
    if (geteuid() != 0)
        conform_skip("needs root to switch to uid 54321");
    pid_t pid = xfork();
    if (pid == 0) {
        struct rlimit rl = {1024, 1024};
        SYS(setrlimit(RLIMIT_NOFILE, &rl));
        SYS(setgid(54321));
        SYS(setuid(54321));
        int sv[2];
        SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
        int payload = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
        for (int i = 0; i < 5; i++)    /* 253 each: 1,012 in flight before the fifth */
            EQ(send_fd_copies(sv[0], payload, 253), 1);
        ERR(send_fd_copies(sv[0], payload, 1), ETOOMANYREFS);
        char b;
        EQ(recv(sv[1], &b, 1, 0), 1);    /* descriptors dropped: no longer in flight */
        EQ(send_fd_copies(sv[0], payload, 1), 1);
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(scm_rights_errors)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int bad = 9999;
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov = {"F", 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &bad, sizeof bad);
    ERR(sendmsg(sv[0], &m, 0), EBADF);
    if (!qemu_user()) {    /* qemu-user rewrites the headers before the kernel sees them */
        c->cmsg_len = sizeof control + 8;    /* runs past the buffer */
        ERR(sendmsg(sv[0], &m, 0), EINVAL);
        c->cmsg_len = CMSG_LEN(sizeof(int));
        c->cmsg_type = 77;
        ERR(sendmsg(sv[0], &m, 0), EINVAL);
    }
    char b;
    ERR(recv(sv[1], &b, 1, MSG_DONTWAIT), EAGAIN);    /* nothing was sent */
}

TEST(scm_credentials_with_passcred)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int on = 1;
    SYS(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    pid_t pid = xfork();
    if (pid == 0) {
        EQ(send(sv[0], "c", 1, 0), 1);
        _exit(0);
    }
    expect_exit(pid, 0);
    char data;
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {&data, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    EQ(recvmsg(sv[1], &m, 0), 1);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    CHECK(c != NULL, "no control message");
    EQ(c->cmsg_type, SCM_CREDENTIALS);
    struct ucred cred;
    memcpy(&cred, CMSG_DATA(c), sizeof cred);
    EQ(cred.pid, pid);
    EQ(cred.uid, getuid());
    EQ(cred.gid, getgid());
}

TEST(nonblocking_accept_connect_with_poll_and_epoll)
{
    int l = listener_at("nb", SOCK_STREAM | SOCK_NONBLOCK, 1);
    ERR(accept(l, NULL, NULL), EAGAIN);
    struct pollfd pfd = {l, POLLIN, 0};
    EQ(poll(&pfd, 1, 0), 0);
    int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    struct epoll_event out;
    EQ(epoll_wait(ep, &out, 1, 0), 0);
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, "nb");
    /* a non-blocking connect to a listener completes at once while the backlog has room */
    int c1 = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EQ(connect(c1, (struct sockaddr *)&a, n), 0);
    int c2 = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
    EQ(connect(c2, (struct sockaddr *)&a, n), 0);
    int c3 = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
    ERR(connect(c3, (struct sockaddr *)&a, n), EAGAIN);    /* backlog 1: two pending is full */
    EQ(poll(&pfd, 1, 1000), 1);
    EQ(pfd.revents, POLLIN);
    EQ(epoll_wait(ep, &out, 1, 1000), 1);
    EQ(out.events, EPOLLIN);
    EQ(out.data.u32, 7);
    /* the client may write before it is accepted */
    EQ(write(c1, "early", 5), 5);
    int s = SYS(accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "accept4 SOCK_NONBLOCK");
    EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    ERR(syscall(SYS_accept4, l, NULL, NULL, 0x1234), EINVAL);    /* raw: musl retries with accept() */
    char buf[8];
    EQ(read(s, buf, sizeof buf), 5);
    ERR(read(s, buf, sizeof buf), EAGAIN);
    /* the accepted socket in epoll: readable after a write, hang-up after close */
    struct epoll_event sev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 9};
    SYS(epoll_ctl(ep, EPOLL_CTL_DEL, l, NULL));
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, s, &sev));
    EQ(epoll_wait(ep, &out, 1, 1000), 1);
    EQ(out.events, EPOLLOUT);
    EQ(write(c1, "x", 1), 1);
    EQ(epoll_wait(ep, &out, 1, 1000), 1);
    EQ(out.events, EPOLLIN | EPOLLOUT);
    close(c1);
    EQ(epoll_wait(ep, &out, 1, 1000), 1);
    EQ(out.events, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
    /* the second connection is still pending: a blocked accept wakes for a new one */
    int s2 = SYS(accept(l, NULL, NULL));
    close(s2);
    SYS(fcntl(l, F_SETFL, 0));
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(50);
        int c = connect_to("nb", SOCK_STREAM);
        write_all(c, "late", 4);
        _exit(0);
    }
    int s3 = SYS(accept(l, NULL, NULL));
    read_exact(s3, buf, 4);
    expect_exit(pid, 0);
    /* select sees a readable socket */
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(sv[0], &r);
    FD_SET(sv[0], &w);
    struct timeval tv = {0, 0};
    EQ(select(sv[0] + 1, &r, &w, NULL, &tv), 1);
    CHECK(!FD_ISSET(sv[0], &r) && FD_ISSET(sv[0], &w), "select: only writable expected");
    EQ(write(sv[1], "s", 1), 1);
    FD_SET(sv[0], &r);
    tv.tv_sec = 1;
    EQ(select(sv[0] + 1, &r, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(sv[0], &r), "select: readable expected");
}

TEST(stream_buffer_is_bounded)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    static char chunk[4096];
    long total = 0;
    for (;;) {
        ssize_t r = write(sv[0], chunk, sizeof chunk);
        if (r < 0) {
            EQ(errno, EAGAIN);
            break;
        }
        total += r;
        CHECK(total < 16L << 20, "wrote %ld bytes without the buffer filling", total);
    }
    CHECK(total >= 4096, "only %ld bytes fit", total);
    struct pollfd pfd = {sv[0], POLLOUT, 0};
    EQ(poll(&pfd, 1, 0), 0);
    /* a blocked writer finishes once the reader drains */
    pid_t pid = xfork();
    if (pid == 0) {
        SYS(fcntl(sv[0], F_SETFL, 0));
        write_all(sv[0], chunk, sizeof chunk);
        _exit(0);
    }
    sleep_ms(50);
    long got = 0;
    char buf[8192];
    while (got < total + (long)sizeof chunk) {
        ssize_t r = read(sv[1], buf, sizeof buf);
        if (r < 0 && errno == EAGAIN) {
            sleep_ms(5);
            continue;
        }
        CHECK(r > 0, "read: %zd %s", r, strerror(errno));
        got += r;
    }
    expect_exit(pid, 0);
    EQ(poll(&pfd, 1, 0), 1);
    CHECK(pfd.revents & POLLOUT, "not writable after draining: %#x", pfd.revents);
}

TEST(so_rcvtimeo_and_sndtimeo)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = {0, 100000}, got = {0, 0};
    SYS(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    socklen_t len = sizeof got;
    SYS(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    EQ(len, sizeof got);
    EQ(got.tv_sec, 0);
    EQ(got.tv_usec, 100000);
    char c;
    int64_t t0 = mono_ns();
    ERR(read(sv[0], &c, 1), EAGAIN);
    int64_t ms = (mono_ns() - t0) / 1000000;
    CHECK(ms >= 90 && ms < 2000, "SO_RCVTIMEO of 100 ms took %lld ms", (long long)ms);
    struct timeval bad = {0, 1000000};
    ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad), EDOM);
    ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL);
    /* a send timeout on a full buffer */
    SYS(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    static char chunk[4096];
    SYS(fcntl(sv[1], F_SETFL, O_NONBLOCK));
    while (write(sv[1], chunk, sizeof chunk) > 0) {
    }
    SYS(fcntl(sv[1], F_SETFL, 0));
    t0 = mono_ns();
    ERR(write(sv[1], chunk, sizeof chunk), EAGAIN);
    ms = (mono_ns() - t0) / 1000000;
    CHECK(ms >= 90 && ms < 2000, "SO_SNDTIMEO of 100 ms took %lld ms", (long long)ms);
    /* accept honours SO_RCVTIMEO too */
    int l = listener_at("to", SOCK_STREAM, 1);
    SYS(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    ERR(accept(l, NULL, NULL), EAGAIN);
}

static void on_alarm(int sig)
{
    (void)sig;
}

TEST(signal_interrupts_blocking_calls)
{
    set_handler(SIGALRM, on_alarm, SA_RESTART);
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    /* SA_RESTART restarts a read without a timeout: it returns the data that comes later */
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(300);
        write_all(sv[1], "late", 4);
        _exit(0);
    }
    struct itimerval it = {{0, 0}, {0, 50000}};
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    char buf[4];
    EQ(read(sv[0], buf, 4), 4);
    expect_exit(pid, 0);
    /* with SO_RCVTIMEO the call is not restarted: EINTR */
    struct timeval tv = {5, 0};
    SYS(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    int64_t t0 = mono_ns();
    ERR(read(sv[0], buf, 4), EINTR);
    CHECK(mono_ns() - t0 < 3000000000LL, "the read waited for its timeout");
    /* without SA_RESTART: EINTR */
    set_handler(SIGALRM, on_alarm, 0);
    tv.tv_sec = 0;
    SYS(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    ERR(recv(sv[0], buf, 4, 0), EINTR);
}

TEST(socket_options)
{
    int s = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    int v = -1;
    socklen_t len = sizeof v;
    SYS(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    EQ(v, SOCK_STREAM);
    EQ(len, sizeof v);
    SYS(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len));
    EQ(v, AF_UNIX);
    SYS(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len));
    EQ(v, 0);
    SYS(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
    EQ(v, 0);
    SYS(getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len));
    EQ(v, 0);
    SYS(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len));
    EQ(v, 0);
    int on = 1;
    SYS(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    SYS(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len));
    EQ(v, 1);
    on = 5;    /* any non-zero value is on, read back as 1 */
    SYS(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on));
    SYS(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len));
    EQ(v, 1);
    struct linger lg = {1, 7}, lgot = {0, 0};
    SYS(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    len = sizeof lgot;
    SYS(getsockopt(s, SOL_SOCKET, SO_LINGER, &lgot, &len));
    EQ(len, sizeof lgot);
    EQ(lgot.l_onoff, 1);
    EQ(lgot.l_linger, 7);
    /* buffer sizes are doubled, with Linux's minimums */
    len = sizeof v;
    int size = 10000;
    SYS(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
    SYS(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len));
    EQ(v, 20000);
    size = 1;
    SYS(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof size));
    SYS(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len));
    EQ(v, 4608);
    size = 1;
    SYS(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
    SYS(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len));
    EQ(v, 2304);
    /* a short length is truncated, and reported */
    char one = 0x55;
    socklen_t one_len = 1;
    SYS(getsockopt(s, SOL_SOCKET, SO_TYPE, &one, &one_len));
    EQ(one_len, 1);
    EQ(one, SOCK_STREAM);
    /* errors */
    ERR(setsockopt(s, SOL_SOCKET, 12345, &on, sizeof on), ENOPROTOOPT);
    ERR(getsockopt(s, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
    ERR(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, 2), EINVAL);
    socklen_t negative = (socklen_t)-1;
    ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &negative), EINVAL);
    ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, KERNEL_ADDR), EFAULT);
    /* SO_PEERCRED of a socketpair: the creator */
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct ucred cred;
    len = sizeof cred;
    SYS(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len));
    EQ(cred.pid, getpid());
    EQ(cred.uid, geteuid());
    EQ(cred.gid, getegid());
}

TEST(shutdown_directions)
{
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    ERR(shutdown(sv[0], 7), EINVAL);
    EQ(write(sv[0], "before", 6), 6);
    SYS(shutdown(sv[0], SHUT_WR));
    ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    char buf[8];
    EQ(read(sv[1], buf, sizeof buf), 6);    /* what was sent before arrives */
    EQ(read(sv[1], buf, sizeof buf), 0);    /* then end of file */
    struct pollfd pfd = {sv[1], POLLIN | POLLRDHUP, 0};
    EQ(poll(&pfd, 1, 0), 1);
    CHECK(pfd.revents & POLLRDHUP, "revents %#x lacks POLLRDHUP", pfd.revents);
    /* the other direction still works */
    EQ(write(sv[1], "reply", 5), 5);
    EQ(read(sv[0], buf, sizeof buf), 5);
    /* SHUT_RD: reads see end of file, the peer's writes fail */
    SYS(shutdown(sv[0], SHUT_RD));
    EQ(read(sv[0], buf, sizeof buf), 0);
    ERR(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
    /* both directions shut: POLLHUP */
    pfd.fd = sv[0];
    pfd.events = POLLIN;
    EQ(poll(&pfd, 1, 0), 1);
    CHECK(pfd.revents & POLLHUP, "revents %#x lacks POLLHUP", pfd.revents);
    /* a blocked reader wakes on shutdown */
    int tv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, tv));
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(50);
        SYS(shutdown(tv[1], SHUT_WR));
        _exit(0);
    }
    EQ(read(tv[0], buf, sizeof buf), 0);
    expect_exit(pid, 0);
}

TEST(sendmsg_recvmsg_iovecs_and_names)
{
    struct sockaddr_un a, from;
    socklen_t an = unix_addr(&a, "msgs");
    int r = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    SYS(bind(r, (struct sockaddr *)&a, an));
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct iovec wv[3] = {{"scat", 4}, {"ter-", 4}, {"gather", 6}};
    struct msghdr m = {0};
    m.msg_name = &a;
    m.msg_namelen = an;
    m.msg_iov = wv;
    m.msg_iovlen = 3;
    EQ(sendmsg(s, &m, 0), 14);
    char x[5] = {0}, y[20] = {0};
    struct iovec rv[2] = {{x, 4}, {y, sizeof y - 1}};
    struct msghdr in = {0};
    in.msg_name = &from;
    in.msg_namelen = sizeof from;
    in.msg_iov = rv;
    in.msg_iovlen = 2;
    EQ(recvmsg(r, &in, 0), 14);
    STREQ(x, "scat");
    STREQ(y, "ter-gather");
    EQ(in.msg_namelen, 0);    /* the sender is unnamed */
    EQ(in.msg_flags, 0);
    EQ(in.msg_controllen, 0);
    /* too many iovecs */
    m.msg_iovlen = 1025;
    ERR(sendmsg(s, &m, 0), EMSGSIZE);
    /* a stream socket refuses a destination */
    int sv[2];
    SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    ERR(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, an), EISCONN);
    ERR(send(s, "x", 1, MSG_OOB), EOPNOTSUPP);    /* datagrams have no urgent data */
}

TEST(datagram_queue_fills_and_drains)
{
    /* a receiver not connected back to the sender takes only a few datagrams at a time */
    struct sockaddr_un a;
    socklen_t an = unix_addr(&a, "dq");
    int r = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    SYS(bind(r, (struct sockaddr *)&a, an));
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0));
    SYS(connect(s, (struct sockaddr *)&a, an));
    int sent = 0;
    while (send(s, "d", 1, 0) == 1) {
        sent++;
        CHECK(sent < 100000, "the datagram queue never fills");
    }
    EQ(errno, EAGAIN);
    CHECK(sent >= 1, "nothing could be sent");
    struct pollfd pfd = {s, POLLOUT, 0};
    EQ(poll(&pfd, 1, 0), 0);
    char c;
    for (int i = 0; i < sent; i++)
        EQ(recv(r, &c, 1, 0), 1);
    EQ(poll(&pfd, 1, 1000), 1);
    EQ(send(s, "d", 1, 0), 1);
}

struct socket_cycle {
    int listener;
    int pipe_read_end;
};

static void socket_cycle(int i, void *ctx)
{
    struct socket_cycle *k = ctx;
    int sv[2];
    SYS(socketpair(AF_UNIX, i % 2 ? SOCK_DGRAM : SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "payload", 7), 7);
    send_fds(sv[0], &k->pipe_read_end, 1);    /* left unreceived */
    close(sv[0]);
    close(sv[1]);
    int c = connect_to("leak/l", SOCK_STREAM);
    int s = SYS(accept(k->listener, NULL, NULL));
    EQ(write(c, "x", 1), 1);
    close(s);
    close(c);
    int c2 = connect_to("leak/l", SOCK_STREAM);    /* closed before it is accepted */
    close(c2);
    int s2 = SYS(accept(k->listener, NULL, NULL));
    close(s2);
}

TEST_TIMEOUT(no_memory_lost_over_many_sockets, 60)
{
    if (qemu_user())
        conform_skip("/proc/meminfo is the whole host's, shared with everything else it runs");
    SYS(mkdir("leak", 0755));
    int p[2];
    SYS(pipe(p));
    struct socket_cycle k = {listener_at("leak/l", SOCK_STREAM, 8), p[0]};
    expect_no_slab_growth("socket cycles", 3000, 256, socket_cycle, &k);
}

TEST(bind_in_the_root_file_system)
{
    /* the root is a disk file system (ext2) when the kernel boots from a disk, a tmpfs otherwise */
    if (access("/", W_OK) != 0)
        conform_skip("/ is not writable");
    char path[64];
    snprintf(path, sizeof path, "/conform-socket-%d", getpid());
    unlink(path);
    int l = listener_at(path, SOCK_STREAM, 1);
    struct stat st;
    SYS(stat(path, &st));
    CHECK(S_ISSOCK(st.st_mode), "%s has mode %o", path, st.st_mode);
    int c = connect_to(path, SOCK_STREAM);
    int s = SYS(accept(l, NULL, NULL));
    write_all(c, "disk", 4);
    char buf[4];
    read_exact(s, buf, 4);
    SYS(unlink(path));
    struct sockaddr_un a;
    socklen_t n = unix_addr(&a, path);
    int c2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c2, (struct sockaddr *)&a, n), ENOENT);
}
