/* The conformance suite's test framework: test registration, checks, and helpers shared by the tests.
 *
 * A test is a function defined with TEST(name) { ... }. The runner (main.c) runs each one in a forked
 * child, in a fresh temporary directory under /tmp (also the child's working directory). The test passes
 * when the child exits 0; a failed CHECK, a crash, a signal or a hang (timeout) fails it. Checks report
 * through a pipe (fd CONFORM_RESULT_FD, inherited by grandchildren and by exec'd helpers), so a check
 * that fails in a forked grandchild still names what went wrong.
 */
#ifndef CONFORM_H
#define CONFORM_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct conform_test {
    const char *name;
    void (*fn)(void);
    int timeout;    /* seconds; 0 = the default */
    int flags;
};

/* Runs only when named exactly on the command line (the runner's own self-tests that must fail). */
#define CONFORM_MANUAL 1

struct conform_helper {
    const char *name;
    int (*fn)(int argc, char **argv);
};

#define CONFORM_SECTION(s) __attribute__((used, section(s), aligned(sizeof(void *))))

#define TEST_FULL(name, secs, fl)                                                                   \
    static void name(void);                                                                         \
    static const struct conform_test conform_test_##name CONFORM_SECTION("conform_tests") = {       \
        #name, name, secs, fl};                                                                     \
    static void name(void)

#define TEST(name) TEST_FULL(name, 0, 0)
#define TEST_TIMEOUT(name, secs) TEST_FULL(name, secs, 0)

/* A helper is a mode of the binary itself, run as `conform --helper NAME ARGS...` by tests that execve.
 * Its return value is the exit status; a failed CHECK in it reports like one in a test. */
#define HELPER(name)                                                                                \
    static int helper_##name(int argc, char **argv);                                                \
    static const struct conform_helper conform_helper_##name CONFORM_SECTION("conform_helpers") = { \
        #name, helper_##name};                                                                      \
    static int helper_##name(int argc, char **argv)

/* The result pipe's write end in a test child (and its descendants). */
#define CONFORM_RESULT_FD 99

extern const char *conform_self;   /* absolute path of this executable */
extern const char *conform_tmp;    /* absolute path of the running test's temporary directory */
extern int conform_argc;           /* the runner's own arguments (a test child's /proc/self/cmdline) */
extern char **conform_argv;

/* Reports "file:line: message" as the test's failure and exits the calling process with status 1. */
__attribute__((noreturn, format(printf, 3, 4))) void conform_fail(const char *file, int line,
                                                                  const char *fmt, ...);
/* Reports a skip (the test then counts as neither passed nor failed) and exits with status 0. */
__attribute__((noreturn, format(printf, 1, 2))) void conform_skip(const char *fmt, ...);

#define FAIL(...) conform_fail(__FILE__, __LINE__, __VA_ARGS__)

/* CHECK(cond, fmt, ...): fails with the message when cond is false. */
#define CHECK(cond, ...)          \
    do {                          \
        if (!(cond)) FAIL(__VA_ARGS__); \
    } while (0)

/* SYS(expr): expr must not return -1 (libc style); yields its value (as long). */
#define SYS(expr)                                                                   \
    ({                                                                              \
        long conform_r_ = (long)(expr);                                             \
        if (conform_r_ == -1) FAIL("%s failed: %s", #expr, strerror(errno));       \
        conform_r_;                                                                 \
    })

/* ERR(expr, E): expr must return -1 with errno E. */
#define ERR(expr, e)                                                                          \
    do {                                                                                      \
        errno = 0;                                                                            \
        long conform_r_ = (long)(expr);                                                       \
        int conform_e_ = errno;                                                               \
        if (conform_r_ != -1 || conform_e_ != (e))                                            \
            FAIL("%s: expected -1/%s, got %ld/%s", #expr, #e, conform_r_,                     \
                 conform_r_ == -1 ? conform_errname(conform_e_) : "-");                       \
    } while (0)

/* EQ(a, b): integer equality, printing both values on failure. */
#define EQ(a, b)                                                                              \
    do {                                                                                      \
        long long conform_a_ = (long long)(a), conform_b_ = (long long)(b);                   \
        if (conform_a_ != conform_b_)                                                         \
            FAIL("%s is %lld (%#llx), expected %s = %lld", #a, conform_a_,                    \
                 (unsigned long long)conform_a_, #b, conform_b_);                             \
    } while (0)

/* STREQ(a, b): string equality. */
#define STREQ(a, b)                                                                           \
    do {                                                                                      \
        const char *conform_sa_ = (a), *conform_sb_ = (b);                                    \
        if (!conform_sa_ || strcmp(conform_sa_, conform_sb_) != 0)                            \
            FAIL("%s is \"%s\", expected \"%s\"", #a, conform_sa_ ? conform_sa_ : "(null)",   \
                 conform_sb_);                                                                \
    } while (0)

/* The symbolic name of an errno value ("ENOENT"), or its number. */
const char *conform_errname(int e);

/* --- helpers for tests ------------------------------------------------------------------------- */

/* fork() that flushes stdio first and fails the test on error. */
pid_t xfork(void);
/* Waits for pid (which must be a child) and returns its raw wait status. */
int xwait(pid_t pid);
/* Waits for pid and checks it exited with status code. */
void expect_exit_at(const char *file, int line, pid_t pid, int code);
/* Waits for pid and checks it was killed by signal sig. */
void expect_signal_at(const char *file, int line, pid_t pid, int sig);
#define expect_exit(pid, code) expect_exit_at(__FILE__, __LINE__, pid, code)
#define expect_signal(pid, sig) expect_signal_at(__FILE__, __LINE__, pid, sig)
/* A description of a wait status ("exited 3", "killed by SIGSEGV"). */
const char *status_str(int status);

/* Executes this binary as `conform --helper ARGS...` with envp (NULL: the current environment).
 * Under qemu-user (CONFORM_QEMU_USER set) through that emulator, as the host cannot run an AArch64
 * binary itself. Returns only on failure (-1, errno set). */
int exec_helper(char *const args[], char *const envp[]);
/* fork + exec_helper + wait: the helper's exit status (or a failure if it could not run). */
int run_helper(char *const args[]);

/* Whether the suite runs under qemu-user on another host (the harness sets CONFORM_QEMU_USER to the
 * emulator's path): used only where qemu-user does not emulate a Linux behaviour, to skip. */
const char *qemu_user(void);

/* Writes/reads exactly n bytes (fails the test otherwise). */
void write_all(int fd, const void *buf, size_t n);
void read_exact(int fd, void *buf, size_t n);
/* Creates file path (mode 0644) holding the string s. */
void write_file(const char *path, const char *s);
/* Reads a whole file into a static buffer (NUL-terminated); returns its length. */
size_t read_file(const char *path, char *buf, size_t cap);

/* The leak check: runs cycle(i, ctx) for i = 0..cycles-1 in rounds and watches /proc/meminfo's Slab
 * (the kernel's heap on ours). The first round may fill caches. A leak grows Slab in every round, in
 * proportion to the cycles; Linux's Slab also moves by a few slabs between two readings for reasons
 * that are not leaks (per-CPU slab caches, objects freed only after an RCU grace period), so one round
 * growing by less than bound_kib shows nothing is lost, and the check fails only when three measured
 * rounds all grew by bound_kib or more. */
void expect_no_slab_growth(const char *what, int cycles, long bound_kib, void (*cycle)(int i, void *ctx), void *ctx);

/* Monotonic clock in nanoseconds (raw syscall, no vDSO). */
int64_t mono_ns(void);
/* Sleeps ms milliseconds (nanosleep, restarted on EINTR). */
void sleep_ms(long ms);
/* Spends about ms milliseconds of CPU time in user mode. */
void burn_cpu_ms(long ms);

/* A signal handler installed with sigaction (flags, empty mask); returns nothing, fails on error. */
void set_handler(int sig, void (*fn)(int), int flags);
void set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags);

/* Runs fn in a forked child and returns the child's wait status (the test's checks work inside). */
int in_child(void (*fn)(void));

/* An address in the kernel half of the address space (always EFAULT for user pointers). */
#define KERNEL_ADDR ((void *)0xffff000000000000UL)

#endif
