/* Phase "big": DIR/big.dat, opt_big_mib MiB of a pattern from the seed, written sequentially in
 * chunks of varied sizes (many not multiples of 512 or 4096), fsync'ed, checked by fstat, read back
 * in other chunk sizes and compared; then truncated down in steps (each: the size, st_blocks
 * shrinking, the tail still intact, nothing past EOF), once truncated up to make a hole that must
 * read as zeros (no stale data from the cut part), and removed. */
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BUFFER (256 * 1024)
#define NAME "big.dat"

static unsigned char s_data[BUFFER], s_expected[BUFFER];

static const size_t s_write_sizes[] = { 4096, 1, 511, 512, 513, 4095, 4097, 8191, 65536, 65537, 131072,
                                        BUFFER - 1, BUFFER, 3, 1000, 100000, 12288, 777 };
static const size_t s_read_sizes[] = { 65536, 1, 4096, 4097, 511, BUFFER, 100003, 8192, 513, 2048, 131071, 7 };

static uint64_t big_seed(void) { return opt_seed * 7 + 3; }

static void check_size_and_blocks(int fd, uint64_t size, const char *when, struct stat *st)
{
    xfstat(fd, NAME, st);
    if (!S_ISREG(st->st_mode)) FAIL("%s: fstat(%s): mode 0%o, not a regular file", when, full(NAME), (unsigned)st->st_mode);
    if ((uint64_t)st->st_size != size)
        FAIL("%s: fstat(%s): st_size %lld, expected %llu", when, full(NAME), (long long)st->st_size, (unsigned long long)size);
}

/* Reads [off, off+len) and compares it with the pattern (pattern 0: zeros). */
static void verify_range(int fd, uint64_t off, size_t len, int zeros, const char *when)
{
    size_t n = xpread(fd, s_data, len, off, NAME);
    if (n != len)
        FAIL("%s: pread(%s, %zu bytes at offset %llu) gave %zu bytes before EOF", when, full(NAME), len, (unsigned long long)off, n);
    if (zeros) memset(s_expected, 0, len);
    else fill_pattern(s_expected, big_seed(), off, len);
    char what[200];
    snprintf(what, sizeof what, "%s: %s", when, full(NAME));
    compare_or_fail(s_expected, s_data, len, off, what);
}

static void expect_eof(int fd, uint64_t off, const char *when)
{
    ssize_t r = pread(fd, s_data, 100, (off_t)off);
    if (r != 0)
        FAIL("%s: pread(%s, 100 bytes at offset %llu = EOF) returned %zd%s%s, expected 0", when, full(NAME), (unsigned long long)off,
             r, r < 0 ? ": " : "", r < 0 ? errstr(errno) : "");
}

long phase_big(void)
{
    uint64_t size = (uint64_t)opt_big_mib << 20;
    struct stat st;
    remove_tree(NAME);

    int fd = xopen(NAME, O_CREAT | O_EXCL | O_WRONLY, 0644);
    uint64_t off = 0;
    size_t k = 0;
    while (off < size) {
        size_t len = s_write_sizes[k++ % (sizeof s_write_sizes / sizeof s_write_sizes[0])];
        if (len > size - off) len = (size_t)(size - off);
        fill_pattern(s_data, big_seed(), off, len);
        phase_ops++;
        ssize_t w = write(fd, s_data, len);
        if (w < 0) FAIL("write(%s, %zu bytes) at offset %llu: %s", full(NAME), len, (unsigned long long)off, errstr(errno));
        if ((size_t)w != len)
            FAIL("write(%s, %zu bytes) at offset %llu wrote %zd bytes: a short write to a regular file", full(NAME), len,
                 (unsigned long long)off, w);
        off += len;
        if ((off >> 24) != ((off - len) >> 24)) progress("%llu MiB written", (unsigned long long)(off >> 20));
    }
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos != (off_t)size) FAIL("after writing %llu bytes, lseek(%s, 0, SEEK_CUR) = %lld", (unsigned long long)size, full(NAME), (long long)pos);
    phase_ops++;
    if (fsync(fd) != 0) FAIL("fsync(%s) after writing %llu bytes: %s", full(NAME), (unsigned long long)size, errstr(errno));
    check_size_and_blocks(fd, size, "after writing and fsync", &st);
    /* Fully written: no holes, so at least size bytes of blocks (512-byte units), and at most the data
     * plus its mapping blocks (well under an eighth more). */
    if ((uint64_t)st.st_blocks * 512 < size || (uint64_t)st.st_blocks * 512 > size + size / 8 + (1 << 20))
        FAIL("after writing and fsync: fstat(%s): st_blocks %lld (512-byte units: %llu bytes) for %llu bytes of data",
             full(NAME), (long long)st.st_blocks, (unsigned long long)st.st_blocks * 512, (unsigned long long)size);
    xclose(fd, NAME);

    /* Read back through a new descriptor, sequentially with read(2), in other chunk sizes. */
    fd = xopen(NAME, O_RDWR, 0);
    off = 0;
    k = 0;
    while (off < size) {
        size_t len = s_read_sizes[k++ % (sizeof s_read_sizes / sizeof s_read_sizes[0])];
        if (len > size - off) len = (size_t)(size - off);
        phase_ops++;
        ssize_t r = read(fd, s_data, len);
        if (r < 0) FAIL("read(%s, %zu bytes) at offset %llu: %s", full(NAME), len, (unsigned long long)off, errstr(errno));
        if (r == 0) FAIL("read(%s, %zu bytes) at offset %llu returned 0 (EOF) before the size %llu", full(NAME), len, (unsigned long long)off, (unsigned long long)size);
        fill_pattern(s_expected, big_seed(), off, (size_t)r);
        compare_or_fail(s_expected, s_data, (size_t)r, off, "reading back " NAME " sequentially");
        off += (size_t)r;
        if ((off >> 24) != ((off - (size_t)r) >> 24)) progress("%llu MiB read back", (unsigned long long)(off >> 20));
    }
    expect_eof(fd, size, "after reading back");

    /* Truncate down in steps. */
    uint64_t steps[] = { size * 3 / 4 + 123, size / 2, size / 4 + 4095, (1 << 20) + 1, 65537, 4097 };
    uint64_t cur = size, blocks = (uint64_t)st.st_blocks;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        uint64_t to = steps[i];
        if (to >= cur) continue;
        char when[96];
        snprintf(when, sizeof when, "after ftruncate from %llu to %llu bytes", (unsigned long long)cur, (unsigned long long)to);
        phase_ops++;
        oplog("ftruncate(%s, %llu)", full(NAME), (unsigned long long)to);
        if (ftruncate(fd, (off_t)to) != 0) FAIL("ftruncate(%s, %llu) from %llu: %s", full(NAME), (unsigned long long)to, (unsigned long long)cur, errstr(errno));
        check_size_and_blocks(fd, to, when, &st);
        if ((uint64_t)st.st_blocks * 512 < to)
            FAIL("%s: st_blocks %lld (%llu bytes) is less than the size of a file without holes", when, (long long)st.st_blocks,
                 (unsigned long long)st.st_blocks * 512);
        if (cur - to >= 65536 && (uint64_t)st.st_blocks >= blocks)
            FAIL("%s: st_blocks did not shrink: %llu before, %lld after", when, (unsigned long long)blocks, (long long)st.st_blocks);
        size_t tail = to < 8192 ? (size_t)to : 8192;
        verify_range(fd, to - tail, tail, 0, when);
        expect_eof(fd, to, when);
        cur = to;
        blocks = (uint64_t)st.st_blocks;
    }

    /* Truncate up: [4097, 1 MiB + 4097) is a hole, zeros, including the rest of the block that held data. */
    uint64_t up = (1 << 20) + 4097;
    phase_ops++;
    oplog("ftruncate(%s, %llu) up from %llu", full(NAME), (unsigned long long)up, (unsigned long long)cur);
    if (ftruncate(fd, (off_t)up) != 0) FAIL("ftruncate(%s, %llu) up from %llu: %s", full(NAME), (unsigned long long)up, (unsigned long long)cur, errstr(errno));
    check_size_and_blocks(fd, up, "after ftruncate up to 1 MiB + 4097", &st);
    if ((uint64_t)st.st_blocks > blocks + 8)
        FAIL("after ftruncate up from %llu to %llu bytes: st_blocks grew from %llu to %lld: the hole was allocated", (unsigned long long)cur,
             (unsigned long long)up, (unsigned long long)blocks, (long long)st.st_blocks);
    verify_range(fd, 0, (size_t)cur, 0, "after ftruncate up (the data before the hole)");
    for (uint64_t o = cur; o < up; o += BUFFER) {
        size_t len = up - o < BUFFER ? (size_t)(up - o) : BUFFER;
        phase_ops++;
        verify_range(fd, o, len, 1, "after ftruncate up (the hole)");
    }
    expect_eof(fd, up, "after ftruncate up");

    /* Down to 1 byte and to 0: no blocks left. */
    phase_ops++;
    if (ftruncate(fd, 1) != 0) FAIL("ftruncate(%s, 1): %s", full(NAME), errstr(errno));
    check_size_and_blocks(fd, 1, "after ftruncate to 1 byte", &st);
    verify_range(fd, 0, 1, 0, "after ftruncate to 1 byte");
    phase_ops++;
    if (ftruncate(fd, 0) != 0) FAIL("ftruncate(%s, 0): %s", full(NAME), errstr(errno));
    check_size_and_blocks(fd, 0, "after ftruncate to 0", &st);
    if (st.st_blocks != 0) FAIL("after ftruncate to 0: fstat(%s): st_blocks %lld, expected 0", full(NAME), (long long)st.st_blocks);
    expect_eof(fd, 0, "after ftruncate to 0");
    xclose(fd, NAME);

    phase_ops++;
    if (unlink(NAME) != 0) FAIL("unlink(%s): %s", full(NAME), errstr(errno));
    if (lstat(NAME, &st) == 0 || errno != ENOENT) FAIL("after unlink(%s), lstat says: %s", full(NAME), errstr(errno));
    return phase_ops;
}
