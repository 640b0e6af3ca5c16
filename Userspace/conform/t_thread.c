/* Threads: pthreads on clone(CLONE_THREAD), futexes, robust mutexes, cancellation, signals to threads,
 * and threads meeting fork, execve and exit. */
#include "conform.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

/* From Linux's uapi linux/futex.h (musl ships no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long gettid_(void) { return syscall(SYS_gettid); }

static __thread int tls_value = 5;
static volatile int thread_tid;

static void *thread_main(void *arg)
{
    thread_tid = syscall(SYS_gettid);
    tls_value = 9;
    return (char *)arg + 1;
}

TEST(thread_create_join)
{
    pthread_t t;
    EQ(pthread_create(&t, NULL, thread_main, (void *)100), 0);
    void *ret;
    EQ(pthread_join(t, &ret), 0);
    EQ((long)ret, 101);
    CHECK(thread_tid > 0 && thread_tid != getpid(), "thread tid %d (pid %d)", thread_tid, getpid());
    EQ(tls_value, 5);    /* the thread changed its own copy */
    EQ(syscall(SYS_gettid), getpid());
}

static int futex_word;

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void *futex_waker(void *arg)
{
    sleep_ms(50);
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    long woken = futex(&futex_word, FUTEX_WAKE_PRIVATE, 1, NULL);
    return (void *)woken;
}

TEST(futex_wait_wake)
{
    futex_word = 0;
    ERR(futex(&futex_word, FUTEX_WAIT_PRIVATE, 1, NULL), EAGAIN);    /* value differs */
    struct timespec ts = {0, 20 * 1000000};
    int64_t t0 = mono_ns();
    ERR(futex(&futex_word, FUTEX_WAIT_PRIVATE, 0, &ts), ETIMEDOUT);
    CHECK(mono_ns() - t0 >= 20 * 1000000, "futex timeout returned early");
    EQ(futex(&futex_word, FUTEX_WAKE_PRIVATE, 1, NULL), 0);    /* nobody waits */

    pthread_t t;
    EQ(pthread_create(&t, NULL, futex_waker, NULL), 0);
    while (__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST) == 0) {
        long r = futex(&futex_word, FUTEX_WAIT_PRIVATE, 0, NULL);
        CHECK(r == 0 || errno == EAGAIN || errno == EINTR, "futex wait: %s", strerror(errno));
    }
    void *woken;
    EQ(pthread_join(t, &woken), 0);
    CHECK((long)woken <= 1, "FUTEX_WAKE woke %ld", (long)woken);
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

TEST(threads_mutex_counter)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++) EQ(pthread_create(&t[i], NULL, count_up, NULL), 0);
    for (int i = 0; i < 4; i++) EQ(pthread_join(t[i], NULL), 0);
    EQ(counter, 80000);
}

static void *thread_exit_group(void *arg)
{
    sleep_ms(20);
    _exit(33);    /* exit_group: ends every thread */
}

TEST(thread_exit_group_ends_process)
{
    pid_t pid = xfork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, thread_exit_group, NULL);
        for (;;) pause();
    }
    expect_exit(pid, 33);
}

/* --- many threads -------------------------------------------------------------------------------- */

#define HAMMERS 64
#define HAMMER_ROUNDS 300

static pthread_mutex_t hammer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hammer_cond = PTHREAD_COND_INITIALIZER;
static int hammer_arrived, hammer_released;
static long hammer_total;

static void *hammer(void *arg)
{
    for (int i = 0; i < HAMMER_ROUNDS; i++) {
        pthread_mutex_lock(&hammer_lock);
        hammer_total++;
        pthread_mutex_unlock(&hammer_lock);
        if (i % 64 == 0) sched_yield();
    }
    pthread_mutex_lock(&hammer_lock);
    hammer_arrived++;
    pthread_cond_broadcast(&hammer_cond);
    while (!hammer_released) pthread_cond_wait(&hammer_cond, &hammer_lock);
    pthread_mutex_unlock(&hammer_lock);
    return (char *)arg + 1;
}

TEST_TIMEOUT(threads_64_hammer_a_mutex_and_a_condition_variable, 60)
{
    pthread_t t[HAMMERS];
    for (long i = 0; i < HAMMERS; i++) EQ(pthread_create(&t[i], NULL, hammer, (void *)(i * 2)), 0);
    pthread_mutex_lock(&hammer_lock);
    while (hammer_arrived < HAMMERS) pthread_cond_wait(&hammer_cond, &hammer_lock);
    EQ(hammer_total, (long)HAMMERS * HAMMER_ROUNDS);
    hammer_released = 1;
    pthread_cond_broadcast(&hammer_cond);
    pthread_mutex_unlock(&hammer_lock);
    for (long i = 0; i < HAMMERS; i++) {
        void *r;
        EQ(pthread_join(t[i], &r), 0);
        EQ((long)r, i * 2 + 1);
    }
}

static void *nothing(void *arg) { return arg; }

static void thread_cycle(int i, void *ctx)
{
    pthread_t t;
    EQ(pthread_create(&t, NULL, nothing, (void *)(long)i), 0);
    void *r;
    EQ(pthread_join(t, &r), 0);
    EQ((long)r, i);
}

TEST_TIMEOUT(thread_create_join_loses_no_memory, 60)
{
    if (qemu_user())
        conform_skip("/proc/meminfo is the whole host's, shared with everything else it runs");
    expect_no_slab_growth("thread create/join cycles", 2000, 256, thread_cycle, NULL);
}

/* --- exit -------------------------------------------------------------------------------------- */

static pthread_mutex_t waiters_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t waiters_cond = PTHREAD_COND_INITIALIZER;
static int waiters_go, waiters_waiting;

static void *cond_waiter(void *arg)
{
    pthread_mutex_lock(&waiters_lock);
    waiters_waiting++;
    pthread_cond_broadcast(&waiters_cond);
    while (!waiters_go) pthread_cond_wait(&waiters_cond, &waiters_lock);
    pthread_mutex_unlock(&waiters_lock);
    return arg;
}

static void *exits_early(void *arg)
{
    pthread_exit((void *)1234);
}

TEST(thread_exit_while_others_wait)
{
    pthread_t w[4], e;
    for (long i = 0; i < 4; i++) EQ(pthread_create(&w[i], NULL, cond_waiter, (void *)i), 0);
    pthread_mutex_lock(&waiters_lock);
    while (waiters_waiting < 4) pthread_cond_wait(&waiters_cond, &waiters_lock);
    pthread_mutex_unlock(&waiters_lock);
    /* One thread ends by pthread_exit while the others sleep in pthread_cond_wait: they stay asleep... */
    EQ(pthread_create(&e, NULL, exits_early, NULL), 0);
    void *r;
    EQ(pthread_join(e, &r), 0);
    EQ((long)r, 1234);
    EQ(kill(getpid(), 0), 0);
    /* ...and still wake when told to. */
    pthread_mutex_lock(&waiters_lock);
    waiters_go = 1;
    pthread_cond_broadcast(&waiters_cond);
    pthread_mutex_unlock(&waiters_lock);
    for (long i = 0; i < 4; i++) {
        EQ(pthread_join(w[i], &r), 0);
        EQ((long)r, i);
    }
}

static void *outlives_main(void *arg)
{
    sleep_ms(50);
    write_all(1, "alive", 5);
    return NULL;
}

HELPER(last_thread)
{
    pthread_t t;
    EQ(pthread_create(&t, NULL, outlives_main, NULL), 0);
    pthread_exit(NULL);    /* the main thread ends; the process lives on in the other one */
}

TEST(process_ends_with_its_last_thread)
{
    /* In a freshly executed program: musl 1.2.3's fork does not register the thread-list lock for
     * the kernel to release (set_tid_address), so a forked child whose main thread exits first
     * would hang in its last thread's pthread_exit on Linux too. */
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        char *args[] = {"last_thread", NULL};
        exec_helper(args, NULL);
        FAIL("execve: %s", strerror(errno));
    }
    close(p[1]);
    char buf[8];
    read_exact(p[0], buf, 5);
    CHECK(memcmp(buf, "alive", 5) == 0, "the thread wrote %.5s", buf);
    expect_exit(pid, 0);    /* the last thread returned: exit(0) */
    close(p[0]);
}

/* --- robust mutexes ------------------------------------------------------------------------------ */

static pthread_mutex_t robust_lock;

static void *die_holding(void *arg)
{
    EQ(pthread_mutex_lock(&robust_lock), 0);
    return NULL;    /* ends holding it */
}

TEST(robust_mutex_owner_thread_dies)
{
    if (qemu_user())
        conform_skip("qemu-user does not support set_robust_list (musl then refuses robust mutexes)");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    EQ(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
    EQ(pthread_mutex_init(&robust_lock, &a), 0);
    pthread_t t;
    EQ(pthread_create(&t, NULL, die_holding, NULL), 0);
    EQ(pthread_join(t, NULL), 0);
    EQ(pthread_mutex_lock(&robust_lock), EOWNERDEAD);
    EQ(pthread_mutex_consistent(&robust_lock), 0);
    EQ(pthread_mutex_unlock(&robust_lock), 0);
    EQ(pthread_mutex_lock(&robust_lock), 0);
    EQ(pthread_mutex_unlock(&robust_lock), 0);
}

TEST(robust_shared_mutex_owner_process_dies)
{
    /* The kernel's own walk of the robust list: a process holding a process-shared robust mutex
     * dies (no library code runs), and a waiter in another process gets EOWNERDEAD. */
    if (qemu_user())
        conform_skip("qemu-user does not support set_robust_list");
    pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    EQ(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
    EQ(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0);
    EQ(pthread_mutex_init(m, &a), 0);
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        EQ(pthread_mutex_lock(m), 0);
        write_all(p[1], "x", 1);
        sleep_ms(100);
        _exit(3);    /* exit_group with the lock held */
    }
    char c;
    read_exact(p[0], &c, 1);
    /* Blocks in the kernel (the lock word gets FUTEX_WAITERS) until the holder's death wakes it. */
    EQ(pthread_mutex_lock(m), EOWNERDEAD);
    EQ(pthread_mutex_consistent(m), 0);
    EQ(pthread_mutex_unlock(m), 0);
    expect_exit(pid, 3);
    close(p[0]);
    close(p[1]);
    munmap(m, 4096);
}

/* --- cancellation -------------------------------------------------------------------------------- */

static volatile int cleanup_ran;

static void cleanup(void *arg) { cleanup_ran = (int)(long)arg; }

static void *pauses_forever(void *arg)
{
    pthread_cleanup_push(cleanup, (void *)7);
    for (;;) pause();
    pthread_cleanup_pop(0);
    return NULL;
}

static pthread_mutex_t cancel_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cancel_cond = PTHREAD_COND_INITIALIZER;

static void unlock_cancel_lock(void *arg) { pthread_mutex_unlock(&cancel_lock); }

static void *waits_on_condition(void *arg)
{
    pthread_mutex_lock(&cancel_lock);
    pthread_cleanup_push(unlock_cancel_lock, NULL);
    for (;;) pthread_cond_wait(&cancel_cond, &cancel_lock);
    pthread_cleanup_pop(1);
    return NULL;
}

TEST(pthread_cancel_ends_a_blocked_thread)
{
    pthread_t t;
    EQ(pthread_create(&t, NULL, pauses_forever, NULL), 0);
    sleep_ms(20);
    EQ(pthread_cancel(t), 0);
    void *r;
    EQ(pthread_join(t, &r), 0);
    CHECK(r == PTHREAD_CANCELED, "join gave %p", r);
    EQ(cleanup_ran, 7);

    /* Cancelled inside pthread_cond_wait: the mutex is held again when the cleanup handler runs. */
    EQ(pthread_create(&t, NULL, waits_on_condition, NULL), 0);
    sleep_ms(20);
    EQ(pthread_cancel(t), 0);
    EQ(pthread_join(t, &r), 0);
    CHECK(r == PTHREAD_CANCELED, "join gave %p", r);
    EQ(pthread_mutex_trylock(&cancel_lock), 0);
    EQ(pthread_mutex_unlock(&cancel_lock), 0);
}

/* --- signals and threads ------------------------------------------------------------------------- */

static volatile long handled_by;
static atomic_int target_ready, target_done;
static volatile long target_tid;

static void record_tid(int s) { handled_by = gettid_(); }

static void *signal_target(void *arg)
{
    target_tid = gettid_();
    atomic_store(&target_ready, 1);
    while (!atomic_load(&target_done)) sleep_ms(1);
    return NULL;
}

static void wait_handled(void)
{
    for (int i = 0; i < 5000 && handled_by == 0; i++) sleep_ms(1);
}

TEST(signals_reach_the_thread_they_are_sent_to)
{
    struct sigaction sa = {.sa_handler = record_tid};
    SYS(sigaction(SIGUSR1, &sa, NULL));
    pthread_t t;
    EQ(pthread_create(&t, NULL, signal_target, NULL), 0);
    while (!atomic_load(&target_ready)) sleep_ms(1);

    /* pthread_kill (tgkill): that thread runs the handler. */
    handled_by = 0;
    EQ(pthread_kill(t, SIGUSR1), 0);
    wait_handled();
    EQ(handled_by, target_tid);

    /* A process-directed signal goes to a thread that does not block it. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    EQ(pthread_sigmask(SIG_BLOCK, &s, NULL), 0);
    handled_by = 0;
    SYS(kill(getpid(), SIGUSR1));
    wait_handled();
    EQ(handled_by, target_tid);

    /* A signal for a thread that blocks it stays pending for that thread alone. */
    handled_by = 0;
    SYS(syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1));
    sleep_ms(20);
    EQ(handled_by, 0);
    sigset_t pending;
    SYS(sigpending(&pending));
    CHECK(sigismember(&pending, SIGUSR1), "SIGUSR1 not pending for the thread that blocks it");
    EQ(pthread_sigmask(SIG_UNBLOCK, &s, NULL), 0);
    EQ(handled_by, gettid_());

    /* tgkill checks that the thread belongs to the group. */
    ERR(syscall(SYS_tgkill, getpid() == 1 ? 2 : 1, target_tid, 0), ESRCH);
    SYS(syscall(SYS_tgkill, getpid(), target_tid, 0));
    atomic_store(&target_done, 1);
    EQ(pthread_join(t, NULL), 0);
}

static void *waits_for_usr2(void *arg)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    siginfo_t info;
    int sig = sigwaitinfo(&s, &info);
    return (void *)(long)(sig == SIGUSR2 && info.si_pid == getpid() ? 1 : -sig);
}

TEST(sigwaitinfo_in_a_thread_takes_a_process_signal)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    EQ(pthread_sigmask(SIG_BLOCK, &s, NULL), 0);    /* the new thread inherits the mask */
    pthread_t t;
    EQ(pthread_create(&t, NULL, waits_for_usr2, NULL), 0);
    sleep_ms(20);
    SYS(kill(getpid(), SIGUSR2));
    void *r;
    EQ(pthread_join(t, &r), 0);
    EQ((long)r, 1);
}

static void *sleeps_until_killed(void *arg)
{
    for (;;) pause();
    return NULL;
}

TEST(fatal_signal_ends_every_thread)
{
    pid_t pid = xfork();
    if (pid == 0) {
        pthread_t t;
        for (int i = 0; i < 3; i++) pthread_create(&t, NULL, sleeps_until_killed, NULL);
        sleep_ms(20);
        pthread_kill(t, SIGTERM);    /* default action: the whole process dies */
        for (;;) pause();
    }
    expect_signal(pid, SIGTERM);
}

/* --- fork and execve ----------------------------------------------------------------------------- */

/* /proc/self/status's thread count (under qemu-user, the count of the emulator's own threads, which
 * include its helpers: those checks are left out there). */
static int threads_in_status(void)
{
    if (qemu_user())
        return -1;
    static char buf[4096];
    read_file("/proc/self/status", buf, sizeof buf);
    char *p = strstr(buf, "\nThreads:");
    return p ? atoi(p + 9) : -1;
}

TEST(fork_in_a_threaded_program)
{
    pthread_t t[3];
    atomic_store(&target_done, 0);
    for (int i = 0; i < 3; i++) EQ(pthread_create(&t[i], NULL, signal_target, NULL), 0);
    if (!qemu_user()) EQ(threads_in_status(), 4);
    pid_t pid = xfork();
    if (pid == 0) {
        /* The child has only the thread that forked, and can make threads of its own. */
        if (!qemu_user()) EQ(threads_in_status(), 1);
        EQ(gettid_(), getpid());
        pthread_t c;
        EQ(pthread_create(&c, NULL, nothing, (void *)5), 0);
        void *r;
        EQ(pthread_join(c, &r), 0);
        _exit((int)(long)r);
    }
    expect_exit(pid, 5);
    atomic_store(&target_done, 1);
    for (int i = 0; i < 3; i++) EQ(pthread_join(t[i], NULL), 0);
    if (!qemu_user()) EQ(threads_in_status(), 1);
}

HELPER(thread_exec_check)
{
    /* argv: thread_exec_check PID: the program a thread executed runs alone, with the process's id. */
    EQ(getpid(), atoi(argv[1]));
    EQ(gettid_(), getpid());
    if (!qemu_user()) EQ(threads_in_status(), 1);
    return 42;
}

static void *executes(void *arg)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%d", getpid());
    char *args[] = {"thread_exec_check", pid, NULL};
    exec_helper(args, NULL);
    FAIL("execve from a thread: %s", strerror(errno));
}

TEST(execve_from_a_thread_ends_the_others)
{
    pid_t pid = xfork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeps_until_killed, NULL);
        pthread_create(&t, NULL, executes, NULL);
        for (;;) pause();
    }
    expect_exit(pid, 42);
}

/* --- futex operations ---------------------------------------------------------------------------- */

static int word_a, word_b;

static long futex6(int *uaddr, int op, int val, long val2, int *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static void *waits_on_a(void *arg)
{
    return (void *)futex6(&word_a, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
}

TEST(futex_cmp_requeue_moves_a_waiter)
{
    word_a = word_b = 0;
    ERR(futex6(&word_a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 1, &word_b, 1), EAGAIN);    /* *a != 1 */
    pthread_t t;
    EQ(pthread_create(&t, NULL, waits_on_a, NULL), 0);
    /* Wake none, move one from a to b: repeat until the thread is there to be moved. */
    long moved = 0;
    for (int i = 0; i < 5000 && moved == 0; i++) {
        moved = SYS(futex6(&word_a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 1, &word_b, 0));
        if (moved == 0) sleep_ms(1);
    }
    EQ(moved, 1);
    EQ(futex6(&word_a, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0), 0);    /* nobody left on a */
    EQ(futex6(&word_b, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0), 1);
    void *r;
    EQ(pthread_join(t, &r), 0);
    EQ((long)r, 0);    /* woken, not timed out or interrupted */
}

TEST(futex_wake_op_changes_the_second_word)
{
    word_a = 0;
    word_b = 10;
    /* No waiters: 0 woken, but *b is changed all the same. */
    EQ(futex6(&word_a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &word_b, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 10)), 0);
    EQ(word_b, 15);
    EQ(futex6(&word_a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &word_b, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_GT, 0)), 0);
    EQ(word_b, 31);
    EQ(futex6(&word_a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &word_b, FUTEX_OP(FUTEX_OP_SET, -1, FUTEX_OP_CMP_EQ, 0)), 0);
    EQ(word_b, -1);
    ERR(futex6(&word_a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &word_b, FUTEX_OP(7, 0, 0, 0)), ENOSYS);
}

static void *waits_bitset_1(void *arg)
{
    return (void *)futex6(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0, NULL, 1);
}

TEST(futex_bitsets_and_absolute_timeouts)
{
    word_a = 0;
    ERR(futex6(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0, NULL, 0), EINVAL);    /* empty bitset */
    /* FUTEX_WAIT_BITSET's timeout is an absolute time: on CLOCK_MONOTONIC... */
    struct timespec past = {0, 0};
    ERR(futex6(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, (long)&past, NULL, -1), ETIMEDOUT);
    /* (t0 before the deadline is read: the time between the two may be long on a busy machine.) */
    int64_t t0 = mono_ns();
    struct timespec when;
    clock_gettime(CLOCK_MONOTONIC, &when);
    when.tv_nsec += 30 * 1000000;
    if (when.tv_nsec >= 1000000000) { when.tv_sec++; when.tv_nsec -= 1000000000; }
    ERR(futex6(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, (long)&when, NULL, -1), ETIMEDOUT);
    CHECK(mono_ns() - t0 >= 30 * 1000000, "woke %lld ns early", (long long)(30 * 1000000 - (mono_ns() - t0)));
    /* ...or on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME. */
    t0 = mono_ns();
    clock_gettime(CLOCK_REALTIME, &when);
    when.tv_nsec += 30 * 1000000;
    if (when.tv_nsec >= 1000000000) { when.tv_sec++; when.tv_nsec -= 1000000000; }
    ERR(futex6(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0, (long)&when, NULL, -1), ETIMEDOUT);
    CHECK(mono_ns() - t0 >= 30 * 1000000, "realtime wait returned early");
    ERR(futex6(&word_a, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, NULL, 0), ENOSYS);

    /* A wake whose bitset misses the waiter's wakes nobody. */
    pthread_t t;
    EQ(pthread_create(&t, NULL, waits_bitset_1, NULL), 0);
    long woken = 0;
    for (int i = 0; i < 5000 && woken == 0; i++) {
        EQ(futex6(&word_a, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, 0, NULL, 2), 0);
        woken = SYS(futex6(&word_a, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, 0, NULL, 3));
        if (woken == 0) sleep_ms(1);
    }
    EQ(woken, 1);
    void *r;
    EQ(pthread_join(t, &r), 0);
    EQ((long)r, 0);
}

TEST(futex_errors)
{
    ERR(futex6((int *)((char *)&word_a + 1), FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0), EINVAL);    /* misaligned */
    ERR(futex6((int *)8, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0), EFAULT);
    ERR(futex6(&word_a, 99 | FUTEX_PRIVATE_FLAG, 0, 0, NULL, 0), ENOSYS);    /* no such operation */
    if (!qemu_user()) ERR(syscall(SYS_set_robust_list, NULL, 1), EINVAL);    /* not the head's size */
}

/* --- thread-related system calls ----------------------------------------------------------------- */

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

TEST(clone3_forks)
{
    struct clone_args_v0 a = {.exit_signal = SIGCHLD};
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0 && errno == ENOSYS && qemu_user())
        conform_skip("qemu 7.2 has no clone3");
    CHECK(pid >= 0, "clone3: %s", strerror(errno));
    if (pid == 0) _exit(9);
    expect_exit(pid, 9);
    /* A larger structure than the kernel knows is fine when the rest is zero... */
    struct { struct clone_args_v0 a; uint64_t more[4]; } big = {.a = {.exit_signal = SIGCHLD}};
    pid = syscall(SYS_clone3, &big, sizeof big);
    CHECK(pid >= 0, "clone3 with a zero tail: %s", strerror(errno));
    if (pid == 0) _exit(10);
    expect_exit(pid, 10);
    /* ...and E2BIG when it is not; too small a structure is EINVAL. */
    big.more[3] = 1;
    ERR(syscall(SYS_clone3, &big, sizeof big), E2BIG);
    ERR(syscall(SYS_clone3, &a, 32), EINVAL);
    a.flags = CLONE_THREAD;    /* a thread needs CLONE_SIGHAND and CLONE_VM */
    ERR(syscall(SYS_clone3, &a, sizeof a), EINVAL);
}

static void *report_tid(void *arg)
{
    *(long *)arg = gettid_();
    while (!atomic_load(&target_done)) sleep_ms(1);
    return NULL;
}

TEST(proc_task_lists_the_threads)
{
    if (qemu_user())
        conform_skip("/proc/self/task is the emulator's own");
    long tid = 0;
    pthread_t t;
    atomic_store(&target_done, 0);
    EQ(pthread_create(&t, NULL, report_tid, &tid), 0);
    while (tid == 0) sleep_ms(1);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld", tid);
    struct stat st;
    SYS(stat(path, &st));
    CHECK(S_ISDIR(st.st_mode), "%s is not a directory", path);
    snprintf(path, sizeof path, "/proc/self/task/%d", getpid());
    SYS(stat(path, &st));
    /* The listing holds exactly the two ids. */
    int fd = SYS(open("/proc/self/task", O_RDONLY | O_DIRECTORY));
    char buf[1024];
    long n = SYS(syscall(SYS_getdents64, fd, buf, sizeof buf));
    int found = 0, others = 0;
    for (long o = 0; o < n;) {
        unsigned short reclen = *(unsigned short *)(buf + o + 16);
        const char *name = buf + o + 19;
        if (strcmp(name, ".") && strcmp(name, "..")) {
            long id = atol(name);
            if (id == tid || id == getpid()) found++; else others++;
        }
        o += reclen;
    }
    close(fd);
    EQ(found, 2);
    EQ(others, 0);
    atomic_store(&target_done, 1);
    EQ(pthread_join(t, NULL), 0);
    ERR(stat("/proc/self/task/999999", &st), ENOENT);
}

/* The value of "Key:\t" in a /proc status text (a static copy), or "" when absent. */
static const char *status_field(const char *text, const char *key)
{
    static char value[64];
    value[0] = 0;
    size_t k = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, k) == 0 && l[k] == ':') {
            const char *v = l + k + 1;
            while (*v == '\t' || *v == ' ') v++;
            size_t n = strcspn(v, "\n");
            if (n >= sizeof value) n = sizeof value - 1;
            memcpy(value, v, n);
            value[n] = 0;
            break;
        }
    }
    return value;
}

static long stat_tid;
static char stat_text[1024], status_text[4096], leader_stat[1024], leader_status[4096];

static void *read_own_task_files(void *arg)
{
    stat_tid = gettid_();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    syscall(SYS_tgkill, getpid(), stat_tid, SIGUSR2);    /* pending for this thread alone */
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", stat_tid);
    read_file(path, stat_text, sizeof stat_text);
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", stat_tid);
    read_file(path, status_text, sizeof status_text);
    /* The leader waits in pthread_join: sleeping, once it got there. */
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", getpid());
    for (int i = 0; i < 2000; i++) {
        read_file(path, leader_stat, sizeof leader_stat);
        const char *close_paren = strrchr(leader_stat, ')');
        if (close_paren && close_paren[2] == 'S') break;
        sleep_ms(1);
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/status", getpid());
    read_file(path, leader_status, sizeof leader_status);
    return NULL;
}

TEST(proc_task_tid_shows_the_thread)
{
    if (qemu_user())
        conform_skip("/proc/self/task is the emulator's own");
    pthread_t t;
    EQ(pthread_create(&t, NULL, read_own_task_files, NULL), 0);
    EQ(pthread_join(t, NULL), 0);
    char comm[64], expect[160];
    read_file("/proc/self/comm", comm, sizeof comm);
    comm[strcspn(comm, "\n")] = 0;
    /* stat: the thread's id, the name, running (it was reading its own file). */
    snprintf(expect, sizeof expect, "%ld (%s) R ", stat_tid, comm);
    CHECK(strncmp(stat_text, expect, strlen(expect)) == 0, "thread's stat \"%.60s\", expected \"%s\"", stat_text, expect);
    snprintf(expect, sizeof expect, "%d (%s) S ", getpid(), comm);
    CHECK(strncmp(leader_stat, expect, strlen(expect)) == 0, "leader's stat \"%.60s\", expected \"%s\"", leader_stat, expect);
    /* status: Pid is the thread id, Tgid the process's; the mask and the pending signal are the thread's. */
    EQ(atol(status_field(status_text, "Pid")), stat_tid);
    EQ(atol(status_field(status_text, "Tgid")), getpid());
    STREQ(status_field(status_text, "Name"), comm);
    unsigned long long blocked = strtoull(status_field(status_text, "SigBlk"), NULL, 16);
    unsigned long long pending = strtoull(status_field(status_text, "SigPnd"), NULL, 16);
    unsigned long long shared = strtoull(status_field(status_text, "ShdPnd"), NULL, 16);
    unsigned long long usr1 = 1ull << (SIGUSR1 - 1), usr2 = 1ull << (SIGUSR2 - 1);
    CHECK((blocked & (usr1 | usr2)) == (usr1 | usr2), "thread's SigBlk %llx", blocked);
    CHECK(pending & usr2, "thread's SigPnd %llx lacks SIGUSR2", pending);
    CHECK(!(shared & usr2), "ShdPnd %llx has the thread's SIGUSR2", shared);
    EQ(atol(status_field(leader_status, "Pid")), getpid());
    blocked = strtoull(status_field(leader_status, "SigBlk"), NULL, 16);
    pending = strtoull(status_field(leader_status, "SigPnd"), NULL, 16);
    CHECK(!(blocked & usr1), "leader's SigBlk %llx has the thread's SIGUSR1", blocked);
    CHECK(!(pending & usr2), "leader's SigPnd %llx has the thread's SIGUSR2", pending);
}

static void *report_tid_and_wait(void *arg)
{
    *(volatile long *)arg = gettid_();
    while (!atomic_load(&target_done)) sleep_ms(1);
    return NULL;
}

TEST(proc_tid_of_a_thread_resolves_but_is_not_listed)
{
    if (qemu_user())
        conform_skip("/proc is the host's");
    volatile long tid = 0;
    pthread_t t;
    atomic_store(&target_done, 0);
    EQ(pthread_create(&t, NULL, report_tid_and_wait, (void *)&tid), 0);
    while (tid == 0) sleep_ms(1);
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%ld", tid);
    struct stat st;
    SYS(stat(path, &st));
    CHECK(S_ISDIR(st.st_mode), "%s is not a directory", path);
    snprintf(path, sizeof path, "/proc/%ld/status", tid);
    read_file(path, text, sizeof text);
    EQ(atol(status_field(text, "Tgid")), getpid());
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", tid);
    read_file(path, text, sizeof text);
    char comm[64];
    read_file("/proc/self/comm", comm, sizeof comm);
    STREQ(text, comm);
    /* /proc's listing names processes only. */
    int fd = SYS(open("/proc", O_RDONLY | O_DIRECTORY));
    char buf[4096];
    int listed = 0, self = 0;
    long n;
    while ((n = SYS(syscall(SYS_getdents64, fd, buf, sizeof buf))) > 0) {
        for (long o = 0; o < n;) {
            unsigned short reclen = *(unsigned short *)(buf + o + 16);
            long id = atol(buf + o + 19);
            if (id == tid) listed = 1;
            if (id == getpid()) self = 1;
            o += reclen;
        }
    }
    close(fd);
    EQ(self, 1);
    EQ(listed, 0);
    atomic_store(&target_done, 1);
    EQ(pthread_join(t, NULL), 0);
}

TEST(affinity_and_limits_take_thread_ids)
{
    long tid = 0;
    pthread_t t;
    atomic_store(&target_done, 0);
    EQ(pthread_create(&t, NULL, report_tid, &tid), 0);
    while (tid == 0) sleep_ms(1);
    cpu_set_t set;
    CPU_ZERO(&set);
    SYS(sched_getaffinity(tid, sizeof set, &set));
    CHECK(CPU_ISSET(0, &set), "CPU 0 not in the thread's affinity");
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    SYS(sched_setaffinity(tid, sizeof set, &set));
    struct rlimit r;
    SYS(prlimit(tid, RLIMIT_NOFILE, NULL, &r));
    struct rlimit mine;
    SYS(getrlimit(RLIMIT_NOFILE, &mine));
    EQ(r.rlim_cur, mine.rlim_cur);    /* limits are the process's, whichever thread is named */
    atomic_store(&target_done, 1);
    EQ(pthread_join(t, NULL), 0);
    ERR(sched_getaffinity(999999, sizeof set, &set), ESRCH);
}

static atomic_int nproc_release;

static void *park_until_released(void *arg)
{
    while (!atomic_load(&nproc_release)) sleep_ms(1);
    return NULL;
}

/* RLIMIT_NPROC counts a user's tasks, threads included (Linux's ucounts), not its processes. Root is
 * exempt, so the child becomes an unused user first. */
TEST(rlimit_nproc_counts_threads)
{
    if (getuid() != 0)
        conform_skip("needs root to become another user");
    pid_t c = SYS(fork());
    if (c == 0) {
        SYS(setgid(54321));
        SYS(setuid(54321));
        struct rlimit r = {4, 4};
        SYS(setrlimit(RLIMIT_NPROC, &r));
        atomic_store(&nproc_release, 0);
        pthread_t t[8];
        int n = 0, e = 0;
        while (n < 8 && (e = pthread_create(&t[n], NULL, park_until_released, NULL)) == 0) n++;
        EQ(e, EAGAIN);
        /* This thread and at most 3 more (fewer if the emulator runs a thread of its own). */
        CHECK(n >= 1 && n <= 3, "%d threads made under RLIMIT_NPROC 4", n);
        ERR(fork(), EAGAIN);
        atomic_store(&nproc_release, 1);
        for (int i = 0; i < n; i++) EQ(pthread_join(t[i], NULL), 0);
        /* The ended threads no longer count (a thread is counted until it is fully gone: retry a while). */
        pthread_t u;
        for (int i = 0; i < 2000 && (e = pthread_create(&u, NULL, park_until_released, NULL)) == EAGAIN; i++) sleep_ms(1);
        EQ(e, 0);
        EQ(pthread_join(u, NULL), 0);
        _exit(0);
    }
    int st;
    SYS(waitpid(c, &st, 0));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16

TEST(membarrier_private_expedited_needs_registration)
{
    long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (supported < 0 && errno == ENOSYS && qemu_user())
        conform_skip("qemu 7.2 passes no membarrier");
    CHECK(supported >= 0, "membarrier query: %s", strerror(errno));
    CHECK(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED, "PRIVATE_EXPEDITED not supported (%#lx)", supported);
    pid_t pid = xfork();    /* in a fresh program's memory: the runner may have registered already */
    if (pid == 0) {
        char *args[] = {"membarrier_check", NULL};
        exec_helper(args, NULL);
        FAIL("execve: %s", strerror(errno));
    }
    expect_exit(pid, 0);
}

HELPER(membarrier_check)
{
    ERR(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM);
    SYS(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    SYS(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    ERR(syscall(SYS_membarrier, 12345, 0, 0), EINVAL);
    return 0;
}

/* --- eventfd, timerfd, signalfd ------------------------------------------------------------------ */

TEST(eventfd_counts_and_wakes)
{
    int fd = SYS(eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC));
    uint64_t v;
    EQ(read(fd, &v, 8), 8);
    EQ(v, 3);    /* all of it, and back to 0 */
    ERR(read(fd, &v, 8), EAGAIN);
    ERR(read(fd, &v, 4), EINVAL);
    v = 5;
    EQ(write(fd, &v, 8), 8);
    EQ(write(fd, &v, 8), 8);
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLOUT);
    EQ(read(fd, &v, 8), 8);
    EQ(v, 10);
    v = UINT64_MAX;
    ERR(write(fd, &v, 8), EINVAL);
    v = UINT64_MAX - 1;    /* the largest sum */
    EQ(write(fd, &v, 8), 8);
    v = 1;
    ERR(write(fd, &v, 8), EAGAIN);    /* would pass the maximum */
    p.revents = 0;
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN);
    char link[64] = {0}, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    SYS(readlink(path, link, sizeof link - 1));
    STREQ(link, "anon_inode:[eventfd]");
    close(fd);

    /* Semaphore mode: one at a time; a blocked reader wakes on a write from another thread. */
    fd = SYS(eventfd(2, EFD_SEMAPHORE));
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(30);
        uint64_t one = 1;
        write_all(fd, &one, 8);
        _exit(0);
    }
    EQ(read(fd, &v, 8), 8);    /* blocks until the child writes */
    EQ(v, 1);
    expect_exit(pid, 0);
    close(fd);
}

TEST(timerfd_expires_and_repeats)
{
    int fd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
    struct itimerspec its = {{0, 20 * 1000000}, {0, 30 * 1000000}}, old;
    int64_t t0 = mono_ns();
    SYS(timerfd_settime(fd, 0, &its, NULL));
    uint64_t n;
    EQ(read(fd, &n, 8), 8);    /* blocks until the first expiration */
    CHECK(mono_ns() - t0 >= 30 * 1000000, "first expiration after %lld ns", (long long)(mono_ns() - t0));
    CHECK(n >= 1, "count %llu", (unsigned long long)n);
    sleep_ms(70);
    EQ(read(fd, &n, 8), 8);
    CHECK(n >= 3, "3+ periods of 20 ms in 70 ms gave %llu", (unsigned long long)n);
    SYS(timerfd_gettime(fd, &old));
    EQ(old.it_interval.tv_nsec, 20 * 1000000);
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 20 * 1000000, "left %ld", old.it_value.tv_nsec);

    /* Disarming gives the old setting back; then nothing is ready. */
    struct itimerspec zero = {{0, 0}, {0, 0}};
    SYS(timerfd_settime(fd, 0, &zero, &old));
    EQ(old.it_interval.tv_nsec, 20 * 1000000);
    int flags = SYS(fcntl(fd, F_GETFL));
    SYS(fcntl(fd, F_SETFL, flags | O_NONBLOCK));
    ERR(read(fd, &n, 8), EAGAIN);

    /* An absolute time on CLOCK_REALTIME, and epoll waking when it passes. */
    int rt = SYS(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec at = {{0, 0}, {now.tv_sec, now.tv_nsec}};
    at.it_value.tv_nsec += 40 * 1000000;
    if (at.it_value.tv_nsec >= 1000000000) { at.it_value.tv_sec++; at.it_value.tv_nsec -= 1000000000; }
    t0 = mono_ns();
    SYS(timerfd_settime(rt, TFD_TIMER_ABSTIME, &at, NULL));
    int ep = SYS(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
    SYS(epoll_ctl(ep, EPOLL_CTL_ADD, rt, &ev));
    EQ(epoll_wait(ep, &out, 1, 2000), 1);
    EQ(out.data.u32, 7);
    CHECK(mono_ns() - t0 >= 35 * 1000000, "epoll woke after %lld ns", (long long)(mono_ns() - t0));
    EQ(read(rt, &n, 8), 8);
    EQ(n, 1);
    ERR(timerfd_create(12345, 0), EINVAL);
    ERR(timerfd_settime(ep, 0, &its, NULL), EINVAL);    /* not a timerfd */
    close(ep);
    close(rt);
    close(fd);
}

TEST(signalfd_reads_blocked_signals)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
    int fd = SYS(signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC));
    struct signalfd_siginfo si;
    ERR(read(fd, &si, sizeof si), EAGAIN);
    SYS(kill(getpid(), SIGUSR2));
    union sigval val = {.sival_int = 42};
    SYS(sigqueue(getpid(), SIGUSR1, val));
    struct pollfd p = {fd, POLLIN, 0};
    EQ(poll(&p, 1, 0), 1);
    /* Lowest signal first, each with its details. */
    EQ(read(fd, &si, sizeof si), sizeof si);
    EQ(si.ssi_signo, SIGUSR1);
    EQ(si.ssi_code, SI_QUEUE);
    EQ(si.ssi_pid, getpid());
    EQ(si.ssi_int, 42);
    EQ(read(fd, &si, sizeof si), sizeof si);
    EQ(si.ssi_signo, SIGUSR2);
    EQ(si.ssi_code, SI_USER);
    ERR(read(fd, &si, sizeof si), EAGAIN);
    ERR(read(fd, &si, 8), EINVAL);

    /* A blocking read wakes when a child's SIGCHLD arrives (after changing the mask to it). */
    sigaddset(&s, SIGCHLD);
    EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
    EQ(signalfd(fd, &s, 0), fd);
    SYS(fcntl(fd, F_SETFL, 0));
    pid_t pid = xfork();
    if (pid == 0) {
        sleep_ms(30);
        _exit(4);
    }
    EQ(read(fd, &si, sizeof si), sizeof si);
    EQ(si.ssi_signo, SIGCHLD);
    EQ(si.ssi_code, CLD_EXITED);
    EQ(si.ssi_pid, pid);
    EQ(si.ssi_status, 4);
    expect_exit(pid, 4);
    int e = SYS(eventfd(0, 0));
    ERR(signalfd(e, &s, 0), EINVAL);    /* not a signalfd */
    close(e);
    close(fd);
}
