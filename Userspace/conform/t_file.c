/* Files and directories: open/read/write/lseek, pread/pwrite, readv/writev, open flags, directory
 * operations, links, getdents64, stat/statx, permissions, truncation, cwd, times, access. Every test runs
 * in its own fresh temporary directory (the working directory). */
#include "conform.h"

#include <sys/xattr.h>

#include <dirent.h>
#include <stddef.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

TEST(open_read_write_lseek)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    EQ(write(fd, "0123456789", 10), 10);
    EQ(lseek(fd, 0, SEEK_CUR), 10);
    char buf[16] = {0};
    EQ(read(fd, buf, 4), 0);    /* at the end */
    EQ(lseek(fd, 2, SEEK_SET), 2);
    EQ(read(fd, buf, 3), 3);
    EQ(memcmp(buf, "234", 3), 0);
    EQ(lseek(fd, -1, SEEK_CUR), 4);
    EQ(read(fd, buf, 1), 1);
    EQ(buf[0], '4');
    EQ(lseek(fd, -3, SEEK_END), 7);
    EQ(read(fd, buf, 10), 3);
    EQ(memcmp(buf, "789", 3), 0);
    EQ(lseek(fd, 1, SEEK_SET), 1);
    EQ(write(fd, "AB", 2), 2);    /* overwrite in the middle */
    EQ(pread(fd, buf, 10, 0), 10);
    EQ(memcmp(buf, "0AB3456789", 10), 0);
}

TEST(lseek_hole_reads_zeros)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "head", 4);
    EQ(lseek(fd, 100000, SEEK_SET), 100000);    /* beyond the end is allowed */
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, 4);    /* seeking alone does not extend */
    EQ(write(fd, "tail", 4), 4);
    SYS(fstat(fd, &st));
    EQ(st.st_size, 100004);
    static char buf[100004];
    EQ(pread(fd, buf, sizeof buf, 0), 100004);
    EQ(memcmp(buf, "head", 4), 0);
    for (int i = 4; i < 100000; i++)
        if (buf[i] != 0) FAIL("hole byte %d is %d", i, buf[i]);
    EQ(memcmp(buf + 100000, "tail", 4), 0);
}

TEST(lseek_errors)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    ERR(lseek(fd, 0, 99), EINVAL);
    ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    ERR(lseek(fd, -5, SEEK_END), EINVAL);
    EQ(lseek(fd, 0, SEEK_CUR), 0);    /* a failed seek leaves the offset */
    int p[2];
    SYS(pipe(p));
    ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
    ERR(pread(p[0], &fd, 1, 0), ESPIPE);
    ERR(lseek(12345, 0, SEEK_SET), EBADF);
}

TEST(pread_pwrite_keep_offset)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "abcdefgh", 8);
    EQ(lseek(fd, 2, SEEK_SET), 2);
    char buf[8] = {0};
    EQ(syscall(SYS_pread64, fd, buf, 3, 4), 3);
    EQ(memcmp(buf, "efg", 3), 0);
    EQ(syscall(SYS_pwrite64, fd, "XY", 2, 6), 2);
    EQ(lseek(fd, 0, SEEK_CUR), 2);
    EQ(pread(fd, buf, 8, 0), 8);
    EQ(memcmp(buf, "abcdefXY", 8), 0);
    EQ(pread(fd, buf, 8, 100), 0);    /* past the end: nothing */
    ERR(pread(fd, buf, 1, -1), EINVAL);
    EQ(pwrite(fd, "Z", 1, 10), 1);    /* pwrite past the end extends with a hole */
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, 11);
}

TEST(readv_writev_file)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    struct iovec out[3] = {{"one", 3}, {"-", 1}, {"two", 3}};
    EQ(writev(fd, out, 3), 7);
    EQ(lseek(fd, 0, SEEK_SET), 0);
    char a[2], b[10] = {0};
    struct iovec in[2] = {{a, 2}, {b, 10}};
    EQ(readv(fd, in, 2), 7);
    EQ(memcmp(a, "on", 2), 0);
    STREQ(b, "e-two");
    struct iovec at[1] = {{b, 3}};
    EQ(preadv(fd, at, 1, 4), 3);
    EQ(memcmp(b, "two", 3), 0);
}

TEST(o_append)
{
    int fd = SYS(open("f", O_CREAT | O_WRONLY | O_APPEND, 0644));
    write_all(fd, "first", 5);
    EQ(lseek(fd, 0, SEEK_SET), 0);
    write_all(fd, "second", 6);    /* goes to the end regardless of the offset */
    EQ(lseek(fd, 0, SEEK_CUR), 11);
    int other = SYS(open("f", O_WRONLY));
    write_all(other, "XX", 2);    /* a non-append writer at 0 */
    write_all(fd, "!", 1);
    char buf[16] = {0};
    int rd = SYS(open("f", O_RDONLY));
    EQ(read(rd, buf, sizeof buf), 12);
    STREQ(buf, "XXrstsecond!");
}

TEST(o_creat_excl)
{
    int fd = SYS(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    close(fd);
    ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    SYS(mkdir("d", 0755));
    ERR(open("d", O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
    SYS(symlink("dangling-target", "l"));
    ERR(open("l", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);    /* O_EXCL does not follow */
    ERR(access("dangling-target", F_OK), ENOENT);
    fd = SYS(open("l", O_CREAT | O_WRONLY, 0644));    /* without O_EXCL it creates the target */
    close(fd);
    EQ(access("dangling-target", F_OK), 0);
}

TEST(o_trunc)
{
    write_file("f", "some content");
    int fd = SYS(open("f", O_WRONLY | O_TRUNC));
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, 0);
    write_all(fd, "ab", 2);
    close(fd);
    /* Linux truncates even when the file is opened read-only (O_TRUNC asks for write permission). */
    fd = SYS(open("f", O_RDONLY | O_TRUNC));
    SYS(fstat(fd, &st));
    EQ(st.st_size, 0);
    /* O_TRUNC on a FIFO or a device is ignored. */
    fd = SYS(open("/dev/null", O_WRONLY | O_TRUNC));
}

TEST(o_directory_enotdir)
{
    write_file("f", "x");
    SYS(mkdir("d", 0755));
    ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    int fd = SYS(open("d", O_RDONLY | O_DIRECTORY));
    close(fd);
    ERR(open("f/x", O_RDONLY), ENOTDIR);
    ERR(open("f/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
    ERR(open("f/", O_RDONLY), ENOTDIR);    /* a trailing slash demands a directory */
    struct stat st;
    ERR(stat("f/", &st), ENOTDIR);
    EQ(stat("d/", &st), 0);
}

TEST(open_enoent)
{
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(open("missing/x", O_CREAT | O_WRONLY, 0644), ENOENT);
    ERR(open("", O_RDONLY), ENOENT);
    struct stat st;
    ERR(stat("missing", &st), ENOENT);
    ERR(open((char *)1, O_RDONLY), EFAULT);
}

TEST(open_dir_for_write_eisdir)
{
    SYS(mkdir("d", 0755));
    ERR(open("d", O_WRONLY), EISDIR);
    ERR(open("d", O_RDWR), EISDIR);
    ERR(open("d", O_CREAT | O_WRONLY, 0644), EISDIR);
    int fd = SYS(open("d", O_RDONLY));
    char c;
    ERR(read(fd, &c, 1), EISDIR);
}

TEST(name_too_long)
{
    char name[300];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    ERR(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    name[255] = 0;    /* 255 characters is the limit */
    int fd = SYS(open(name, O_CREAT | O_WRONLY, 0644));
    close(fd);
    SYS(unlink(name));
}

TEST(mkdir_rmdir)
{
    EQ(mkdir("d", 0755), 0);
    ERR(mkdir("d", 0755), EEXIST);
    struct stat st;
    SYS(stat("d", &st));
    CHECK(S_ISDIR(st.st_mode), "mode %o is not a directory", st.st_mode);
    EQ(st.st_nlink, 2);
    SYS(mkdir("d/sub", 0755));
    SYS(stat("d", &st));
    EQ(st.st_nlink, 3);    /* sub's ".." */
    ERR(rmdir("d"), ENOTEMPTY);
    write_file("file", "x");
    ERR(rmdir("file"), ENOTDIR);
    ERR(rmdir("missing"), ENOENT);
    ERR(rmdir("d/sub/."), EINVAL);
    ERR(mkdir("missing/x", 0755), ENOENT);
    ERR(mkdir("file/x", 0755), ENOTDIR);
    EQ(rmdir("d/sub"), 0);
    EQ(rmdir("d"), 0);
    ERR(stat("d", &st), ENOENT);
}

TEST(unlink_semantics)
{
    write_file("f", "data");
    int fd = SYS(open("f", O_RDONLY));
    EQ(unlink("f"), 0);
    ERR(unlink("f"), ENOENT);
    ERR(open("f", O_RDONLY), ENOENT);
    char buf[8] = {0};
    EQ(read(fd, buf, 8), 4);    /* an open file outlives its name */
    STREQ(buf, "data");
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_nlink, 0);
    SYS(mkdir("d", 0755));
    ERR(unlink("d"), EISDIR);
    EQ(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR), 0);
    write_file("g", "x");
    ERR(unlinkat(AT_FDCWD, "g", AT_REMOVEDIR), ENOTDIR);
}

TEST(rename_cases)
{
    write_file("a", "AAA");
    write_file("b", "BBBBB");
    int held = SYS(open("b", O_RDONLY));
    EQ(rename("a", "b"), 0);    /* replaces atomically */
    ERR(access("a", F_OK), ENOENT);
    char buf[8] = {0};
    read_file("b", buf, sizeof buf);
    STREQ(buf, "AAA");
    EQ(read(held, buf, 8), 5);    /* the replaced file lives on while open */
    EQ(rename("b", "b"), 0);    /* same name: nothing */
    SYS(mkdir("d1", 0755));
    SYS(mkdir("d2", 0755));
    write_file("d2/x", "x");
    ERR(rename("d1", "d2"), ENOTEMPTY);
    ERR(rename("b", "d1"), EISDIR);
    ERR(rename("d1", "b"), ENOTDIR);
    ERR(rename("d1", "d1/inside"), EINVAL);
    ERR(rename("missing", "c"), ENOENT);
    SYS(unlink("d2/x"));
    EQ(rename("d1", "d2"), 0);    /* onto an empty directory */
    ERR(access("d1", F_OK), ENOENT);
    EQ(rename("b", "d2/moved"), 0);
    EQ(access("d2/moved", F_OK), 0);
    write_file("c", "c");
    EQ(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "d2/moved", 1 /* RENAME_NOREPLACE */), -1);
    EQ(errno, EEXIST);
}

TEST(link_nlink)
{
    write_file("a", "x");
    EQ(link("a", "b"), 0);
    struct stat sa, sb;
    SYS(stat("a", &sa));
    SYS(stat("b", &sb));
    EQ(sa.st_ino, sb.st_ino);
    EQ(sa.st_nlink, 2);
    EQ(sb.st_nlink, 2);
    ERR(link("a", "b"), EEXIST);
    ERR(link("missing", "c"), ENOENT);
    SYS(mkdir("d", 0755));
    ERR(link("d", "e"), EPERM);    /* no hard links to directories */
    int fd = SYS(open("b", O_WRONLY | O_APPEND));
    write_all(fd, "y", 1);    /* visible through the other name */
    char buf[4] = {0};
    read_file("a", buf, sizeof buf);
    STREQ(buf, "xy");
    EQ(unlink("a"), 0);
    SYS(stat("b", &sb));
    EQ(sb.st_nlink, 1);
}

TEST(symlink_readlink)
{
    write_file("target", "T");
    EQ(symlink("target", "l"), 0);
    char buf[64];
    memset(buf, '#', sizeof buf);
    EQ(readlink("l", buf, sizeof buf), 6);    /* no terminating NUL */
    EQ(memcmp(buf, "target#", 7), 0);
    EQ(readlink("l", buf, 3), 3);    /* truncated silently */
    struct stat st;
    SYS(lstat("l", &st));
    CHECK(S_ISLNK(st.st_mode), "lstat mode %o is not a link", st.st_mode);
    EQ(st.st_size, 6);
    SYS(stat("l", &st));
    CHECK(S_ISREG(st.st_mode), "stat did not follow the link");
    ERR(readlink("target", buf, sizeof buf), EINVAL);
    ERR(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
    SYS(symlink("nowhere", "dangling"));
    ERR(open("dangling", O_RDONLY), ENOENT);
    SYS(symlink("loop2", "loop1"));
    SYS(symlink("loop1", "loop2"));
    ERR(open("loop1", O_RDONLY), ELOOP);
    ERR(symlink("x", "l"), EEXIST);
    SYS(mkdir("d", 0755));
    SYS(symlink("d", "dl"));
    write_file("dl/through", "x");    /* a directory link in the middle of a path */
    EQ(access("d/through", F_OK), 0);
    SYS(symlink("../target", "d/up"));    /* relative to the link's directory */
    EQ(read_file("d/up", buf, sizeof buf), 1);
    EQ(unlink("l"), 0);    /* unlink removes the link, not the target */
    EQ(access("target", F_OK), 0);
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

TEST(getdents64_lists_names)
{
    write_file("alpha", "");
    write_file("beta", "");
    SYS(mkdir("gamma", 0755));
    SYS(symlink("alpha", "delta"));
    int fd = SYS(open(".", O_RDONLY | O_DIRECTORY));
    static char buf[4096];
    const char *names[] = {".", "..", "alpha", "beta", "gamma", "delta"};
    const int types[] = {DT_DIR, DT_DIR, DT_REG, DT_REG, DT_DIR, DT_LNK};
    int seen[6] = {0}, total = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        CHECK(n >= 0, "getdents64: %s", strerror(errno));
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            CHECK(d->d_reclen >= offsetof(struct linux_dirent64, d_name) + 2 && d->d_reclen % 8 == 0 &&
                      off + d->d_reclen <= n,
                  "bad d_reclen %u", d->d_reclen);
            int i = 0;
            while (i < 6 && strcmp(names[i], d->d_name) != 0) i++;
            CHECK(i < 6, "unexpected entry \"%s\"", d->d_name);
            CHECK(!seen[i], "entry \"%s\" listed twice", d->d_name);
            seen[i] = 1;
            EQ(d->d_type, types[i]);
            CHECK(d->d_ino != 0, "entry %s has inode 0", d->d_name);
            if (i >= 2) {
                struct stat st;
                SYS(lstat(d->d_name, &st));
                EQ(d->d_ino, st.st_ino);
            }
            total++;
            off += d->d_reclen;
        }
    }
    EQ(total, 6);
    EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);    /* stays at the end */
    /* Seeking back to 0 lists again. */
    EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK(syscall(SYS_getdents64, fd, buf, sizeof buf) > 0, "nothing after rewinding");
}

TEST(getdents64_small_buffer)
{
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "file%02d", i);
        write_file(name, "");
    }
    int fd = SYS(open(".", O_RDONLY | O_DIRECTORY));
    char tiny[8];
    ERR(syscall(SYS_getdents64, fd, tiny, sizeof tiny), EINVAL);    /* not even one entry fits */
    /* A buffer for about one entry at a time still lists all of them, each once. */
    char buf[40];
    int count = 0, mask = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        CHECK(n >= 0, "getdents64: %s", strerror(errno));
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (strncmp(d->d_name, "file", 4) == 0) {
                int i = atoi(d->d_name + 4);
                CHECK(!(mask & (1 << i)), "%s listed twice", d->d_name);
                mask |= 1 << i;
            }
            count++;
            off += d->d_reclen;
        }
    }
    EQ(count, 22);
    EQ(mask, (1 << 20) - 1);
    int file = SYS(open("file00", O_RDONLY));
    ERR(syscall(SYS_getdents64, file, buf, sizeof buf), ENOTDIR);
}

TEST(getdents64_after_unlink)
{
    write_file("keep", "");
    write_file("gone", "");
    SYS(unlink("gone"));
    DIR *d = opendir(".");
    CHECK(d, "opendir: %s", strerror(errno));
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        CHECK(strcmp(e->d_name, "gone") != 0, "unlinked name still listed");
        n++;
    }
    EQ(n, 3);
    closedir(d);
}

TEST(stat_fields)
{
    int fd = SYS(open("f", O_CREAT | O_WRONLY, 0640));
    write_all(fd, "12345", 5);
    struct stat st, fst, ast;
    SYS(stat("f", &st));
    CHECK(S_ISREG(st.st_mode), "mode %o not regular", st.st_mode);
    EQ(st.st_mode & 07777, 0640);
    EQ(st.st_size, 5);
    EQ(st.st_nlink, 1);
    EQ(st.st_uid, geteuid());
    EQ(st.st_gid, getegid());
    CHECK(st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
    CHECK(st.st_ino != 0, "inode 0");
    SYS(fstat(fd, &fst));
    EQ(fst.st_ino, st.st_ino);
    EQ(fst.st_dev, st.st_dev);
    EQ(fst.st_size, 5);
    SYS(syscall(SYS_newfstatat, AT_FDCWD, "f", &ast, 0));
    EQ(ast.st_ino, st.st_ino);
    SYS(fstatat(fd, "", &ast, AT_EMPTY_PATH));
    EQ(ast.st_ino, st.st_ino);
    int dirfd = SYS(open(".", O_RDONLY | O_DIRECTORY));
    SYS(fstatat(dirfd, "f", &ast, 0));
    EQ(ast.st_ino, st.st_ino);
    ERR(fstatat(fd, "x", &ast, 0), ENOTDIR);    /* relative to a non-directory */
    SYS(mkdir("d", 0755));
    SYS(stat("d", &st));
    CHECK(S_ISDIR(st.st_mode), "mode %o not a directory", st.st_mode);
    SYS(stat("/dev/null", &st));
    CHECK(S_ISCHR(st.st_mode), "/dev/null mode %o not a character device", st.st_mode);
    EQ(major(st.st_rdev), 1);
    EQ(minor(st.st_rdev), 3);
    int p[2];
    SYS(pipe(p));
    SYS(fstat(p[0], &st));
    CHECK(S_ISFIFO(st.st_mode), "pipe mode %o not a FIFO", st.st_mode);
    ERR(fstat(12345, &st), EBADF);
    ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", (struct stat *)1, 0), EFAULT);    /* (musl's stat copies) */
}

/* struct statx as the kernel defines it (musl 1.2.3 has no statx wrapper). */
struct kstatx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t reserved; };
struct kstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct kstatx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};

TEST(statx_fields)
{
    int fd = SYS(open("f", O_CREAT | O_WRONLY, 0600));
    write_all(fd, "abc", 3);
    struct kstatx sx;
    memset(&sx, 0xff, sizeof sx);
    EQ(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff /* STATX_BASIC_STATS */, &sx), 0);
    CHECK((sx.mask & 0x7ff) == 0x7ff, "stx_mask %#x lacks basic stats", sx.mask);
    struct stat st;
    SYS(stat("f", &st));
    EQ(sx.mode, st.st_mode);
    EQ(sx.size, 3);
    EQ(sx.nlink, 1);
    EQ(sx.ino, st.st_ino);
    EQ(sx.uid, st.st_uid);
    EQ(sx.mtime.tv_sec, st.st_mtim.tv_sec);
    EQ(sx.mtime.tv_nsec, st.st_mtim.tv_nsec);
    EQ(makedev(sx.dev_major, sx.dev_minor), st.st_dev);
    memset(&sx, 0, sizeof sx);
    EQ(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, &sx), 0);
    EQ(sx.ino, st.st_ino);
    SYS(symlink("f", "l"));
    EQ(syscall(SYS_statx, AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, 0x7ff, &sx), 0);
    CHECK(S_ISLNK(sx.mode), "statx AT_SYMLINK_NOFOLLOW mode %o", sx.mode);
    EQ(syscall(SYS_statx, AT_FDCWD, "l", 0, 0x7ff, &sx), 0);
    CHECK(S_ISREG(sx.mode), "statx did not follow the link (mode %o)", sx.mode);
    ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, 0x7ff, &sx), ENOENT);
    ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u /* STATX__RESERVED */, &sx), EINVAL);
}

TEST(umask_and_chmod)
{
    EQ(umask(027), 022);    /* the runner's value */
    EQ(umask(027), 027);
    int fd = SYS(open("f", O_CREAT | O_WRONLY, 0777));
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_mode & 0777, 0750);
    SYS(mkdir("d", 0777));
    SYS(stat("d", &st));
    EQ(st.st_mode & 0777, 0750);
    EQ(fchmod(fd, 04604), 0);    /* fchmod ignores the umask, keeps set-user-ID for the owner */
    SYS(fstat(fd, &st));
    EQ(st.st_mode & 07777, 04604);
    EQ(chmod("f", 0600), 0);
    SYS(stat("f", &st));
    EQ(st.st_mode & 07777, 0600);
    CHECK(S_ISREG(st.st_mode), "chmod changed the file type");
    EQ(fchmodat(AT_FDCWD, "d", 0700, 0), 0);
    SYS(stat("d", &st));
    EQ(st.st_mode & 07777, 0700);
    ERR(chmod("missing", 0600), ENOENT);
    umask(0);
    fd = SYS(open("g", O_CREAT | O_WRONLY, 0666));
    SYS(fstat(fd, &st));
    EQ(st.st_mode & 0777, 0666);
}

TEST(ftruncate_truncate)
{
    int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
    write_all(fd, "0123456789", 10);
    EQ(ftruncate(fd, 4), 0);
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, 4);
    EQ(lseek(fd, 0, SEEK_CUR), 10);    /* the offset does not move */
    EQ(ftruncate(fd, 8), 0);    /* growing fills with zeros */
    char buf[8];
    EQ(pread(fd, buf, 8, 0), 8);
    EQ(memcmp(buf, "0123\0\0\0\0", 8), 0);
    EQ(truncate("f", 2), 0);
    SYS(fstat(fd, &st));
    EQ(st.st_size, 2);
    ERR(ftruncate(fd, -1), EINVAL);
    int ro = SYS(open("f", O_RDONLY));
    ERR(ftruncate(ro, 0), EINVAL);    /* not open for writing */
    SYS(mkdir("d", 0755));
    ERR(truncate("d", 0), EISDIR);
    ERR(truncate("missing", 0), ENOENT);
}

TEST(chdir_fchdir_getcwd)
{
    char cwd[4096], want[4096];
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", strerror(errno));
    STREQ(cwd, conform_tmp);
    SYS(mkdir("sub", 0755));
    EQ(chdir("sub"), 0);
    snprintf(want, sizeof want, "%s/sub", conform_tmp);
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", strerror(errno));
    STREQ(cwd, want);
    /* The raw syscall returns the length including the NUL. */
    EQ(syscall(SYS_getcwd, cwd, sizeof cwd), strlen(want) + 1);
    ERR(syscall(SYS_getcwd, cwd, 3), ERANGE);
    EQ(chdir(".."), 0);
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", strerror(errno));
    STREQ(cwd, conform_tmp);
    int fd = SYS(open("sub", O_RDONLY | O_DIRECTORY));
    EQ(fchdir(fd), 0);
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", strerror(errno));
    STREQ(cwd, want);
    write_file("file", "x");
    ERR(chdir("file"), ENOTDIR);
    ERR(chdir("missing"), ENOENT);
    int ffd = SYS(open("file", O_RDONLY));
    ERR(fchdir(ffd), ENOTDIR);
    EQ(chdir("/"), 0);
    EQ(chdir(".."), 0);    /* the root's parent is the root */
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", strerror(errno));
    STREQ(cwd, "/");
    EQ(chdir(want), 0);
    SYS(unlink("file"));
    /* A directory removed while it is the cwd: getcwd fails with ENOENT, relative lookups fail. */
    EQ(rmdir(want), 0);
    ERR(syscall(SYS_getcwd, cwd, sizeof cwd), ENOENT);
    ERR(open("new", O_CREAT | O_WRONLY, 0644), ENOENT);
}

TEST(cwd_inherited_by_child)
{
    SYS(mkdir("sub", 0755));
    SYS(chdir("sub"));
    pid_t pid = xfork();
    if (pid == 0) {
        write_file("from-child", "x");
        SYS(chdir(".."));    /* the child's chdir does not affect the parent */
        _exit(0);
    }
    expect_exit(pid, 0);
    EQ(access("from-child", F_OK), 0);
}

TEST(utimensat_times)
{
    write_file("f", "x");
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    EQ(utimensat(AT_FDCWD, "f", ts, 0), 0);
    struct stat st;
    SYS(stat("f", &st));
    EQ(st.st_atim.tv_sec, 1000000000);
    EQ(st.st_atim.tv_nsec, 123456789);
    EQ(st.st_mtim.tv_sec, 1200000000);
    EQ(st.st_mtim.tv_nsec, 987654321);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
    EQ(utimensat(AT_FDCWD, "f", omit, 0), 0);
    SYS(stat("f", &st));
    EQ(st.st_atim.tv_sec, 1000000000);    /* kept */
    EQ(st.st_mtim.tv_sec, 1300000000);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    EQ(utimensat(AT_FDCWD, "f", now, 0), 0);
    SYS(stat("f", &st));
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    CHECK(st.st_mtim.tv_sec >= rt.tv_sec - 5 && st.st_mtim.tv_sec <= rt.tv_sec + 1,
          "UTIME_NOW mtime %lld, now %lld", (long long)st.st_mtim.tv_sec, (long long)rt.tv_sec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
    ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
    int fd = SYS(open("f", O_RDONLY));
    EQ(futimens(fd, ts), 0);
    SYS(stat("f", &st));
    EQ(st.st_mtim.tv_sec, 1200000000);
}

TEST(mtime_ctime_update)
{
    write_file("f", "x");
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    SYS(utimensat(AT_FDCWD, "f", old, 0));
    int fd = SYS(open("f", O_WRONLY | O_APPEND));
    write_all(fd, "y", 1);
    struct stat st;
    SYS(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec > 1000000000, "write did not update mtime");
    CHECK(st.st_ctim.tv_sec > 1000000000, "write did not update ctime");
}

TEST(faccessat_modes)
{
    write_file("f", "x");
    SYS(chmod("f", 0644));
    EQ(access("f", F_OK), 0);
    EQ(access("f", R_OK), 0);
    EQ(faccessat(AT_FDCWD, "f", R_OK | W_OK, 0), 0);
    ERR(access("f", X_OK), EACCES);    /* no execute bit at all: refused even to root */
    ERR(access("missing", F_OK), ENOENT);
    SYS(chmod("f", 0444));
    if (geteuid() == 0) EQ(access("f", W_OK), 0);    /* root may write anyway */
    else ERR(access("f", W_OK), EACCES);
    SYS(chmod("f", 0755));
    EQ(access("f", X_OK), 0);
    ERR(access("f/x", F_OK), ENOTDIR);
    ERR(access("f", 0x100), EINVAL);
    EQ(syscall(SYS_faccessat, AT_FDCWD, "f", X_OK), 0);
}

TEST(permission_denied_non_root)
{
    write_file("secret", "x");
    SYS(chmod("secret", 0600));
    SYS(mkdir("locked", 0700));
    SYS(chmod(".", 0755));    /* others may search our directory, but not write it */
    pid_t pid = xfork();
    if (pid == 0) {
        if (getuid() == 0) {
            SYS(setgid(54321));
            SYS(setuid(54321));
        }
        if (getuid() == 0) conform_skip("cannot leave root");
        ERR(open("secret", O_RDONLY), EACCES);
        ERR(open("locked/x", O_CREAT | O_WRONLY, 0644), EACCES);
        ERR(access("secret", R_OK), EACCES);
        ERR(chmod("secret", 0777), EPERM);    /* not the owner */
        ERR(unlink("secret"), EACCES);    /* the directory is not writable for us */
        _exit(0);
    }
    expect_exit(pid, 0);
}

TEST(openat_relative_to_dirfd)
{
    SYS(mkdir("d", 0755));
    int dfd = SYS(open("d", O_RDONLY | O_DIRECTORY));
    int fd = SYS(openat(dfd, "inner", O_CREAT | O_WRONLY, 0644));
    write_all(fd, "in", 2);
    close(fd);
    EQ(access("d/inner", F_OK), 0);
    EQ(mkdirat(dfd, "sub", 0755), 0);
    EQ(access("d/sub", F_OK), 0);
    EQ(renameat(dfd, "inner", dfd, "sub/moved"), 0);
    EQ(access("d/sub/moved", F_OK), 0);
    EQ(linkat(dfd, "sub/moved", AT_FDCWD, "top", 0), 0);
    EQ(symlinkat("top", dfd, "sl"), 0);
    char buf[8] = {0};
    EQ(readlinkat(dfd, "sl", buf, sizeof buf), 3);
    fd = SYS(openat(AT_FDCWD, "top", O_RDONLY));
    EQ(read(fd, buf, 8), 2);
    int file = SYS(open("top", O_RDONLY));
    ERR(openat(file, "x", O_RDONLY), ENOTDIR);
    ERR(openat(12345, "x", O_RDONLY), EBADF);
    fd = SYS(openat(file, "/dev/null", O_RDONLY));    /* absolute paths ignore dirfd */
}

TEST(fifo_named)
{
    EQ(mkfifo("fifo", 0644), 0);
    struct stat st;
    SYS(stat("fifo", &st));
    CHECK(S_ISFIFO(st.st_mode), "mode %o is not a FIFO", st.st_mode);
    pid_t pid = xfork();
    if (pid == 0) {
        int w = SYS(open("fifo", O_WRONLY));    /* blocks until a reader opens */
        write_all(w, "through fifo", 12);
        _exit(0);
    }
    int r = SYS(open("fifo", O_RDONLY));
    char buf[16] = {0};
    read_exact(r, buf, 12);
    STREQ(buf, "through fifo");
    expect_exit(pid, 0);
    EQ(read(r, buf, 1), 0);
    close(r);
    ERR(open("fifo", O_WRONLY | O_NONBLOCK), ENXIO);    /* no reader */
    r = SYS(open("fifo", O_RDONLY | O_NONBLOCK));    /* a reader need not wait for a writer */
    EQ(read(r, buf, 1), 0);
}

TEST(sendfile_copy)
{
    int src = SYS(open("src", O_CREAT | O_RDWR, 0644));
    static char data[20000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = 'a' + i % 26;
    write_all(src, data, sizeof data);
    SYS(lseek(src, 0, SEEK_SET));
    int dst = SYS(open("dst", O_CREAT | O_RDWR, 0644));
    off_t off = 100;
    EQ(sendfile(dst, src, &off, 5000), 5000);
    EQ(off, 5100);
    EQ(lseek(src, 0, SEEK_CUR), 0);    /* with an offset pointer the file offset stays */
    long total = 0, r;
    while ((r = sendfile(dst, src, NULL, 1 << 20)) > 0) total += r;    /* without: uses and moves it */
    EQ(r, 0);
    EQ(total, 20000);
    EQ(lseek(src, 0, SEEK_CUR), 20000);
    static char back[25000];
    EQ(pread(dst, back, sizeof back, 0), 25000);
    EQ(memcmp(back, data + 100, 5000), 0);
    EQ(memcmp(back + 5000, data, 20000), 0);
}

static long copy_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len, unsigned flags)
{
    return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
}

/* What coreutils 9's cp tries first. A null offset pointer uses and moves the file's offset; a pointer's
 * value is used and updated instead, leaving the file's offset alone. The copy stops at the input's end. */
TEST(copy_file_range_offsets)
{
    write_file("a", "0123456789abcdef");
    int a = SYS(open("a", O_RDONLY));
    int b = SYS(open("b", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    EQ(lseek(a, 2, SEEK_SET), 2);
    EQ(copy_range(a, NULL, b, NULL, 5, 0), 5);
    EQ(lseek(a, 0, SEEK_CUR), 7);
    EQ(lseek(b, 0, SEEK_CUR), 5);
    loff_t in = 10, out = 3;
    EQ(copy_range(a, &in, b, &out, 100, 0), 6);
    EQ(in, 16);
    EQ(out, 9);
    EQ(lseek(a, 0, SEEK_CUR), 7);
    EQ(lseek(b, 0, SEEK_CUR), 5);
    in = 16;
    EQ(copy_range(a, &in, b, &out, 10, 0), 0);    /* at the input's end */
    in = 100;
    EQ(copy_range(a, &in, b, &out, 10, 0), 0);    /* past it */
    EQ(out, 9);
    char buf[32];
    read_file("b", buf, sizeof buf);
    STREQ(buf, "234abcdef");
    EQ(copy_range(a, NULL, b, NULL, 0, 0), 0);
    close(a);
    close(b);
}

TEST(copy_file_range_errors)
{
    write_file("a", "0123456789abcdef");
    int a = SYS(open("a", O_RDWR));
    int b = SYS(open("b", O_RDWR | O_CREAT, 0644));
    ERR(copy_range(a, NULL, b, NULL, 4, 1), EINVAL);
    ERR(copy_range(-1, NULL, b, NULL, 4, 0), EBADF);
    ERR(copy_range(a, NULL, 999, NULL, 4, 0), EBADF);
    int ro = SYS(open("b", O_RDONLY)), wo = SYS(open("a", O_WRONLY)), app = SYS(open("b", O_WRONLY | O_APPEND));
    ERR(copy_range(a, NULL, ro, NULL, 4, 0), EBADF);
    ERR(copy_range(wo, NULL, b, NULL, 4, 0), EBADF);
    ERR(copy_range(a, NULL, app, NULL, 4, 0), EBADF);
    int dir = SYS(open(".", O_RDONLY | O_DIRECTORY));
    ERR(copy_range(dir, NULL, b, NULL, 4, 0), EISDIR);
    int p[2];
    SYS(pipe(p));
    ERR(copy_range(a, NULL, p[1], NULL, 4, 0), EINVAL);
    ERR(copy_range(p[0], NULL, b, NULL, 4, 0), EINVAL);
    loff_t neg = -1;
    ERR(copy_range(a, &neg, b, NULL, 4, 0), EOVERFLOW);    /* -1 + 4 wraps as an unsigned number */
    ERR(copy_range(a, &neg, b, NULL, 0, 0), EINVAL);
    /* Within one file: overlapping ranges are refused, others copied. */
    loff_t in = 0, out = 4;
    ERR(copy_range(a, &in, a, &out, 8, 0), EINVAL);
    in = 0, out = 16;
    EQ(copy_range(a, &in, a, &out, 4, 0), 4);
    char buf[32];
    read_file("a", buf, sizeof buf);
    STREQ(buf, "0123456789abcdef0123");
    ERR(copy_range(a, (loff_t *)1, b, NULL, 4, 0), EFAULT);
    close(a), close(b), close(ro), close(wo), close(app), close(dir), close(p[0]), close(p[1]);
}

TEST(read_write_large_file)
{
    static unsigned char out[1 << 20], in[1 << 20];
    for (size_t i = 0; i < sizeof out; i++) out[i] = (unsigned char)(i ^ (i >> 8) ^ (i >> 16));
    int fd = SYS(open("big", O_CREAT | O_RDWR | O_TRUNC, 0644));
    write_all(fd, out, sizeof out);
    EQ(fsync(fd), 0);
    EQ(fdatasync(fd), 0);
    struct stat st;
    SYS(fstat(fd, &st));
    EQ(st.st_size, sizeof out);
    CHECK(st.st_blocks * 512 >= (long long)sizeof out / 2, "st_blocks %lld for 1 MiB", (long long)st.st_blocks);
    SYS(lseek(fd, 0, SEEK_SET));
    read_exact(fd, in, sizeof in);
    EQ(memcmp(in, out, sizeof in), 0);
    sync();
}

TEST(user_xattrs_on_tmpfs_are_not_supported)
{
    /* Linux 6.1's tmpfs has no user.* attributes: each call says EOPNOTSUPP, and a list is empty. */
    if (qemu_user())
        conform_skip("the host's /tmp may be another file system");
    write_file("x", "data");
    char buf[64];
    ERR(getxattr("x", "user.test", buf, sizeof buf), EOPNOTSUPP);
    ERR(lgetxattr("x", "user.test", buf, sizeof buf), EOPNOTSUPP);
    ERR(setxattr("x", "user.test", "v", 1, 0), EOPNOTSUPP);
    ERR(removexattr("x", "user.test"), EOPNOTSUPP);
    EQ(listxattr("x", buf, sizeof buf), 0);
    EQ(llistxattr("x", buf, sizeof buf), 0);
    int fd = SYS(open("x", O_RDONLY));
    ERR(fgetxattr(fd, "user.test", buf, sizeof buf), EOPNOTSUPP);
    EQ(flistxattr(fd, buf, sizeof buf), 0);
    close(fd);
    ERR(getxattr("missing", "user.test", buf, sizeof buf), ENOENT);
    ERR(listxattr("missing", buf, sizeof buf), ENOENT);
    ERR(fgetxattr(-1, "user.test", buf, sizeof buf), EBADF);
}
