/* Time: clocks (raw syscalls and libc, which may use the vDSO), sleeping, resolution, CPU-time
 * accounting (times, getrusage, CPU clocks). */
#include "conform.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static int64_t ts_ns(struct timespec ts) { return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec; }

static int64_t raw_clock(clockid_t id)
{
    struct timespec ts;
    if (syscall(SYS_clock_gettime, id, &ts) != 0) FAIL("clock_gettime(%d): %s", (int)id, strerror(errno));
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "clock %d tv_nsec %ld out of range", (int)id, (long)ts.tv_nsec);
    return ts_ns(ts);
}

TEST(clock_monotonic_increases)
{
    int64_t prev = raw_clock(CLOCK_MONOTONIC);
    for (int i = 0; i < 1000; i++) {
        int64_t now = raw_clock(CLOCK_MONOTONIC);
        CHECK(now >= prev, "CLOCK_MONOTONIC went back from %lld to %lld", (long long)prev, (long long)now);
        prev = now;
    }
    sleep_ms(20);
    int64_t after = raw_clock(CLOCK_MONOTONIC);
    CHECK(after - prev >= 20 * 1000000, "CLOCK_MONOTONIC advanced %lld ns over a 20 ms sleep", (long long)(after - prev));
    /* libc's clock_gettime (the vDSO when there is one) agrees with the syscall. */
    struct timespec ts;
    EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    int64_t libc = ts_ns(ts), raw = raw_clock(CLOCK_MONOTONIC);
    CHECK(libc >= after && raw >= libc && raw - libc < 1000000000, "libc %lld vs raw %lld", (long long)libc, (long long)raw);
}

TEST(clock_ids)
{
    int64_t mono = raw_clock(CLOCK_MONOTONIC);
    int64_t boot = raw_clock(CLOCK_BOOTTIME);
    CHECK(boot >= mono, "CLOCK_BOOTTIME %lld below CLOCK_MONOTONIC %lld", (long long)boot, (long long)mono);
    raw_clock(CLOCK_MONOTONIC_RAW);
    raw_clock(CLOCK_REALTIME_COARSE);
    raw_clock(CLOCK_MONOTONIC_COARSE);
    raw_clock(CLOCK_PROCESS_CPUTIME_ID);
    raw_clock(CLOCK_THREAD_CPUTIME_ID);
    struct timespec ts;
    ERR(syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
    ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);
}

TEST(clock_getres_resolution)
{
    clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID};
    for (int i = 0; i < 4; i++) {
        struct timespec res = {-1, -1};
        EQ(syscall(SYS_clock_getres, ids[i], &res), 0);
        CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000,
              "clock %d resolution %ld.%09ld", (int)ids[i], (long)res.tv_sec, (long)res.tv_nsec);
    }
    EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);    /* NULL is allowed */
    struct timespec res;
    ERR(syscall(SYS_clock_getres, 12345, &res), EINVAL);
}

TEST(realtime_and_gettimeofday)
{
    struct timespec rt;
    EQ(syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt), 0);
    struct timeval tv;
    EQ(syscall(SYS_gettimeofday, &tv, NULL), 0);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec %ld", (long)tv.tv_usec);
    int64_t a = ts_ns(rt), b = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
    CHECK(b - a > -1000000 && b - a < 1000000000, "gettimeofday %lld vs CLOCK_REALTIME %lld", (long long)b, (long long)a);
    /* The machine's real-time clock set the time: not 1970. */
    CHECK(rt.tv_sec > 1577836800, "CLOCK_REALTIME %lld is before 2020", (long long)rt.tv_sec);
    time_t t = time(NULL);
    CHECK(t >= rt.tv_sec && t - rt.tv_sec < 5, "time() %lld vs %lld", (long long)t, (long long)rt.tv_sec);
    EQ(syscall(SYS_gettimeofday, NULL, NULL), 0);
}

TEST(nanosleep_sleeps_at_least)
{
    struct timespec req = {0, 100 * 1000000};
    int64_t t0 = raw_clock(CLOCK_MONOTONIC);
    EQ(syscall(SYS_nanosleep, &req, NULL), 0);
    int64_t dt = raw_clock(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 100 * 1000000, "nanosleep(100 ms) slept %lld ns", (long long)dt);
    CHECK(dt < 5000000000LL, "nanosleep(100 ms) slept %lld ns", (long long)dt);
    struct timespec zero = {0, 0};
    EQ(syscall(SYS_nanosleep, &zero, NULL), 0);
    struct timespec bad = {0, 1000000000};
    ERR(syscall(SYS_nanosleep, &bad, NULL), EINVAL);
    struct timespec neg = {-1, 0};
    ERR(syscall(SYS_nanosleep, &neg, NULL), EINVAL);
    if (!qemu_user()) ERR(syscall(SYS_nanosleep, (void *)1, NULL), EFAULT);    /* qemu-user says EINVAL */
}

static volatile int alarms;
static void on_alarm(int sig) { alarms++; }

TEST(nanosleep_interrupted_remaining)
{
    set_handler(SIGALRM, on_alarm, 0);
    struct itimerval it = {{0, 0}, {0, 100000}};
    SYS(setitimer(ITIMER_REAL, &it, NULL));
    struct timespec req = {2, 0}, rem = {0, 0};
    ERR(syscall(SYS_nanosleep, &req, &rem), EINTR);
    EQ(alarms, 1);
    int64_t left = ts_ns(rem);
    CHECK(left > 1000000000LL && left < 2000000000LL, "remaining %lld ns after ~100 ms of a 2 s sleep", (long long)left);
}

TEST(clock_nanosleep_absolute)
{
    struct timespec now;
    EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
    int64_t target = ts_ns(now) + 80 * 1000000;
    struct timespec until = {target / 1000000000, target % 1000000000};
    EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL), 0);
    CHECK(raw_clock(CLOCK_MONOTONIC) >= target, "woke before the absolute deadline");
    /* A deadline in the past returns at once. */
    int64_t t0 = raw_clock(CLOCK_MONOTONIC);
    EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL), 0);
    CHECK(raw_clock(CLOCK_MONOTONIC) - t0 < 50 * 1000000, "past deadline still slept");
    struct timespec rel = {0, 30 * 1000000};
    t0 = raw_clock(CLOCK_MONOTONIC);
    EQ(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &rel, NULL), 0);
    CHECK(raw_clock(CLOCK_MONOTONIC) - t0 >= 30 * 1000000, "relative CLOCK_REALTIME sleep too short");
    ERR(syscall(SYS_clock_nanosleep, 12345, 0, &rel, NULL), EINVAL);
}

TEST(cpu_time_clocks)
{
    int64_t p0 = raw_clock(CLOCK_PROCESS_CPUTIME_ID), t0 = raw_clock(CLOCK_THREAD_CPUTIME_ID);
    sleep_ms(100);    /* sleeping costs (almost) no CPU */
    int64_t p1 = raw_clock(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(p1 - p0 < 50 * 1000000, "100 ms of sleep cost %lld ns of CPU", (long long)(p1 - p0));
    burn_cpu_ms(100);
    int64_t p2 = raw_clock(CLOCK_PROCESS_CPUTIME_ID), t2 = raw_clock(CLOCK_THREAD_CPUTIME_ID);
    CHECK(p2 - p1 >= 100 * 1000000, "process CPU clock advanced %lld ns", (long long)(p2 - p1));
    CHECK(t2 - t0 >= 100 * 1000000, "thread CPU clock advanced %lld ns", (long long)(t2 - t0));
}

TEST(times_and_clock_ticks)
{
    EQ(sysconf(_SC_CLK_TCK), 100);
    struct tms a, b;
    long r0 = syscall(SYS_times, &a);
    burn_cpu_ms(200);
    sleep_ms(50);
    long r1 = syscall(SYS_times, &b);
    CHECK(r1 - r0 >= 20, "times() elapsed %ld ticks over 250 ms", r1 - r0);
    clock_t used = (b.tms_utime + b.tms_stime) - (a.tms_utime + a.tms_stime);
    CHECK(used >= 10 && used <= r1 - r0 + 5, "%ld ticks of CPU for a 200 ms burn", (long)used);
    EQ(syscall(SYS_times, NULL) >= 0, 1);
}

TEST(getrusage_self_and_children)
{
    struct rusage ru0, ru1;
    EQ(getrusage(RUSAGE_SELF, &ru0), 0);
    burn_cpu_ms(100);
    EQ(getrusage(RUSAGE_SELF, &ru1), 0);
    long us = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000000 + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
              (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000000 + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
    CHECK(us >= 80000, "100 ms of CPU showed as %ld us in getrusage", us);
    CHECK(ru1.ru_maxrss > 0, "ru_maxrss %ld", ru1.ru_maxrss);
    struct rusage ch;
    EQ(getrusage(RUSAGE_CHILDREN, &ch), 0);
    EQ(ch.ru_utime.tv_sec * 1000000 + ch.ru_utime.tv_usec, 0);    /* no child waited for yet */
    pid_t pid = xfork();
    if (pid == 0) {
        burn_cpu_ms(200);
        _exit(0);
    }
    struct rusage wr;
    int status;
    EQ(wait4(pid, &status, 0, &wr), pid);
    long wus = wr.ru_utime.tv_sec * 1000000 + wr.ru_utime.tv_usec + wr.ru_stime.tv_sec * 1000000 + wr.ru_stime.tv_usec;
    CHECK(wus >= 150000, "wait4's rusage shows %ld us for a 200 ms child", wus);
    EQ(getrusage(RUSAGE_CHILDREN, &ch), 0);
    long cus = ch.ru_utime.tv_sec * 1000000 + ch.ru_utime.tv_usec + ch.ru_stime.tv_sec * 1000000 + ch.ru_stime.tv_usec;
    CHECK(cus >= 150000, "RUSAGE_CHILDREN shows %ld us after a 200 ms child", cus);
    ERR(getrusage(99, &ch), EINVAL);
}

/* --- POSIX timers ------------------------------------------------------------------------------ */

#include <pthread.h>
#include <stdatomic.h>

/* The kernel's struct sigevent (musl's names its thread-id field differently across versions). */
struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

#define K_SIGEV_THREAD_ID 4

static long ktimer_create(clockid_t clock, struct ksigevent *sev, int *id)
{
    return syscall(SYS_timer_create, clock, sev, id);
}

static void block(int sig)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    SYS(sigprocmask(SIG_BLOCK, &set, NULL));
}

static int wait_signal(int sig, siginfo_t *si, long ms)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
    return sigtimedwait(&set, si, &ts);
}

static void set_timer(timer_t t, int flags, long value_ms, long interval_ms)
{
    struct itimerspec its = {{interval_ms / 1000, interval_ms % 1000 * 1000000}, {value_ms / 1000, value_ms % 1000 * 1000000}};
    SYS(timer_settime(t, flags, &its, NULL));
}

TEST(posix_timer_one_shot_signal)
{
    block(SIGUSR1);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_ptr = (void *)0x1234;
    timer_t t;
    SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
    int64_t start = mono_ns();
    set_timer(t, 0, 30, 0);
    struct itimerspec its;
    SYS(timer_gettime(t, &its));
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec > 0 && its.it_value.tv_nsec <= 30000000, "armed: %ld ns left", (long)its.it_value.tv_nsec);
    siginfo_t si;
    EQ(wait_signal(SIGUSR1, &si, 2000), SIGUSR1);
    int64_t waited = mono_ns() - start;
    CHECK(waited >= 30000000, "the signal came after %lld ns", (long long)waited);
    EQ(si.si_code, SI_TIMER);
    if (!qemu_user())    /* qemu-user hands out ids of its own and passes the host's on in siginfo */
        EQ(si.si_timerid, (int)(intptr_t)t);
    EQ(si.si_overrun, 0);
    EQ((long)si.si_value.sival_ptr, 0x1234);
    SYS(timer_gettime(t, &its));    /* a one-shot timer that expired is disarmed */
    EQ(its.it_value.tv_sec, 0);
    EQ(its.it_value.tv_nsec, 0);
    EQ(timer_getoverrun(t), 0);
    SYS(timer_delete(t));
    ERR(timer_gettime(t, &its), EINVAL);
    ERR(syscall(SYS_timer_delete, (int)(intptr_t)t), EINVAL);    /* musl's timer_delete returns the raw -errno */
}

TEST(posix_timer_periodic_counts_overruns)
{
    int sig = SIGRTMIN + 2;
    block(sig);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = sig;
    timer_t t;
    SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
    int64_t start = mono_ns();
    set_timer(t, 0, 10, 10);
    sleep_ms(100);    /* the signal stays pending: later expiries are overruns */
    siginfo_t si;
    EQ(wait_signal(sig, &si, 2000), sig);
    int64_t elapsed_ms = (mono_ns() - start) / 1000000;
    EQ(si.si_code, SI_TIMER);
    CHECK(si.si_overrun >= 5 && si.si_overrun <= elapsed_ms / 10, "si_overrun %d after %lld ms of a 10 ms timer", si.si_overrun, (long long)elapsed_ms);
    EQ(timer_getoverrun(t), si.si_overrun);
    /* Still running: the next expiry is within a period, and only one signal is queued at a time. */
    struct itimerspec its;
    SYS(timer_gettime(t, &its));
    EQ(its.it_interval.tv_nsec, 10000000);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec > 0 && its.it_value.tv_nsec <= 10000000, "next in %ld ns", (long)its.it_value.tv_nsec);
    EQ(wait_signal(sig, &si, 2000), sig);
    EQ(si.si_code, SI_TIMER);
    /* Disarming returns what was left. */
    struct itimerspec off = {{0, 0}, {0, 0}}, old;
    SYS(timer_settime(t, 0, &off, &old));
    EQ(old.it_interval.tv_nsec, 10000000);
    SYS(timer_gettime(t, &its));
    EQ(its.it_value.tv_sec + its.it_value.tv_nsec, 0);
    EQ(its.it_interval.tv_sec + its.it_interval.tv_nsec, 0);
    SYS(timer_delete(t));
}

TEST(posix_timer_sigev_none_and_absolute_times)
{
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_NONE;
    clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
    for (int i = 0; i < 3; i++) {
        timer_t t;
        SYS(timer_create(clocks[i], &sev, &t));
        struct timespec now;
        SYS(clock_gettime(clocks[i], &now));
        struct itimerspec its = {{0, 0}, {now.tv_sec + 1, now.tv_nsec}};
        SYS(timer_settime(t, TIMER_ABSTIME, &its, NULL));
        SYS(timer_gettime(t, &its));
        int64_t left = ts_ns(its.it_value);
        CHECK(left > 800000000 && left <= 1000000000, "clock %d: %lld ns left of an absolute second", (int)clocks[i], (long long)left);
        /* An absolute time already past expires at once. */
        its.it_value.tv_sec = 0;
        its.it_value.tv_nsec = 1;
        SYS(timer_settime(t, TIMER_ABSTIME, &its, NULL));
        SYS(timer_gettime(t, &its));
        EQ(ts_ns(its.it_value), 0);
        /* Periodic without a signal: the next expiry keeps moving. */
        set_timer(t, 0, 20, 20);
        sleep_ms(50);
        SYS(timer_gettime(t, &its));
        left = ts_ns(its.it_value);
        CHECK(left > 0 && left <= 20000000, "clock %d: periodic SIGEV_NONE timer: %lld ns left", (int)clocks[i], (long long)left);
        SYS(timer_delete(t));
    }
}

TEST(posix_timer_on_process_cpu_time)
{
    block(SIGUSR1);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    timer_t t;
    SYS(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
    set_timer(t, 0, 50, 0);
    sleep_ms(100);    /* sleeping uses no CPU time */
    sigset_t pending;
    SYS(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1), "expired while the process slept");
    burn_cpu_ms(150);
    siginfo_t si;
    EQ(wait_signal(SIGUSR1, &si, 2000), SIGUSR1);
    EQ(si.si_code, SI_TIMER);
    SYS(timer_delete(t));
}

TEST(posix_timer_default_event_is_sigalrm_with_the_id)
{
    block(SIGALRM);
    timer_t first, t;
    SYS(timer_create(CLOCK_MONOTONIC, NULL, &first));
    SYS(timer_create(CLOCK_MONOTONIC, NULL, &t));
    CHECK(t != first, "two timers with one id");
    set_timer(t, 0, 10, 0);
    siginfo_t si;
    EQ(wait_signal(SIGALRM, &si, 2000), SIGALRM);
    EQ(si.si_code, SI_TIMER);
    if (!qemu_user()) {    /* qemu-user's own ids */
        EQ(si.si_timerid, (int)(intptr_t)t);
        EQ(si.si_value.sival_int, (int)(intptr_t)t);
    }
    SYS(timer_delete(t));
    SYS(timer_delete(first));
}

TEST(posix_timer_errors)
{
    int id;
    struct ksigevent sev = {0};
    sev.notify = SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    ERR(ktimer_create(99, &sev, &id), EINVAL);
    sev.signo = 0;
    ERR(ktimer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.signo = 65;
    ERR(ktimer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.signo = SIGUSR1;
    sev.notify = 99;
    ERR(ktimer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.notify = K_SIGEV_THREAD_ID;
    sev.tid = 999999;
    ERR(ktimer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.notify = SIGEV_SIGNAL;
    ERR(ktimer_create(CLOCK_MONOTONIC, (void *)1, &id), EFAULT);
    SYS(ktimer_create(CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    ERR(syscall(SYS_timer_settime, id, 0, &bad, NULL), EINVAL);
    bad.it_value.tv_nsec = -1;
    ERR(syscall(SYS_timer_settime, id, 0, &bad, NULL), EINVAL);
    ERR(syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL);
    ERR(syscall(SYS_timer_settime, id + 1000, 0, &bad, NULL), EINVAL);
    ERR(syscall(SYS_timer_getoverrun, id + 1000), EINVAL);
    ERR(syscall(SYS_timer_gettime, id, (void *)1), EFAULT);
    SYS(syscall(SYS_timer_delete, id));
    ERR(syscall(SYS_timer_delete, id), EINVAL);
}

static atomic_long timer_thread_tid, timer_thread_id;

static void *wait_for_timer_signal(void *arg)
{
    block(SIGUSR2);
    atomic_store(&timer_thread_tid, syscall(SYS_gettid));
    siginfo_t si;
    if (wait_signal(SIGUSR2, &si, 5000) == SIGUSR2 && si.si_code == SI_TIMER)
        atomic_store(&timer_thread_id, si.si_timerid);
    return NULL;
}

TEST(posix_timer_signals_one_thread)
{
    block(SIGUSR2);    /* the main thread blocks it too: only the named thread may take it */
    atomic_store(&timer_thread_tid, 0);
    atomic_store(&timer_thread_id, -1);
    pthread_t th;
    EQ(pthread_create(&th, NULL, wait_for_timer_signal, NULL), 0);
    while (atomic_load(&timer_thread_tid) == 0) sleep_ms(1);
    struct ksigevent sev = {0};
    sev.notify = K_SIGEV_THREAD_ID;
    sev.signo = SIGUSR2;
    sev.tid = atomic_load(&timer_thread_tid);
    int id;
    SYS(ktimer_create(CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec its = {{0, 0}, {0, 20000000}};
    SYS(syscall(SYS_timer_settime, id, 0, &its, NULL));
    EQ(pthread_join(th, NULL), 0);
    if (!qemu_user())    /* qemu-user's own ids */
        EQ(atomic_load(&timer_thread_id), id);
    else
        CHECK(atomic_load(&timer_thread_id) != -1, "the thread got no timer signal");
    sigset_t pending;
    SYS(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR2), "the timer's signal is pending for the process too");
    SYS(syscall(SYS_timer_delete, id));
}

static atomic_int thread_notifications;
static atomic_long notified_tid;

static void on_timer(union sigval v)
{
    if (v.sival_int == 42) {
        atomic_store(&notified_tid, syscall(SYS_gettid));
        atomic_fetch_add(&thread_notifications, 1);
    }
}

/* musl runs SIGEV_THREAD timers with a thread of its own, which a SIGEV_THREAD_ID timer signals. */
TEST(posix_timer_sigev_thread_calls_the_function)
{
    atomic_store(&thread_notifications, 0);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_timer;
    sev.sigev_value.sival_int = 42;
    timer_t t;
    SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
    set_timer(t, 0, 10, 10);
    for (int i = 0; i < 3000 && atomic_load(&thread_notifications) < 3; i++) sleep_ms(1);
    SYS(timer_delete(t));
    CHECK(atomic_load(&thread_notifications) >= 3, "%d notifications", atomic_load(&thread_notifications));
    CHECK(atomic_load(&notified_tid) != getpid(), "the function ran in the main thread");
}

HELPER(timers_gone)
{
    struct itimerspec its;
    for (int id = 0; id < 8; id++)
        if (syscall(SYS_timer_gettime, id, &its) == 0 || errno != EINVAL)
            return 1;
    return 0;
}

TEST(posix_timers_end_at_execve)
{
    pid_t c = SYS(fork());
    if (c == 0) {
        struct sigevent sev = {0};
        sev.sigev_notify = SIGEV_NONE;
        for (int i = 0; i < 3; i++) {
            timer_t t;
            SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
            set_timer(t, 0, 1000, 1000);
        }
        char *args[] = {"timers_gone", NULL};
        exec_helper(args, NULL);
        _exit(99);
    }
    int status;
    SYS(waitpid(c, &status, 0));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the helper saw timers after execve: %#x", status);
}

static void timers_cycle(int i, void *ctx)
{
    pid_t c = fork();
    if (c == 0) {
        int sig = SIGRTMIN + 3;
        block(sig);
        struct sigevent sev = {0};
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = sig;
        timer_t t[16];
        for (int k = 0; k < 16; k++) {
            if (timer_create(CLOCK_MONOTONIC, &sev, &t[k]) != 0) _exit(1);
            struct itimerspec its = {{0, 1000000}, {0, 1000000}};
            timer_settime(t[k], 0, &its, NULL);
        }
        sleep_ms(3);    /* signals queued for every timer */
        for (int k = 0; k < 8; k++) timer_delete(t[k]);    /* the others end with the process */
        _exit(0);
    }
    int status;
    CHECK(c > 0 && waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0, "timer child failed");
}

TEST_TIMEOUT(posix_timers_lose_no_memory, 120)
{
    if (qemu_user())
        conform_skip("/proc/meminfo is the whole host's, shared with everything else it runs");
    expect_no_slab_growth("processes with queued timer signals", 300, 256, timers_cycle, NULL);
}
