/* AF_INET sockets on loopback: TCP (connections between processes, large transfers, non-blocking connect,
 * refused connections, half-close, EPIPE, MSG_* flags, timeouts, names, address reuse, options), UDP
 * (addresses, truncation, connected sockets, port unreachable) and /proc/net/tcp. */
#include "conform.h"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

/* A fresh Linux booted with our own init has lo down: bring it up (our kernel's is always up). */
static void loopback_up(void)
{
    int s = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        SYS(ioctl(s, SIOCGIFFLAGS, &ifr));
        ifr.ifr_flags |= IFF_UP;
        SYS(ioctl(s, SIOCSIFFLAGS, &ifr));
    }
    close(s);
}

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return a;
}

static unsigned short port_of(int s)
{
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    SYS(getsockname(s, (struct sockaddr *)&a, &n));
    EQ(n, sizeof a);
    return ntohs(a.sin_port);
}

/* A TCP listener on 127.0.0.1 at an ephemeral port. */
static int tcp_listener(int type_flags, int backlog)
{
    loopback_up();
    int l = SYS(socket(AF_INET, SOCK_STREAM | type_flags, 0));
    struct sockaddr_in a = loopback(0);
    SYS(bind(l, (struct sockaddr *)&a, sizeof a));
    SYS(listen(l, backlog));
    return l;
}

static int tcp_connect(unsigned short port)
{
    int c = SYS(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(port);
    SYS(connect(c, (struct sockaddr *)&a, sizeof a));
    return c;
}

static int int_option(int s, int level, int name)
{
    int v = -1;
    socklen_t n = sizeof v;
    SYS(getsockopt(s, level, name, &v, &n));
    EQ(n, sizeof v);
    return v;
}

static void set_int(int s, int level, int name, int v)
{
    SYS(setsockopt(s, level, name, &v, sizeof v));
}

/* A port nobody listens on: bound, then closed. */
static unsigned short closed_port(void)
{
    loopback_up();
    int s = SYS(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(0);
    SYS(bind(s, (struct sockaddr *)&a, sizeof a));
    unsigned short p = port_of(s);
    close(s);
    return p;
}

TEST(inet_socket_types_and_protocols)
{
    int s = SYS(socket(AF_INET, SOCK_STREAM, 0));
    EQ(int_option(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EQ(int_option(s, SOL_SOCKET, SO_DOMAIN), AF_INET);
    EQ(int_option(s, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    close(s);
    s = SYS(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
    EQ(int_option(s, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
    close(s);
    ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
    /* an unbound socket's name is 0.0.0.0:0; it has no peer */
    s = SYS(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    memset(&a, 0xff, sizeof a);
    SYS(getsockname(s, (struct sockaddr *)&a, &n));
    EQ(n, sizeof a);
    EQ(a.sin_family, AF_INET);
    EQ(a.sin_port, 0);
    EQ(a.sin_addr.s_addr, 0);
    ERR(getpeername(s, (struct sockaddr *)&a, &n), ENOTCONN);
    close(s);
}

TEST(tcp_echo_between_processes)
{
    int l = tcp_listener(0, 4);
    unsigned short port = port_of(l);
    CHECK(port >= 1024, "ephemeral port %u", port);
    pid_t pid = xfork();
    if (pid == 0) {
        int c = tcp_connect(port);
        char buf[64];
        for (int i = 0; i < 20; i++) {
            char msg[32];
            int n = snprintf(msg, sizeof msg, "message %d", i);
            write_all(c, msg, n);
            read_exact(c, buf, n);
            CHECK(memcmp(buf, msg, n) == 0, "echo %d differs", i);
        }
        close(c);
        _exit(0);
    }
    struct sockaddr_in peer;
    socklen_t n = sizeof peer;
    int s = SYS(accept(l, (struct sockaddr *)&peer, &n));
    EQ(n, sizeof peer);
    EQ(peer.sin_family, AF_INET);
    EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    char buf[256];
    long got;
    while ((got = SYS(read(s, buf, sizeof buf))) > 0)
        write_all(s, buf, got);
    expect_exit(pid, 0);
    close(s);
    close(l);
}

static uint32_t next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

TEST_TIMEOUT(tcp_4mib_transfer_with_checksum, 120)
{
    enum { Total = 4 << 20 };
    int l = tcp_listener(0, 1);
    unsigned short port = port_of(l);
    pid_t pid = xfork();
    if (pid == 0) {
        int c = tcp_connect(port);
        static uint32_t block[4096];
        uint32_t x = 12345, sum = 0;
        for (size_t sent = 0; sent < Total; sent += sizeof block) {
            for (size_t i = 0; i < 4096; i++) {
                block[i] = next_random(&x);
                sum = sum * 31 + block[i];
            }
            write_all(c, block, sizeof block);
        }
        write_all(c, &sum, sizeof sum);
        close(c);
        _exit(0);
    }
    int s = SYS(accept(l, NULL, NULL));
    static unsigned char buf[65536 + 4];
    uint32_t x = 12345, sum = 0, word = 0;
    size_t total = 0;
    int shift = 0;
    long n;
    uint32_t expected_next = next_random(&x);
    size_t mismatches = 0;
    while ((n = SYS(read(s, buf, 65536))) > 0) {
        for (long i = 0; i < n; i++, total++) {
            if (total >= Total) {
                word |= (uint32_t)buf[i] << (8 * ((total - Total) & 3));
                continue;
            }
            word |= (uint32_t)buf[i] << shift;
            shift += 8;
            if (shift == 32) {
                if (word != expected_next)
                    mismatches++;
                sum = sum * 31 + word;
                expected_next = next_random(&x);
                word = 0;
                shift = 0;
            }
        }
    }
    EQ(total, Total + 4);
    EQ(mismatches, 0);
    EQ(word, sum);
    expect_exit(pid, 0);
    close(s);
    close(l);
}

TEST(tcp_nonblocking_connect_poll_and_epoll)
{
    int l = tcp_listener(SOCK_NONBLOCK, 4);
    unsigned short port = port_of(l);
    ERR(accept(l, NULL, NULL), EAGAIN);
    int c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    struct sockaddr_in a = loopback(port);
    ERR(connect(c, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    EQ(poll(&p, 1, 2000), 1);
    CHECK(p.revents & POLLOUT, "connecting socket revents %#x", p.revents);
    EQ(int_option(c, SOL_SOCKET, SO_ERROR), 0);
    EQ(connect(c, (struct sockaddr *)&a, sizeof a), 0);    /* the first connect after it completed says so */
    ERR(connect(c, (struct sockaddr *)&a, sizeof a), EISCONN);
    /* the listener is readable (a connection to accept), in poll and in epoll */
    struct pollfd lp = {l, POLLIN, 0};
    EQ(poll(&lp, 1, 2000), 1);
    int ep = SYS(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    struct epoll_event out;
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.events, EPOLLIN);
    int s = SYS(accept4(l, NULL, NULL, SOCK_NONBLOCK));
    /* the connected socket: writable, not readable until data comes */
    struct epoll_event sev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 2};
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, s, &sev));
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.data.u32, 2);
    EQ(out.events, EPOLLOUT);
    EQ(write(c, "ping", 4), 4);
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.events, EPOLLIN | EPOLLOUT);
    char buf[8];
    EQ(read(s, buf, sizeof buf), 4);
    /* fill the connection until EAGAIN: no EPOLLOUT, then the reader drains it and EPOLLOUT comes back */
    static char big[65536];
    long queued = 0, w;
    while ((w = write(s, big, sizeof big)) > 0)
        queued += w;
    EQ(errno, EAGAIN);
    CHECK(queued > 0, "nothing queued");
    struct epoll_event wev = {.events = EPOLLOUT, .data.u32 = 3};
    SYS(epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL));
    SYS(epoll_ctl(ep, EPOLL_CTL_DEL, l, NULL));
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, s, &wev));
    EQ(epoll_wait(ep, &out, 1, 0), 0);
    SYS(fcntl(c, F_SETFL, 0));
    long drained = 0;
    while (drained < queued) {
        long r = SYS(read(c, big, sizeof big));
        CHECK(r > 0, "end of stream after %ld of %ld", drained, queued);
        drained += r;
    }
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.events, EPOLLOUT);
    /* the peer's close: readable, end of stream, EPOLLRDHUP */
    close(c);
    struct epoll_event hev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 4};
    SYS(epoll_ctl(ep, EPOLL_CTL_MOD, s, &hev));
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.events, EPOLLIN | EPOLLRDHUP);
    EQ(read(s, buf, sizeof buf), 0);
    close(ep);
    close(s);
    close(l);
}

TEST(tcp_connection_refused)
{
    unsigned short port = closed_port();
    int c = SYS(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(port);
    ERR(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
    close(c);
    /* non-blocking: in progress, then POLLERR and SO_ERROR (once) */
    c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    CHECK(r == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED), "connect: %d %s", r, strerror(errno));
    if (errno == EINPROGRESS) {
        struct pollfd p = {c, POLLOUT, 0};
        EQ(poll(&p, 1, 2000), 1);
        CHECK(p.revents & POLLERR, "revents %#x", p.revents);
        EQ(int_option(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
        EQ(int_option(c, SOL_SOCKET, SO_ERROR), 0);
    }
    close(c);
}

TEST(tcp_accept4_flags_and_names)
{
    int l = tcp_listener(0, 4);
    unsigned short port = port_of(l);
    int c = tcp_connect(port);
    struct sockaddr_in peer;
    socklen_t n = sizeof peer;
    int s = SYS(accept4(l, (struct sockaddr *)&peer, &n, SOCK_NONBLOCK | SOCK_CLOEXEC));
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "accept4 SOCK_NONBLOCK");
    EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    /* the names agree from both sides */
    struct sockaddr_in cl, cp, sl;
    socklen_t ln = sizeof cl;
    SYS(getsockname(c, (struct sockaddr *)&cl, &ln));
    ln = sizeof cp;
    SYS(getpeername(c, (struct sockaddr *)&cp, &ln));
    ln = sizeof sl;
    SYS(getsockname(s, (struct sockaddr *)&sl, &ln));
    EQ(ntohs(cp.sin_port), port);
    EQ(ntohs(sl.sin_port), port);
    EQ(peer.sin_port, cl.sin_port);
    EQ(peer.sin_addr.s_addr, cl.sin_addr.s_addr);
    EQ(ntohl(cl.sin_addr.s_addr), INADDR_LOOPBACK);
    /* a short address buffer gets the start of it and the full length */
    char small[4];
    ln = sizeof small;
    SYS(getpeername(s, (struct sockaddr *)small, &ln));
    EQ(ln, sizeof(struct sockaddr_in));
    char buf[4];
    ERR(read(s, buf, sizeof buf), EAGAIN);
    ERR(recv(c, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);    /* a blocking socket, one call not waiting */
    ERR(syscall(SYS_accept4, l, NULL, NULL, 0x1234), EINVAL);    /* raw: musl retries with accept() */
    close(s);
    close(c);
    close(l);
}

TEST(tcp_half_close)
{
    int l = tcp_listener(0, 1);
    int c = tcp_connect(port_of(l));
    int s = SYS(accept(l, NULL, NULL));
    write_all(c, "question", 8);
    SYS(shutdown(c, SHUT_WR));
    char buf[16];
    read_exact(s, buf, 8);
    EQ(read(s, buf, sizeof buf), 0);    /* the client's FIN */
    write_all(s, "answer", 6);           /* the other direction still works */
    read_exact(c, buf, 6);
    CHECK(memcmp(buf, "answer", 6) == 0, "answer differs");
    struct pollfd p = {s, POLLIN | POLLRDHUP, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLRDHUP);
    close(s);
    EQ(read(c, buf, sizeof buf), 0);
    close(c);
    close(l);
}

static volatile sig_atomic_t pipes;
static void on_sigpipe(int sig)
{
    (void)sig;
    pipes++;
}

TEST(tcp_epipe_sigpipe_and_nosignal)
{
    int l = tcp_listener(0, 1);
    int c = tcp_connect(port_of(l));
    int s = SYS(accept(l, NULL, NULL));
    set_handler(SIGPIPE, on_sigpipe, 0);
    SYS(shutdown(c, SHUT_WR));
    ERR(write(c, "x", 1), EPIPE);
    EQ(pipes, 1);
    ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    EQ(pipes, 1);
    /* a socket never connected: EPIPE and SIGPIPE too */
    int u = SYS(socket(AF_INET, SOCK_STREAM, 0));
    ERR(write(u, "x", 1), EPIPE);
    EQ(pipes, 2);
    close(u);
    /* a peer that closed: data is refused with a reset, then writes fail */
    close(c);
    char buf[4];
    EQ(read(s, buf, sizeof buf), 0);
    close(s);
    close(l);
}

TEST(tcp_msg_peek_waitall_dontwait)
{
    int l = tcp_listener(0, 1);
    unsigned short port = port_of(l);
    pid_t pid = xfork();
    if (pid == 0) {
        int c = tcp_connect(port);
        write_all(c, "hello ", 6);
        sleep_ms(100);
        write_all(c, "world", 5);
        sleep_ms(100);
        close(c);
        _exit(0);
    }
    int s = SYS(accept(l, NULL, NULL));
    char buf[32];
    long n = SYS(recv(s, buf, sizeof buf, MSG_PEEK));
    CHECK(n >= 1 && n <= 6, "peeked %ld", n);
    CHECK(memcmp(buf, "hello ", n) == 0, "peeked bytes differ");
    EQ(recv(s, buf, 11, MSG_WAITALL), 11);    /* waits for both writes */
    CHECK(memcmp(buf, "hello world", 11) == 0, "waitall bytes differ");
    EQ(recv(s, buf, sizeof buf, MSG_WAITALL), 0);    /* end of stream ends a WAITALL */
    expect_exit(pid, 0);
    close(s);
    close(l);
}

TEST(tcp_so_rcvtimeo_on_recv)
{
    int l = tcp_listener(0, 1);
    int c = tcp_connect(port_of(l));
    int s = SYS(accept(l, NULL, NULL));
    struct timeval tv = {0, 200000};
    SYS(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    char buf[4];
    int64_t t0 = mono_ns();
    ERR(recv(s, buf, sizeof buf, 0), EAGAIN);
    int64_t ms = (mono_ns() - t0) / 1000000;
    CHECK(ms >= 150 && ms < 2000, "waited %lld ms", (long long)ms);
    close(s);
    close(c);
    close(l);
}

TEST(tcp_bind_errors_and_address_reuse)
{
    int l = tcp_listener(0, 1);
    unsigned short port = port_of(l);
    /* the same port: in use, with or without SO_REUSEADDR while it listens */
    int t = SYS(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(port);
    ERR(bind(t, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    set_int(t, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(l, SOL_SOCKET, SO_REUSEADDR, 1);
    ERR(bind(t, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
    ERR(bind(t, (struct sockaddr *)&any, sizeof any), EADDRINUSE);
    /* not one of our addresses; a short address; another family; bound twice */
    struct sockaddr_in far = {.sin_family = AF_INET, .sin_addr.s_addr = inet_addr("192.0.2.1")};
    ERR(bind(t, (struct sockaddr *)&far, sizeof far), EADDRNOTAVAIL);
    ERR(bind(t, (struct sockaddr *)&a, sizeof a - 1), EINVAL);
    struct sockaddr_in wrong = a;
    wrong.sin_family = AF_UNIX;
    ERR(bind(t, (struct sockaddr *)&wrong, sizeof wrong), EAFNOSUPPORT);
    struct sockaddr_in zero = loopback(0);
    SYS(bind(t, (struct sockaddr *)&zero, sizeof zero));
    ERR(bind(t, (struct sockaddr *)&zero, sizeof zero), EINVAL);
    close(t);
    /* a connection the server closes first leaves TIME_WAIT on the port */
    int c = tcp_connect(port);
    int s = SYS(accept(l, NULL, NULL));
    close(l);
    close(s);
    char buf[4];
    EQ(read(c, buf, sizeof buf), 0);
    close(c);
    sleep_ms(50);
    int r = SYS(socket(AF_INET, SOCK_STREAM, 0));
    ERR(bind(r, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    set_int(r, SOL_SOCKET, SO_REUSEADDR, 1);
    EQ(int_option(r, SOL_SOCKET, SO_REUSEADDR), 1);
    SYS(bind(r, (struct sockaddr *)&a, sizeof a));
    SYS(listen(r, 1));
    c = tcp_connect(port);
    s = SYS(accept(r, NULL, NULL));
    close(s);
    close(c);
    close(r);
}

TEST(tcp_options)
{
    int s = SYS(socket(AF_INET, SOCK_STREAM, 0));
    EQ(int_option(s, IPPROTO_TCP, TCP_NODELAY), 0);
    set_int(s, IPPROTO_TCP, TCP_NODELAY, 1);
    CHECK(int_option(s, IPPROTO_TCP, TCP_NODELAY) != 0, "TCP_NODELAY not kept");
    set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 5);
    set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 3);
    EQ(int_option(s, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    EQ(int_option(s, IPPROTO_TCP, TCP_KEEPINTVL), 5);
    EQ(int_option(s, IPPROTO_TCP, TCP_KEEPCNT), 3);
    int zero = 0;
    ERR(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &zero, sizeof zero), EINVAL);
    set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1);
    EQ(int_option(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    EQ(int_option(s, IPPROTO_TCP, TCP_MAXSEG), 536);    /* TCP_MSS_DEFAULT before a connection */
    set_int(s, SOL_SOCKET, SO_RCVBUF, 65536);
    EQ(int_option(s, SOL_SOCKET, SO_RCVBUF), 131072);
    set_int(s, SOL_SOCKET, SO_SNDBUF, 32768);
    EQ(int_option(s, SOL_SOCKET, SO_SNDBUF), 65536);
    set_int(s, IPPROTO_IP, IP_TOS, 0x10);
    EQ(int_option(s, IPPROTO_IP, IP_TOS), 0x10);
    set_int(s, IPPROTO_IP, IP_TTL, 32);
    EQ(int_option(s, IPPROTO_IP, IP_TTL), 32);
    set_int(s, IPPROTO_TCP, TCP_FASTOPEN, 5);
    struct linger lg = {1, 0};
    SYS(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    int v = 0;
    ERR(setsockopt(s, IPPROTO_IPV6, 67 /* IPV6_TCLASS */, &v, sizeof v), ENOPROTOOPT);
    ERR(setsockopt(s, IPPROTO_TCP, 9999, &v, sizeof v), ENOPROTOOPT);
    close(s);
    /* a connection's MSS is a real one */
    int l = tcp_listener(0, 1);
    int c = tcp_connect(port_of(l));
    int a = SYS(accept(l, NULL, NULL));
    int mss = int_option(c, IPPROTO_TCP, TCP_MAXSEG);
    CHECK(mss > 536 && mss <= 65535, "MSS %d", mss);
    close(a);
    close(c);
    close(l);
}

TEST(tcp_linger_zero_resets)
{
    int l = tcp_listener(0, 1);
    int c = tcp_connect(port_of(l));
    int s = SYS(accept(l, NULL, NULL));
    struct linger lg = {1, 0};
    SYS(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    close(c);
    char buf[4];
    ERR(read(s, buf, sizeof buf), ECONNRESET);
    close(s);
    close(l);
}

TEST(tcp_linger_with_timeout_waits_for_the_peer_to_take_the_data)
{
    loopback_up();
    int l = SYS(socket(AF_INET, SOCK_STREAM, 0));
    set_int(l, SOL_SOCKET, SO_RCVBUF, 4096);    /* the accepted socket inherits a small window */
    struct sockaddr_in la = loopback(0);
    SYS(bind(l, (struct sockaddr *)&la, sizeof la));
    SYS(listen(l, 1));
    unsigned short port = port_of(l);
    pid_t pid = xfork();
    if (pid == 0) {
        int c = SYS(socket(AF_INET, SOCK_STREAM, 0));
        set_int(c, SOL_SOCKET, SO_SNDBUF, 262144);    /* the data fits in the send buffer at once */
        struct sockaddr_in a = loopback(port);
        SYS(connect(c, (struct sockaddr *)&a, sizeof a));
        struct linger lg = {1, 5};
        SYS(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
        static char data[100000];
        memset(data, 'L', sizeof data);
        write_all(c, data, sizeof data);
        int64_t t0 = mono_ns();
        SYS(close(c));    /* waits until the peer, which reads late, has taken it all */
        long ms = (long)((mono_ns() - t0) / 1000000);
        CHECK(ms >= 250 && ms < 4500, "close with SO_LINGER {1, 5} took %ld ms", ms);
        _exit(0);
    }
    int s = SYS(accept(l, NULL, NULL));
    sleep_ms(500);
    static char buf[65536];
    long total = 0, n;
    while ((n = SYS(read(s, buf, sizeof buf))) > 0)
        total += n;
    EQ(total, 100000);
    expect_exit(pid, 0);
    close(s);
    close(l);
}

TEST(udp_sendto_recvfrom_and_truncation)
{
    loopback_up();
    int a = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    int b = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in la = loopback(0);
    SYS(bind(a, (struct sockaddr *)&la, sizeof la));
    SYS(bind(b, (struct sockaddr *)&la, sizeof la));
    unsigned short pa = port_of(a), pb = port_of(b);
    struct sockaddr_in to = loopback(pb);
    EQ(sendto(a, "datagram one", 12, 0, (struct sockaddr *)&to, sizeof to), 12);
    EQ(sendto(a, "two", 3, 0, (struct sockaddr *)&to, sizeof to), 3);
    struct sockaddr_in from;
    socklen_t n = sizeof from;
    char buf[64];
    int avail = -1;
    SYS(ioctl(b, FIONREAD, &avail));
    EQ(avail, 12);
    EQ(recvfrom(b, buf, sizeof buf, MSG_PEEK, (struct sockaddr *)&from, &n), 12);
    /* a short buffer: the rest of the datagram is lost; MSG_TRUNC gives its real length */
    EQ(recvfrom(b, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &n), 12);
    EQ(n, sizeof from);
    EQ(ntohs(from.sin_port), pa);
    EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK(memcmp(buf, "data", 4) == 0, "first bytes differ");
    EQ(recv(b, buf, sizeof buf, 0), 3);
    ERR(recv(b, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* recvmsg reports MSG_TRUNC in msg_flags */
    EQ(sendto(a, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof to), 10);
    struct iovec iov = {buf, 5};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(b, &m, 0), 5);
    CHECK(m.msg_flags & MSG_TRUNC, "msg_flags %#x", m.msg_flags);
    EQ(m.msg_namelen, sizeof from);
    /* sendmsg with a name */
    struct iovec out[2] = {{"ab", 2}, {"cd", 2}};
    struct msghdr sm = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = out, .msg_iovlen = 2};
    EQ(sendmsg(a, &sm, 0), 4);
    EQ(recv(b, buf, sizeof buf, 0), 4);
    CHECK(memcmp(buf, "abcd", 4) == 0, "gathered datagram differs");
    /* errors: no destination, port 0, too large */
    ERR(send(a, "x", 1, 0), EDESTADDRREQ);
    static char huge[70000];
    ERR(sendto(a, huge, sizeof huge, 0, (struct sockaddr *)&to, sizeof to), EMSGSIZE);
    /* a blocking receive with SO_RCVTIMEO */
    struct timeval tv = {0, 100000};
    SYS(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    ERR(recv(b, buf, sizeof buf, 0), EAGAIN);
    /* the same port twice: EADDRINUSE */
    int c = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in same = loopback(pb);
    ERR(bind(c, (struct sockaddr *)&same, sizeof same), EADDRINUSE);
    close(c);
    close(a);
    close(b);
}

TEST(udp_connect_peer_and_port_unreachable)
{
    loopback_up();
    int a = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    int b = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in lb = loopback(0);
    SYS(bind(b, (struct sockaddr *)&lb, sizeof lb));
    struct sockaddr_in to = loopback(port_of(b));
    SYS(connect(a, (struct sockaddr *)&to, sizeof to));
    struct sockaddr_in peer;
    socklen_t n = sizeof peer;
    SYS(getpeername(a, (struct sockaddr *)&peer, &n));
    EQ(peer.sin_port, to.sin_port);
    CHECK(port_of(a) != 0, "connect did not bind");
    EQ(send(a, "hi", 2, 0), 2);
    char buf[8];
    EQ(recv(b, buf, sizeof buf, 0), 2);
    /* AF_UNSPEC dissolves the association */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    SYS(connect(a, &unspec, sizeof unspec));
    ERR(getpeername(a, (struct sockaddr *)&peer, &n), ENOTCONN);
    /* a connected socket to a closed port: ICMP port unreachable comes back as ECONNREFUSED */
    unsigned short closed = closed_port();
    int c = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in dead = loopback(closed);
    SYS(connect(c, (struct sockaddr *)&dead, sizeof dead));
    EQ(send(c, "x", 1, 0), 1);
    struct pollfd p = {c, POLLIN, 0};
    EQ(poll(&p, 1, 2000), 1);
    ERR(recv(c, buf, sizeof buf, 0), ECONNREFUSED);
    /* shutdown of an unconnected datagram socket: ENOTCONN */
    ERR(shutdown(b, SHUT_RDWR), ENOTCONN);
    close(a);
    close(b);
    close(c);
}

TEST(proc_net_tcp_and_udp_show_sockets)
{
    int l = tcp_listener(0, 1);
    unsigned short port = port_of(l);
    int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = loopback(0);
    SYS(bind(u, (struct sockaddr *)&a, sizeof a));
    unsigned short uport = port_of(u);
    static char text[1 << 20];
    char want[64];
    read_file("/proc/net/tcp", text, sizeof text);
    CHECK(strncmp(text, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", 96) == 0,
          "header: %.100s", text);
    snprintf(want, sizeof want, ": 0100007F:%04X 00000000:0000 0A ", port);
    CHECK(strstr(text, want) != NULL, "no listener line \"%s\" in /proc/net/tcp", want);
    read_file("/proc/net/udp", text, sizeof text);
    snprintf(want, sizeof want, ": 0100007F:%04X 00000000:0000 07 ", uport);
    CHECK(strstr(text, want) != NULL, "no line \"%s\" in /proc/net/udp", want);
    close(u);
    close(l);
}

static void tcp_connection_cycle(int i, void *ctx)
{
    (void)i;
    int l = *(int *)ctx;
    struct linger lg = {1, 0};
    int c = tcp_connect(port_of(l));
    int s = SYS(accept(l, NULL, NULL));
    EQ(write(c, "x", 1), 1);
    char b;
    EQ(read(s, &b, 1), 1);
    close(s);    /* the server's FIN; the client answers with a reset: no TIME_WAIT anywhere */
    EQ(read(c, &b, 1), 0);
    SYS(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    close(c);
}

TEST_TIMEOUT(tcp_no_memory_lost_over_many_connections, 240)
{
    if (qemu_user())
        conform_skip("/proc/meminfo is the whole host's, shared with everything else it runs");
    int l = tcp_listener(0, 8);
    expect_no_slab_growth("TCP connections", 1000, 256, tcp_connection_cycle, &l);
    close(l);
}
