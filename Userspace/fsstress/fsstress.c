/* fsstress: a file-system stress test with exact checks, for a kernel's file systems.
 *
 *   fsstress [-s SEED] [-n OPS] [-f FILES] [-b MIB] [-q] DIR [PHASE...]
 *
 * Runs in DIR (created if missing) the phases named (default all, in this order):
 *   many   FILES (10000) files with distinct small contents: created, renamed within and across
 *          directories, read back, removed; the directories end empty and are removed.
 *   big    an MIB (64) MiB file written in chunks of varied sizes, fsync'ed, read back and compared,
 *          truncated in steps (size and st_blocks checked; a truncate up reads as zeros), removed.
 *   model  OPS (20000) random operations from SEED on a small tree, each checked against an
 *          in-memory model (names, types, sizes, contents, link counts, modes, inode numbers); the
 *          whole tree is walked with getdents and compared at the end. The tree is left in DIR/model.
 *   sync   sync, syncfs, fsync and fdatasync succeed (and fail as Linux does on bad descriptors); writes
 *          DIR/sync.txt ("fsstress sync seed SEED line NNNNN\n" for lines 0 to 4095) and leaves it.
 * Prints "ok PHASE (N ops, T s)" or "FAIL PHASE: ..." per phase, then "fsstress: N passed, M failed";
 * exits 0 only if every phase passed. Single-threaded, about 1 MiB of memory.
 */
#include "common.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t opt_seed = 1;
long opt_ops = 20000;
long opt_files = 10000;
long opt_big_mib = 64;
int opt_quiet;
const char *opt_dir;

const char *phase_name = "";
long phase_ops;

static jmp_buf s_phase_exit;

/* The last operations logged, printed on failure. */
#define OPLOG_COUNT 12
#define OPLOG_LENGTH 600
static char s_oplog[OPLOG_COUNT][OPLOG_LENGTH];
static long s_oplog_op[OPLOG_COUNT];
static int s_oplog_next, s_oplog_used;

void oplog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_oplog[s_oplog_next], OPLOG_LENGTH, fmt, ap);
    va_end(ap);
    s_oplog_op[s_oplog_next] = phase_ops;
    s_oplog_next = (s_oplog_next + 1) % OPLOG_COUNT;
    if (s_oplog_used < OPLOG_COUNT) s_oplog_used++;
}

void fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    const char *base = strrchr(file, '/');
    printf("FAIL %s: op %ld: ", phase_name, phase_ops);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" [%s:%d, seed %llu]\n", base ? base + 1 : file, line, (unsigned long long)opt_seed);
    if (s_oplog_used > 0) {
        printf("  the last %d operations of %s, oldest first:\n", s_oplog_used, phase_name);
        for (int i = 0; i < s_oplog_used; i++) {
            int k = (s_oplog_next - s_oplog_used + i + OPLOG_COUNT) % OPLOG_COUNT;
            printf("    op %ld: %s\n", s_oplog_op[k], s_oplog[k]);
        }
    }
    fflush(stdout);
    longjmp(s_phase_exit, 1);
}

void progress(const char *fmt, ...)
{
    va_list ap;
    if (opt_quiet) return;
    va_start(ap, fmt);
    printf("  %s: ", phase_name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

const char *errname(int e)
{
    switch (e) {
    case 0: return "success";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case EUCLEAN: return "EUCLEAN";
    case EDQUOT: return "EDQUOT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "E?";
    }
}

const char *errstr(int e)
{
    static char buf[4][96];
    static int next;
    char *b = buf[next++ % 4];
    if (e == 0) return "success";
    snprintf(b, sizeof buf[0], "%s (errno %d, %s)", errname(e), e, strerror(e));
    return b;
}

const char *full(const char *rel)
{
    static char buf[2][4400];
    static int next;
    char *b = buf[next++ % 2];
    snprintf(b, sizeof buf[0], "%s/%s", opt_dir, rel);
    return b;
}

uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return mix64(*state);
}

uint32_t rng_below(uint64_t *state, uint32_t n)
{
    return n == 0 ? 0 : (uint32_t)(rng_next(state) % n);
}

/* The pattern's 8-byte word number w of stream seed (little-endian: byte o is bits 8*(o%8) of word o/8). */
static inline uint64_t pattern_word(uint64_t seed, uint64_t w)
{
    return mix64(seed * 0x9e3779b97f4a7c15ULL + w + 0x632be59bd9b4e019ULL);
}

void fill_pattern(unsigned char *buf, uint64_t seed, uint64_t off, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t o = off + i;
        uint64_t w = pattern_word(seed, o >> 3);
        unsigned k = (unsigned)(o & 7);
        if (k == 0 && len - i >= 8) {
            memcpy(buf + i, &w, 8);
            i += 8;
            continue;
        }
        buf[i++] = (unsigned char)(w >> (8 * k));
    }
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

void compare_or_fail(const unsigned char *expected, const unsigned char *got, size_t len, uint64_t off, const char *what)
{
    if (memcmp(expected, got, len) == 0) return;
    size_t first = 0, last = 0, count = 0;
    for (size_t i = 0; i < len; i++)
        if (expected[i] != got[i]) {
            if (count == 0) first = i;
            last = i;
            count++;
        }
    char e[3 * 16 + 1] = "", g[3 * 16 + 1] = "";
    size_t start = first, n = len - first < 16 ? len - first : 16;
    for (size_t i = 0; i < n; i++) {
        sprintf(e + 3 * i, "%02x ", expected[start + i]);
        sprintf(g + 3 * i, "%02x ", got[start + i]);
    }
    size_t span = last - first + 1;
    const char *hint = all_zero(got + first, span) ? "; got zeros there (a lost write, or a hole where data belongs)"
                     : all_zero(expected + first, span) ? "; expected zeros there (stale data in a hole or past a truncation)"
                     : "";
    FAIL("%s: content differs at file offset %llu (block %llu of 4096, byte %llu of 512-byte sector %llu): "
         "%zu of %zu bytes read at offset %llu differ, the last at offset %llu; expected %sgot %s%s",
         what, (unsigned long long)(off + first), (unsigned long long)((off + first) / 4096),
         (unsigned long long)((off + first) % 512), (unsigned long long)((off + first) / 512),
         count, len, (unsigned long long)off, (unsigned long long)(off + last), e, g, hint);
}

int xopen(const char *path, int flags, mode_t mode)
{
    int fd = open(path, flags, mode);
    if (fd < 0) FAIL("open(%s, 0%o, 0%o): %s", full(path), flags, (unsigned)mode, errstr(errno));
    return fd;
}

void xclose(int fd, const char *path)
{
    if (close(fd) != 0) FAIL("close(fd %d of %s): %s", fd, full(path), errstr(errno));
}

void xlstat(const char *path, struct stat *st)
{
    if (lstat(path, st) != 0) FAIL("lstat(%s): %s", full(path), errstr(errno));
}

void xfstat(int fd, const char *path, struct stat *st)
{
    if (fstat(fd, st) != 0) FAIL("fstat(fd %d of %s): %s", fd, full(path), errstr(errno));
}

void xpwrite(int fd, const void *buf, size_t len, uint64_t off, const char *path)
{
    ssize_t r = pwrite(fd, buf, len, (off_t)off);
    if (r < 0) FAIL("pwrite(%s, %zu bytes at offset %llu): %s", full(path), len, (unsigned long long)off, errstr(errno));
    if ((size_t)r != len)
        FAIL("pwrite(%s, %zu bytes at offset %llu) wrote %zd bytes: a short write to a regular file", full(path), len,
             (unsigned long long)off, r);
}

size_t xpread(int fd, void *buf, size_t len, uint64_t off, const char *path)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (r < 0)
            FAIL("pread(%s, %zu bytes at offset %llu): %s", full(path), len - done, (unsigned long long)(off + done), errstr(errno));
        if (r == 0) break;
        done += (size_t)r;
    }
    return done;
}

void (*result_hook)(int want);

void expect_result(long r, int want, const char *call)
{
    if (result_hook) result_hook(want);
    int e = r == -1 ? errno : 0;
    if (want == 0 && r == -1) FAIL("%s: expected success, got %s", call, errstr(e));
    if (want != 0 && r != -1) FAIL("%s: expected %s, got success (returned %ld)", call, errstr(want), r);
    if (want != 0 && e != want) FAIL("%s: expected %s, got %s", call, errstr(want), errstr(e));
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = type == FTW_DP ? rmdir(path) : unlink(path);
    if (r != 0 && errno != ENOENT) FAIL("removing what an earlier run left: %s %s: %s", type == FTW_DP ? "rmdir" : "unlink", full(path), errstr(errno));
    return 0;
}

void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0) FAIL("unlink %s (left by an earlier run): %s", full(path), errstr(errno));
        return;
    }
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) FAIL("removing %s (left by an earlier run): %s", full(path), errstr(errno));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct {
    const char *name;
    long (*run)(void);
} s_phases[] = {
    { "many", phase_many },
    { "big", phase_big },
    { "model", phase_model },
    { "sync", phase_sync },
};
#define PHASE_COUNT ((int)(sizeof s_phases / sizeof s_phases[0]))

static void usage(void)
{
    fprintf(stderr, "usage: fsstress [-s SEED] [-n OPS] [-f FILES] [-b MIB] [-q] DIR [many|big|model|sync...]\n");
    exit(2);
}

static long number(const char *s, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || v < min) {
        fprintf(stderr, "fsstress: bad number: %s\n", s);
        usage();
    }
    return v;
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "s:n:f:b:q")) != -1) {
        switch (c) {
        case 's': opt_seed = (uint64_t)number(optarg, 0); break;
        case 'n': opt_ops = number(optarg, 0); break;
        case 'f': opt_files = number(optarg, 1); if (opt_files > 99999) usage(); break;
        case 'b': opt_big_mib = number(optarg, 1); break;
        case 'q': opt_quiet = 1; break;
        default: usage();
        }
    }
    if (optind >= argc) usage();
    opt_dir = argv[optind++];
    setvbuf(stdout, NULL, _IOLBF, 0);

    int selected[PHASE_COUNT] = { 0 };
    if (optind == argc)
        for (int i = 0; i < PHASE_COUNT; i++) selected[i] = 1;
    for (int a = optind; a < argc; a++) {
        int found = 0;
        for (int i = 0; i < PHASE_COUNT; i++)
            if (strcmp(argv[a], s_phases[i].name) == 0) selected[i] = found = 1;
        if (!found) {
            fprintf(stderr, "fsstress: no phase named %s\n", argv[a]);
            usage();
        }
    }

    if (mkdir(opt_dir, 0755) != 0 && errno != EEXIST) {
        printf("FAIL setup: mkdir(%s): %s\nfsstress: 0 passed, 1 failed\n", opt_dir, errstr(errno));
        return 1;
    }
    if (chdir(opt_dir) != 0) {
        printf("FAIL setup: chdir(%s): %s\nfsstress: 0 passed, 1 failed\n", opt_dir, errstr(errno));
        return 1;
    }
    int dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        printf("FAIL setup: open(%s): %s\nfsstress: 0 passed, 1 failed\n", opt_dir, errstr(errno));
        return 1;
    }
    umask(0);
    if (!opt_quiet)
        printf("fsstress: in %s, seed %llu, %ld files, %ld MiB, %ld operations\n", opt_dir, (unsigned long long)opt_seed,
               opt_files, opt_big_mib, opt_ops);

    /* volatile: they live across the longjmp out of a failed phase. */
    volatile int passed = 0, failed = 0;
    for (volatile int i = 0; i < PHASE_COUNT; i++) {
        if (!selected[i]) continue;
        phase_name = s_phases[i].name;
        phase_ops = 0;
        s_oplog_used = s_oplog_next = 0;
        volatile double start = now();
        if (setjmp(s_phase_exit) == 0) {
            long ops = s_phases[i].run();
            printf("ok %s (%ld ops, %.1f s)\n", phase_name, ops, now() - start);
            passed++;
        } else {
            failed++;
            /* A failed phase may have left the working directory elsewhere. */
            if (fchdir(dirfd) != 0) {
                printf("FAIL setup: cannot return to %s: %s\n", opt_dir, errstr(errno));
                break;
            }
        }
    }
    printf("fsstress: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
