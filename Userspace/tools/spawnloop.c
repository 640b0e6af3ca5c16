/* spawnloop N [PROGRAM [ARGS...]]: N times fork, execve PROGRAM (default /bin/true) and waitpid.
 * Every child must exit 0; the first failure (fork, execve, waitpid or a non-zero status) is printed
 * and ends the loop with exit status 1. At the end it prints
 *   spawnloop: N spawns of PROGRAM in S.SSS s (U us each)
 * and exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || atol(argv[1]) < 1) {
        dprintf(2, "usage: spawnloop N [PROGRAM [ARGS...]]\n");
        return 2;
    }
    long n = atol(argv[1]);
    char *deflt[] = {"/bin/true", NULL};
    char **child_argv = argc > 2 ? argv + 2 : deflt;
    double start = now();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            printf("spawnloop: FAIL: fork %ld of %ld: %s\n", i + 1, n, strerror(errno));
            return 1;
        }
        if (pid == 0) {
            execve(child_argv[0], child_argv, environ);
            dprintf(2, "spawnloop: execve %s: %s\n", child_argv[0], strerror(errno));
            _exit(127);
        }
        int status;
        pid_t r = waitpid(pid, &status, 0);
        if (r != pid) {
            printf("spawnloop: FAIL: waitpid(%d) in spawn %ld = %d: %s\n", pid, i + 1, r, strerror(errno));
            return 1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("spawnloop: FAIL: spawn %ld of %ld: %s ended with status 0x%x\n", i + 1, n, child_argv[0], status);
            return 1;
        }
    }
    double secs = now() - start;
    printf("spawnloop: %ld spawns of %s in %.3f s (%.0f us each)\n", n, child_argv[0], secs, secs * 1e6 / n);
    return 0;
}
