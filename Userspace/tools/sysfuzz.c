/* sysfuzz SEED ROUNDS CALLS [FIRST [-v]]: random system calls with hostile arguments, from unprivileged children.
 *
 * Each round forks a child that leaves the terminal's session (setsid), points fds 0-2 at /dev/null,
 * works in a private directory under /tmp, drops to uid/gid 54321 with RLIMIT_NPROC 16, and then makes
 * CALLS system calls: a random number (0-299 and 424-450; exit and exit_group excepted, so that the
 * child keeps going) with six arguments drawn from small integers, -1, random 64-bit values, flag-like
 * bit masks, and pointers: into a writable scratch area full of random bytes and a few path names, at
 * its very end (the next page is PROT_NONE), into the program's own read-only code, the NULL page, and
 * the kernel's half of the address space. Whatever the child does to itself (unmapping its code,
 * installing garbage signal handlers, sigreturn with a garbage frame, blocking forever) ends it or
 * gets it killed after a second; its own children (clone with random flags) are killed too, by a
 * process of the same uid sending SIGKILL to all it may signal, and reaped here (this process is their
 * subreaper). The kernel must survive all of it.
 *
 * Prints one summary line and exits 0:
 *   sysfuzz: seed S: R rounds of up to N calls, M made; E exited, K killed by signals, T killed after the time limit
 * The seed makes a run repeatable (same program, same kernel behaviour); each round's calls depend only
 * on the seed and the round's number, so FIRST (default 0) replays a run from that round on, and -v
 * prints each round's number before it starts (to find the round that brought a system down). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUZZ_UID 54321
#define SCRATCH_SIZE (64 * 1024)
#define CHILD_LIMIT_MS 1000

static uint64_t state;

static uint64_t next_random(void)
{
    /* xorshift64*: small, fast, and the same sequence on every system. */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n) { return (unsigned)(next_random() % n); }

static unsigned char *scratch, *playground;
static volatile unsigned long *calls_made; /* shared with the parent */
#define PLAYGROUND_SIZE (64 * 4096)

/* Path names a call may find behind a scratch pointer: none of them reaches the console, so the shell
 * that runs this keeps its terminal settings. */
static const char *const paths[] = {
    ".", "..", "/", "a", "b/c", "/tmp", "/proc/self/maps", "/proc/self/stat", "/proc/self/fd", "/dev/null",
    "/dev/zero", "/dev/full", "/dev/urandom", "/bin/true", "/proc/meminfo", "f", "d",
};

static void fill_scratch(void)
{
    for (size_t i = 0; i < SCRATCH_SIZE; i += 8) {
        uint64_t v = next_random();
        memcpy(scratch + i, &v, 8);
    }
    /* Some small integers and pointers where structures (iovecs, timespecs, sigactions) are read. */
    for (int i = 0; i < 64; i++) {
        uint64_t v = pick(2) ? pick(64) : (uint64_t)(uintptr_t)(scratch + pick(SCRATCH_SIZE));
        memcpy(scratch + 8 * pick(SCRATCH_SIZE / 8), &v, 8);
    }
    for (int i = 0; i < 16; i++) {
        const char *p = paths[pick(sizeof paths / sizeof paths[0])];
        size_t at = pick(SCRATCH_SIZE - 64);
        memcpy(scratch + at, p, strlen(p) + 1);
    }
}

static long argument(void)
{
    switch (pick(12)) {
    case 0: return 0;
    case 1: return -1;
    case 2: return pick(8);
    case 3: return pick(4096);
    case 4: return (long)next_random();
    case 5: return (long)(1UL << pick(64));
    case 6: return (long)(uintptr_t)(scratch + pick(SCRATCH_SIZE));
    case 7: return (long)(uintptr_t)(scratch + SCRATCH_SIZE - 1 - pick(16)); /* runs into the guard page */
    case 8: return (long)(uintptr_t)&fill_scratch;                          /* read-only code */
    case 9: return (long)pick(4096);                                        /* the NULL page */
    case 10: return (long)(0xffff000000000000UL + (next_random() & 0xffffffffffffUL)); /* kernel half */
    default: return (long)(next_random() & 0x7fffffff);
    }
}

/* Memory-management calls get a first argument in a region of their own (or a hostile address), so
 * that they do not unmap the child's code, stack or scratch area at once and end the round early. */
static int is_memory_call(long nr)
{
    return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_mremap || nr == SYS_madvise ||
           nr == SYS_msync || nr == SYS_mlock || nr == SYS_munlock || nr == SYS_pkey_mprotect || nr == SYS_brk ||
           nr == SYS_remap_file_pages || nr == SYS_process_madvise;
}

static long memory_argument(void)
{
    switch (pick(4)) {
    case 0: return (long)(uintptr_t)(playground + 4096 * pick(PLAYGROUND_SIZE / 4096));
    case 1: return (long)(uintptr_t)(playground + pick(PLAYGROUND_SIZE));
    case 2: return (long)(0xffff000000000000UL + (next_random() & 0xffffffffffffUL));
    default: return (long)(pick(2) ? 0 : 0x100000000UL + 4096UL * pick(1 << 20));
    }
}

static void fuzz_child(unsigned calls, int round)
{
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
    }
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/sysfuzz/%d", round);
    mkdir(dir, 0777);
    chmod(dir, 0777);
    if (chdir(dir) != 0) _exit(2);
    struct rlimit nproc = {16, 16};
    setrlimit(RLIMIT_NPROC, &nproc);
    if (setgid(FUZZ_UID) != 0 || setuid(FUZZ_UID) != 0) _exit(3);
    scratch = mmap(NULL, SCRATCH_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED) _exit(4);
    mprotect(scratch + SCRATCH_SIZE, 4096, PROT_NONE);
    playground = mmap(NULL, PLAYGROUND_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (playground == MAP_FAILED) _exit(4);
    fill_scratch();
    for (unsigned i = 0; i < calls; i++) {
        long nr;
        do {
            nr = pick(10) ? (long)pick(300) : 424 + (long)pick(27);
        } while (nr == SYS_exit || nr == SYS_exit_group);
        long a = is_memory_call(nr) ? memory_argument() : argument();
        long b = argument(), c = argument(), d = argument(), e = argument(), f = argument();
        __atomic_fetch_add(calls_made, 1, __ATOMIC_RELAXED);
        syscall(nr, a, b, c, d, e, f);
        if (i % 64 == 63) fill_scratch();
    }
    _exit(0);
}

/* Kills every process of the fuzzing uid (what its children left behind) and reaps those that were
 * reparented here. */
static void kill_leftovers(void)
{
    pid_t killer = fork();
    if (killer == 0) {
        if (setgid(FUZZ_UID) == 0 && setuid(FUZZ_UID) == 0) kill(-1, SIGKILL);
        _exit(0);
    }
    if (killer > 0) waitpid(killer, NULL, 0);
    struct timespec pause = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 50 && waitpid(-1, NULL, WNOHANG) >= 0; i++) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        nanosleep(&pause, NULL);
    }
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6 || (argc == 6 && strcmp(argv[5], "-v") != 0)) {
        fprintf(stderr, "usage: sysfuzz SEED ROUNDS CALLS [FIRST [-v]]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    int rounds = atoi(argv[2]);
    unsigned calls = (unsigned)atoi(argv[3]);
    int first = argc >= 5 ? atoi(argv[4]) : 0;
    int verbose = argc == 6;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    calls_made = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (calls_made == MAP_FAILED) {
        printf("sysfuzz: FAIL: mmap: %s\n", strerror(errno));
        return 1;
    }
    mkdir("/tmp/sysfuzz", 0777);
    chmod("/tmp/sysfuzz", 0777);
    int exited = 0, signalled = 0, timed_out = 0;
    for (int round = first; round < first + rounds; round++) {
        if (verbose) printf("sysfuzz: round %d\n", round);
        state = seed * 0x9E3779B97F4A7C15ULL + (uint64_t)round * 0xD1B54A32D192ED03ULL + 1;
        fflush(stdout);
        pid_t child = fork();
        if (child < 0) {
            printf("sysfuzz: FAIL: fork: %s\n", strerror(errno));
            return 1;
        }
        if (child == 0) fuzz_child(calls, round);
        long deadline = now_ms() + CHILD_LIMIT_MS;
        int status = 0;
        struct timespec pause = {0, 2 * 1000 * 1000};
        for (;;) {
            pid_t r = waitpid(child, &status, WNOHANG);
            if (r == child) break;
            if (r < 0) {
                printf("sysfuzz: FAIL: waitpid: %s\n", strerror(errno));
                return 1;
            }
            if (now_ms() > deadline) {
                kill(child, SIGKILL);
                if (waitpid(child, &status, 0) != child) {
                    printf("sysfuzz: FAIL: waitpid after SIGKILL: %s\n", strerror(errno));
                    return 1;
                }
                timed_out++;
                break;
            }
            nanosleep(&pause, NULL);
        }
        if (WIFEXITED(status)) exited++;
        else if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && now_ms() > deadline)) signalled++;
        kill_leftovers();
    }
    printf("sysfuzz: seed %llu: %d rounds of up to %u calls, %lu made; %d exited, %d killed by signals, "
           "%d killed after the time limit\n", (unsigned long long)seed, rounds, calls, *calls_made, exited, signalled, timed_out);
    return 0;
}
