/* fsstress: what the phases share (reporting, the pseudo-random generator, data patterns, checked
 * system calls). See fsstress.c for the program and Userspace/README.md for its contract. */
#ifndef FSSTRESS_COMMON_H
#define FSSTRESS_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Options (set by main). */
extern uint64_t opt_seed;
extern long opt_ops;        /* model: random operations */
extern long opt_files;      /* many: files */
extern long opt_big_mib;    /* big: file size in MiB */
extern int opt_quiet;
extern const char *opt_dir; /* as given; every path below is relative to it (the working directory) */

/* The running phase: its name and its operation counter (what failure messages call "op N"). */
extern const char *phase_name;
extern long phase_ops;

/* Reports "FAIL PHASE: op N: MESSAGE [fsstress.c:LINE]" (plus the recent operations the phase
 * logged), then abandons the phase. Never returns. */
#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)
__attribute__((noreturn, format(printf, 3, 4))) void fail_at(const char *file, int line, const char *fmt, ...);

/* Remembers a description of the operation about to run; the last few are printed on failure. */
__attribute__((format(printf, 1, 2))) void oplog(const char *fmt, ...);

/* "ENOENT (No such file or directory)" for errno e; "success" for 0. */
const char *errstr(int e);
/* "ENOENT" only. */
const char *errname(int e);

/* Progress line (not with -q). */
__attribute__((format(printf, 1, 2))) void progress(const char *fmt, ...);

/* The path as the user sees it: DIR/relative. Returns a static buffer (two alternate). */
const char *full(const char *rel);

/* Pseudo-random numbers (splitmix64): a generator state per use, so phases do not disturb each other. */
uint64_t rng_next(uint64_t *state);
uint32_t rng_below(uint64_t *state, uint32_t n); /* 0 <= r < n */
uint64_t mix64(uint64_t x);

/* Data patterns: the byte at absolute file offset o of a stream with seed s depends on (s, o) only,
 * so any part of a file can be regenerated without keeping it. */
void fill_pattern(unsigned char *buf, uint64_t seed, uint64_t off, size_t len);

/* Compares got[0..len) (read at file offset off) with expected; on a difference fails with the first
 * differing offset, the bytes around it and a hint (zeros where data was expected: a lost write or a
 * hole; data where zeros were expected: stale data). what names the file and the read. */
void compare_or_fail(const unsigned char *expected, const unsigned char *got, size_t len, uint64_t off, const char *what);

/* Checked calls: on -1 fail with the call, the path and errno. */
int xopen(const char *path, int flags, mode_t mode);
void xclose(int fd, const char *path);
void xlstat(const char *path, struct stat *st);
void xfstat(int fd, const char *path, struct stat *st);
/* Writes exactly len bytes at off (pwrite); a short write is a failure. */
void xpwrite(int fd, const void *buf, size_t len, uint64_t off, const char *path);
/* Reads up to len bytes at off until EOF or len (pread loop); returns the count. */
size_t xpread(int fd, void *buf, size_t len, uint64_t off, const char *path);

/* Fails unless r == -1 with errno want (want 0: r must not be -1). Calls result_hook (if set) with
 * the outcome first. */
void expect_result(long r, int want, const char *call);
extern void (*result_hook)(int want);

/* Removes path and everything below it (no error if it does not exist). */
void remove_tree(const char *path);

/* Phases: each returns its operation count, or longjmps out through FAIL. */
long phase_many(void);
long phase_big(void);
long phase_model(void);
long phase_sync(void);

#endif
