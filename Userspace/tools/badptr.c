/* badptr: passes bad pointers (NULL-page, unmapped and kernel-half addresses) to system calls that
 * read or write user memory. On Linux each call fails with EFAULT, a pipe read that fails so leaves
 * the pipe's data in place, and the process carries on. Prints one line per check that does not
 * hold, then
 *   badptr: ok: N calls with bad pointers gave EFAULT
 * (exit 0), or "badptr: FAIL: M of K checks failed" (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_ADDRESS 0xffff000000000000UL

static int total, bad;

static void expect_efault(const char *what, long r)
{
    total++;
    if (r == -1 && errno == EFAULT) return;
    bad++;
    printf("badptr: %s returned %ld (%s), not EFAULT\n", what, r, r == -1 ? strerror(errno) : "no error");
}

/* A read that fails with EFAULT must leave the pipe's data where it was (Linux copies before it
 * consumes). Counts as one more check; puts the byte back if it is gone so the next checks still see
 * data to copy. */
static void expect_byte_kept(int p[2], const char *after)
{
    int n = -1;
    total++;
    if (ioctl(p[0], FIONREAD, &n) == 0 && n == 1) return;
    bad++;
    printf("badptr: after %s the pipe holds %d bytes, not 1: the failed read consumed its data\n", after, n);
    if (n == 0 && write(p[1], "x", 1) != 1) printf("badptr: write to the pipe: %s\n", strerror(errno));
}

int main(void)
{
    int p[2];
    /* Non-blocking: a kernel that lost the byte gives EAGAIN instead of blocking forever. */
    if (pipe2(p, O_NONBLOCK) != 0) {
        printf("badptr: FAIL: pipe2: %s\n", strerror(errno));
        return 1;
    }
    if (write(p[1], "x", 1) != 1) {
        printf("badptr: FAIL: write to a pipe: %s\n", strerror(errno));
        return 1;
    }
    expect_efault("write(pipe, 0x1, 8)", syscall(SYS_write, p[1], 1L, 8L));
    expect_efault("write(pipe, kernel address, 8)", syscall(SYS_write, p[1], KERNEL_ADDRESS, 8L));
    expect_byte_kept(p, "two writes that failed");
    expect_efault("read(pipe, kernel address, 1)", syscall(SYS_read, p[0], KERNEL_ADDRESS, 1L));
    expect_byte_kept(p, "read(pipe, kernel address, 1)");
    expect_efault("read(pipe, NULL, 1)", syscall(SYS_read, p[0], 0L, 1L));
    expect_byte_kept(p, "read(pipe, NULL, 1)");
    expect_efault("openat(AT_FDCWD, 0x1)", syscall(SYS_openat, AT_FDCWD, 1L, O_RDONLY));
    expect_efault("openat(AT_FDCWD, kernel address)", syscall(SYS_openat, AT_FDCWD, KERNEL_ADDRESS, O_RDONLY));
    expect_efault("uname(0x8)", syscall(SYS_uname, 8L));
    expect_efault("clock_gettime(CLOCK_MONOTONIC, 0x10)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, 16L));
    expect_efault("pipe2(0x1, 0)", syscall(SYS_pipe2, 1L, 0L));
    expect_efault("fstat(0, kernel address)", syscall(SYS_fstat, 0L, KERNEL_ADDRESS));
    expect_efault("getcwd(0x1, 100)", syscall(SYS_getcwd, 1L, 100L));
    expect_efault("rt_sigaction(SIGUSR1, 0x1, NULL, 8)", syscall(SYS_rt_sigaction, SIGUSR1, 1L, 0L, 8L));
    expect_efault("rt_sigprocmask(SIG_BLOCK, kernel address, NULL, 8)",
                  syscall(SYS_rt_sigprocmask, SIG_BLOCK, KERNEL_ADDRESS, 0L, 8L));
    expect_efault("execve(0x1, NULL, NULL)", syscall(SYS_execve, 1L, 0L, 0L));
    /* The process and the pipe still work: the byte written at the start comes out. */
    char c = 0;
    ssize_t r = read(p[0], &c, 1);
    if (r != 1 || c != 'x') {
        printf("badptr: FAIL: reading the pipe's byte after the bad calls: %zd (%s)\n", r, r < 0 ? strerror(errno) : "");
        return 1;
    }
    if (bad) {
        printf("badptr: FAIL: %d of %d checks failed\n", bad, total);
        return 1;
    }
    printf("badptr: ok: %d calls with bad pointers gave EFAULT\n", total - 3);
    return 0;
}
