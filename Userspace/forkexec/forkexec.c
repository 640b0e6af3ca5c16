/* forkexec: the cost of starting a program, without a shell around it.
 *
 *   forkexec [N [PATH]]      N (default 300) times: fork(), execve(PATH) in the child, waitpid() in
 *                            the parent; PATH defaults to /bin/true (busybox's applet via its symlink)
 *
 * The child gets argv { PATH, NULL } and this program's environment. The time is CLOCK_MONOTONIC
 * around the whole loop; the output is one line,
 *   forkexec: N x fork+execve(PATH)+waitpid: T ns, E ns each
 * and the exit status is 0 only when every child exited with status 0 (used by
 * `dotnet run --project Benchmarks -- kernel`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static unsigned long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    const char *path = argc > 2 ? argv[2] : "/bin/true";
    char *child_argv[] = { (char *)path, NULL };
    if (n <= 0) {
        fprintf(stderr, "forkexec: bad count %s\n", argv[1]);
        return 2;
    }

    unsigned long long start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "forkexec: fork: %s\n", strerror(errno));
            return 1;
        }
        if (pid == 0) {
            execve(path, child_argv, environ);
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "forkexec: waitpid: %s\n", strerror(errno));
                return 1;
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "forkexec: child %ld of %s ended with status 0x%x\n", i, path, status);
            return 1;
        }
    }
    unsigned long long elapsed = now_ns() - start;

    printf("forkexec: %ld x fork+execve(%s)+waitpid: %llu ns, %llu ns each\n", n, path, elapsed, elapsed / (unsigned long long)n);
    return 0;
}
