/* Signals: sigaction with siginfo, masks and pending sets, sigsuspend, kill/tgkill/sigqueue, SIGCHLD,
 * default actions, alternate stacks, timers (alarm, setitimer), synchronous faults (SIGSEGV, SIGILL,
 * SIGTRAP, SIGBUS), signal frames (FP state, context edits), exec and fork semantics. */
#include "conform.h"

#include <pthread.h>
#include <sys/time.h>
#include <ucontext.h>

static volatile sig_atomic_t handled;
static volatile int last_signo;
static siginfo_t last_info;
static volatile int had_context;

static void count_handler(int sig)
{
    handled++;
    last_signo = sig;
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    handled++;
    last_signo = sig;
    last_info = *si;
    had_context = uc != NULL;
}

static sigset_t current_mask(void)
{
    sigset_t s;
    sigprocmask(SIG_SETMASK, NULL, &s);
    return s;
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    SYS(sigprocmask(SIG_BLOCK, &s, NULL));
}

static void unblock(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    SYS(sigprocmask(SIG_UNBLOCK, &s, NULL));
}

/* Waits, every signal unblocked, until a handler has set *flag. The caller blocks the signal before whatever sends
   it: taken only inside sigsuspend, it cannot land between the flag's test and the wait (with pause(), the wait
   would then never end). */
static void suspend_until(volatile sig_atomic_t *flag)
{
    sigset_t none;
    sigemptyset(&none);
    while (!*flag) sigsuspend(&none);
}

/* --- the fault reporter: a child's synchronous signal described to its parent --------------------- */

static int fault_fd = -1;
uint64_t conform_fault_extra;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
    write(fault_fd, si, sizeof *si);
    write(fault_fd, &conform_fault_extra, sizeof conform_fault_extra);
    _exit(0);
}

/* Installs a handler for the synchronous signals that writes the siginfo_t, then conform_fault_extra,
 * to fd and exits 0. */
void conform_report_fault(int fd)
{
    fault_fd = fd;
    int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE};
    for (int i = 0; i < 5; i++) set_action(sigs[i], fault_handler, 0);
}

/* Runs fn in a child with the fault reporter and returns the siginfo of its fault (and extra). */
static siginfo_t fault_in_child(void (*fn)(void), uint64_t *extra)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        close(p[0]);
        conform_report_fault(p[1]);
        fn();
        _exit(9);
    }
    close(p[1]);
    siginfo_t si;
    uint64_t x;
    int status = xwait(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child did not fault into its handler: %s%s",
          status_str(status), WIFEXITED(status) && WEXITSTATUS(status) == 9 ? " (no fault)" : "");
    read_exact(p[0], &si, sizeof si);
    read_exact(p[0], &x, sizeof x);
    if (extra) *extra = x;
    close(p[0]);
    return si;
}

/* --- handlers and delivery ------------------------------------------------------------------------ */

TEST(sigaction_handler_siginfo)
{
    set_action(SIGUSR1, info_handler, 0);
    EQ(kill(getpid(), SIGUSR1), 0);
    EQ(handled, 1);    /* a signal to oneself arrives before kill returns */
    EQ(last_signo, SIGUSR1);
    EQ(last_info.si_signo, SIGUSR1);
    EQ(last_info.si_code, SI_USER);
    EQ(last_info.si_pid, getpid());
    EQ(last_info.si_uid, getuid());
    CHECK(had_context, "handler got no ucontext");
    struct sigaction old;
    EQ(sigaction(SIGUSR1, NULL, &old), 0);
    CHECK(old.sa_sigaction == info_handler && (old.sa_flags & SA_SIGINFO), "sigaction query lost the handler");
}

TEST(sigaction_errors)
{
    struct sigaction sa = {0};
    sa.sa_handler = count_handler;
    ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    ERR(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4), EINVAL);    /* wrong sigset size */
    struct sigaction old;
    EQ(sigaction(SIGKILL, NULL, &old), 0);    /* querying is fine */
    CHECK(old.sa_handler == SIG_DFL, "SIGKILL's action is not SIG_DFL");
}

TEST(sigqueue_value)
{
    set_action(SIGRTMIN, info_handler, 0);
    union sigval v = {.sival_int = 1234};
    EQ(sigqueue(getpid(), SIGRTMIN, v), 0);
    EQ(handled, 1);
    EQ(last_info.si_code, SI_QUEUE);
    EQ(last_info.si_value.sival_int, 1234);
    EQ(last_info.si_pid, getpid());
}

TEST(tgkill_tkill)
{
    set_action(SIGUSR1, info_handler, 0);
    pid_t tid = syscall(SYS_gettid);
    EQ(syscall(SYS_tgkill, getpid(), tid, SIGUSR1), 0);
    EQ(handled, 1);
    EQ(last_info.si_code, SI_TKILL);
    EQ(syscall(SYS_tkill, tid, SIGUSR1), 0);
    EQ(handled, 2);
    ERR(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1), ESRCH);
    ERR(syscall(SYS_tgkill, getpid(), tid, 999), EINVAL);
    EQ(syscall(SYS_tgkill, getpid(), tid, 0), 0);
}

TEST(kill_errors_and_permission)
{
    EQ(kill(getpid(), 0), 0);
    ERR(kill(999999, 0), ESRCH);
    ERR(kill(getpid(), 1000), EINVAL);
    ERR(kill(getpid(), -1), EINVAL);
    pid_t me = getpid();
    pid_t pid = xfork();
    if (pid == 0) {
        if (getuid() == 0) {
            SYS(setgid(54321));
            SYS(setuid(54321));
        }
        if (getuid() == 0) conform_skip("cannot leave root");
        ERR(kill(me, 0), EPERM);    /* another user's process */
        ERR(kill(me, SIGKILL), EPERM);
        _exit(0);
    }
    expect_exit(pid, 0);
}

static volatile sig_atomic_t usr2_seen;
static void on_usr2(int sig) { usr2_seen = 1; }

TEST(kill_child_with_handler)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        set_handler(SIGUSR2, on_usr2, 0);
        block(SIGUSR2);
        write(p[1], "r", 1);
        suspend_until(&usr2_seen);
        _exit(7);
    }
    char c;
    read_exact(p[0], &c, 1);
    EQ(kill(pid, SIGUSR2), 0);
    expect_exit(pid, 7);
}

TEST(sigprocmask_block_then_deliver)
{
    set_handler(SIGUSR1, count_handler, 0);
    block(SIGUSR1);
    EQ(kill(getpid(), SIGUSR1), 0);
    EQ(kill(getpid(), SIGUSR1), 0);
    EQ(handled, 0);    /* blocked: pending */
    sigset_t pend;
    sigemptyset(&pend);
    EQ(syscall(SYS_rt_sigpending, &pend, 8), 0);
    CHECK(sigismember(&pend, SIGUSR1), "SIGUSR1 not pending");
    CHECK(!sigismember(&pend, SIGUSR2), "SIGUSR2 pending");
    unblock(SIGUSR1);
    EQ(handled, 1);    /* delivered on unblocking, once (standard signals do not queue) */
    EQ(syscall(SYS_rt_sigpending, &pend, 8), 0);
    CHECK(!sigismember(&pend, SIGUSR1), "SIGUSR1 still pending after delivery");
}

TEST(sigprocmask_semantics)
{
    sigset_t all, got, old;
    sigfillset(&all);
    EQ(sigprocmask(SIG_SETMASK, &all, &old), 0);
    got = current_mask();
    CHECK(!sigismember(&got, SIGKILL) && !sigismember(&got, SIGSTOP), "SIGKILL or SIGSTOP was blocked");
    CHECK(sigismember(&got, SIGUSR1) && sigismember(&got, SIGRTMIN + 2), "the mask did not take");
    /* qemu-user keeps the highest real-time signals for itself. */
    if (!qemu_user()) CHECK(sigismember(&got, SIGRTMAX), "SIGRTMAX was not blocked");
    EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    got = current_mask();
    CHECK(!sigismember(&got, SIGUSR1), "SIG_SETMASK did not restore");
    ERR(syscall(SYS_rt_sigprocmask, 99, &all, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 4), EINVAL);
}

TEST(sigsuspend_waits)
{
    set_handler(SIGUSR1, count_handler, 0);
    block(SIGUSR1);
    pid_t parent = getpid();
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(50);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    int64_t t0 = mono_ns();
    ERR(sigsuspend(&none), EINTR);
    CHECK(mono_ns() - t0 >= 30 * 1000000, "sigsuspend returned before the signal was sent");
    EQ(handled, 1);
    sigset_t now = current_mask();
    CHECK(sigismember(&now, SIGUSR1), "sigsuspend did not restore the mask");
    expect_exit(pid, 0);
}

TEST(sigtimedwait_takes_pending)
{
    block(SIGUSR1);
    raise(SIGUSR1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    siginfo_t si;
    struct timespec ts = {1, 0};
    EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
    EQ(si.si_signo, SIGUSR1);
    EQ(si.si_code, SI_TKILL);    /* musl's raise uses tkill */
    ts.tv_sec = 0;
    ts.tv_nsec = 50 * 1000000;
    int64_t t0 = mono_ns();
    ERR(sigtimedwait(&set, &si, &ts), EAGAIN);
    CHECK(mono_ns() - t0 >= 50 * 1000000, "sigtimedwait timed out early");
}

static int rt_values[8];
static volatile int rt_count;
static void rt_handler(int sig, siginfo_t *si, void *uc)
{
    if (rt_count < 8) rt_values[rt_count] = si->si_value.sival_int;
    rt_count++;
}

TEST(rt_signals_queue_standard_merge)
{
    set_action(SIGRTMIN + 1, rt_handler, 0);
    set_handler(SIGUSR1, count_handler, 0);
    block(SIGRTMIN + 1);
    block(SIGUSR1);
    for (int i = 1; i <= 3; i++) {
        union sigval v = {.sival_int = i};
        EQ(sigqueue(getpid(), SIGRTMIN + 1, v), 0);
        EQ(kill(getpid(), SIGUSR1), 0);
    }
    EQ(rt_count, 0);
    unblock(SIGRTMIN + 1);
    EQ(rt_count, 3);    /* real-time signals queue, in order */
    EQ(rt_values[0], 1);
    EQ(rt_values[1], 2);
    EQ(rt_values[2], 3);
    unblock(SIGUSR1);
    EQ(handled, 1);    /* standard ones merge */
}

static volatile int inner_blocked_self, inner_blocked_extra;
static void mask_probe(int sig)
{
    sigset_t m = current_mask();
    inner_blocked_self = sigismember(&m, SIGUSR1);
    inner_blocked_extra = sigismember(&m, SIGUSR2);
    handled++;
}

TEST(handler_mask_and_nodefer)
{
    struct sigaction sa = {0};
    sa.sa_handler = mask_probe;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    SYS(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    EQ(handled, 1);
    EQ(inner_blocked_self, 1);    /* the signal itself is blocked during its handler */
    EQ(inner_blocked_extra, 1);    /* and sa_mask */
    sigset_t m = current_mask();
    CHECK(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGUSR2), "mask not restored after the handler");
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    SYS(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    EQ(handled, 2);
    EQ(inner_blocked_self, 0);
}

TEST(sa_resethand)
{
    set_handler(SIGUSR1, count_handler, SA_RESETHAND);
    raise(SIGUSR1);
    EQ(handled, 1);
    struct sigaction old;
    EQ(sigaction(SIGUSR1, NULL, &old), 0);
    CHECK(old.sa_handler == SIG_DFL, "SA_RESETHAND left the handler installed");
    pid_t pid = xfork();
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(0);
    }
    expect_signal(pid, SIGUSR1);
}

TEST(sa_restart_and_eintr)
{
    int p[2];
    SYS(pipe(p));
    /* Without SA_RESTART a blocking read is interrupted. */
    set_handler(SIGALRM, count_handler, 0);
    struct itimerval it = {{0, 0}, {0, 100000}};
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    char c;
    int64_t t0 = mono_ns();
    ERR(read(p[0], &c, 1), EINTR);
    EQ(handled, 1);
    CHECK(mono_ns() - t0 >= 90 * 1000000, "read interrupted before the timer fired");

    /* With SA_RESTART it goes on and returns the data that comes later. */
    set_handler(SIGALRM, count_handler, SA_RESTART);
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(300);
        write(p[1], "d", 1);
        _exit(0);
    }
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    EQ(read(p[0], &c, 1), 1);
    EQ(c, 'd');
    EQ(handled, 2);
    expect_exit(pid, 0);
}

static volatile sig_atomic_t chld_count;
static siginfo_t chld_info;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
    chld_info = *si;
    chld_count++;
}

TEST(sigchld_on_child_exit)
{
    set_action(SIGCHLD, on_chld, 0);
    block(SIGCHLD);
    pid_t pid = xfork();
    if (pid == 0) _exit(3);
    suspend_until(&chld_count);
    EQ(chld_info.si_signo, SIGCHLD);
    EQ(chld_info.si_pid, pid);
    EQ(chld_info.si_code, CLD_EXITED);
    EQ(chld_info.si_status, 3);
    expect_exit(pid, 3);    /* the child is still there to wait for */

    chld_count = 0;
    pid = xfork();
    if (pid == 0) {
        for (;;) pause();
    }
    kill(pid, SIGTERM);
    suspend_until(&chld_count);
    EQ(chld_info.si_pid, pid);
    EQ(chld_info.si_code, CLD_KILLED);
    EQ(chld_info.si_status, SIGTERM);
    expect_signal(pid, SIGTERM);
}

TEST(sigchld_ignored_autoreaps)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(30);
        _exit(0);
    }
    int status;
    int64_t t0 = mono_ns();
    ERR(waitpid(-1, &status, 0), ECHILD);    /* blocks until the child is gone, then no child */
    CHECK(mono_ns() - t0 >= 20 * 1000000, "waitpid did not wait for the child to end");
    /* No zombie stays (the exiting task may linger a moment after waitpid returned). */
    for (int i = 0; i < 200 && kill(pid, 0) == 0; i++) sleep_ms(5);
    ERR(kill(pid, 0), ESRCH);
}

TEST(default_actions)
{
    int term[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGALRM, SIGRTMIN};
    for (int i = 0; i < 6; i++) {
        pid_t pid = xfork();
        if (pid == 0) {
            for (;;) pause();
        }
        EQ(kill(pid, term[i]), 0);
        expect_signal(pid, term[i]);
    }
    /* SIGCHLD, SIGURG and SIGWINCH are ignored by default; SIGCONT just continues. */
    pid_t pid = xfork();
    if (pid == 0) {
        raise(SIGCHLD);
        raise(SIGURG);
        raise(SIGWINCH);
        raise(SIGCONT);
        _exit(0);
    }
    expect_exit(pid, 0);
    pid = xfork();
    if (pid == 0) abort();
    expect_signal(pid, SIGABRT);
}

TEST(sig_ign_survives)
{
    pid_t pid = xfork();
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        raise(SIGTERM);
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    expect_exit(pid, 0);
    /* Setting SIG_IGN discards a pending (blocked) signal. */
    set_handler(SIGUSR2, count_handler, 0);
    block(SIGUSR2);
    raise(SIGUSR2);
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR2), "blocked SIGUSR2 not pending");
    signal(SIGUSR2, SIG_IGN);
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR2), "SIG_IGN did not discard the pending SIGUSR2");
    set_handler(SIGUSR2, count_handler, 0);
    unblock(SIGUSR2);
    EQ(handled, 0);
}

/* --- alternate stacks --------------------------------------------------------------------------------- */

static char altstack[65536] __attribute__((aligned(16)));
static volatile uintptr_t handler_sp;
static volatile int handler_onstack_flag;

static void altstack_handler(int sig)
{
    volatile char local;
    handler_sp = (uintptr_t)&local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    handler_onstack_flag = cur.ss_flags & SS_ONSTACK;
    handled++;
}

TEST(sigaltstack_handler_runs_on_it)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0}, old;
    EQ(sigaltstack(&ss, &old), 0);
    CHECK(old.ss_flags & SS_DISABLE, "an alternate stack was set already");
    set_handler(SIGUSR1, altstack_handler, SA_ONSTACK);
    raise(SIGUSR1);
    EQ(handled, 1);
    CHECK(handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof altstack,
          "handler's stack %#lx is not on the alternate stack", (unsigned long)handler_sp);
    CHECK(handler_onstack_flag, "sigaltstack in the handler does not report SS_ONSTACK");
    stack_t cur;
    EQ(sigaltstack(NULL, &cur), 0);
    EQ(cur.ss_flags & SS_ONSTACK, 0);
    EQ(cur.ss_sp, altstack);
    EQ(cur.ss_size, sizeof altstack);
    /* Without SA_ONSTACK the normal stack is used. */
    set_handler(SIGUSR2, altstack_handler, 0);
    raise(SIGUSR2);
    CHECK(handler_sp < (uintptr_t)altstack || handler_sp >= (uintptr_t)altstack + sizeof altstack,
          "handler without SA_ONSTACK ran on the alternate stack");
    stack_t small = {.ss_sp = altstack, .ss_size = 1024, .ss_flags = 0};
    ERR(sigaltstack(&small, NULL), ENOMEM);
    stack_t off = {.ss_flags = SS_DISABLE};
    EQ(sigaltstack(&off, NULL), 0);
    EQ(sigaltstack(NULL, &cur), 0);
    CHECK(cur.ss_flags & SS_DISABLE, "SS_DISABLE did not take");
}

static void overflow_handler(int sig) { _exit(0); }

static volatile int recursion_limit = 1 << 30;

__attribute__((noinline)) static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > recursion_limit) return 0;
    return recurse(depth + 1) + pad[0];
}

static void overflow_stack(void)
{
    static char stack[65536];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
    SYS(sigaltstack(&ss, NULL));
    set_handler(SIGSEGV, overflow_handler, SA_ONSTACK);
    recurse(0);
    _exit(9);
}

TEST(stack_overflow_on_altstack)
{
    int status = in_child(overflow_stack);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stack overflow with a SIGSEGV handler on the alternate stack: %s",
          status_str(status));
    /* Without the alternate stack the overflow kills with SIGSEGV. */
    pid_t pid = xfork();
    if (pid == 0) {
        recurse(0);
        _exit(9);
    }
    expect_signal(pid, SIGSEGV);
}

/* --- timers ------------------------------------------------------------------------------------------- */

TEST_TIMEOUT(alarm_delivers_sigalrm, 15)
{
    set_handler(SIGALRM, count_handler, 0);
    EQ(alarm(5), 0);
    unsigned left = alarm(3);
    CHECK(left >= 4 && left <= 5, "alarm returned %u, expected about 5", left);
    left = alarm(0);
    CHECK(left >= 2 && left <= 3, "alarm(0) returned %u, expected about 3", left);
    block(SIGALRM);
    int64_t t0 = mono_ns();
    EQ(alarm(1), 0);
    suspend_until(&handled);
    int64_t dt = mono_ns() - t0;
    unblock(SIGALRM);
    CHECK(dt >= 900 * 1000000LL && dt < 5000 * 1000000LL, "alarm(1) fired after %lld ms", (long long)(dt / 1000000));
    EQ(alarm(0), 0);
}

TEST(setitimer_real_interval)
{
    set_handler(SIGALRM, count_handler, 0);
    struct itimerval it = {{0, 30000}, {0, 30000}}, cur;
    int64_t t0 = mono_ns();
    EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000,
          "armed timer shows %ld.%06ld left", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
    EQ(cur.it_interval.tv_usec, 30000);
    while (handled < 3) pause();
    CHECK(mono_ns() - t0 >= 85 * 1000000, "3 ticks of 30 ms in %lld ms", (long long)((mono_ns() - t0) / 1000000));
    struct itimerval off = {{0, 0}, {0, 0}};
    EQ(setitimer(ITIMER_REAL, &off, &cur), 0);
    EQ(cur.it_interval.tv_usec, 30000);
    EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0, "disarmed timer still running");
    struct itimerval bad = {{0, 0}, {0, 2000000}};
    ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
}

TEST(setitimer_virtual_and_prof)
{
    set_handler(SIGVTALRM, count_handler, 0);
    struct itimerval it = {{0, 0}, {0, 50000}};
    EQ(setitimer(ITIMER_VIRTUAL, &it, NULL), 0);
    sleep_ms(100);    /* sleeping uses no CPU time: no signal */
    EQ(handled, 0);
    for (int i = 0; i < 100 && !handled; i++) burn_cpu_ms(10);
    EQ(handled, 1);
    EQ(last_signo, SIGVTALRM);
    set_handler(SIGPROF, count_handler, 0);
    EQ(setitimer(ITIMER_PROF, &it, NULL), 0);
    for (int i = 0; i < 100 && handled < 2; i++) burn_cpu_ms(10);
    EQ(handled, 2);
    EQ(last_signo, SIGPROF);
}

/* --- synchronous faults -------------------------------------------------------------------------------- */

static volatile int *volatile null_ptr = 0, *volatile low_ptr = (volatile int *)16;
static void null_write(void) { *null_ptr = 1; }
static void null_read(void) { (void)*low_ptr; }

TEST(null_dereference_segv)
{
    siginfo_t si = fault_in_child(null_write, NULL);
    EQ(si.si_signo, SIGSEGV);
    EQ(si.si_code, SEGV_MAPERR);
    EQ(si.si_addr, NULL);
    si = fault_in_child(null_read, NULL);
    EQ(si.si_addr, (void *)16);
    pid_t pid = xfork();
    if (pid == 0) null_write();
    expect_signal(pid, SIGSEGV);
}

static void raise_fpe(void) { raise(SIGFPE); }

TEST(raise_sigfpe)
{
    siginfo_t si = fault_in_child(raise_fpe, NULL);
    EQ(si.si_signo, SIGFPE);
    EQ(si.si_code, SI_TKILL);
    pid_t pid = xfork();
    if (pid == 0) {
        raise(SIGFPE);
        _exit(0);
    }
    expect_signal(pid, SIGFPE);
    /* AArch64 integer division by zero does not trap: it gives 0. */
    volatile int zero = 0, ten = 10;
    EQ(ten / zero, 0);
}

extern uint64_t conform_fault_extra;

static void exec_udf(void)
{
    uint64_t pc;
    asm volatile("adr %0, 1f\n\tstr %0, [%1]\n1:\tudf #0" : "=&r"(pc) : "r"(&conform_fault_extra) : "memory");
}

static void exec_brk(void)
{
    uint64_t pc;
    asm volatile("adr %0, 1f\n\tstr %0, [%1]\n1:\tbrk #0" : "=&r"(pc) : "r"(&conform_fault_extra) : "memory");
}

TEST(undefined_instruction_sigill)
{
    uint64_t pc;
    siginfo_t si = fault_in_child(exec_udf, &pc);
    EQ(si.si_signo, SIGILL);
    EQ(si.si_addr, (void *)pc);
    pid_t pid = xfork();
    if (pid == 0) exec_udf();
    expect_signal(pid, SIGILL);
}

TEST(brk_instruction_sigtrap)
{
    uint64_t pc;
    siginfo_t si = fault_in_child(exec_brk, &pc);
    EQ(si.si_signo, SIGTRAP);
    EQ(si.si_addr, (void *)pc);
    pid_t pid = xfork();
    if (pid == 0) exec_brk();
    expect_signal(pid, SIGTRAP);
}

static void skip_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uc->uc_mcontext.pc += 4;    /* past the faulting load */
    uc->uc_mcontext.regs[0] = 77;
    handled++;
}

TEST(handler_edits_context)
{
    set_action(SIGSEGV, skip_fault, 0);
    long r;
    asm volatile("mov x0, #0\n\tldr x1, [x0]\n\tmov %0, x0" : "=r"(r) : : "x0", "x1", "memory");
    EQ(handled, 1);
    EQ(r, 77);    /* sigreturn restored the registers the handler wrote */
}

static volatile int fp_ticks;
static void fp_clobber(int sig)
{
    volatile double z = 3.3;
    for (int i = 0; i < 50; i++) z = z * 1.1 + 0.7;
    static volatile char buf[256];
    memset((char *)buf, (int)z, sizeof buf);
    fp_ticks++;
}

static volatile double fp_result;

/* Stores its result in a volatile (a pure function's calls could move past the fp_ticks reads). */
__attribute__((noinline)) static void fp_work(long blocks, double seed)
{
    double a0 = seed, a1 = seed * 2, a2 = seed * 3, a3 = seed * 4, a4 = seed * 5, a5 = seed * 6, a6 = seed * 7, a7 = seed * 8;
    for (long b = 0; b < blocks; b++)
        for (int i = 0; i < 20000; i++) {
            a0 = a0 * 1.0000001 + a7 * 1e-9;
            a1 = a1 * 0.9999999 + a0 * 1e-9;
            a2 = a2 * 1.0000002 - a1 * 1e-9;
            a3 = a3 * 0.9999998 + a2 * 1e-9;
            a4 = a4 * 1.0000003 - a3 * 1e-9;
            a5 = a5 * 0.9999997 + a4 * 1e-9;
            a6 = a6 * 1.0000004 - a5 * 1e-9;
            a7 = a7 * 0.9999996 + a6 * 1e-9;
        }
    fp_result = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

TEST_TIMEOUT(signals_preserve_fp_registers, 30)
{
    set_handler(SIGALRM, fp_clobber, SA_RESTART);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    long blocks = 0;
    double with = 0;
    /* Grow the work until at least 20 signals interrupted one run. */
    for (blocks = 4; blocks < (1L << 20); blocks *= 2) {
        fp_ticks = 0;
        fp_work(blocks, 1.5);
        with = fp_result;
        if (fp_ticks >= 20) break;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    SYS(setitimer(ITIMER_REAL, &off, NULL));
    CHECK(fp_ticks >= 20, "only %d timer signals arrived", fp_ticks);
    fp_work(blocks, 1.5);
    double without = fp_result;
    CHECK(with == without, "FP result with signals %.17g differs from without %.17g", with, without);
}

/* --- fork and exec ------------------------------------------------------------------------------------ */

TEST(fork_inherits_handlers_not_pending)
{
    set_handler(SIGUSR1, count_handler, 0);
    block(SIGUSR2);
    block(SIGUSR1);
    raise(SIGUSR1);
    pid_t pid = xfork();
    if (pid == 0) {
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        if (sa.sa_handler != count_handler) _exit(2);
        sigset_t m = current_mask();
        if (!sigismember(&m, SIGUSR2)) _exit(3);
        sigset_t pend;
        sigpending(&pend);
        if (sigismember(&pend, SIGUSR1)) _exit(4);    /* pending signals are not inherited */
        unblock(SIGUSR1);
        _exit(handled == 0 ? 0 : 5);
    }
    expect_exit(pid, 0);
    unblock(SIGUSR1);
    EQ(handled, 1);
}

HELPER(sigstate)
{
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    CHECK(sa.sa_handler == SIG_DFL, "a caught signal's handler survived execve");
    sigaction(SIGUSR2, NULL, &sa);
    CHECK(sa.sa_handler == SIG_IGN, "an ignored signal was reset by execve");
    sigset_t m = current_mask();
    CHECK(sigismember(&m, SIGINT), "the blocked mask was not kept across execve");
    stack_t ss;
    sigaltstack(NULL, &ss);
    CHECK(ss.ss_flags & SS_DISABLE, "the alternate stack survived execve");
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGINT), "a pending blocked signal was lost across execve");
    return 0;
}

TEST(exec_resets_handlers)
{
    pid_t pid = xfork();
    if (pid == 0) {
        set_handler(SIGUSR1, count_handler, 0);
        signal(SIGUSR2, SIG_IGN);
        block(SIGINT);
        raise(SIGINT);
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
        sigaltstack(&ss, NULL);
        char *args[] = {"sigstate", NULL};
        exec_helper(args, NULL);
        FAIL("execve: %s", strerror(errno));
    }
    expect_exit(pid, 0);
}

static volatile pid_t handler_tid;
static void record_tid(int sig) { handler_tid = syscall(SYS_gettid); handled++; }
static void *sleeper(void *arg)
{
    *(volatile pid_t *)arg = syscall(SYS_gettid);
    while (!handled) sleep_ms(1);
    return NULL;
}

TEST(pthread_kill_targets_thread)
{
    set_handler(SIGUSR1, record_tid, 0);
    volatile pid_t tid = 0;
    pthread_t t;
    EQ(pthread_create(&t, NULL, sleeper, (void *)&tid), 0);
    while (!tid) sleep_ms(1);
    EQ(pthread_kill(t, SIGUSR1), 0);
    EQ(pthread_join(t, NULL), 0);
    EQ(handler_tid, tid);
}
