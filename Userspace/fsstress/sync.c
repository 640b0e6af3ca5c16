/* Phase "sync": sync(), syncfs() and fsync()/fdatasync() on a file and a directory succeed, and fail
 * as Linux's do on a bad descriptor (EBADF) and on a pipe (EINVAL). Writes DIR/sync.txt, 4096 lines
 * "fsstress sync seed SEED line NNNNN\n" (NNNNN from 00000), makes it durable with fdatasync, fsync
 * and syncfs, reads it back and leaves it, so that a test can check it on the disk after the run. */
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NAME "sync.txt"
#define LINES 4096

static size_t line(int i, char *out, size_t size)
{
    return (size_t)snprintf(out, size, "fsstress sync seed %llu line %05d\n", (unsigned long long)opt_seed, i);
}

long phase_sync(void)
{
    char text[96], got[96];
    remove_tree(NAME);

    phase_ops++;
    sync(); /* void: it cannot fail, but it must return */

    int fd = xopen(NAME, O_CREAT | O_EXCL | O_WRONLY, 0644);
    uint64_t size = 0;
    for (int i = 0; i < LINES; i++) {
        size_t len = line(i, text, sizeof text);
        xpwrite(fd, text, len, size, NAME);
        size += len;
        if (i == LINES / 2) {
            phase_ops++;
            if (fdatasync(fd) != 0) FAIL("fdatasync(%s) half-way: %s", full(NAME), errstr(errno));
        }
    }
    phase_ops++;
    if (fdatasync(fd) != 0) FAIL("fdatasync(%s): %s", full(NAME), errstr(errno));
    phase_ops++;
    if (fsync(fd) != 0) FAIL("fsync(%s): %s", full(NAME), errstr(errno));
    phase_ops++;
    if (syncfs(fd) != 0) FAIL("syncfs(fd of %s): %s", full(NAME), errstr(errno));
    xclose(fd, NAME);

    int dir = xopen(".", O_RDONLY | O_DIRECTORY, 0);
    phase_ops++;
    if (fsync(dir) != 0) FAIL("fsync(%s, a directory): %s", opt_dir, errstr(errno));
    phase_ops++;
    if (fdatasync(dir) != 0) FAIL("fdatasync(%s, a directory): %s", opt_dir, errstr(errno));
    phase_ops++;
    if (syncfs(dir) != 0) FAIL("syncfs(%s): %s", opt_dir, errstr(errno));
    xclose(dir, ".");

    /* Bad descriptors. */
    phase_ops += 4;
    expect_result(fsync(-1), EBADF, "fsync(-1)");
    expect_result(fdatasync(-1), EBADF, "fdatasync(-1)");
    expect_result(syncfs(-1), EBADF, "syncfs(-1)");
    expect_result(fsync(1000), EBADF, "fsync(1000), a closed descriptor");
    int p[2];
    if (pipe(p) != 0) FAIL("pipe: %s", errstr(errno));
    phase_ops += 2;
    expect_result(fsync(p[0]), EINVAL, "fsync(a pipe)");
    expect_result(fdatasync(p[1]), EINVAL, "fdatasync(a pipe)");
    close(p[0]);
    close(p[1]);

    /* Read back. */
    fd = xopen(NAME, O_RDONLY, 0);
    struct stat st;
    xfstat(fd, NAME, &st);
    if ((uint64_t)st.st_size != size) FAIL("fstat(%s): size %lld, expected %llu", full(NAME), (long long)st.st_size, (unsigned long long)size);
    uint64_t off = 0;
    for (int i = 0; i < LINES; i++) {
        size_t len = line(i, text, sizeof text);
        size_t n = xpread(fd, got, len, off, NAME);
        if (n != len || memcmp(text, got, len) != 0)
            FAIL("reading %s back: line %d at offset %llu is \"%.*s\", expected \"%.*s\"", full(NAME), i, (unsigned long long)off, (int)n - 1,
                 got, (int)len - 1, text);
        off += len;
    }
    xclose(fd, NAME);
    phase_ops++;
    sync();
    return phase_ops;
}
