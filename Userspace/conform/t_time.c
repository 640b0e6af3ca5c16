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
