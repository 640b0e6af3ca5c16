/* threadloop MODE N: thread and futex costs, for the leak tests and the kernel benchmark.
 *   create    N times pthread_create + pthread_join of a thread that returns at once
 *   wake      N FUTEX_WAKE calls on a word nobody waits on (an uncontended futex system call)
 *   pingpong  N round trips between two threads that wait for each other on two futex words
 * Prints "threadloop: N MODE in S.SSS s (U ns each)" and exits 0; the first failure is printed and
 * exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static long n;
static atomic_int ping, pong;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long futex(atomic_int *word, int op, int value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static void *nothing(void *arg) { return arg; }

/* Waits until *word holds want (sleeping in the kernel while it holds anything else). */
static void await(atomic_int *word, int want)
{
    int v;
    while ((v = atomic_load(word)) != want)
        futex(word, FUTEX_WAIT_PRIVATE, v);
}

static void *ponger(void *arg)
{
    for (long i = 1; i <= n; i++) {
        await(&ping, (int)i);
        atomic_store(&pong, (int)i);
        futex(&pong, FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (n = atol(argv[2])) < 1) {
        dprintf(2, "usage: threadloop create|wake|pingpong N\n");
        return 2;
    }
    const char *mode = argv[1];
    double start = now();
    if (strcmp(mode, "create") == 0) {
        for (long i = 0; i < n; i++) {
            pthread_t t;
            void *r;
            int e = pthread_create(&t, NULL, nothing, (void *)i);
            if (e != 0 || (e = pthread_join(t, &r)) != 0 || r != (void *)i) {
                printf("threadloop: FAIL: thread %ld of %ld: %s\n", i + 1, n, strerror(e));
                return 1;
            }
        }
    } else if (strcmp(mode, "wake") == 0) {
        atomic_int word = 0;
        for (long i = 0; i < n; i++) {
            if (futex(&word, FUTEX_WAKE_PRIVATE, 1) != 0) {
                printf("threadloop: FAIL: FUTEX_WAKE %ld: %s\n", i + 1, strerror(errno));
                return 1;
            }
        }
    } else if (strcmp(mode, "pingpong") == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, ponger, NULL) != 0) {
            printf("threadloop: FAIL: pthread_create\n");
            return 1;
        }
        for (long i = 1; i <= n; i++) {
            atomic_store(&ping, (int)i);
            futex(&ping, FUTEX_WAKE_PRIVATE, 1);
            await(&pong, (int)i);
        }
        pthread_join(t, NULL);
    } else {
        dprintf(2, "threadloop: unknown mode %s\n", mode);
        return 2;
    }
    double s = now() - start;
    printf("threadloop: %ld %s in %.3f s (%.0f ns each)\n", n, mode, s, s * 1e9 / n);
    return 0;
}
