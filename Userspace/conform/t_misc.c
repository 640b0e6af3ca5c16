/* System information and limits, devices, /proc, user-memory safety (EFAULT), unknown syscalls. */
#include "conform.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>

TEST(uname_linux_aarch64)
{
    struct utsname u;
    memset(&u, 0, sizeof u);
    EQ(syscall(SYS_uname, &u), 0);
    STREQ(u.sysname, "Linux");
    STREQ(u.machine, "aarch64");
    CHECK(u.release[0] >= '2' && u.release[0] <= '9' && strchr(u.release, '.'), "release \"%s\"", u.release);
    CHECK(u.version[0] != 0, "empty version");
    CHECK(u.nodename[0] != 0, "empty nodename");
    ERR(syscall(SYS_uname, (void *)1), EFAULT);
}

TEST(getrandom_bytes)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    EQ(syscall(SYS_getrandom, a, sizeof a, 0), 64);
    EQ(syscall(SYS_getrandom, b, sizeof b, GRND_NONBLOCK), 64);
    CHECK(memcmp(a, b, sizeof a) != 0, "two getrandom calls returned the same bytes");
    int zeros = 0;
    for (int i = 0; i < 64; i++) zeros += a[i] == 0;
    CHECK(zeros < 16, "%d of 64 random bytes are zero", zeros);
    EQ(syscall(SYS_getrandom, a, 0, 0), 0);
    ERR(syscall(SYS_getrandom, a, 8, 0x100), EINVAL);
    ERR(syscall(SYS_getrandom, (void *)1, 8, 0), EFAULT);
}

TEST(sysinfo_sane)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    EQ(syscall(SYS_sysinfo, &si), 0);
    CHECK(si.mem_unit >= 1, "mem_unit %u", si.mem_unit);
    unsigned long long total = (unsigned long long)si.totalram * si.mem_unit;
    CHECK(total >= 16ULL << 20, "totalram %llu bytes", total);
    CHECK(si.freeram <= si.totalram, "freeram %lu > totalram %lu", si.freeram, si.totalram);
    CHECK(si.procs >= 1, "procs %u", si.procs);
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    CHECK((long)si.uptime >= 0 && (long)si.uptime <= (long)boot.tv_sec + 1, "uptime %ld vs CLOCK_BOOTTIME %ld", si.uptime, (long)boot.tv_sec);
}

TEST(sched_affinity_yield)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    CHECK(n > 0 && n % 8 == 0, "sched_getaffinity returned %ld", n);
    CHECK(CPU_COUNT(&set) >= 1, "no CPU in the affinity mask");
    EQ(sched_yield(), 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(cpus >= 1, "_SC_NPROCESSORS_ONLN %ld", cpus);
}

TEST(prlimit_nofile)
{
    struct rlimit old;
    EQ(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), 0);
    CHECK(old.rlim_cur >= 64 && old.rlim_cur <= old.rlim_max, "RLIMIT_NOFILE %llu/%llu",
          (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
    struct rlimit lim = {32, old.rlim_max};
    EQ(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, NULL), 0);
    struct rlimit now;
    EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
    EQ(now.rlim_cur, 32);
    int last = -1;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            EQ(errno, EMFILE);
            break;
        }
        CHECK(fd < 32, "open returned fd %d at a limit of 32", fd);
        last = fd;
    }
    /* The result pipe (fd 99) is above the limit but stays usable; new numbers are refused. */
    CHECK(last >= 0 && last <= 31, "last fd %d", last);
    ERR(dup2(last, 40), EBADF);
    ERR(fcntl(last, F_DUPFD, 40), EINVAL);
    struct rlimit bad = {100, 50};
    ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);    /* soft above hard */
    ERR(syscall(SYS_prlimit64, 999999, RLIMIT_NOFILE, NULL, &now), ESRCH);
}

static void nproc_child(void)
{
    struct rlimit one = {1, 1};
    EQ(setrlimit(RLIMIT_NPROC, &one), 0);
    /* This user already runs one process (this one): a second is refused. */
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    CHECK(pid < 0, "fork succeeded past RLIMIT_NPROC=1 for uid %d", getuid());
    EQ(errno, EAGAIN);
    struct rlimit many = {1000, 1000};
    ERR(setrlimit(RLIMIT_NPROC, &many), EPERM);    /* an unprivileged user cannot raise the hard limit */
}

TEST(rlimit_nproc_fork_eagain)
{
    /* Linux does not apply RLIMIT_NPROC to root (nor to CAP_SYS_RESOURCE/CAP_SYS_ADMIN): as root, check
     * that, then check the limit on an unprivileged uid (54321, which runs nothing else). */
    pid_t pid = xfork();
    if (pid == 0) {
        if (getuid() == 0) {
            struct rlimit one = {1, 1};
            EQ(setrlimit(RLIMIT_NPROC, &one), 0);
            pid_t c = xfork();    /* root ignores the limit */
            if (c == 0) _exit(0);
            expect_exit(c, 0);
            SYS(setgid(54321));
            SYS(setuid(54321));
        }
        nproc_child();
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(rlimit_as_and_stack)
{
    if (qemu_user()) conform_skip("qemu-user accepts but does not apply RLIMIT_AS");
    struct rlimit st;
    EQ(getrlimit(RLIMIT_STACK, &st), 0);
    CHECK(st.rlim_cur >= 128 * 1024, "RLIMIT_STACK %llu", (unsigned long long)st.rlim_cur);
    pid_t pid = xfork();
    if (pid == 0) {
        struct rlimit as = {256 << 20, 256 << 20};
        EQ(setrlimit(RLIMIT_AS, &as), 0);
        void *p = mmap(NULL, 512 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(p == MAP_FAILED && errno == ENOMEM, "512 MiB mmap under a 256 MiB RLIMIT_AS: %p %s", p, strerror(errno));
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(dev_null)
{
    int fd = SYS(open("/dev/null", O_RDWR));
    EQ(write(fd, "discarded", 9), 9);
    char buf[8];
    EQ(read(fd, buf, sizeof buf), 0);
    EQ(lseek(fd, 100, SEEK_SET) >= 0, 1);
}

TEST(dev_zero)
{
    int fd = SYS(open("/dev/zero", O_RDWR));
    char buf[5000];
    memset(buf, 1, sizeof buf);
    EQ(read(fd, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i]) FAIL("/dev/zero byte %zu is %d", i, buf[i]);
    EQ(write(fd, buf, 10), 10);
}

TEST(dev_full)
{
    int fd = SYS(open("/dev/full", O_RDWR));
    ERR(write(fd, "x", 1), ENOSPC);
    char buf[16];
    memset(buf, 1, sizeof buf);
    EQ(read(fd, buf, sizeof buf), 16);
    EQ(buf[0] | buf[15], 0);
}

TEST(dev_urandom)
{
    int fd = SYS(open("/dev/urandom", O_RDONLY));
    unsigned char a[256], b[256];
    read_exact(fd, a, sizeof a);
    read_exact(fd, b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0, "/dev/urandom repeated itself");
    int counts[256] = {0}, distinct = 0;
    for (int i = 0; i < 256; i++)
        if (counts[a[i]]++ == 0) distinct++;
    CHECK(distinct > 100, "only %d distinct values in 256 random bytes", distinct);
    struct stat st;
    SYS(fstat(fd, &st));
    CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 9, "/dev/urandom is not char 1:9");
}

TEST(proc_self_stat)
{
    char buf[1024];
    read_file("/proc/self/stat", buf, sizeof buf);
    char want[32];
    snprintf(want, sizeof want, "%d (", getpid());
    CHECK(strncmp(buf, want, strlen(want)) == 0, "/proc/self/stat starts \"%.40s\", expected \"%s\"", buf, want);
    const char *close = strrchr(buf, ')');
    CHECK(close, "no ')' after the command name");
    /* The command name (at most 15 characters), then the state, then the parent's pid. */
    const char *base = strrchr(conform_self, '/');
    base = base ? base + 1 : conform_self;
    char comm[16];
    snprintf(comm, sizeof comm, "%s", base);
    CHECK((size_t)(close - buf - strlen(want)) == strlen(comm) && strncmp(buf + strlen(want), comm, strlen(comm)) == 0,
          "command name in \"%.40s\" is not \"%s\"", buf, comm);
    char state;
    int ppid;
    CHECK(sscanf(close + 1, " %c %d", &state, &ppid) == 2, "cannot parse \"%.40s\"", close + 1);
    EQ(ppid, getppid());
    if (!qemu_user()) CHECK(state == 'R', "state '%c' of the running reader, expected 'R'", state);
}

TEST(proc_self_cmdline)
{
    char buf[4096];
    int fd = SYS(open("/proc/self/cmdline", O_RDONLY));
    ssize_t n = read(fd, buf, sizeof buf);
    CHECK(n > 0, "read /proc/self/cmdline: %zd", n);
    /* The test child is a fork of the runner: the runner's arguments, each NUL-terminated. */
    ssize_t off = 0;
    for (int i = 0; i < conform_argc; i++) {
        size_t len = strlen(conform_argv[i]);
        CHECK(off + (ssize_t)len < n && memcmp(buf + off, conform_argv[i], len + 1) == 0,
              "argument %d (\"%s\") not at offset %zd of /proc/self/cmdline", i, conform_argv[i], off);
        off += len + 1;
    }
    EQ(off, n);
}

TEST(proc_meminfo)
{
    char buf[8192];
    read_file("/proc/meminfo", buf, sizeof buf);
    const char *p = strstr(buf, "MemTotal:");
    CHECK(p == buf, "/proc/meminfo does not start with MemTotal: \"%.40s\"", buf);
    unsigned long kb = 0;
    char unit[8] = {0};
    CHECK(sscanf(p, "MemTotal: %lu %7s", &kb, unit) == 2, "cannot parse \"%.60s\"", p);
    STREQ(unit, "kB");
    CHECK(kb >= 16 * 1024, "MemTotal %lu kB", kb);
    CHECK(strstr(buf, "\nMemFree:") != NULL, "no MemFree line");
    struct sysinfo si;
    EQ(sysinfo(&si), 0);
    unsigned long long total_kb = (unsigned long long)si.totalram * si.mem_unit / 1024;
    CHECK(kb == total_kb, "MemTotal %lu kB, sysinfo totalram %llu kB", kb, total_kb);
}

TEST(proc_self_fd_and_exe)
{
    int fd = SYS(open("named", O_CREAT | O_RDWR, 0644));
    char link[64], target[4096], want[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    CHECK(n > 0, "readlink %s: %s", link, strerror(errno));
    target[n] = 0;
    snprintf(want, sizeof want, "%s/named", conform_tmp);
    STREQ(target, want);
    n = readlink("/proc/self/exe", target, sizeof target - 1);
    CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
    target[n] = 0;
    /* The executable's canonical path (symbolic links resolved): the same file as ours. */
    CHECK(target[0] == '/', "/proc/self/exe is \"%s\", not an absolute path", target);
    struct stat exe, self;
    SYS(stat(target, &exe));
    SYS(stat(conform_self, &self));
    CHECK(exe.st_ino == self.st_ino && exe.st_dev == self.st_dev, "/proc/self/exe \"%s\" is not %s", target, conform_self);
    char fdlink[64];
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", fd);
    int again = SYS(open(fdlink, O_RDONLY));    /* opening through the link reaches the same file */
    struct stat a, b;
    SYS(fstat(fd, &a));
    SYS(fstat(again, &b));
    EQ(a.st_ino, b.st_ino);
}

/* --- user-memory safety: bad pointers give EFAULT, never a crash ---------------------------------------- */

TEST(efault_write_bad_pointer)
{
    int p[2];
    SYS(pipe(p));
    ERR(write(p[1], (void *)1, 8), EFAULT);
    ERR(write(1, (void *)1, 8), EFAULT);
    ERR(write(p[1], KERNEL_ADDR, 8), EFAULT);
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    ERR(write(fd, (void *)1, 8), EFAULT);
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, 0);
    char c;
    EQ(read(p[0], &c, 0), 0);    /* a zero-length read touches nothing */
    EQ(write(p[1], (void *)1, 0), 0);
}

TEST(efault_read_into_kernel_address)
{
    int z = SYS(open("/dev/zero", O_RDONLY));
    ERR(read(z, KERNEL_ADDR, 8), EFAULT);
    ERR(read(z, (void *)8, 8), EFAULT);
    int p[2];
    SYS(pipe(p));
    EQ(write(p[1], "abc", 3), 3);
    ERR(read(p[0], KERNEL_ADDR, 3), EFAULT);
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "data", 4);
    ERR(pread(fd, KERNEL_ADDR, 4, 0), EFAULT);
    /* A read-only page is no destination either. */
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED, "mmap");
    ERR(pread(fd, ro, 4, 0), EFAULT);
}

TEST(efault_various_syscalls)
{
    ERR(open(KERNEL_ADDR, O_RDONLY), EFAULT);
    ERR(syscall(SYS_pipe2, (void *)1, 0), EFAULT);
    ERR(syscall(SYS_pipe2, KERNEL_ADDR, 0), EFAULT);
    ERR(syscall(SYS_getcwd, KERNEL_ADDR, 4096), EFAULT);
    ERR(syscall(SYS_newfstatat, AT_FDCWD, ".", KERNEL_ADDR, 0), EFAULT);
    ERR(syscall(SYS_fstat, 0, (void *)1), EFAULT);
    ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, KERNEL_ADDR), EFAULT);
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8), EFAULT);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8), EFAULT);
    ERR(syscall(SYS_wait4, -1, (void *)1, 0, NULL), ECHILD);    /* no child: ECHILD before touching it */
    struct iovec iov = {KERNEL_ADDR, 8};
    int p[2];
    SYS(pipe(p));
    ERR(writev(p[1], &iov, 1), EFAULT);
    ERR(writev(p[1], KERNEL_ADDR, 1), EFAULT);
    ERR(syscall(SYS_execve, KERNEL_ADDR, NULL, NULL), EFAULT);
    ERR(syscall(SYS_mkdirat, AT_FDCWD, (void *)1, 0755), EFAULT);
    char *argv[] = {(char *)1, NULL};
    pid_t pid = xfork();
    if (pid == 0) {
        ERR(execve(conform_self, argv, NULL), EFAULT);
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(efault_partial_buffer)
{
    /* A buffer whose second page is unmapped: the kernel copies what it can or fails, never crashes. */
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap");
    SYS(munmap(p + 4096, 4096));
    memset(p, 'x', 4096);
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    long r = write(fd, p + 4000, 200);
    CHECK((r == -1 && errno == EFAULT) || r == 96, "write across into an unmapped page returned %ld (%s)", r,
          r < 0 ? strerror(errno) : "");
}

TEST(unknown_syscall_enosys)
{
    ERR(syscall(999), ENOSYS);
    ERR(syscall(5000), ENOSYS);
    ERR(syscall(-1L), ENOSYS);
}
