/* The runner's own self-tests: each must FAIL. They run only when named exactly, e.g.
 *   conform selftest_check_fails selftest_crash selftest_hang selftest_grandchild_fails
 * which must print 4 FAIL lines and "0 passed, 4 failed" and exit 1. */
#include "conform.h"

TEST_FULL(selftest_check_fails, 0, CONFORM_MANUAL)
{
    EQ(1 + 1, 3);
}

TEST_FULL(selftest_crash, 0, CONFORM_MANUAL)
{
    volatile int *volatile p = 0;
    *p = 1;
}

TEST_FULL(selftest_hang, 1, CONFORM_MANUAL)
{
    signal(SIGTERM, SIG_IGN);
    for (;;) pause();
}

TEST_FULL(selftest_grandchild_fails, 0, CONFORM_MANUAL)
{
    pid_t pid = xfork();
    if (pid == 0) FAIL("reported from a grandchild");
    xwait(pid);    /* the test itself ignores the status: the report still fails it */
}
