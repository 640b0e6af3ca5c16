/* Memory: brk, mmap (anonymous, shared, private copy-on-write, file-backed), munmap, mprotect, mremap,
 * madvise, demand paging, executable mappings. */
#include "conform.h"

#define PAGE 4096UL

static void *xmmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = mmap(addr, len, prot, flags, fd, off);
    if (p == MAP_FAILED) FAIL("mmap(%p, %zu, %d, %#x, %d, %lld): %s", addr, len, prot, flags, fd, (long long)off, strerror(errno));
    return p;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i]) return 0;
    return 1;
}

TEST(brk_grow_shrink)
{
    unsigned long start = syscall(SYS_brk, 0);
    CHECK(start != 0 && start % 8 == 0, "initial brk %#lx", start);
    EQ(syscall(SYS_brk, 0), start);    /* asking does not move it */
    unsigned long want = start + 256 * 1024;
    EQ(syscall(SYS_brk, want), want);
    unsigned char *p = (unsigned char *)start;
    CHECK(all_zero(p, want - start), "new heap memory is not zero");
    memset(p, 0xab, want - start);
    EQ(syscall(SYS_brk, start + PAGE), start + PAGE);    /* shrink */
    EQ(p[0], 0xab);    /* what stays keeps its contents */
    EQ(syscall(SYS_brk, want), want);    /* grow again: the released part comes back zeroed */
    unsigned long page_end = (start + PAGE + PAGE - 1) & ~(PAGE - 1);
    CHECK(all_zero((void *)page_end, want - page_end), "re-grown heap memory is not zero");
    /* An impossible request leaves the break where it is. */
    EQ(syscall(SYS_brk, 0x10UL), want);
    EQ(syscall(SYS_brk, (unsigned long)KERNEL_ADDR), want);
    EQ(syscall(SYS_brk, start), start);
}

static void touch_after_shrink(void)
{
    unsigned long start = syscall(SYS_brk, 0);
    unsigned long top = (start + 64 * PAGE) & ~(PAGE - 1);
    if ((unsigned long)syscall(SYS_brk, top) != top) _exit(2);
    ((volatile char *)top)[-1] = 1;
    if ((unsigned long)syscall(SYS_brk, top - 16 * PAGE) != top - 16 * PAGE) _exit(3);
    ((volatile char *)top)[-1] = 1;    /* released: must fault */
    _exit(0);
}

TEST(brk_shrink_unmaps)
{
    if (qemu_user()) conform_skip("qemu-user does not unmap memory when brk shrinks");
    int status = in_child(touch_after_shrink);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "access above a lowered brk: %s", status_str(status));
}

TEST(malloc_large_and_small)
{
    /* musl's malloc: small blocks from brk/mmap, large ones from mmap of their own. */
    char *small[100];
    for (int i = 0; i < 100; i++) {
        small[i] = malloc(24 + i);
        CHECK(small[i], "malloc small");
        memset(small[i], i, 24 + i);
    }
    char *big = malloc(4 << 20);
    CHECK(big, "malloc 4 MiB");
    memset(big, 0x5a, 4 << 20);
    for (int i = 0; i < 100; i++) {
        EQ(small[i][23 + i], i);
        free(small[i]);
    }
    big = realloc(big, 8 << 20);
    CHECK(big && big[(4 << 20) - 1] == 0x5a, "realloc lost data");
    free(big);
    char *z = calloc(1000, 1000);
    CHECK(z && all_zero(z, 1000000), "calloc memory not zero");
    free(z);
}

TEST(mmap_anonymous_zeroed)
{
    size_t len = 1 << 20;
    unsigned char *p = xmmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EQ((uintptr_t)p % PAGE, 0);
    CHECK(all_zero(p, len), "fresh anonymous memory not zero");
    memset(p, 0x77, len);
    EQ(p[len - 1], 0x77);
    unsigned char *q = xmmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q + len <= p || q >= p + len, "second mapping %p overlaps the first %p", (void *)q, (void *)p);
    EQ(munmap(p, len), 0);
    EQ(munmap(q, len), 0);
    /* Unaligned lengths are rounded up to whole pages. */
    unsigned char *r = xmmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r[PAGE - 1] = 1;
    EQ(munmap(r, 10), 0);
}

TEST(mmap_lazy_large)
{
    /* 1 GiB of address space: only what is touched needs memory. */
    size_t len = 1UL << 30;
    unsigned char *p = xmmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    p[0] = 1;
    p[len / 2] = 2;
    p[len - 1] = 3;
    EQ(p[0] + p[len / 2] + p[len - 1], 6);
    EQ(p[12345], 0);
    EQ(munmap(p, len), 0);
}

TEST(mmap_shared_anonymous_fork)
{
    volatile int *shared = xmmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = 1;
    pid_t pid = xfork();
    if (pid == 0) {
        if (shared[0] != 1) _exit(2);
        shared[1] = 42;
        shared[0] = 2;
        _exit(0);
    }
    expect_exit(pid, 0);
    EQ(shared[0], 2);    /* the child's writes are ours */
    EQ(shared[1], 42);
}

TEST(mmap_private_cow_fork)
{
    volatile int *priv = xmmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static volatile int global = 10;
    priv[0] = 1;
    int p[2];
    SYS(pipe(p));
    pid_t pid = xfork();
    if (pid == 0) {
        char c;
        if (priv[0] != 1 || global != 10) _exit(2);
        priv[0] = 100;
        priv[PAGE / sizeof(int)] = 100;    /* a page never touched before the fork */
        global = 100;
        read(p[0], &c, 1);    /* wait until the parent wrote its own values */
        _exit(priv[0] == 100 && global == 100 ? 0 : 3);
    }
    priv[0] = 5;
    global = 5;
    write(p[1], "x", 1);
    expect_exit(pid, 0);
    EQ(priv[0], 5);
    EQ(priv[PAGE / sizeof(int)], 0);
    EQ(global, 5);
}

TEST(mmap_file_private)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    static char data[3 * 4096];
    for (size_t i = 0; i < sizeof data; i++) data[i] = 'A' + i % 23;
    write_all(fd, data, sizeof data);
    char *p = xmmap(NULL, sizeof data, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    EQ(memcmp(p, data, sizeof data), 0);
    p[0] = '#';    /* private: the file does not change */
    char c;
    EQ(pread(fd, &c, 1, 0), 1);
    EQ(c, 'A');
    char *q = xmmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);    /* offset: page 1 */
    EQ(memcmp(q, data + PAGE, PAGE), 0);
    close(fd);    /* the mapping outlives the descriptor */
    EQ(q[10], data[PAGE + 10]);
    EQ(munmap(p, sizeof data), 0);
}

TEST(mmap_file_shared)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    SYS(ftruncate(fd, 2 * PAGE));
    char *p = xmmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(all_zero(p, 2 * PAGE), "mapping of a zero-filled file not zero");
    memcpy(p + 100, "shared write", 12);
    EQ(msync(p, 2 * PAGE, MS_SYNC), 0);
    char buf[12];
    EQ(pread(fd, buf, 12, 100), 12);
    EQ(memcmp(buf, "shared write", 12), 0);
    EQ(pwrite(fd, "via write", 9, PAGE), 9);    /* and writes show in the mapping */
    EQ(memcmp(p + PAGE, "via write", 9), 0);
    EQ(munmap(p, 2 * PAGE), 0);
}

TEST(mmap_file_shared_made_writable_by_mprotect)
{
    /* A shared file mapping made read-only, read (the file's page mapped), then made writable by
     * mprotect: a store goes into the file's page, not into a private copy. */
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "read-only at first", 18);
    char *p = xmmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    EQ(p[0], 'r');
    EQ(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
    memcpy(p, "WRITTEN", 7);
    char buf[18];
    EQ(pread(fd, buf, 18, 0), 18);
    CHECK(memcmp(buf, "WRITTENly at first", 18) == 0, "the file holds %.18s", buf);
    EQ(msync(p, PAGE, MS_ASYNC | MS_INVALIDATE), 0);
    EQ(munmap(p, PAGE), 0);
    close(fd);
}

TEST(msync_arguments)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    SYS(ftruncate(fd, PAGE));
    char *p = xmmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);    /* unaligned */
    ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);    /* both */
    ERR(msync(p, PAGE, 0x100), EINVAL);    /* an unknown flag */
    EQ(msync(p, 0, MS_SYNC), 0);
    EQ(msync(p, 1, 0), 0);    /* no flag: as MS_ASYNC */
    EQ(munmap(p + PAGE, PAGE), 0);
    ERR(msync(p, 3 * PAGE, MS_SYNC), ENOMEM);    /* part of the range is unmapped */
    EQ(msync(p + 2 * PAGE, PAGE, MS_SYNC), 0);    /* private or beyond the file: nothing to write */
    munmap(p, 3 * PAGE);
    close(fd);
}

TEST(mmap_beyond_eof_sigbus)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "short", 5);
    volatile char *p = xmmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    EQ(p[4], 't');
    EQ(p[100], 0);    /* the rest of the last page reads as zeros */
    pid_t pid = xfork();
    if (pid == 0) {
        (void)p[PAGE];    /* a whole page past the end */
        _exit(0);
    }
    expect_signal(pid, SIGBUS);
}

TEST(mmap_bad_arguments)
{
    ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    ERR(mmap((void *)0x10001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0), EBADF);
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);    /* neither private nor shared */
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    SYS(ftruncate(fd, PAGE));
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);    /* unaligned offset */
    int ro = SYS(open("f", O_RDONLY));
    ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    void *ok = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);    /* private is fine */
    CHECK(ok != MAP_FAILED, "private writable mapping of a read-only fd: %s", strerror(errno));
    int wo = SYS(open("f", O_WRONLY));
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wo, 0), EACCES);
    ERR(munmap((void *)0x10001, PAGE), EINVAL);
    EQ(munmap(ok, PAGE), 0);
    EQ(munmap(ok, PAGE), 0);    /* unmapping nothing is not an error */
}

TEST(mmap_fixed_replaces)
{
    char *p = xmmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 4 * PAGE);
    char *q = xmmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EQ(q, p + PAGE);
    EQ(q[0], 0);    /* a fresh page */
    EQ(p[0], 1);
    EQ(p[2 * PAGE], 1);
    /* qemu-user 7.2 takes MAP_FIXED_NOREPLACE for a mere hint. */
    if (!qemu_user()) ERR(mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    /* A hint that is free is honoured. */
    EQ(munmap(p, 4 * PAGE), 0);
    char *r = xmmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EQ(r, p);
}

static char *unmapped_page;
static void touch_unmapped(void) { (void)*(volatile char *)unmapped_page; }

TEST(munmap_then_access_segv)
{
    char *p = xmmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 3 * PAGE);
    EQ(munmap(p + PAGE, PAGE), 0);    /* a hole in the middle */
    EQ(p[0] + p[2 * PAGE], 2);
    unmapped_page = p + PAGE;
    int status = in_child(touch_unmapped);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "access to an unmapped page: %s", status_str(status));
}

static volatile char *ro_page;
static void write_ro(void) { ro_page[0] = 1; }
static void read_none(void) { (void)ro_page[0]; }

TEST(mprotect_readonly_write_segv)
{
    char *p = xmmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 9;
    EQ(mprotect(p, PAGE, PROT_READ), 0);
    EQ(p[0], 9);    /* still readable */
    ro_page = p;
    int status = in_child(write_ro);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "write to a read-only page: %s", status_str(status));
    EQ(mprotect(p, PAGE, PROT_NONE), 0);
    status = in_child(read_none);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "read of a PROT_NONE page: %s", status_str(status));
    EQ(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
    p[0] = 10;    /* writable again, contents kept */
    EQ(p[0], 10);
    /* Raw syscalls: musl's mprotect rounds the address down to a page. */
    ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
    ERR(syscall(SYS_mprotect, 0x10000UL, PAGE, PROT_READ), ENOMEM);    /* nothing mapped there */
}

TEST(mprotect_readonly_write_fault_sigaction_info)
{
    /* The fault is a SIGSEGV with si_code SEGV_ACCERR and the faulting address (see t_signal.c for
     * SEGV_MAPERR). */
    char *p = xmmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro_page = p + 8;
    int fd[2];
    SYS(pipe(fd));
    pid_t pid = xfork();
    if (pid == 0) {
        extern void conform_report_fault(int fd);
        conform_report_fault(fd[1]);
        write_ro();
        _exit(9);
    }
    close(fd[1]);
    siginfo_t si;
    read_exact(fd[0], &si, sizeof si);
    expect_exit(pid, 0);
    EQ(si.si_signo, SIGSEGV);
    EQ(si.si_code, SEGV_ACCERR);
    EQ(si.si_addr, p + 8);
}

TEST(mremap_grow_and_move)
{
    /* Three pages, the third given back: its place is free for a neighbour that forces a move. */
    char *p = xmmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SYS(munmap(p + 2 * PAGE, PAGE));
    memset(p, 0x33, 2 * PAGE);
    char *block = xmmap(p + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EQ(block, p + 2 * PAGE);
    ERR(mremap(p, 2 * PAGE, 8 * PAGE, 0), ENOMEM);    /* no room and may not move */
    char *q = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED, "mremap: %s", strerror(errno));
    CHECK(q != p, "mremap grew into the neighbour's place");
    EQ(q[0], 0x33);
    EQ(q[2 * PAGE - 1], 0x33);
    CHECK(all_zero(q + 2 * PAGE, 6 * PAGE), "grown part not zero");
    q[8 * PAGE - 1] = 1;
    char *r = mremap(q, 8 * PAGE, PAGE, 0);    /* shrink in place */
    EQ(r, q);
    EQ(r[0], 0x33);
    munmap(block, PAGE);
}

TEST(madvise_dontneed_zeroes)
{
    char *p = xmmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 7, 4 * PAGE);
    EQ(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED), 0);
    EQ(p[0], 7);
    CHECK(all_zero(p + PAGE, 2 * PAGE), "private anonymous pages after MADV_DONTNEED not zero");
    EQ(p[3 * PAGE], 7);
}

TEST(mmap_exec_code)
{
    /* mov w0, #42 ; ret */
    static const uint32_t code[] = {0x52800540, 0xd65f03c0};
    uint32_t *p = xmmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, code, sizeof code);
    EQ(mprotect(p, PAGE, PROT_READ | PROT_EXEC), 0);
    __builtin___clear_cache((char *)p, (char *)p + sizeof code);
    int (*fn)(void) = (int (*)(void))p;
    EQ(fn(), 42);
    /* Changing the code (write, then execute again) runs the new code. */
    EQ(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
    p[0] = 0x52800140;    /* mov w0, #10 */
    EQ(mprotect(p, PAGE, PROT_READ | PROT_EXEC), 0);
    __builtin___clear_cache((char *)p, (char *)p + sizeof code);
    EQ(fn(), 10);
}

static void *noexec_page;
static void call_noexec(void) { ((void (*)(void))noexec_page)(); }

TEST(mmap_noexec_segv)
{
    uint32_t *p = xmmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 0xd65f03c0;    /* ret */
    noexec_page = p;
    int status = in_child(call_noexec);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "jump into a non-executable page: %s", status_str(status));
}

TEST(dev_zero_mmap)
{
    int fd = SYS(open("/dev/zero", O_RDWR));
    char *p = xmmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(all_zero(p, 2 * PAGE), "/dev/zero mapping not zero");
    p[5] = 1;
    EQ(p[5], 1);
}

TEST(memfd_create_makes_an_anonymous_file)
{
    int fd = SYS(memfd_create("conform-test", MFD_CLOEXEC));
    char link[128] = {0}, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    SYS(readlink(path, link, sizeof link - 1));
    STREQ(link, "/memfd:conform-test (deleted)");
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    write_all(fd, "hello", 5);
    struct stat st;
    SYS(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode), "mode %o", st.st_mode);
    EQ(st.st_size, 5);
    SYS(ftruncate(fd, 8192));
    /* Two shared mappings of it see each other's writes, and read(2) sees them too. */
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *b = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
    CHECK(memcmp(a, "hello", 5) == 0, "mapping starts %.5s", a);
    strcpy(a + 4096, "shared");
    STREQ(b + 4096, "shared");
    char buf[8] = {0};
    EQ(pread(fd, buf, 6, 4096), 6);
    STREQ(buf, "shared");
    munmap(a, 8192);
    munmap(b, 8192);
    close(fd);
    ERR(memfd_create("x", 0x1000), EINVAL);
}

TEST(shared_mapping_of_a_short_file_is_shared)
{
    /* A file shorter than a page (as sem_open's 32-byte files in /dev/shm): a MAP_SHARED mapping is the
     * file's page, so a forked child's writes reach the parent and the file. */
    int fd = SYS(open("short", O_RDWR | O_CREAT, 0600));
    write_all(fd, "0123456789abcdef0123456789abcdef", 32);
    char *m = mmap(NULL, 32, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
    pid_t pid = xfork();
    if (pid == 0) {
        memcpy(m, "CHILD", 5);
        _exit(0);
    }
    expect_exit(pid, 0);
    CHECK(memcmp(m, "CHILD56789", 10) == 0, "the parent sees %.10s", m);
    char buf[10];
    EQ(pread(fd, buf, 10, 0), 10);
    CHECK(memcmp(buf, "CHILD56789", 10) == 0, "the file holds %.10s", buf);
    /* A write(2) shows in the mapping, and past the end of the file the page reads zeros. */
    EQ(pwrite(fd, "W", 1, 31), 1);
    EQ(m[31], 'W');
    EQ(m[32], 0);
    munmap(m, 32);
    close(fd);
}
