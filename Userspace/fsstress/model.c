/* Phase "model": opt_ops random operations from the seed on the tree DIR/model, each checked against
 * an in-memory model of the tree.
 *
 * The model holds nodes (regular files, directories, symbolic links: type, mode, link count, size,
 * inode number seen at creation, a symlink's target) and entries (directory, name, node). A regular
 * file's content is a list of segments, each a run of bytes written with one pattern seed (see
 * fill_pattern: a byte depends on the seed and its file offset only), so any range of any file is
 * regenerated without a shadow copy; what no segment covers reads as zeros (holes, truncations up).
 *
 * Operations: create (O_EXCL), write (inside, past EOF making holes, far out into double-indirect
 * territory, O_APPEND), read and compare (whole files and ranges), truncate up and down (truncate,
 * ftruncate, O_TRUNC), rename (within and across directories, over existing files and empty
 * directories, and the cases Linux refuses: EINVAL, ENOTEMPTY, ENOTDIR, EISDIR, ENOENT), link (EEXIST,
 * EPERM), unlink (EISDIR), unlink of an open file (read and written after), mkdir, rmdir (ENOTEMPTY,
 * ENOTDIR), symlink (short and long targets), readlink (also into a short buffer; EINVAL), chmod,
 * fsync/fdatasync, lstat. The outcome each must have (success or the exact errno) comes from the
 * model; after each, lstat of every name it touched and of the directories involved must agree with
 * the model. Every 1000 operations, and at the end, the whole tree is walked with getdents (names,
 * d_ino, d_type, ".", "..", nothing missing or extra); the end's walk also reads every file and
 * symlink. Names come from a pool of 14 with lengths from 1 to 255; the tree is at most 5 levels. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_NODES 192
#define MAX_ENTRIES 224
#define MAX_SEGMENTS 40
#define NAMES 14
#define MAX_DIRS 14
#define MAX_DEPTH 5 /* levels of directories below model/ */
#define TARGET_MAX 300
#define FAR (6u << 20)
#define CHUNK (64 * 1024)
#define WALK_EVERY 1000

enum { T_FREE, T_REG, T_DIR, T_LNK };
static const char *const s_type_names[] = { "nothing", "regular file", "directory", "symlink" };

struct segment {
    uint64_t off, len, seed;
};

struct node {
    int type;
    unsigned mode; /* permission bits (07777) */
    int nlink;     /* regular files and symlinks; a directory's is 2 + its subdirectories */
    uint64_t size; /* regular files */
    ino_t ino;
    int entry;     /* directories: the entry naming it (-1 for model/ itself) */
    int segment_count;
    struct segment segments[MAX_SEGMENTS];
    char target[TARGET_MAX + 1];
};

struct entry {
    int used;
    int dir;  /* node */
    int name; /* index into s_names */
    int node;
};

static struct node s_nodes[MAX_NODES];
static struct entry s_entries[MAX_ENTRIES];
static char s_names[NAMES][256];
static uint64_t s_rng;
static ino_t s_base_ino; /* DIR's inode: model/'s ".." */
static char s_op[700];   /* the running operation, for messages */
static unsigned char s_buf[CHUNK], s_expected[CHUNK];

/* ---- the model ---- */

static void make_names(void)
{
    static const int lengths[NAMES] = { 1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 33, 60, 128, 255 };
    for (int k = 0; k < NAMES; k++) {
        s_names[k][0] = (char)('A' + k);
        for (int j = 1; j < lengths[k]; j++) s_names[k][j] = (char)('a' + (k + j) % 26);
        s_names[k][lengths[k]] = 0;
    }
}

static int find_entry(int dir, int name)
{
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && s_entries[e].dir == dir && s_entries[e].name == name) return e;
    return -1;
}

static int parent_of(int dir) { return dir == 0 ? -1 : s_entries[s_nodes[dir].entry].dir; }

static int depth_of(int dir)
{
    int d = 0;
    while (dir != 0) {
        dir = parent_of(dir);
        d++;
    }
    return d;
}

/* Whether a is d or one of d's ancestors. */
static int is_ancestor_or_self(int a, int d)
{
    for (; d >= 0; d = parent_of(d))
        if (d == a) return 1;
    return 0;
}

/* Levels of directories below dir (0 when it has no subdirectory). */
static int height_of(int dir)
{
    int h = 0;
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && s_entries[e].dir == dir && s_nodes[s_entries[e].node].type == T_DIR) {
            int sub = 1 + height_of(s_entries[e].node);
            if (sub > h) h = sub;
        }
    return h;
}

static int count_entries(int dir, int only_dirs)
{
    int n = 0;
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && s_entries[e].dir == dir && (!only_dirs || s_nodes[s_entries[e].node].type == T_DIR)) n++;
    return n;
}

static int count_nodes(int type)
{
    int n = 0;
    for (int i = 0; i < MAX_NODES; i++) n += s_nodes[i].type == type;
    return n;
}

static int free_entry_slot(void)
{
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (!s_entries[e].used) return e;
    return -1;
}

static int free_node_slot(void)
{
    for (int n = 1; n < MAX_NODES; n++)
        if (s_nodes[n].type == T_FREE) return n;
    return -1;
}

static nlink_t model_nlink(int n) { return s_nodes[n].type == T_DIR ? (nlink_t)(2 + count_entries(n, 1)) : (nlink_t)s_nodes[n].nlink; }

static uint64_t model_size(int n) { return s_nodes[n].type == T_LNK ? strlen(s_nodes[n].target) : s_nodes[n].size; }

static void dir_path(int dir, char *out, size_t size);

static void entry_path(int e, char *out, size_t size)
{
    dir_path(s_entries[e].dir, out, size);
    size_t n = strlen(out);
    snprintf(out + n, size - n, "/%s", s_names[s_entries[e].name]);
}

static void dir_path(int dir, char *out, size_t size)
{
    if (dir == 0) snprintf(out, size, "model");
    else entry_path(s_nodes[dir].entry, out, size);
}

static void name_path(int dir, int name, char *out, size_t size)
{
    dir_path(dir, out, size);
    size_t n = strlen(out);
    snprintf(out + n, size - n, "/%s", s_names[name]);
}

static int add_entry(int dir, int name, int node)
{
    int e = free_entry_slot();
    s_entries[e] = (struct entry){ 1, dir, name, node };
    return e;
}

static int add_node(int type, unsigned mode, ino_t ino)
{
    int n = free_node_slot();
    memset(&s_nodes[n], 0, sizeof s_nodes[n]);
    s_nodes[n].type = type;
    s_nodes[n].mode = mode;
    s_nodes[n].nlink = 1;
    s_nodes[n].ino = ino;
    s_nodes[n].entry = -1;
    return n;
}

/* Removes entry e; its node goes when its last link does, unless keep_open (an open descriptor holds it). */
static void remove_entry(int e, int keep_open)
{
    int n = s_entries[e].node;
    s_entries[e].used = 0;
    if (s_nodes[n].type == T_DIR) {
        s_nodes[n].type = T_FREE;
        return;
    }
    if (--s_nodes[n].nlink == 0 && !keep_open) s_nodes[n].type = T_FREE;
}

/* Segments: the content written at [off, off+len) with seed replaces what was there. */
static void segments_write(struct node *f, uint64_t off, uint64_t len, uint64_t seed)
{
    struct segment out[MAX_SEGMENTS + 2];
    int n = 0;
    uint64_t end = off + len;
    for (int i = 0; i < f->segment_count; i++) {
        struct segment s = f->segments[i];
        uint64_t s_end = s.off + s.len;
        if (s_end <= off || s.off >= end) {
            out[n++] = s;
            continue;
        }
        if (s.off < off) out[n++] = (struct segment){ s.off, off - s.off, s.seed };
        if (s_end > end) out[n++] = (struct segment){ end, s_end - end, s.seed };
    }
    out[n++] = (struct segment){ off, len, seed };
    if (n > MAX_SEGMENTS) FAIL("fsstress itself: too many segments (%d)", n);
    memcpy(f->segments, out, (size_t)n * sizeof out[0]);
    f->segment_count = n;
    if (end > f->size) f->size = end;
}

static void segments_truncate(struct node *f, uint64_t size)
{
    int n = 0;
    for (int i = 0; i < f->segment_count; i++) {
        struct segment s = f->segments[i];
        if (s.off >= size) continue;
        if (s.off + s.len > size) s.len = size - s.off;
        f->segments[n++] = s;
    }
    f->segment_count = n;
    f->size = size;
}

/* The model's bytes [off, off+len) of regular file f (len <= CHUNK; off+len <= size). */
static void model_content(const struct node *f, uint64_t off, size_t len, unsigned char *out)
{
    memset(out, 0, len);
    for (int i = 0; i < f->segment_count; i++) {
        const struct segment *s = &f->segments[i];
        uint64_t a = s->off > off ? s->off : off;
        uint64_t b = s->off + s->len < off + len ? s->off + s->len : off + len;
        if (a < b) fill_pattern(out + (a - off), s->seed, a, (size_t)(b - a));
    }
}

/* ---- checks against the file system ---- */

static const char *type_name_of_mode(mode_t m)
{
    return S_ISREG(m) ? "regular file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "something else";
}

static void check_stat(const char *path, int n, const struct stat *st, const char *how)
{
    const struct node *f = &s_nodes[n];
    int type = S_ISREG(st->st_mode) ? T_REG : S_ISDIR(st->st_mode) ? T_DIR : S_ISLNK(st->st_mode) ? T_LNK : -1;
    if (type != f->type)
        FAIL("after %s: %s(%s): a %s (mode 0%o), expected a %s", s_op, how, full(path), type_name_of_mode(st->st_mode),
             (unsigned)st->st_mode, s_type_names[f->type]);
    if (st->st_ino != f->ino)
        FAIL("after %s: %s(%s): inode %llu, expected %llu (the inode it had when made)", s_op, how, full(path),
             (unsigned long long)st->st_ino, (unsigned long long)f->ino);
    if (f->type != T_LNK && (st->st_mode & 07777) != f->mode)
        FAIL("after %s: %s(%s): mode 0%o, expected 0%o", s_op, how, full(path), (unsigned)(st->st_mode & 07777), f->mode);
    if (st->st_nlink != model_nlink(n))
        FAIL("after %s: %s(%s): link count %lu, expected %lu%s", s_op, how, full(path), (unsigned long)st->st_nlink,
             (unsigned long)model_nlink(n), f->type == T_DIR ? " (2 + its subdirectories)" : "");
    if (f->type != T_DIR && (uint64_t)st->st_size != model_size(n))
        FAIL("after %s: %s(%s): size %lld, expected %llu", s_op, how, full(path), (long long)st->st_size, (unsigned long long)model_size(n));
    if (f->type == T_REG && f->size == 0 && st->st_blocks != 0)
        FAIL("after %s: %s(%s): an empty file has st_blocks %lld, expected 0", s_op, how, full(path), (long long)st->st_blocks);
}

/* lstat of dir/name agrees with the model (ENOENT if the model has no such entry). */
static void check_name(int dir, int name)
{
    char path[4400];
    struct stat st;
    name_path(dir, name, path, sizeof path);
    int e = find_entry(dir, name);
    int r = lstat(path, &st);
    if (e < 0) {
        if (r == 0)
            FAIL("after %s: lstat(%s) found a %s (inode %llu), expected ENOENT", s_op, full(path), type_name_of_mode(st.st_mode),
                 (unsigned long long)st.st_ino);
        if (errno != ENOENT) FAIL("after %s: lstat(%s): expected ENOENT, got %s", s_op, full(path), errstr(errno));
        return;
    }
    if (r != 0) FAIL("after %s: lstat(%s): expected a %s, got %s", s_op, full(path), s_type_names[s_nodes[s_entries[e].node].type], errstr(errno));
    check_stat(path, s_entries[e].node, &st, "lstat");
}

static void check_dir(int dir)
{
    char path[4400];
    struct stat st;
    dir_path(dir, path, sizeof path);
    if (lstat(path, &st) != 0) FAIL("after %s: lstat(%s) of a directory: %s", s_op, full(path), errstr(errno));
    check_stat(path, dir, &st, "lstat");
}

/* Reads [off, off+len) of file node n through fd and compares it with the model; the read must end
 * at EOF exactly where the model's size says. */
static void verify_range(int fd, int n, const char *path, uint64_t off, uint64_t len)
{
    const struct node *f = &s_nodes[n];
    uint64_t end = off + len;
    uint64_t want_end = end < f->size ? end : f->size;
    while (off < end) {
        size_t chunk = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
        size_t got = xpread(fd, s_buf, chunk, off, path);
        size_t want = off >= want_end ? 0 : (want_end - off < chunk ? (size_t)(want_end - off) : chunk);
        if (got != want)
            FAIL("after %s: pread(%s, %zu bytes at offset %llu) gave %zu bytes, expected %zu (the file's size is %llu)", s_op, full(path),
                 chunk, (unsigned long long)off, got, want, (unsigned long long)f->size);
        if (got == 0) return;
        model_content(f, off, got, s_expected);
        char what[4600];
        snprintf(what, sizeof what, "after %s: %s", s_op, full(path));
        compare_or_fail(s_expected, s_buf, got, off, what);
        off += got;
    }
}

static void verify_file(int n, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) FAIL("after %s: open(%s, O_RDONLY) to verify it: %s", s_op, full(path), errstr(errno));
    verify_range(fd, n, path, 0, s_nodes[n].size + 1);
    xclose(fd, path);
}

static void verify_link(int n, const char *path)
{
    char buf[TARGET_MAX + 2];
    ssize_t r = readlink(path, buf, sizeof buf);
    if (r < 0) FAIL("after %s: readlink(%s): %s", s_op, full(path), errstr(errno));
    if ((size_t)r != strlen(s_nodes[n].target) || memcmp(buf, s_nodes[n].target, (size_t)r) != 0)
        FAIL("after %s: readlink(%s) gave \"%.*s\" (%zd bytes), expected \"%s\" (%zu bytes)", s_op, full(path), (int)r, buf, r,
             s_nodes[n].target, strlen(s_nodes[n].target));
}

/* Walks the tree from dir with getdents: every entry the model has, once, nothing else; then the
 * subdirectories. With contents, also reads every file and symlink. */
static void walk(int dir, int contents)
{
    char path[4400], child[4400];
    static unsigned char seen[MAX_ENTRIES];
    dir_path(dir, path, sizeof path);
    DIR *d = opendir(path);
    if (!d) FAIL("walking the tree after %s: opendir(%s): %s", s_op, full(path), errstr(errno));
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && s_entries[e].dir == dir) seen[e] = 0;
    int found = 0, dot = 0, dotdot = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            int is_dot = de->d_name[1] == 0;
            ino_t want = is_dot ? s_nodes[dir].ino : dir == 0 ? s_base_ino : s_nodes[parent_of(dir)].ino;
            is_dot ? dot++ : dotdot++;
            if (de->d_ino != want)
                FAIL("walking the tree after %s: getdents(%s): \"%s\" has d_ino %llu, expected %llu", s_op, full(path), de->d_name,
                     (unsigned long long)de->d_ino, (unsigned long long)want);
            continue;
        }
        int name = -1;
        for (int k = 0; k < NAMES; k++)
            if (strcmp(s_names[k], de->d_name) == 0) name = k;
        int e = name < 0 ? -1 : find_entry(dir, name);
        if (e < 0)
            FAIL("walking the tree after %s: getdents(%s) lists \"%s\" (d_ino %llu, d_type %d), which the model does not have there",
                 s_op, full(path), de->d_name, (unsigned long long)de->d_ino, de->d_type);
        if (seen[e]) FAIL("walking the tree after %s: getdents(%s) lists \"%s\" twice", s_op, full(path), de->d_name);
        seen[e] = 1;
        found++;
        int n = s_entries[e].node;
        unsigned char want_type = s_nodes[n].type == T_REG ? DT_REG : s_nodes[n].type == T_DIR ? DT_DIR : DT_LNK;
        if (de->d_type != DT_UNKNOWN && de->d_type != want_type)
            FAIL("walking the tree after %s: getdents(%s): \"%s\" has d_type %d, expected %d (a %s)", s_op, full(path), de->d_name,
                 de->d_type, want_type, s_type_names[s_nodes[n].type]);
        if (de->d_ino != s_nodes[n].ino)
            FAIL("walking the tree after %s: getdents(%s): \"%s\" has d_ino %llu, expected %llu", s_op, full(path), de->d_name,
                 (unsigned long long)de->d_ino, (unsigned long long)s_nodes[n].ino);
        errno = 0;
    }
    if (errno) FAIL("walking the tree after %s: readdir(%s): %s", s_op, full(path), errstr(errno));
    closedir(d);
    if (dot != 1 || dotdot != 1)
        FAIL("walking the tree after %s: getdents(%s) listed \".\" %d times and \"..\" %d times, expected once each", s_op, full(path), dot, dotdot);
    if (found != count_entries(dir, 0)) {
        for (int e = 0; e < MAX_ENTRIES; e++)
            if (s_entries[e].used && s_entries[e].dir == dir && !seen[e]) {
                entry_path(e, child, sizeof child);
                FAIL("walking the tree after %s: getdents(%s) did not list \"%s\" (a %s, inode %llu): %s is missing", s_op, full(path),
                     s_names[s_entries[e].name], s_type_names[s_nodes[s_entries[e].node].type],
                     (unsigned long long)s_nodes[s_entries[e].node].ino, full(child));
            }
    }
    for (int e = 0; e < MAX_ENTRIES; e++) {
        if (!s_entries[e].used || s_entries[e].dir != dir) continue;
        check_name(dir, s_entries[e].name);
        int n = s_entries[e].node;
        entry_path(e, child, sizeof child);
        if (contents && s_nodes[n].type == T_REG) verify_file(n, child);
        if (contents && s_nodes[n].type == T_LNK) verify_link(n, child);
        if (s_nodes[n].type == T_DIR) walk(n, contents);
    }
}

/* ---- choosing ---- */

static uint32_t rnd(uint32_t n) { return rng_below(&s_rng, n); }

/* A random used entry whose node's type is in the mask (1 << type), or -1. */
static int pick_entry(unsigned type_mask)
{
    int count = 0;
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && (type_mask >> s_nodes[s_entries[e].node].type & 1)) count++;
    if (count == 0) return -1;
    int k = (int)rnd((uint32_t)count);
    for (int e = 0; e < MAX_ENTRIES; e++)
        if (s_entries[e].used && (type_mask >> s_nodes[s_entries[e].node].type & 1) && k-- == 0) return e;
    return -1;
}

static int pick_dir(void)
{
    int count = count_nodes(T_DIR);
    int k = (int)rnd((uint32_t)count);
    for (int n = 0; n < MAX_NODES; n++)
        if (s_nodes[n].type == T_DIR && k-- == 0) return n;
    return 0;
}

#define ANY ((1u << T_REG) | (1u << T_DIR) | (1u << T_LNK))

/* A place for a new name: a random directory and name (often taken: then the call must fail). */
static void pick_place(int *dir, int *name)
{
    *dir = pick_dir();
    *name = (int)rnd(NAMES);
}

static int room_for_one_more(void) { return free_entry_slot() >= 0 && free_node_slot() >= 0; }

static void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void describe(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_op, sizeof s_op, fmt, ap);
    va_end(ap);
    oplog("%s", s_op);
}

static unsigned random_file_mode(void) { return 0600 | (rnd(01000) & 0777); }
static unsigned random_dir_mode(void) { return 0700 | (rnd(02000) & 01777); }

/* ---- operations: each returns 0 when it could not run (nothing suitable), 1 when it ran ---- */

static int op_create(void)
{
    int dir, name;
    char path[4400];
    if (!room_for_one_more()) return 0;
    pick_place(&dir, &name);
    name_path(dir, name, path, sizeof path);
    unsigned mode = random_file_mode();
    int exists = find_entry(dir, name) >= 0;
    describe("open(%s, O_CREAT|O_EXCL|O_WRONLY, 0%o)%s", full(path), mode, exists ? " over an existing name" : "");
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode);
    expect_result(fd, exists ? EEXIST : 0, s_op);
    if (!exists) {
        struct stat st;
        xfstat(fd, path, &st);
        xclose(fd, path);
        int n = add_node(T_REG, mode, st.st_ino);
        add_entry(dir, name, n);
        check_stat(path, n, &st, "fstat");
    }
    check_name(dir, name);
    check_dir(dir);
    return 1;
}

static void write_pattern(int fd, const char *path, uint64_t off, uint64_t len, uint64_t seed, int append)
{
    for (uint64_t done = 0; done < len;) {
        size_t chunk = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        fill_pattern(s_buf, seed, off + done, chunk);
        if (append) {
            ssize_t w = write(fd, s_buf, chunk);
            if (w != (ssize_t)chunk)
                FAIL("%s: write(%zu bytes) at offset %llu returned %zd: %s", s_op, chunk, (unsigned long long)(off + done), w,
                     w < 0 ? errstr(errno) : "a short write");
        } else {
            xpwrite(fd, s_buf, chunk, off + done, path);
        }
        done += chunk;
    }
}

static int op_write(void)
{
    int e = pick_entry(1u << T_REG);
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node;
    struct node *f = &s_nodes[n];
    uint64_t off, len;
    int append = 0;
    uint32_t kind = rnd(100);
    if (f->segment_count + 2 > MAX_SEGMENTS) {
        /* Too fragmented for the model: rewrite the whole file with one seed. */
        off = 0;
        len = f->size ? f->size : 1;
    } else if (kind < 5) {
        off = rnd(FAR);
        len = 1 + rnd(4096);
    } else if (kind < 15) {
        append = 1;
        off = f->size;
        len = 1 + rnd(9000);
    } else {
        off = rnd((uint32_t)f->size + 8193);
        len = 1 + (rnd(100) < 85 ? rnd(4096) : rnd(65536));
    }
    uint64_t seed = rng_next(&s_rng);
    describe("write %llu bytes at offset %llu of %s (size %llu)%s", (unsigned long long)len, (unsigned long long)off, full(path),
             (unsigned long long)f->size, append ? " with O_APPEND" : "");
    int fd = xopen(path, O_WRONLY | (append ? O_APPEND : 0), 0);
    write_pattern(fd, path, off, len, seed, append);
    segments_write(f, off, len, seed);
    struct stat st;
    xfstat(fd, path, &st);
    check_stat(path, n, &st, "fstat");
    xclose(fd, path);
    /* What was written, and the bytes just around it, read back through a new descriptor. */
    fd = xopen(path, O_RDONLY, 0);
    uint64_t from = off > 100 ? off - 100 : 0;
    verify_range(fd, n, path, from, off + len + 100 - from);
    xclose(fd, path);
    check_name(s_entries[e].dir, s_entries[e].name);
    return 1;
}

static int op_read(void)
{
    int e = pick_entry(1u << T_REG);
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node;
    uint64_t size = s_nodes[n].size;
    if (size <= 128 * 1024 && rnd(2)) {
        describe("read all of %s (%llu bytes)", full(path), (unsigned long long)size);
        int fd = xopen(path, O_RDONLY, 0);
        uint64_t off = 0;
        for (;;) {
            ssize_t r = read(fd, s_buf, 5000 + rnd(20000));
            if (r < 0) FAIL("%s: read at offset %llu: %s", s_op, (unsigned long long)off, errstr(errno));
            if (r == 0) break;
            if (off + (uint64_t)r > size)
                FAIL("%s: read returned %zd bytes at offset %llu, past the size %llu", s_op, r, (unsigned long long)off, (unsigned long long)size);
            model_content(&s_nodes[n], off, (size_t)r, s_expected);
            compare_or_fail(s_expected, s_buf, (size_t)r, off, s_op);
            off += (uint64_t)r;
        }
        if (off != size) FAIL("%s: read gave EOF at offset %llu, expected at %llu", s_op, (unsigned long long)off, (unsigned long long)size);
        xclose(fd, path);
    } else {
        uint64_t off = rnd((uint32_t)size + 4097), len = 1 + rnd(CHUNK * 2);
        describe("read %llu bytes at offset %llu of %s (size %llu)", (unsigned long long)len, (unsigned long long)off, full(path),
                 (unsigned long long)size);
        int fd = xopen(path, O_RDONLY, 0);
        verify_range(fd, n, path, off, len);
        xclose(fd, path);
    }
    return 1;
}

static int op_truncate(void)
{
    uint32_t kind = rnd(100);
    char path[4400];
    if (kind < 8) {
        /* A directory: EISDIR. */
        int e = pick_entry(1u << T_DIR);
        if (e < 0) return 0;
        entry_path(e, path, sizeof path);
        describe("truncate(%s, 0) of a directory", full(path));
        expect_result(truncate(path, 0), EISDIR, s_op);
        check_name(s_entries[e].dir, s_entries[e].name);
        return 1;
    }
    int e = pick_entry(1u << T_REG);
    if (e < 0) return 0;
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node;
    struct node *f = &s_nodes[n];
    uint64_t old = f->size, size;
    uint32_t how = rnd(100);
    if (how < 30) size = old ? rnd((uint32_t)old) : 0;
    else if (how < 60) size = old + rnd(70000);
    else if (how < 70) size = 0;
    else if (how < 75) size = rnd(FAR);
    else size = rnd((uint32_t)old + 1);
    uint32_t call = rnd(100);
    if (call < 10) {
        describe("open(%s, O_WRONLY|O_TRUNC) (size %llu)", full(path), (unsigned long long)old);
        size = 0;
        int fd = xopen(path, O_WRONLY | O_TRUNC, 0);
        xclose(fd, path);
    } else if (call < 55) {
        describe("truncate(%s, %llu) from %llu", full(path), (unsigned long long)size, (unsigned long long)old);
        expect_result(truncate(path, (off_t)size), 0, s_op);
    } else {
        describe("ftruncate(%s, %llu) from %llu", full(path), (unsigned long long)size, (unsigned long long)old);
        int fd = xopen(path, O_RDWR, 0);
        expect_result(ftruncate(fd, (off_t)size), 0, s_op);
        xclose(fd, path);
    }
    segments_truncate(f, size);
    check_name(s_entries[e].dir, s_entries[e].name);
    /* Around the old and the new end: the data kept, zeros where the file grew (nothing stale). */
    int fd = xopen(path, O_RDONLY, 0);
    uint64_t lo = (old < size ? old : size), from = lo > 5000 ? lo - 5000 : 0;
    verify_range(fd, n, path, from, lo - from + 9000);
    if (old < size) verify_range(fd, n, path, size > 5000 ? size - 5000 : 0, 5001);
    xclose(fd, path);
    return 1;
}

static int op_rename(void)
{
    int s = -1, sdir, sname, ddir, dname;
    char from[4400], to[4400];
    if (rnd(100) < 8) {
        pick_place(&sdir, &sname);
    } else {
        s = pick_entry(ANY);
        if (s < 0) return 0;
        sdir = s_entries[s].dir;
        sname = s_entries[s].name;
    }
    s = find_entry(sdir, sname);
    pick_place(&ddir, &dname);
    int t = find_entry(ddir, dname);
    int sn = s >= 0 ? s_entries[s].node : -1, tn = t >= 0 ? s_entries[t].node : -1;
    int s_is_dir = sn >= 0 && s_nodes[sn].type == T_DIR, t_is_dir = tn >= 0 && s_nodes[tn].type == T_DIR;
    /* Keep the tree at most MAX_DEPTH deep. */
    if (s_is_dir && depth_of(ddir) + 1 + height_of(sn) > MAX_DEPTH) return 0;
    name_path(sdir, sname, from, sizeof from);
    name_path(ddir, dname, to, sizeof to);

    /* Linux's order: the source must exist; a directory cannot move into itself (EINVAL); a target that
     * is an ancestor of the source is not empty (ENOTEMPTY); renaming onto the same inode does nothing;
     * then the types must agree and a target directory must be empty. */
    int want;
    if (s < 0) want = ENOENT;
    else if (s_is_dir && is_ancestor_or_self(sn, ddir)) want = EINVAL;
    else if (t_is_dir && is_ancestor_or_self(tn, sdir)) want = ENOTEMPTY;
    else if (t >= 0 && tn == sn) want = -1; /* success, nothing changes */
    else if (t >= 0 && s_is_dir && !t_is_dir) want = ENOTDIR;
    else if (t >= 0 && !s_is_dir && t_is_dir) want = EISDIR;
    else if (t_is_dir && count_entries(tn, 0) > 0) want = ENOTEMPTY;
    else want = 0;
    describe("rename(%s, %s): %s%s%s", full(from), full(to), s >= 0 ? s_type_names[s_nodes[sn].type] : "nothing",
             t >= 0 ? " over a " : "", t >= 0 ? s_type_names[s_nodes[tn].type] : "");
    expect_result(rename(from, to), want < 0 ? 0 : want, s_op);
    if (want == 0) {
        if (t >= 0) remove_entry(t, 0);
        s_entries[s].dir = ddir;
        s_entries[s].name = dname;
    }
    check_name(sdir, sname);
    check_name(ddir, dname);
    check_dir(sdir);
    if (ddir != sdir) check_dir(ddir);
    return 1;
}

static int op_link(void)
{
    int s = pick_entry(rnd(100) < 10 ? (1u << T_DIR) : (1u << T_REG) | (1u << T_LNK));
    if (s < 0 || free_entry_slot() < 0) return 0;
    int ddir, dname;
    char from[4400], to[4400];
    pick_place(&ddir, &dname);
    int sn = s_entries[s].node;
    entry_path(s, from, sizeof from);
    name_path(ddir, dname, to, sizeof to);
    int want = find_entry(ddir, dname) >= 0 ? EEXIST : s_nodes[sn].type == T_DIR ? EPERM : 0;
    describe("link(%s, %s): a %s", full(from), full(to), s_type_names[s_nodes[sn].type]);
    expect_result(link(from, to), want, s_op);
    if (want == 0) {
        add_entry(ddir, dname, sn);
        s_nodes[sn].nlink++;
    }
    check_name(s_entries[s].dir, s_entries[s].name);
    check_name(ddir, dname);
    check_dir(ddir);
    return 1;
}

static int op_unlink(void)
{
    int dir, name, e;
    char path[4400];
    if (rnd(100) < 5) {
        pick_place(&dir, &name);
    } else {
        e = pick_entry(rnd(100) < 10 ? (1u << T_DIR) : (1u << T_REG) | (1u << T_LNK));
        if (e < 0) return 0;
        dir = s_entries[e].dir;
        name = s_entries[e].name;
    }
    e = find_entry(dir, name);
    name_path(dir, name, path, sizeof path);
    int want = e < 0 ? ENOENT : s_nodes[s_entries[e].node].type == T_DIR ? EISDIR : 0;
    int n = e >= 0 ? s_entries[e].node : -1;
    describe("unlink(%s): %s", full(path), e >= 0 ? s_type_names[s_nodes[n].type] : "nothing");
    expect_result(unlink(path), want, s_op);
    if (want == 0) remove_entry(e, 0);
    check_name(dir, name);
    check_dir(dir);
    /* The inode's other names. */
    if (n >= 0)
        for (int o = 0; o < MAX_ENTRIES; o++)
            if (s_entries[o].used && s_entries[o].node == n) check_name(s_entries[o].dir, s_entries[o].name);
    return 1;
}

static int op_unlink_open(void)
{
    int e = pick_entry(1u << T_REG);
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node, dir = s_entries[e].dir, name = s_entries[e].name;
    struct node *f = &s_nodes[n];
    describe("open(%s, O_RDWR), unlink it (%d links), then read, write and read again through the descriptor", full(path), f->nlink);
    int fd = xopen(path, O_RDWR, 0);
    expect_result(unlink(path), 0, s_op);
    remove_entry(e, 1);
    check_name(dir, name);
    struct stat st;
    xfstat(fd, path, &st);
    check_stat(path, n, &st, "fstat of the open descriptor");
    verify_range(fd, n, path, 0, f->size < 70000 ? f->size + 1 : 70000);
    if (f->segment_count + 2 <= MAX_SEGMENTS) {
        uint64_t off = rnd((uint32_t)f->size + 5000), len = 1 + rnd(8000), seed = rng_next(&s_rng);
        write_pattern(fd, path, off, len, seed, 0);
        segments_write(f, off, len, seed);
        verify_range(fd, n, path, off > 100 ? off - 100 : 0, len + 200);
        xfstat(fd, path, &st);
        check_stat(path, n, &st, "fstat of the open descriptor after a write");
    }
    xclose(fd, path);
    if (f->nlink == 0) f->type = T_FREE;
    else
        for (int o = 0; o < MAX_ENTRIES; o++)
            if (s_entries[o].used && s_entries[o].node == n) {
                char other[4400];
                entry_path(o, other, sizeof other);
                check_name(s_entries[o].dir, s_entries[o].name);
                verify_file(n, other);
            }
    return 1;
}

static int op_mkdir(void)
{
    int dir, name;
    char path[4400];
    if (!room_for_one_more() || count_nodes(T_DIR) >= MAX_DIRS) return 0;
    pick_place(&dir, &name);
    if (depth_of(dir) >= MAX_DEPTH) return 0;
    name_path(dir, name, path, sizeof path);
    unsigned mode = random_dir_mode();
    int exists = find_entry(dir, name) >= 0;
    describe("mkdir(%s, 0%o)%s", full(path), mode, exists ? " over an existing name" : "");
    expect_result(mkdir(path, mode), exists ? EEXIST : 0, s_op);
    if (!exists) {
        struct stat st;
        xlstat(path, &st);
        int n = add_node(T_DIR, mode, st.st_ino);
        s_nodes[n].entry = add_entry(dir, name, n);
    }
    check_name(dir, name);
    check_dir(dir);
    return 1;
}

static int op_rmdir(void)
{
    int dir, name, e;
    char path[4400];
    uint32_t kind = rnd(100);
    if (kind < 5) {
        pick_place(&dir, &name);
    } else {
        e = pick_entry(kind < 20 ? (1u << T_REG) | (1u << T_LNK) : 1u << T_DIR);
        if (e < 0) return 0;
        if (kind >= 50) {
            /* Mostly an empty directory when there is one, or the tree would only grow. */
            int count = 0;
            for (int c = 0; c < MAX_ENTRIES; c++)
                if (s_entries[c].used && s_nodes[s_entries[c].node].type == T_DIR && count_entries(s_entries[c].node, 0) == 0) count++;
            int k = count ? (int)rnd((uint32_t)count) : -1;
            for (int c = 0; c < MAX_ENTRIES && k >= 0; c++)
                if (s_entries[c].used && s_nodes[s_entries[c].node].type == T_DIR && count_entries(s_entries[c].node, 0) == 0 && k-- == 0)
                    e = c;
        }
        dir = s_entries[e].dir;
        name = s_entries[e].name;
    }
    e = find_entry(dir, name);
    int n = e >= 0 ? s_entries[e].node : -1;
    name_path(dir, name, path, sizeof path);
    int want = e < 0 ? ENOENT : s_nodes[n].type != T_DIR ? ENOTDIR : count_entries(n, 0) ? ENOTEMPTY : 0;
    describe("rmdir(%s): %s%s", full(path), n >= 0 ? s_type_names[s_nodes[n].type] : "nothing",
             n >= 0 && s_nodes[n].type == T_DIR && count_entries(n, 0) ? " (not empty)" : "");
    expect_result(rmdir(path), want, s_op);
    if (want == 0) remove_entry(e, 0);
    check_name(dir, name);
    check_dir(dir);
    return 1;
}

/* Removes everything below directory entry e and then the directory (rm -r), each call checked. */
static void remove_recursively(int e)
{
    char path[4400];
    int n = s_entries[e].node;
    for (int c = 0; c < MAX_ENTRIES; c++) {
        if (!s_entries[c].used || s_entries[c].dir != n) continue;
        if (s_nodes[s_entries[c].node].type == T_DIR) {
            remove_recursively(c);
            continue;
        }
        int other = s_entries[c].node, dir = s_entries[c].dir, name = s_entries[c].name;
        entry_path(c, path, sizeof path);
        char call[4500];
        snprintf(call, sizeof call, "%s: unlink(%s)", s_op, full(path));
        expect_result(unlink(path), 0, call);
        remove_entry(c, 0);
        check_name(dir, name);
        for (int o = 0; o < MAX_ENTRIES; o++)
            if (s_entries[o].used && s_entries[o].node == other) check_name(s_entries[o].dir, s_entries[o].name);
    }
    int dir = s_entries[e].dir, name = s_entries[e].name;
    entry_path(e, path, sizeof path);
    check_dir(n);
    char call[4500];
    snprintf(call, sizeof call, "%s: rmdir(%s)", s_op, full(path));
    expect_result(rmdir(path), 0, call);
    remove_entry(e, 0);
    check_name(dir, name);
    check_dir(dir);
}

static int op_prune(void)
{
    int e = pick_entry(1u << T_DIR);
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    describe("remove %s and everything below it (rm -r)", full(path));
    remove_recursively(e);
    return 1;
}

static int op_symlink(void)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789._-/";
    int dir, name;
    char path[4400];
    if (!room_for_one_more()) return 0;
    pick_place(&dir, &name);
    name_path(dir, name, path, sizeof path);
    char target[TARGET_MAX + 1];
    size_t len = rnd(2) ? 1 + rnd(59) : 60 + rnd(TARGET_MAX - 59); /* fast (in the inode) and slow (a block) */
    for (size_t i = 0; i < len; i++) target[i] = chars[rnd(sizeof chars - 1)];
    target[len] = 0;
    int exists = find_entry(dir, name) >= 0;
    describe("symlink(\"%s\" (%zu bytes), %s)%s", target, len, full(path), exists ? " over an existing name" : "");
    expect_result(symlink(target, path), exists ? EEXIST : 0, s_op);
    if (!exists) {
        struct stat st;
        xlstat(path, &st);
        int n = add_node(T_LNK, 0777, st.st_ino);
        memcpy(s_nodes[n].target, target, len + 1);
        add_entry(dir, name, n);
        verify_link(n, path);
    }
    check_name(dir, name);
    check_dir(dir);
    return 1;
}

static int op_readlink(void)
{
    int e = pick_entry(rnd(100) < 15 ? (1u << T_REG) | (1u << T_DIR) : 1u << T_LNK);
    if (e < 0) return 0;
    char path[4400], buf[TARGET_MAX + 2];
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node;
    if (s_nodes[n].type != T_LNK) {
        describe("readlink(%s) of a %s", full(path), s_type_names[s_nodes[n].type]);
        expect_result(readlink(path, buf, sizeof buf), EINVAL, s_op);
        return 1;
    }
    size_t len = strlen(s_nodes[n].target);
    if (rnd(100) < 25) {
        /* A buffer too small: the target's first bytes, no terminator, the buffer's size returned. */
        size_t size = 1 + rnd((uint32_t)len);
        describe("readlink(%s) into %zu bytes (the target has %zu)", full(path), size, len);
        memset(buf, '#', sizeof buf);
        ssize_t r = readlink(path, buf, size);
        if (r < 0) FAIL("%s: %s", s_op, errstr(errno));
        if ((size_t)r != size || memcmp(buf, s_nodes[n].target, size) != 0 || buf[size] != '#')
            FAIL("%s: returned %zd: \"%.*s\", expected %zu: \"%.*s\" and nothing written after it", s_op, r, (int)(r < 0 ? 0 : r), buf,
                 size, (int)size, s_nodes[n].target);
        return 1;
    }
    describe("readlink(%s)", full(path));
    verify_link(n, path);
    return 1;
}

static int op_chmod(void)
{
    int e = pick_entry((1u << T_REG) | (1u << T_DIR));
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    int n = s_entries[e].node;
    unsigned mode = s_nodes[n].type == T_DIR ? random_dir_mode() : random_file_mode();
    describe("chmod(%s, 0%o) of a %s (mode 0%o)", full(path), mode, s_type_names[s_nodes[n].type], s_nodes[n].mode);
    expect_result(chmod(path, mode), 0, s_op);
    s_nodes[n].mode = mode;
    check_name(s_entries[e].dir, s_entries[e].name);
    return 1;
}

static int op_fsync(void)
{
    int e = pick_entry((1u << T_REG) | (1u << T_DIR));
    if (e < 0) return 0;
    char path[4400];
    entry_path(e, path, sizeof path);
    int data_only = (int)rnd(2);
    describe("%s(open(%s, O_RDONLY)) of a %s", data_only ? "fdatasync" : "fsync", full(path), s_type_names[s_nodes[s_entries[e].node].type]);
    int fd = xopen(path, O_RDONLY, 0);
    expect_result(data_only ? fdatasync(fd) : fsync(fd), 0, s_op);
    xclose(fd, path);
    check_name(s_entries[e].dir, s_entries[e].name);
    return 1;
}

static int op_stat(void)
{
    int dir, name;
    pick_place(&dir, &name);
    char path[4400];
    name_path(dir, name, path, sizeof path);
    describe("lstat(%s)", full(path));
    check_name(dir, name);
    return 1;
}

static const struct {
    const char *name;
    int (*run)(void);
    int weight;
} s_ops[] = {
    { "create", op_create, 10 }, { "write", op_write, 18 },         { "read", op_read, 12 },     { "truncate", op_truncate, 7 },
    { "rename", op_rename, 12 }, { "link", op_link, 5 },            { "unlink", op_unlink, 8 },  { "unlink-open", op_unlink_open, 2 },
    { "mkdir", op_mkdir, 4 },    { "rmdir", op_rmdir, 4 },          { "symlink", op_symlink, 5 }, { "readlink", op_readlink, 4 },
    { "chmod", op_chmod, 4 },    { "fsync", op_fsync, 1 },          { "stat", op_stat, 4 },      { "rm-r", op_prune, 1 },
};
#define OP_KINDS ((int)(sizeof s_ops / sizeof s_ops[0]))

/* How often each kind of operation ran and which outcomes the model expected (printed without -q,
 * which shows that the error cases are reached). */
static long s_runs[OP_KINDS], s_outcomes[OP_KINDS][ENOTEMPTY + 1];
static int s_current_kind;

static void count_outcome(int want)
{
    if (want >= 0 && want <= ENOTEMPTY) s_outcomes[s_current_kind][want]++;
}

static void print_outcomes(void)
{
    for (int k = 0; k < OP_KINDS; k++) {
        char line[400];
        int n = snprintf(line, sizeof line, "%-11s %6ld", s_ops[k].name, s_runs[k]);
        const char *separator = "; outcomes: ";
        for (int e = 0; e <= ENOTEMPTY; e++)
            if (s_outcomes[k][e] && n < (int)sizeof line - 40) {
                n += snprintf(line + n, sizeof line - (size_t)n, "%s%s %ld", separator, errname(e), s_outcomes[k][e]);
                separator = ", ";
            }
        progress("%s", line);
    }
}

long phase_model(void)
{
    struct stat st;
    int total = 0;
    for (size_t i = 0; i < sizeof s_ops / sizeof s_ops[0]; i++) total += s_ops[i].weight;

    remove_tree("model");
    memset(s_nodes, 0, sizeof s_nodes);
    memset(s_entries, 0, sizeof s_entries);
    make_names();
    s_rng = opt_seed * 0x100000001b3ULL + 17;
    xlstat(".", &st);
    s_base_ino = st.st_ino;
    snprintf(s_op, sizeof s_op, "mkdir(%s, 0755)", full("model"));
    if (mkdir("model", 0755) != 0) FAIL("mkdir(%s): %s", full("model"), errstr(errno));
    xlstat("model", &st);
    /* Node 0 is model/ (add_node never gives it out). */
    s_nodes[0].type = T_DIR;
    s_nodes[0].mode = 0755;
    s_nodes[0].ino = st.st_ino;
    s_nodes[0].entry = -1;
    s_nodes[0].nlink = 2;
    memset(s_runs, 0, sizeof s_runs);
    memset(s_outcomes, 0, sizeof s_outcomes);
    result_hook = count_outcome;

    while (phase_ops < opt_ops) {
        int k = (int)rnd((uint32_t)total);
        size_t i = 0;
        while (k >= s_ops[i].weight) k -= s_ops[i++].weight;
        phase_ops++;
        s_current_kind = (int)i;
        if (!s_ops[i].run()) {
            phase_ops--;
            continue;
        }
        s_runs[i]++;
        if (phase_ops % WALK_EVERY == 0) walk(0, 0);
        if (phase_ops % 5000 == 0)
            progress("%ld operations; %d files, %d directories, %d symlinks", phase_ops, count_nodes(T_REG), count_nodes(T_DIR),
                     count_nodes(T_LNK));
    }
    snprintf(s_op, sizeof s_op, "the last operation (the final walk, reading every file)");
    walk(0, 1);
    result_hook = NULL;
    print_outcomes();
    return phase_ops;
}
