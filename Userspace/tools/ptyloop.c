/* ptyloop N: N times open a pseudo-terminal pair (posix_openpt, grantpt, unlockpt, open the slave),
 * type a line at the master, read it from the slave and its echo from the master, and close both.
 * The first failure is printed and ends the loop with exit status 1. At the end it prints
 *   ptyloop: N pairs in S.SSS s
 * and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(long i, const char *what)
{
    dprintf(2, "ptyloop: pair %ld: %s: %s\n", i, what, strerror(errno));
    return 1;
}

/* Reads exactly n bytes (a terminal read may return part). */
static int read_all(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k <= 0) return -1;
        got += (size_t)k;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || atol(argv[1]) < 1) {
        dprintf(2, "usage: ptyloop N\n");
        return 2;
    }
    long n = atol(argv[1]);
    double start = now();
    for (long i = 0; i < n; i++) {
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        if (m < 0) return fail(i, "posix_openpt");
        if (grantpt(m) != 0 || unlockpt(m) != 0) return fail(i, "unlockpt");
        const char *name = ptsname(m);
        if (!name) return fail(i, "ptsname");
        int s = open(name, O_RDWR | O_NOCTTY);
        if (s < 0) return fail(i, name);
        char line[8], echo[8];
        if (write(m, "hi\n", 3) != 3) return fail(i, "write to the master");
        if (read_all(s, line, 3) != 0 || memcmp(line, "hi\n", 3) != 0) return fail(i, "read the line from the slave");
        if (read_all(m, echo, 4) != 0 || memcmp(echo, "hi\r\n", 4) != 0) return fail(i, "read the echo from the master");
        close(s);
        close(m);
    }
    printf("ptyloop: %ld pairs in %.3f s\n", n, now() - start);
    return 0;
}
