/* Network configuration from user space: the interface ioctls every socket answers, NETLINK_ROUTE, socket
 * filters and AF_PACKET sockets. Only what holds on any machine: lo is interface 1 on Linux and here. */
#include "conform.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* What linux/netlink.h, rtnetlink.h and filter.h define (musl has no Linux headers). */
struct sockaddr_nl {
    unsigned short nl_family, nl_pad;
    unsigned nl_pid, nl_groups;
};
struct nlmsghdr {
    unsigned nlmsg_len;
    unsigned short nlmsg_type, nlmsg_flags;
    unsigned nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
    int error;
    struct nlmsghdr msg;
};
struct ifinfomsg {
    unsigned char ifi_family, ifi_pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
    unsigned char ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
    unsigned ifa_index;
};
struct rtattr {
    unsigned short rta_len, rta_type;
};
struct sock_filter {
    unsigned short code;
    unsigned char jt, jf;
    unsigned k;
};
struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};
#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_MULTI 2
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLM_F_CREATE 0x400
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define IFLA_IFNAME 3
#define NLMSG_ALIGN(len) (((len) + 3) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_OK(h, len) ((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) && (h)->nlmsg_len <= (unsigned)(len))
#define NLMSG_NEXT(h, len) ((len) -= NLMSG_ALIGN((h)->nlmsg_len), (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define RTA_ALIGN(len) (((len) + 3) & ~3)
#define RTA_OK(a, len) ((len) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (len))
#define RTA_NEXT(a, len) ((len) -= RTA_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + RTA_ALIGN((a)->rta_len)))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_ALIGN(sizeof(struct rtattr))))
#define IFLA_RTA(i) ((struct rtattr *)((char *)(i) + NLMSG_ALIGN(sizeof(struct ifinfomsg))))
#define IFLA_PAYLOAD(h) ((h)->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(struct ifinfomsg)))
#define BPF_STMT(code, k) {(unsigned short)(code), 0, 0, k}
#define BPF_JUMP(code, k, jt, jf) {(unsigned short)(code), jt, jf, k}
#define BPF_LD 0x00
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_W 0x00
#define BPF_LEN 0x80
#define BPF_DIV 0x30
#define BPF_JEQ 0x10
#define BPF_K 0x00
#ifndef SO_ATTACH_FILTER
#define SO_ATTACH_FILTER 26
#define SO_DETACH_FILTER 27
#endif

static void name_ifreq(struct ifreq *r, const char *name)
{
    memset(r, 0, sizeof *r);
    strncpy(r->ifr_name, name, IFNAMSIZ - 1);
}

TEST(interface_ioctls_on_a_unix_socket)
{
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct ifreq r;
    name_ifreq(&r, "lo");
    SYS(ioctl(s, SIOCGIFINDEX, &r));
    EQ(r.ifr_ifindex, 1);
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = 1;
    SYS(ioctl(s, SIOCGIFNAME, &r));
    STREQ(r.ifr_name, "lo");
    name_ifreq(&r, "lo");
    SYS(ioctl(s, SIOCGIFFLAGS, &r));
    CHECK(r.ifr_flags & IFF_LOOPBACK, "lo's flags %#x lack IFF_LOOPBACK", r.ifr_flags);
    name_ifreq(&r, "lo");
    SYS(ioctl(s, SIOCGIFHWADDR, &r));
    EQ(r.ifr_hwaddr.sa_family, ARPHRD_LOOPBACK);
    name_ifreq(&r, "lo");
    SYS(ioctl(s, SIOCGIFMTU, &r));
    EQ(r.ifr_mtu, 65536);
    name_ifreq(&r, "nosuchif0");
    ERR(ioctl(s, SIOCGIFFLAGS, &r), ENODEV);
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = 9999;
    ERR(ioctl(s, SIOCGIFNAME, &r), ENODEV);
    /* The address and routing ioctls are AF_INET's (and AF_PACKET's): others do not know them. */
    name_ifreq(&r, "lo");
    ERR(ioctl(s, SIOCGIFADDR, &r), ENOTTY);
    ERR(ioctl(s, SIOCGIFINDEX, (void *)8), EFAULT);
    close(s);
}

TEST(interface_setters_need_root)
{
    pid_t p = xfork();
    if (p == 0) {
        if (getuid() == 0)
            SYS(setuid(54321));
        if (getuid() == 0) conform_skip("cannot leave root");
        int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
        struct ifreq r;
        name_ifreq(&r, "lo");
        SYS(ioctl(s, SIOCGIFFLAGS, &r));    /* reading is for everyone */
        ERR(ioctl(s, SIOCSIFFLAGS, &r), EPERM);
        r.ifr_mtu = 1500;
        ERR(ioctl(s, SIOCSIFMTU, &r), EPERM);
        ERR(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), EPERM);
        _exit(0);
    }
    expect_exit(p, 0);
}

/* Sends one request and returns the bytes of the first reply datagram. */
static int request(int s, void *message, size_t length, char *reply, size_t room)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    SYS(sendto(s, message, length, 0, (struct sockaddr *)&kernel, sizeof kernel));
    return (int)SYS(recv(s, reply, room, 0));
}

TEST(netlink_route_link_dump_lists_lo)
{
    ERR(socket(AF_NETLINK, SOCK_RAW, 31), EPROTONOSUPPORT);
    int s = SYS(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    SYS(bind(s, (struct sockaddr *)&me, sizeof me));
    socklen_t len = sizeof me;
    SYS(getsockname(s, (struct sockaddr *)&me, &len));
    EQ(len, sizeof me);
    EQ(me.nl_family, AF_NETLINK);
    EQ(me.nl_pid, getpid());
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {{sizeof req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1234, 0}, {.ifi_family = AF_UNSPEC}};
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    SYS(sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel));
    static char buf[32768];
    int found_lo = 0, done = 0;
    for (int rounds = 0; !done && rounds < 64; rounds++) {
        int n = (int)SYS(recv(s, buf, sizeof buf, 0));
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            EQ(h->nlmsg_seq, 1234);
            EQ(h->nlmsg_pid, me.nl_pid);
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            EQ(h->nlmsg_type, RTM_NEWLINK);
            CHECK(h->nlmsg_flags & NLM_F_MULTI, "a dump's message without NLM_F_MULTI");
            struct ifinfomsg *i = NLMSG_DATA(h);
            int len2 = (int)IFLA_PAYLOAD(h);
            for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len2); a = RTA_NEXT(a, len2))
                if (a->rta_type == IFLA_IFNAME && i->ifi_index == 1) {
                    STREQ((char *)RTA_DATA(a), "lo");
                    EQ(i->ifi_type, ARPHRD_LOOPBACK);
                    CHECK(i->ifi_flags & IFF_LOOPBACK, "lo's ifi_flags %#x", i->ifi_flags);
                    found_lo = 1;
                }
        }
    }
    CHECK(done, "no NLMSG_DONE");
    CHECK(found_lo, "lo not in the dump");
    close(s);
}

TEST(netlink_route_errors_and_acks)
{
    int s = SYS(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {{sizeof req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 77, 0}, {.ifi_family = AF_UNSPEC, .ifi_index = 9999}};
    static char buf[8192];
    int n = request(s, &req, sizeof req, buf, sizeof buf);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    CHECK(NLMSG_OK(h, n), "short reply (%d bytes)", n);
    EQ(h->nlmsg_type, NLMSG_ERROR);
    EQ(h->nlmsg_seq, 77);
    struct nlmsgerr *e = NLMSG_DATA(h);
    EQ(e->error, -ENODEV);
    EQ(e->msg.nlmsg_seq, 77);
    EQ(e->msg.nlmsg_type, RTM_GETLINK);
    /* A change by someone other than root: EPERM in the error message. */
    pid_t p = xfork();
    if (p == 0) {
        if (getuid() == 0)
            SYS(setuid(54321));
        if (getuid() == 0) conform_skip("cannot leave root");
        struct {
            struct nlmsghdr h;
            struct ifaddrmsg a;
        } add = {{sizeof add, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 78, 0}, {.ifa_family = AF_INET, .ifa_prefixlen = 8, .ifa_index = 1}};
        int m = request(s, &add, sizeof add, buf, sizeof buf);
        struct nlmsghdr *r = (struct nlmsghdr *)buf;
        CHECK(NLMSG_OK(r, m), "short reply (%d bytes)", m);
        EQ(r->nlmsg_type, NLMSG_ERROR);
        EQ(((struct nlmsgerr *)NLMSG_DATA(r))->error, -EPERM);
        _exit(0);
    }
    expect_exit(p, 0);
    close(s);
}

TEST(socket_filters_are_checked_on_attach)
{
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct sock_filter drop[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
    struct sock_filter no_return[] = {BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)};
    struct sock_filter far_jump[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0), BPF_STMT(BPF_RET | BPF_K, 0)};
    struct sock_filter divide_by_zero[] = {BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 0)};
    struct sock_fprog prog = {0, drop};
    if (!qemu_user())    /* qemu-user's copy of an empty program fails first, ENOMEM */
        ERR(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), EINVAL);
    prog = (struct sock_fprog){1, no_return};
    ERR(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), EINVAL);
    prog = (struct sock_fprog){2, far_jump};
    ERR(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), EINVAL);
    prog = (struct sock_fprog){2, divide_by_zero};
    ERR(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), EINVAL);
    int zero = 0;
    if (!qemu_user())    /* qemu-user does not know SO_DETACH_FILTER */
        ERR(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero), ENOENT);
    prog = (struct sock_fprog){1, drop};
    SYS(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog));
    if (!qemu_user()) {
        SYS(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero));
        ERR(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero), ENOENT);
    }
    close(s);
}

TEST(packet_socket_binds_to_lo)
{
    if (getuid() != 0) conform_skip("AF_PACKET needs root");
    ERR(socket(AF_PACKET, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
    int s = SYS(socket(AF_PACKET, SOCK_RAW, 0));    /* protocol 0: receives nothing */
    struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_ifindex = 1};
    ERR(bind(s, (struct sockaddr *)&a, 8), EINVAL);
    a.sll_ifindex = 9999;
    ERR(bind(s, (struct sockaddr *)&a, sizeof a), ENODEV);
    a.sll_ifindex = 1;
    SYS(bind(s, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_ll got;
    socklen_t len = sizeof got;
    SYS(getsockname(s, (struct sockaddr *)&got, &len));
    EQ(len, 18);
    EQ(got.sll_family, AF_PACKET);
    EQ(got.sll_ifindex, 1);
    EQ(got.sll_hatype, ARPHRD_LOOPBACK);
    EQ(got.sll_halen, 6);
    /* The interface ioctls work on packet sockets too. */
    struct ifreq r;
    name_ifreq(&r, "lo");
    SYS(ioctl(s, SIOCGIFINDEX, &r));
    EQ(r.ifr_ifindex, 1);
    close(s);
}
