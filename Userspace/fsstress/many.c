/* Phase "many": opt_files files with distinct small contents in DIR/many and 16 subdirectories
 * (a third in many/ itself, which so grows to many directory blocks). Each file is created, listed,
 * renamed (half within its directory, half into another one), read back at its new name, listed
 * again and removed; the directories must then be empty (getdents, link counts) and are removed. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUBDIRS 16
#define LOCATIONS (SUBDIRS + 1) /* 0: many/ itself; 1..16: many/d00..many/d15 */
#define MAX_CONTENT 1024

static unsigned char *s_location; /* per file: where it is */
static unsigned char *s_renamed;  /* per file: 0 created as a*, 1 renamed to b* (same directory), 2 to c* (another one) */
static unsigned char *s_seen;

static void location_path(int loc, char *out, size_t size)
{
    if (loc == 0) snprintf(out, size, "many");
    else snprintf(out, size, "many/d%02d", loc - 1);
}

/* The file's name: a letter for its stage, its number, then 0 to 39 filler letters so that names
 * (and so directory entries) have many lengths. */
static void file_name(long i, int stage, char *out, size_t size)
{
    int pad = (int)((i * 13) % 40);
    int n = snprintf(out, size, "%c%05ld", "abc"[stage], i);
    for (int k = 0; k < pad && (size_t)(n + k + 1) < size; k++) out[n + k] = (char)('x' - (k % 3));
    out[n + pad] = 0;
}

static void file_path(long i, char *out, size_t size)
{
    char dir[32], name[64];
    location_path(s_location[i], dir, sizeof dir);
    file_name(i, s_renamed[i], name, sizeof name);
    snprintf(out, size, "%s/%s", dir, name);
}

/* File i's content: a line naming it, then 0 to 599 pattern bytes. */
static size_t file_content(long i, unsigned char *buf)
{
    int n = snprintf((char *)buf, MAX_CONTENT, "fsstress many file %ld seed %llu\n", i, (unsigned long long)opt_seed);
    size_t extra = (size_t)(mix64(opt_seed * 31 + (uint64_t)i) % 600);
    fill_pattern(buf + n, opt_seed + 1000 + (uint64_t)i, 0, extra);
    return (size_t)n + extra;
}

/* Lists every location and checks that it holds exactly the files the phase put there, under their
 * current names, each once, plus "." and "..". */
static void check_listing(const char *when)
{
    memset(s_seen, 0, (size_t)opt_files);
    for (int loc = 0; loc < LOCATIONS; loc++) {
        char dir[32];
        location_path(loc, dir, sizeof dir);
        DIR *d = opendir(dir);
        if (!d) FAIL("%s: opendir(%s): %s", when, full(dir), errstr(errno));
        long expected = 0, found = 0, dots = 0;
        for (long i = 0; i < opt_files; i++) expected += s_location[i] == loc;
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d)) != NULL) {
            phase_ops++;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                dots++;
                if (e->d_type != DT_UNKNOWN && e->d_type != DT_DIR)
                    FAIL("%s: getdents of %s: \"%s\" has d_type %d, not DT_DIR", when, full(dir), e->d_name, e->d_type);
                continue;
            }
            if (loc == 0 && e->d_name[0] == 'd' && strlen(e->d_name) == 3) continue; /* a subdirectory */
            char *end;
            long i = strtol(e->d_name + 1, &end, 10);
            char want[64];
            if (end != e->d_name + 6 || i < 0 || i >= opt_files)
                FAIL("%s: getdents of %s: unexpected entry \"%s\" (d_ino %llu)", when, full(dir), e->d_name, (unsigned long long)e->d_ino);
            file_name(i, s_renamed[i], want, sizeof want);
            if (strcmp(want, e->d_name) != 0 || s_location[i] != loc) {
                char path[96];
                file_path(i, path, sizeof path);
                FAIL("%s: getdents of %s: entry \"%s\" (d_ino %llu) should not be there: file %ld is %s", when, full(dir),
                     e->d_name, (unsigned long long)e->d_ino, i, full(path));
            }
            if (s_seen[i])
                FAIL("%s: getdents of %s: entry \"%s\" listed twice (d_ino %llu)", when, full(dir), e->d_name, (unsigned long long)e->d_ino);
            if (e->d_type != DT_UNKNOWN && e->d_type != DT_REG)
                FAIL("%s: getdents of %s: \"%s\" has d_type %d, not DT_REG", when, full(dir), e->d_name, e->d_type);
            s_seen[i] = 1;
            found++;
        }
        if (errno) FAIL("%s: readdir(%s): %s", when, full(dir), errstr(errno));
        closedir(d);
        if (dots != 2) FAIL("%s: getdents of %s gave %ld entries \".\" or \"..\", not 2", when, full(dir), dots);
        if (found != expected) {
            for (long i = 0; i < opt_files; i++)
                if (s_location[i] == loc && !s_seen[i]) {
                    char path[96];
                    file_path(i, path, sizeof path);
                    FAIL("%s: getdents of %s gave %ld files, expected %ld: %s is missing", when, full(dir), found, expected, full(path));
                }
            FAIL("%s: getdents of %s gave %ld files, expected %ld", when, full(dir), found, expected);
        }
    }
}

static void check_dir_links(const char *dir, nlink_t want, const char *when)
{
    struct stat st;
    xlstat(dir, &st);
    if (!S_ISDIR(st.st_mode)) FAIL("%s: %s is not a directory (mode 0%o)", when, full(dir), (unsigned)st.st_mode);
    if (st.st_nlink != want) FAIL("%s: %s has link count %lu, expected %lu", when, full(dir), (unsigned long)st.st_nlink, (unsigned long)want);
}

long phase_many(void)
{
    static unsigned char expected[MAX_CONTENT], got[MAX_CONTENT + 1];
    char path[96], to[96], dir[32];

    remove_tree("many");
    free(s_location);
    s_location = calloc((size_t)opt_files, 3);
    if (!s_location) FAIL("out of memory for %ld files", opt_files);
    s_renamed = s_location + opt_files;
    s_seen = s_renamed + opt_files;

    if (mkdir("many", 0755) != 0) FAIL("mkdir(%s): %s", full("many"), errstr(errno));
    for (int loc = 1; loc < LOCATIONS; loc++) {
        location_path(loc, dir, sizeof dir);
        phase_ops++;
        if (mkdir(dir, 0755) != 0) FAIL("mkdir(%s): %s", full(dir), errstr(errno));
    }
    check_dir_links("many", 2 + SUBDIRS, "after making the subdirectories");

    /* Create. */
    for (long i = 0; i < opt_files; i++) {
        s_location[i] = i % 3 == 0 ? 0 : (unsigned char)(1 + (i / 3) % SUBDIRS);
        file_path(i, path, sizeof path);
        size_t len = file_content(i, expected);
        phase_ops++;
        oplog("create %s with %zu bytes", full(path), len);
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) FAIL("creating file %ld: open(%s, O_CREAT|O_EXCL|O_WRONLY): %s", i, full(path), errstr(errno));
        ssize_t w = write(fd, expected, len);
        if (w != (ssize_t)len)
            FAIL("creating file %ld: write(%s, %zu bytes) returned %zd: %s", i, full(path), len, w, w < 0 ? errstr(errno) : "short");
        xclose(fd, path);
        if ((i + 1) % 2500 == 0) progress("%ld files created", i + 1);
    }
    check_listing("after creating");

    /* Rename: even files within their directory (a* -> b*), odd ones into another directory (c*). */
    for (long i = 0; i < opt_files; i++) {
        file_path(i, path, sizeof path);
        if (i % 2 == 0) {
            s_renamed[i] = 1;
        } else {
            s_renamed[i] = 2;
            s_location[i] = (unsigned char)((s_location[i] + 1 + i % 7) % LOCATIONS);
        }
        file_path(i, to, sizeof to);
        phase_ops++;
        oplog("rename %s -> %s", full(path), full(to));
        if (rename(path, to) != 0) FAIL("renaming file %ld: rename(%s, %s): %s", i, full(path), full(to), errstr(errno));
        struct stat st;
        if (lstat(path, &st) == 0 || errno != ENOENT)
            FAIL("renaming file %ld: after rename(%s, %s) the old name still answers lstat: %s", i, full(path), full(to),
                 errstr(errno));
    }
    progress("%ld files renamed", opt_files);
    check_listing("after renaming");

    /* Read back. */
    for (long i = 0; i < opt_files; i++) {
        file_path(i, path, sizeof path);
        size_t len = file_content(i, expected);
        phase_ops++;
        oplog("read back %s (%zu bytes)", full(path), len);
        int fd = open(path, O_RDONLY);
        if (fd < 0) FAIL("reading file %ld back: open(%s): %s", i, full(path), errstr(errno));
        struct stat st;
        xfstat(fd, path, &st);
        if (!S_ISREG(st.st_mode) || st.st_size != (off_t)len || st.st_nlink != 1 || (st.st_mode & 07777) != 0644)
            FAIL("file %ld: fstat(%s): mode 0%o size %lld links %lu, expected a regular file, mode 0644, size %zu, 1 link", i,
                 full(path), (unsigned)st.st_mode, (long long)st.st_size, (unsigned long)st.st_nlink, len);
        size_t n = xpread(fd, got, sizeof got, 0, path);
        if (n != len) FAIL("file %ld: reading %s gave %zu bytes before EOF, expected %zu", i, full(path), n, len);
        char what[160];
        snprintf(what, sizeof what, "file %ld, %s", i, full(path));
        compare_or_fail(expected, got, len, 0, what);
        xclose(fd, path);
    }
    progress("%ld files read back", opt_files);

    /* Remove. */
    for (long i = 0; i < opt_files; i++) {
        file_path(i, path, sizeof path);
        phase_ops++;
        oplog("unlink %s", full(path));
        if (unlink(path) != 0) FAIL("removing file %ld: unlink(%s): %s", i, full(path), errstr(errno));
        s_location[i] = 255;
    }
    check_listing("after removing every file");
    check_dir_links("many", 2 + SUBDIRS, "after removing every file");
    for (int loc = 1; loc < LOCATIONS; loc++) {
        location_path(loc, dir, sizeof dir);
        check_dir_links(dir, 2, "after removing every file");
        phase_ops++;
        if (rmdir(dir) != 0) FAIL("rmdir(%s) of an empty directory: %s", full(dir), errstr(errno));
    }
    check_dir_links("many", 2, "after removing the subdirectories");
    phase_ops++;
    if (rmdir("many") != 0) FAIL("rmdir(%s) of an empty directory: %s", full("many"), errstr(errno));
    struct stat st;
    if (lstat("many", &st) == 0 || errno != ENOENT) FAIL("after rmdir(%s), lstat says: %s", full("many"), errstr(errno));
    free(s_location);
    s_location = NULL;
    return phase_ops;
}
