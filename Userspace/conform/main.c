/* The conformance suite's runner and the helpers tests share.
 *
 * Usage: conform [-l] [FILTER...]
 *   Runs every test whose name contains one of the FILTERs (all tests without filters), each in its own
 *   forked child and process group, in a fresh temporary directory under /tmp. Prints "ok NAME",
 *   "FAIL NAME: WHAT" or "skip NAME: WHY" per test, then exactly "N passed, M failed"; exits 0 only
 *   when no test failed. -l lists the test names. A FILTER "-WORD" excludes the tests whose name
 *   contains WORD (e.g. "-thread" for a kernel without threads).
 *   Tests marked CONFORM_MANUAL (the runner's self-tests, which must fail) run only when named exactly.
 * Environment: CONFORM_TIMEOUT (default per-test timeout in seconds, 10), CONFORM_QEMU_USER (see
 * conform.h).
 */
#include "conform.h"

#include <ftw.h>
#include <sys/auxv.h>
#include <sys/resource.h>

extern const struct conform_test __start_conform_tests[], __stop_conform_tests[];
extern const struct conform_helper __start_conform_helpers[], __stop_conform_helpers[];

const char *conform_self;
const char *conform_tmp;
int conform_argc;
char **conform_argv;

/* Where a failure message goes: the result pipe in a test child, stderr otherwise. */
static int result_fd(void)
{
    return fcntl(CONFORM_RESULT_FD, F_GETFD) >= 0 ? CONFORM_RESULT_FD : 2;
}

void conform_fail(const char *file, int line, const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    n = strlen(buf);
    buf[n++] = '\n';
    write(result_fd(), buf, n);
    _exit(1);
}

void conform_skip(const char *fmt, ...)
{
    char buf[512] = "\001";
    int n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    n = strlen(buf);
    buf[n++] = '\n';
    write(result_fd(), buf, n);
    _exit(0);
}

const char *conform_errname(int e)
{
    static const struct { int e; const char *name; } names[] = {
#define E(x) {x, #x}
        E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
        E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
        E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
        E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS),
        E(ENOTEMPTY), E(ELOOP), E(ETIMEDOUT), E(EOVERFLOW), E(EOPNOTSUPP),
#undef E
    };
    static char buf[16];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e) return names[i].name;
    snprintf(buf, sizeof buf, "errno %d", e);
    return buf;
}

/* --- helpers for tests ---------------------------------------------------------------------------- */

pid_t xfork(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) FAIL("fork: %s", strerror(errno));
    return pid;
}

int xwait(pid_t pid)
{
    int status;
    pid_t r;
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r != pid) FAIL("waitpid(%d) returned %d: %s", pid, r, strerror(errno));
    return status;
}

const char *status_str(int status)
{
    static char buf[64];
    if (WIFEXITED(status)) snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buf, sizeof buf, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else snprintf(buf, sizeof buf, "status %#x", status);
    return buf;
}

void expect_exit_at(const char *file, int line, pid_t pid, int code)
{
    int status = xwait(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        conform_fail(file, line, "child %s, expected exit %d", status_str(status), code);
}

void expect_signal_at(const char *file, int line, pid_t pid, int sig)
{
    int status = xwait(pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
        conform_fail(file, line, "child %s, expected killed by signal %d (%s)", status_str(status), sig, strsignal(sig));
}

const char *qemu_user(void)
{
    const char *q = getenv("CONFORM_QEMU_USER");
    return q && *q ? q : NULL;
}

int exec_helper(char *const args[], char *const envp[])
{
    char *argv[64];
    int n = 0;
    const char *q = qemu_user();
    if (q) argv[n++] = (char *)q;
    argv[n++] = (char *)conform_self;
    argv[n++] = "--helper";
    for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    /* Under qemu-user a given environment also carries CONFORM_QEMU_USER, so the helper knows. */
    char *env[64], qvar[4200];
    if (q && envp) {
        int m = 0;
        while (envp[m] && m < 62) env[m] = envp[m], m++;
        snprintf(qvar, sizeof qvar, "CONFORM_QEMU_USER=%s", q);
        env[m++] = qvar;
        env[m] = NULL;
        envp = env;
    }
    return execve(q ? q : conform_self, argv, envp ? envp : environ);
}

int run_helper(char *const args[])
{
    pid_t pid = xfork();
    if (pid == 0) {
        exec_helper(args, NULL);
        FAIL("execve %s: %s", conform_self, strerror(errno));
    }
    return xwait(pid);
}

void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) FAIL("write(%d, %zu) returned %zd: %s", fd, n, r, strerror(errno));
        p += r, n -= r;
    }
}

void read_exact(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) FAIL("read(%d, %zu) returned %zd: %s", fd, n, r, r < 0 ? strerror(errno) : "EOF");
        p += r, n -= r;
    }
}

void write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) FAIL("open %s: %s", path, strerror(errno));
    write_all(fd, s, strlen(s));
    close(fd);
}

size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) FAIL("open %s: %s", path, strerror(errno));
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) FAIL("read %s: %s", path, strerror(errno));
        if (r == 0 || n + r >= cap - 1) { n += r; break; }
        n += r;
    }
    buf[n] = 0;
    close(fd);
    return n;
}

static long slab_kib(void)
{
    static char buf[8192];
    read_file("/proc/meminfo", buf, sizeof buf);
    char *p = strstr(buf, "\nSlab:");
    if (!p) FAIL("no Slab: line in /proc/meminfo");
    return strtol(p + 6, NULL, 10);
}

void expect_no_slab_growth(const char *what, int cycles, long bound_kib, void (*cycle)(int i, void *ctx), void *ctx)
{
    long grown[3];
    for (int round = 0; round <= 3; round++) {
        long before = slab_kib();
        for (int i = 0; i < cycles; i++)
            cycle(i, ctx);
        if (round == 0)
            continue;
        grown[round - 1] = slab_kib() - before;
        if (grown[round - 1] < bound_kib)
            return;
    }
    FAIL("Slab grew by %ld, %ld and %ld KiB in three rounds of %d %s", grown[0], grown[1], grown[2], cycles, what);
}

int64_t mono_ns(void)
{
    struct timespec ts;
    if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0) FAIL("clock_gettime: %s", strerror(errno));
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        if (errno != EINTR) FAIL("nanosleep: %s", strerror(errno));
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) FAIL("clock_gettime cputime: %s", strerror(errno));
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void burn_cpu_ms(long ms)
{
    int64_t end = cpu_ns() + ms * 1000000, deadline = mono_ns() + 20 * ms * 1000000 + 2000000000LL;
    volatile unsigned long x = 1;
    while (cpu_ns() < end) {
        for (int i = 0; i < 10000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
        if (mono_ns() > deadline) FAIL("burning %ld ms of CPU took far too long (CPU clock stuck?)", ms);
    }
}

void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa = {0};
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) FAIL("sigaction(%d): %s", sig, strerror(errno));
}

void set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) FAIL("sigaction(%d): %s", sig, strerror(errno));
}

int in_child(void (*fn)(void))
{
    pid_t pid = xfork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    return xwait(pid);
}

/* --- the runner ------------------------------------------------------------------------------------ */

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { timed_out = 1; }

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_DP) rmdir(path);
    else unlink(path);
    return 0;
}

/* Makes the tree removable (a test may leave a directory without write or search permission). */
static int unlock_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_D || type == FTW_DNR) chmod(path, 0700);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, unlock_entry, 16, FTW_PHYS);
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int default_timeout(void)
{
    const char *t = getenv("CONFORM_TIMEOUT");
    int v = t ? atoi(t) : 0;
    return v > 0 ? v : 10;
}

/* Runs one test; returns 1 passed, 0 failed, -1 skipped. */
static int run_test(const struct conform_test *t)
{
    char tmpl[] = "/tmp/conform.XXXXXX";
    char *dir = mkdtemp(tmpl);
    int res[2];
    if (pipe2(res, O_CLOEXEC) != 0) {
        printf("FAIL %s: runner: pipe: %s\n", t->name, strerror(errno));
        return 0;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: runner: fork: %s\n", t->name, strerror(errno));
        close(res[0]), close(res[1]);
        return 0;
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGALRM, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup3(res[1], CONFORM_RESULT_FD, 0);
        close(res[0]), close(res[1]);
        if (!dir) FAIL("runner: mkdtemp under /tmp: %s", strerror(errno));
        conform_tmp = dir;
        if (chdir(dir) != 0) FAIL("runner: chdir %s: %s", dir, strerror(errno));
        umask(022);
        t->fn();
        _exit(0);
    }
    setpgid(pid, pid);
    close(res[1]);
    timed_out = 0;
    int timeout = t->timeout ? t->timeout : default_timeout();
    alarm(timeout);
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid) break;
        if (r < 0 && errno == EINTR) {
            if (timed_out) kill(-pid, SIGKILL), kill(pid, SIGKILL);
            continue;
        }
        printf("FAIL %s: runner: waitpid: %s\n", t->name, strerror(errno));
        return 0;
    }
    alarm(0);
    /* Whatever the test left running in its process group goes too. */
    kill(-pid, SIGKILL);

    char msg[2048];
    size_t n = 0;
    fcntl(res[0], F_SETFL, O_NONBLOCK);
    for (;;) {
        ssize_t r = read(res[0], msg + n, sizeof msg - 1 - n);
        if (r <= 0 || (n += r) >= sizeof msg - 1) break;
    }
    close(res[0]);
    msg[n] = 0;
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    for (char *p = msg; *p; p++)
        if (*p == '\n') *p = ';';
    if (dir) remove_tree(dir);

    if (timed_out) {
        printf("FAIL %s: timed out after %d s%s%s\n", t->name, timeout, n ? ": " : "", msg);
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (msg[0] == '\001') {
            printf("skip %s: %s\n", t->name, msg + 1);
            return -1;
        }
        if (n) {    /* a grandchild failed a check but the test still passed: count it as a failure */
            printf("FAIL %s: %s\n", t->name, msg);
            return 0;
        }
        printf("ok %s\n", t->name);
        return 1;
    }
    if (n) printf("FAIL %s: %s\n", t->name, msg);
    else printf("FAIL %s: %s\n", t->name, status_str(status));
    return 0;
}

static int selected(const struct conform_test *t, int nfilters, char **filters)
{
    if (t->flags & CONFORM_MANUAL) {
        for (int i = 0; i < nfilters; i++)
            if (strcmp(filters[i], t->name) == 0) return 1;
        return 0;
    }
    /* "-WORD" excludes tests whose name contains WORD; other filters select by substring. */
    int includes = 0;
    for (int i = 0; i < nfilters; i++) {
        if (filters[i][0] == '-' && filters[i][1]) {
            if (strstr(t->name, filters[i] + 1)) return 0;
        } else {
            includes++;
        }
    }
    if (includes == 0) return 1;
    for (int i = 0; i < nfilters; i++)
        if (filters[i][0] != '-' && strstr(t->name, filters[i])) return 1;
    return 0;
}

/* The path of this executable as an absolute path (tests chdir before they execve it). */
static const char *find_self(const char *argv0)
{
    static char path[4096];
    const char *p = (const char *)getauxval(AT_EXECFN);
    if (!p || !*p) p = argv0;
    if (p[0] == '/') return p;
    if (strchr(p, '/') && getcwd(path, sizeof path - strlen(p) - 2)) {
        strcat(path, "/");
        strcat(path, p);
        return path;
    }
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
        path[n] = 0;
        return path;
    }
    return p;
}

int main(int argc, char **argv)
{
    conform_argc = argc;
    conform_argv = argv;
    conform_self = find_self(argv[0]);

    if (argc >= 3 && strcmp(argv[1], "--helper") == 0) {
        for (const struct conform_helper *h = __start_conform_helpers; h < __stop_conform_helpers; h++)
            if (strcmp(h->name, argv[2]) == 0) return h->fn(argc - 2, argv + 2);
        fprintf(stderr, "conform: no helper %s\n", argv[2]);
        return 127;
    }

    int list = argc >= 2 && strcmp(argv[1], "-l") == 0;
    char **filters = argv + 1 + list;
    int nfilters = argc - 1 - list;
    if (list) {
        for (const struct conform_test *t = __start_conform_tests; t < __stop_conform_tests; t++)
            if (selected(t, nfilters, filters)) printf("%s\n", t->name);
        return 0;
    }

    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;    /* no SA_RESTART: the alarm interrupts waitpid */
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    int passed = 0, failed = 0, skipped = 0;
    for (const struct conform_test *t = __start_conform_tests; t < __stop_conform_tests; t++) {
        if (!selected(t, nfilters, filters)) continue;
        int r = run_test(t);
        if (r > 0) passed++;
        else if (r == 0) failed++;
        else skipped++;
    }
    if (skipped) printf("(%d skipped)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
