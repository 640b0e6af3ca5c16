/* limits: what the kernel allows a process, printed so a test can compare with Linux.
 *   limits fds          RLIMIT_NOFILE's values, how many descriptors open under them, then the same
 *                       after raising the soft limit to the hard one (descriptor tables must grow)
 *   limits args         execs itself with 1.5 MB of arguments (Linux allows a quarter of the 8 MB
 *                       stack limit) and with 2.5 MB (E2BIG)
 *   limits lowmem UID   as UID: mmap with MAP_FIXED at 0 (EPERM below the 4 KiB mmap_min_addr of
 *                       Debian's arm64 kernel) and at 4 KiB, a hint there, and exec of an ELF whose PT_LOAD
 *                       is at address 0 (killed by SIGSEGV) */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int open_all(void)
{
    int n = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            printf("  opened %d, then %s\n", n, errno == EMFILE ? "EMFILE" : strerror(errno));
            break;
        }
        n++;
    }
    /* close what we opened (everything above stderr) */
    for (int fd = 3; fd < n + 3; fd++)
        close(fd);
    return n;
}

static int fds(void)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    printf("nofile soft %llu hard %llu\n", (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
    open_all();
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0)
        printf("setrlimit: %s\n", strerror(errno));
    getrlimit(RLIMIT_NOFILE, &r);
    printf("raised: soft %llu\n", (unsigned long long)r.rlim_cur);
    open_all();
    int fd = dup2(0, (int)r.rlim_cur - 1);
    printf("dup2 to %llu: %s\n", (unsigned long long)r.rlim_cur - 1, fd < 0 ? strerror(errno) : "ok");
    fd = dup2(0, (int)r.rlim_cur);
    printf("dup2 to %llu: %s\n", (unsigned long long)r.rlim_cur, fd < 0 ? (errno == EBADF ? "EBADF" : strerror(errno)) : "ok");
    return 0;
}

static void run_with(const char *self, int count, int size)
{
    char **argv = calloc(count + 3, sizeof *argv);
    argv[0] = (char *)self;
    argv[1] = "child";
    for (int i = 0; i < count; i++) {
        argv[i + 2] = malloc(size);
        memset(argv[i + 2], 'a', size - 1);
        argv[i + 2][size - 1] = 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execv(self, argv);
        printf("exec with %d x %d bytes: %s\n", count, size, errno == E2BIG ? "E2BIG" : strerror(errno));
        fflush(stdout);
        _exit(1);
    }
    int status;
    waitpid(pid, &status, 0);
    for (int i = 0; i < count; i++)
        free(argv[i + 2]);
    free(argv);
}

/* A minimal ELF: one PT_LOAD at virtual address 0 whose code writes "ran at 0\n" and exits 0. */
static int write_zero_elf(const char *path)
{
    static const unsigned int code[] = {
        0xd2800020, /* mov x0, #1 */
        0x10000101, /* adr x1, msg (8 instructions on) */
        0xd2800122, /* mov x2, #9 */
        0xd2800808, /* mov x8, #64 (write) */
        0xd4000001, /* svc #0 */
        0xd2800000, /* mov x0, #0 */
        0xd2800ba8, /* mov x8, #93 (exit) */
        0xd4000001, /* svc #0 */
    };
    static const char msg[] = "ran at 0\n";
    unsigned char image[0x200];
    memset(image, 0, sizeof image);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
    Elf64_Phdr *ph = (Elf64_Phdr *)(image + sizeof *eh);
    size_t codeAt = 0x100;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_AARCH64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = codeAt;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof *ph;
    eh->e_phnum = 1;
    ph->p_type = PT_LOAD;
    ph->p_flags = PF_R | PF_X;
    ph->p_offset = 0;
    ph->p_vaddr = 0;
    ph->p_paddr = 0;
    ph->p_filesz = sizeof image;
    ph->p_memsz = sizeof image;
    ph->p_align = 0x1000;
    memcpy(image + codeAt, code, sizeof code);
    memcpy(image + codeAt + sizeof code, msg, sizeof msg - 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, image, sizeof image) != (ssize_t)sizeof image)
        return -1;
    return close(fd);
}

static int lowmem(int uid)
{
    const char *path = "/tmp/limits-zero-elf";
    if (write_zero_elf(path) != 0) {
        printf("cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (setgid(uid) != 0 || setuid(uid) != 0) {
        printf("cannot become uid %d: %s\n", uid, strerror(errno));
        return 1;
    }
    void *p = mmap((void *)0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("mmap fixed at 0: %s\n", p == MAP_FAILED ? (errno == EPERM ? "EPERM" : strerror(errno)) : "mapped");
    p = mmap((void *)0x1000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("mmap fixed at 0x1000: %s\n", p == MAP_FAILED ? (errno == EPERM ? "EPERM" : strerror(errno)) : "mapped");
    if (p != MAP_FAILED)
        munmap(p, 4096);
    p = mmap((void *)0x1000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap hint 0x1000: %s\n", p == MAP_FAILED ? strerror(errno) : (unsigned long)p >= 0x8000 ? "placed at or above 0x8000" : "placed below 0x8000");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(path, path, (char *)0);
        printf("exec: %s\n", strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("PT_LOAD at 0: killed by signal %d\n", WTERMSIG(status));
    else
        printf("PT_LOAD at 0: exited %d\n", WEXITSTATUS(status));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "child") == 0) {
        size_t total = 0;
        for (int i = 0; i < argc; i++)
            total += strlen(argv[i]) + 1;
        printf("exec with %d args: ok (%zu KB of strings)\n", argc - 2, total / 1000);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "fds") == 0)
        return fds();
    if (argc >= 2 && strcmp(argv[1], "args") == 0) {
        run_with("/bin/limits", 15, 100000); /* 1.5 MB */
        run_with("/bin/limits", 25, 100000); /* 2.5 MB: over 2 MB */
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "lowmem") == 0)
        return lowmem(atoi(argv[2]));
    fprintf(stderr, "usage: limits fds | args | lowmem UID\n");
    return 2;
}
