/* Processes: fork, exit and wait, execve (arguments, environment, auxiliary vector), ids, sessions and
 * process groups. */
#include "conform.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>

TEST(fork_wait_exit_status)
{
    pid_t pid = xfork();
    if (pid == 0) _exit(42);
    int status;
    struct rusage ru;
    EQ(wait4(pid, &status, 0, &ru), pid);
    CHECK(WIFEXITED(status) && !WIFSIGNALED(status), "status %#x not exited", status);
    EQ(WEXITSTATUS(status), 42);

    /* Only the low 8 bits of the exit code survive. */
    pid = xfork();
    if (pid == 0) _exit(256 + 7);
    expect_exit(pid, 7);
}

TEST(fork_child_has_own_memory)
{
    static volatile int value = 1;
    pid_t pid = xfork();
    if (pid == 0) {
        value = 2;
        _exit(value == 2 ? 0 : 1);
    }
    expect_exit(pid, 0);
    EQ(value, 1);
}

TEST(wait_signaled)
{
    pid_t pid = xfork();
    if (pid == 0) {
        kill(getpid(), SIGUSR1);
        _exit(0);
    }
    int status = xwait(pid);
    CHECK(WIFSIGNALED(status) && !WIFEXITED(status), "status %s", status_str(status));
    EQ(WTERMSIG(status), SIGUSR1);

    pid = xfork();
    if (pid == 0) {
        for (;;) pause();
    }
    EQ(kill(pid, SIGKILL), 0);
    expect_signal(pid, SIGKILL);
}

TEST(wait_nohang_and_echild)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1);    /* until the parent closes its end */
        _exit(3);
    }
    close(p[0]);
    int status = -1;
    EQ(waitpid(pid, &status, WNOHANG), 0);
    EQ(waitpid(-1, &status, WNOHANG), 0);
    close(p[1]);
    expect_exit(pid, 3);
    ERR(waitpid(-1, &status, 0), ECHILD);
    ERR(waitpid(-1, &status, WNOHANG), ECHILD);
    ERR(waitpid(pid, &status, 0), ECHILD);
}

TEST(wait_any_child)
{
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = xfork();
        if (pids[i] == 0) _exit(10 + i);
    }
    int seen = 0;
    for (int n = 0; n < 3; n++) {
        int status;
        pid_t r = SYS(wait(&status));
        int i = 0;
        while (i < 3 && pids[i] != r) i++;
        CHECK(i < 3, "wait returned %d, not one of the children", r);
        CHECK(!(seen & (1 << i)), "child %d reported twice", r);
        seen |= 1 << i;
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10 + i, "child %d %s", i, status_str(status));
    }
    ERR(wait(NULL), ECHILD);
}

TEST(wait_stopped_continued)
{
    pid_t pid = xfork();
    if (pid == 0) {
        for (;;) pause();
    }
    int status;
    EQ(kill(pid, SIGSTOP), 0);
    EQ(waitpid(pid, &status, WUNTRACED), pid);
    CHECK(WIFSTOPPED(status), "status %#x not stopped", status);
    EQ(WSTOPSIG(status), SIGSTOP);
    EQ(kill(pid, SIGCONT), 0);
    EQ(waitpid(pid, &status, WCONTINUED), pid);
    CHECK(WIFCONTINUED(status), "status %#x not continued", status);
    EQ(kill(pid, SIGKILL), 0);
    expect_signal(pid, SIGKILL);
}

TEST(waitid_exited)
{
    pid_t pid = xfork();
    if (pid == 0) _exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    EQ(waitid(P_PID, pid, &si, WEXITED), 0);
    EQ(si.si_signo, SIGCHLD);
    EQ(si.si_pid, pid);
    EQ(si.si_code, CLD_EXITED);
    EQ(si.si_status, 5);
    EQ(si.si_uid, getuid());
}

TEST(zombie_until_reaped)
{
    pid_t pid = xfork();
    if (pid == 0) _exit(0);
    siginfo_t si;
    /* WNOWAIT: wait for the exit but leave the child a zombie. */
    EQ(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
    EQ(si.si_pid, pid);
    EQ(kill(pid, 0), 0);    /* a zombie still exists */
    expect_exit(pid, 0);
    ERR(kill(pid, 0), ESRCH);
}

TEST(getpid_getppid_gettid)
{
    pid_t me = getpid();
    EQ(syscall(SYS_getpid), me);
    EQ(syscall(SYS_gettid), me);    /* single-threaded: the thread id is the process id */
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        pid_t ids[3] = {getpid(), getppid(), (pid_t)syscall(SYS_gettid)};
        write_all(p[1], ids, sizeof ids);
        _exit(0);
    }
    pid_t ids[3];
    read_exact(p[0], ids, sizeof ids);
    expect_exit(pid, 0);
    EQ(ids[0], pid);
    EQ(ids[1], me);
    EQ(ids[2], pid);
    CHECK(pid != me, "fork returned the parent's pid");
}

TEST(orphan_reparented)
{
    int p[2], r[2];
    SYS(pipe(p));
    SYS(pipe(r));
    pid_t mid = xfork();
    if (mid == 0) {
        pid_t parent = getpid();    /* (the grandchild may start only after this process is gone) */
        pid_t gc = xfork();
        if (gc == 0) {
            char c;
            close(p[1]);
            read(p[0], &c, 1);    /* EOF: the middle process has exited */
            for (int i = 0; i < 400 && getppid() == parent; i++) sleep_ms(5);
            c = getppid() != parent ? 'y' : 'n';
            write(r[1], &c, 1);
            _exit(0);
        }
        _exit(0);
    }
    close(p[0]);
    close(p[1]);
    close(r[1]);
    expect_exit(mid, 0);
    char c = 0;
    EQ(read(r[0], &c, 1), 1);
    CHECK(c == 'y', "the orphan's getppid() still names its dead parent");
}

TEST(child_subreaper)
{
    if (qemu_user()) conform_skip("qemu-user 7.2 does not pass PR_SET_CHILD_SUBREAPER on");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) FAIL("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    int p[2];
    SYS(pipe(p));
    pid_t me = getpid();
    pid_t mid = xfork();
    if (mid == 0) {
        pid_t gc = xfork();
        if (gc == 0) {
            char c;
            close(p[1]);
            read(p[0], &c, 1);
            _exit(getppid() == me ? 7 : 8);
        }
        _exit(0);
    }
    close(p[0]);
    expect_exit(mid, 0);
    close(p[1]);
    /* The grandchild is now our child: we can wait for it. */
    int status;
    pid_t r = SYS(wait(&status));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "orphan %d %s (8: getppid was not the subreaper)",
          r, status_str(status));
}

TEST(setsid_new_session)
{
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        pid_t me = getpid();
        CHECK(getsid(0) != me, "a forked child already leads a session");
        EQ(setsid(), me);
        EQ(getsid(0), me);
        EQ(getpgid(0), me);
        EQ(getpgrp(), me);
        ERR(setsid(), EPERM);    /* a group leader cannot make a new session */
        ERR(setpgid(0, getppid()), EPERM);    /* nor join a group of another session */
        _exit(0);
    }
    expect_exit(pid, 0);
    EQ(getsid(0), getsid(getpid()));
}

TEST(setpgid_getpgid)
{
    pid_t me = getpid();
    EQ(getpgid(0), me);    /* the runner made each test lead its own group */
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1);
        _exit(getpgid(0) == getpid() ? 0 : 1);
    }
    EQ(getpgid(pid), me);    /* inherited */
    EQ(getsid(pid), getsid(0));
    EQ(setpgid(pid, pid), 0);    /* the parent moves its child into a new group */
    EQ(getpgid(pid), pid);
    EQ(setpgid(pid, me), 0);    /* and back into ours (same session) */
    EQ(getpgid(pid), me);
    EQ(setpgid(pid, 0), 0);
    EQ(getpgid(pid), pid);
    ERR(setpgid(pid, 999999), EPERM);    /* no such group in the session */
    ERR(setpgid(-1, 0), EINVAL);
    ERR(getpgid(999999), ESRCH);
    ERR(getsid(999999), ESRCH);
    close(p[1]);
    expect_exit(pid, 0);
}

TEST(kill_process_group)
{
    int p[2];
    SYS(pipe(p));
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            if (i == 1) setpgid(0, kids[0]);
            write(p[1], "x", 1);
            for (;;) pause();
        }
        if (i == 0) setpgid(kids[0], 0);
        else setpgid(kids[1], kids[0]);
    }
    char c[2];
    read_exact(p[0], c, 2);
    EQ(getpgid(kids[1]), kids[0]);
    EQ(kill(-kids[0], SIGTERM), 0);
    expect_signal(kids[0], SIGTERM);
    expect_signal(kids[1], SIGTERM);
    ERR(kill(-kids[0], SIGTERM), ESRCH);
}

TEST(ids_consistent)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    EQ(getresuid(&r, &e, &s), 0);
    EQ(r, getuid());
    EQ(e, geteuid());
    EQ(getresgid(&gr, &ge, &gs), 0);
    EQ(gr, getgid());
    EQ(ge, getegid());
    int n = SYS(getgroups(0, NULL));
    CHECK(n >= 0 && n <= 65536, "getgroups count %d", n);
}

TEST(setuid_drops_root)
{
    if (getuid() != 0) conform_skip("needs root");
    pid_t pid = xfork();
    if (pid == 0) {
        EQ(setgid(54321), 0);
        EQ(setuid(54321), 0);
        EQ(getuid(), 54321);
        EQ(geteuid(), 54321);
        uid_t r, e, s;
        EQ(getresuid(&r, &e, &s), 0);
        EQ(s, 54321);    /* root's setuid sets all three */
        ERR(setuid(0), EPERM);
        EQ(getgid(), 54321);
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(prctl_name)
{
    char name[32] = {0};
    EQ(prctl(PR_SET_NAME, "conform-test-name-longer"), 0);
    EQ(prctl(PR_GET_NAME, name), 0);
    STREQ(name, "conform-test-na");    /* truncated to 15 characters */
}

/* --- execve ------------------------------------------------------------------------------------- */

HELPER(exec_check)
{
    /* argv: exec_check EXPECTED-PATH "two words" "" last */
    const char *path = argv[1];
    EQ(conform_argc, 7);
    STREQ(conform_argv[0], path);
    STREQ(conform_argv[1], "--helper");
    STREQ(conform_argv[2], "exec_check");
    STREQ(conform_argv[4], "two words");
    STREQ(conform_argv[5], "");
    STREQ(conform_argv[6], "last");
    CHECK(conform_argv[7] == NULL, "argv not NULL-terminated");

    extern char **environ;
    int n = 0;
    while (environ[n]) n++;
    EQ(n, qemu_user() ? 4 : 3);    /* (exec_helper adds CONFORM_QEMU_USER under qemu-user) */
    const char *want[3] = {"FOO=bar", "EMPTY=", "SPACE=a b"};
    for (int i = 0; i < 3; i++) {
        if (qemu_user()) {
            /* qemu-user passes the environment on in reverse order. */
            int found = 0;
            for (int j = 0; j < n; j++) found |= strcmp(environ[j], want[i]) == 0;
            CHECK(found, "\"%s\" missing from the environment", want[i]);
        } else {
            STREQ(environ[i], want[i]);
        }
    }
    STREQ(getenv("SPACE"), "a b");

    EQ(getauxval(AT_PAGESZ), 4096);
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    CHECK(rnd != NULL, "AT_RANDOM is missing");
    int nonzero = 0;
    for (int i = 0; i < 16; i++) nonzero |= rnd[i];
    CHECK(nonzero, "AT_RANDOM's 16 bytes are all zero");
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    CHECK(execfn != NULL, "AT_EXECFN is missing");
    STREQ(execfn, path);
    EQ(getauxval(AT_UID), getuid());
    EQ(getauxval(AT_EUID), geteuid());
    EQ(getauxval(AT_GID), getgid());
    EQ(getauxval(AT_EGID), getegid());
    EQ(getauxval(AT_SECURE), 0);
    EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr));
    extern char _start[];
    EQ(getauxval(AT_ENTRY), (unsigned long)_start);
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    CHECK(ph && phnum > 0 && phnum < 64, "AT_PHDR %p AT_PHNUM %lu", (void *)ph, phnum);
    int loads = 0;
    for (unsigned long i = 0; i < phnum; i++)
        if (ph[i].p_type == PT_LOAD) {
            loads++;
            /* Our own code lies in one of the PT_LOAD segments. */
        }
    CHECK(loads >= 1, "no PT_LOAD among the %lu program headers at AT_PHDR", phnum);
    CHECK(getauxval(AT_HWCAP) & 1, "AT_HWCAP %#lx lacks HWCAP_FP", getauxval(AT_HWCAP));
    return 0;
}

TEST(execve_args_env_auxv)
{
    pid_t pid = xfork();
    if (pid == 0) {
        char *args[] = {"exec_check", (char *)conform_self, "two words", "", "last", NULL};
        char *env[] = {"FOO=bar", "EMPTY=", "SPACE=a b", NULL};
        exec_helper(args, env);
        FAIL("execve %s: %s", conform_self, strerror(errno));
    }
    expect_exit(pid, 0);
}

HELPER(pid_check)
{
    /* argv: pid_check PID PPID */
    EQ(getpid(), atoi(argv[1]));
    EQ(getppid(), atoi(argv[2]));
    return 0;
}

TEST(execve_keeps_pid)
{
    pid_t me = getpid();
    pid_t pid = xfork();
    if (pid == 0) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", getpid());
        snprintf(b, sizeof b, "%d", me);
        char *args[] = {"pid_check", a, b, NULL};
        exec_helper(args, NULL);
        FAIL("execve: %s", strerror(errno));
    }
    expect_exit(pid, 0);
}

HELPER(exit_code)
{
    return atoi(argv[1]);
}

TEST(execve_exit_code)
{
    char *args[] = {"exit_code", "77", NULL};
    int status = run_helper(args);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 77, "helper %s", status_str(status));
}

TEST(vfork_exec)
{
    fflush(NULL);
    pid_t pid = vfork();
    if (pid == 0) {
        char *args[] = {"exit_code", "9", NULL};
        exec_helper(args, NULL);
        _exit(126);
    }
    CHECK(pid > 0, "vfork: %s", strerror(errno));
    expect_exit(pid, 9);
}

TEST(execve_errors)
{
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    ERR(execve("/nonexistent/conform", argv, envp), ENOENT);
    ERR(execve("", argv, envp), ENOENT);
    write_file("plain", "#!/bin/sh\nexit 0\n");
    SYS(chmod("plain", 0644));
    ERR(execve("plain", argv, envp), EACCES);    /* no execute permission, even for root */
    ERR(execve(".", argv, envp), EACCES);    /* a directory */
    write_file("garbage", "this is not an executable format\n");
    SYS(chmod("garbage", 0755));
    ERR(execve("garbage", argv, envp), ENOEXEC);
    ERR(execve("plain/x", argv, envp), ENOTDIR);
    ERR(syscall(SYS_execve, 1UL, argv, envp), EFAULT);
}
