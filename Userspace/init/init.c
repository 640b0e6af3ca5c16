/* A tiny init (pid 1) for test guests.
 *
 *   init                     execs /bin/sh (as pid 1: the shell becomes init)
 *   init conform [ARGS...]   runs /bin/conform ARGS... as a child (ARGS: the suite's test filters)
 *   init PROGRAM [ARGS...]   runs PROGRAM (a path, or a name under /bin) as a child
 * A program that is not there (or not executable) falls back to exec'ing /bin/sh. The program may
 * also come from the INIT_RUN environment variable when there are no arguments. On a Linux kernel
 * command line, words after "--" are init's arguments and unknown NAME=value words its environment:
 *   rdinit=/init -- conform pipe_      or      rdinit=/init INIT_RUN=conform
 *
 * Before that it mounts proc at /proc, devtmpfs at /dev, devpts at /dev/pts and tmpfs at /tmp
 * (errors, such as "already mounted", are ignored). While the child runs, init reaps every process that ends (orphans are
 * reparented to it). When the child ends, init prints "init: PROGRAM exited N" (or "killed by signal N")
 * and powers the machine off with reboot(LINUX_REBOOT_CMD_POWER_OFF).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDC

#define say(...) dprintf(2, __VA_ARGS__)

static void mount_one(const char *src, const char *dir, const char *type)
{
    mkdir(dir, 0755);
    if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY)
        say("init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

static void power_off(void)
{
    sync();
    syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, NULL);
    /* Not pid 1 or not permitted (a test run on a host): just end. */
    say("init: reboot(POWER_OFF): %s\n", strerror(errno));
}

int main(int argc, char **argv, char **envp)
{
    mount_one("proc", "/proc", "proc");
    mount_one("devtmpfs", "/dev", "devtmpfs");
    mount_one("devpts", "/dev/pts", "devpts");
    mount_one("tmpfs", "/tmp", "tmpfs");
    /* A console for stdin/stdout/stderr when the kernel gave none. */
    if (fcntl(1, F_GETFD) < 0) {
        int fd = open("/dev/console", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
            if (fd > 2) close(fd);
        }
    }

    char *run_env[2] = {getenv("INIT_RUN"), NULL};
    char **run = argc > 1 ? argv + 1 : run_env[0] && *run_env[0] ? run_env : NULL;
    if (!run) {
        char *sh[] = {"/bin/sh", NULL};
        execve(sh[0], sh, envp);
        say("init: exec /bin/sh: %s\n", strerror(errno));
        power_off();
        return 1;
    }

    char path[4096];
    if (strchr(run[0], '/')) snprintf(path, sizeof path, "%s", run[0]);
    else snprintf(path, sizeof path, "/bin/%s", run[0]);    /* "conform" is /bin/conform */
    if (access(path, X_OK) != 0) {
        say("init: %s: %s; starting /bin/sh\n", path, strerror(errno));
        char *sh[] = {"/bin/sh", NULL};
        execve(sh[0], sh, envp);
        say("init: exec /bin/sh: %s\n", strerror(errno));
        power_off();
        return 1;
    }

    pid_t child = fork();
    if (child == 0) {
        setsid();
        run[0] = path;
        execve(path, run, envp);
        say("init: exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (child < 0) {
        say("init: fork: %s\n", strerror(errno));
        power_off();
        return 1;
    }
    int status = 0;
    for (;;) {
        pid_t pid = wait(&status);    /* reaps orphans too */
        if (pid == child) break;
        if (pid < 0 && errno == ECHILD) break;
    }
    if (WIFEXITED(status)) say("init: %s exited %d\n", path, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("init: %s killed by signal %d\n", path, WTERMSIG(status));
    power_off();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
