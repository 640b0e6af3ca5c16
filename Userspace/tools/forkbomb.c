/* forkbomb [LIMIT [UID]]: a fork bomb held by RLIMIT_NPROC.
 *
 * As root it first becomes UID (default 54321, a user that runs nothing else: Linux does not apply
 * RLIMIT_NPROC to root), sets RLIMIT_NPROC to LIMIT (default 16) and forks children that just wait,
 * until fork fails. On Linux the limit counts every process of the user, this one included, so
 * exactly LIMIT - 1 forks succeed and the next fails with EAGAIN. Then it kills every child with
 * SIGKILL, reaps each one (each must be reported killed by SIGKILL), checks that nothing else is left
 * to wait for and that a fork works again (LIMIT >= 2, so one fork fits under the limit), and prints
 * one result line:
 *   forkbomb: ok: N forks, then EAGAIN (RLIMIT_NPROC=LIMIT, uid UID); all N killed and reaped
 * Exit status 0 only for that outcome; anything else prints "forkbomb: FAIL: ..." and exits 1. To stay
 * harmless where the limit is not applied, it never forks more than LIMIT + 64 times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_EXTRA 64

static pid_t children[4096 + MAX_EXTRA];
static int count;

static void kill_and_reap(int *bad)
{
    for (int i = 0; i < count; i++)
        if (kill(children[i], SIGKILL) != 0) {
            dprintf(2, "forkbomb: kill(%d, SIGKILL): %s\n", children[i], strerror(errno));
            ++*bad;
        }
    for (int i = 0; i < count; i++) {
        int status = 0;
        pid_t r = waitpid(children[i], &status, 0);
        if (r != children[i]) {
            dprintf(2, "forkbomb: waitpid(%d) = %d: %s\n", children[i], r, strerror(errno));
            ++*bad;
        } else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            dprintf(2, "forkbomb: child %d ended with status 0x%x, not killed by SIGKILL\n", children[i], status);
            ++*bad;
        }
    }
}

int main(int argc, char **argv)
{
    int limit = argc > 1 ? atoi(argv[1]) : 16;
    int uid = argc > 2 ? atoi(argv[2]) : 54321;
    if (limit < 2 || limit > 4096 || uid <= 0) {
        dprintf(2, "usage: forkbomb [LIMIT (2..4096) [UID (not 0)]]\n");
        return 2;
    }
    if (getuid() == 0 && (setgid(uid) != 0 || setuid(uid) != 0)) {
        printf("forkbomb: FAIL: cannot become uid %d: %s\n", uid, strerror(errno));
        return 1;
    }
    uid = getuid();
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
        printf("forkbomb: FAIL: setrlimit(RLIMIT_NPROC, %d): %s\n", limit, strerror(errno));
        return 1;
    }
    fflush(stdout);

    int err = 0;
    while (count < limit + MAX_EXTRA) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) pause();
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        children[count++] = pid;
    }

    int bad = 0;
    kill_and_reap(&bad);
    int reaped = count - bad;
    /* Nothing is left to wait for. */
    int status;
    pid_t extra = waitpid(-1, &status, WNOHANG);
    int echild = extra < 0 && errno == ECHILD;
    /* The user's processes are gone, so a fork works again. */
    pid_t again = fork();
    if (again == 0) _exit(42);
    int again_ok = again > 0 && waitpid(again, &status, 0) == again && WIFEXITED(status) && WEXITSTATUS(status) == 42;
    int again_errno = errno;

    if (err == EAGAIN && count == limit - 1 && bad == 0 && echild && again_ok) {
        printf("forkbomb: ok: %d forks, then EAGAIN (RLIMIT_NPROC=%d, uid %d); all %d killed and reaped\n",
               count, limit, uid, count);
        return 0;
    }
    printf("forkbomb: FAIL: %d forks (expected %d), then %s (expected EAGAIN); RLIMIT_NPROC=%d, uid %d; "
           "%d of %d children killed and reaped%s%s%s\n",
           count, limit - 1, err ? strerror(err) : "no failure", limit, uid, reaped, count,
           bad ? ", some not (see above)" : "", echild ? "" : ", waitpid(-1) did not say ECHILD afterwards",
           again_ok ? "" : ", a fork after reaping failed");
    if (!again_ok) dprintf(2, "forkbomb: fork after reaping: %d: %s\n", again, strerror(again_errno));
    return 1;
}
