/* The dynamic-linking test: built twice, against musl (ld-musl-aarch64.so.1) and glibc
 * (ld-linux-aarch64.so.1), and linked with libdyntls.so, which is not on the loader's default path
 * (LD_LIBRARY_PATH finds it). Prints lines that must be the same on Linux (qemu-user) and on the
 * managed kernel, whatever the C library; exits 0 when every check held.
 *
 * Usage: dyntest PLUGIN   (PLUGIN: the path of libdynplugin.so, for dlopen) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

int dyn_bump(int by);

static int (*plugin_value)(int);
static int failures;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
            failures++;                                    \
        }                                                  \
    } while (0)

static void *in_thread(void *arg)
{
    /* A new thread's TLS blocks start from the initial images, for both libraries. */
    int a = dyn_bump(5);
    int b = plugin_value(1);
    printf("thread: dyn_bump(5) = %d, plugin_value(1) = %d\n", a, b);
    CHECK(a == 105 && b == 16, "thread TLS %d %d", a, b);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dyntest PLUGIN\n");
        return 2;
    }
    /* The kernel started the loader: AT_BASE is where it is, AT_ENTRY the program's own entry. */
    unsigned long base = getauxval(AT_BASE), entry = getauxval(AT_ENTRY);
    Elf64_Ehdr *self = (Elf64_Ehdr *)(getauxval(AT_PHDR) - sizeof(Elf64_Ehdr));
    CHECK(base != 0, "AT_BASE is 0");
    CHECK(self->e_entry == entry || self->e_type == ET_DYN, "AT_ENTRY %#lx, e_entry %#lx", entry, (unsigned long)self->e_entry);
    printf("auxv: AT_BASE set, AT_ENTRY is the program's\n");

    int a = dyn_bump(1);
    printf("main: dyn_bump(1) = %d\n", a);
    CHECK(a == 101, "dyn_bump %d", a);

    void *h = dlopen(argv[1], RTLD_NOW);
    CHECK(h != NULL, "dlopen %s: %s", argv[1], dlerror());
    if (!h) return 1;
    plugin_value = (int (*)(int))dlsym(h, "plugin_value");
    CHECK(plugin_value != NULL, "dlsym: %s", dlerror());
    if (!plugin_value) return 1;
    int b = plugin_value(3);
    printf("main: plugin_value(3) = %d\n", b);
    CHECK(b == 20, "plugin_value %d", b);

    pthread_t t;
    CHECK(pthread_create(&t, NULL, in_thread, NULL) == 0, "pthread_create");
    pthread_join(t, NULL);

    /* The main thread's copies are untouched by the thread's. */
    a = dyn_bump(1);
    b = plugin_value(0);
    printf("main again: dyn_bump(1) = %d, plugin_value(0) = %d\n", a, b);
    CHECK(a == 102 && b == 20, "main TLS %d %d", a, b);
    CHECK(dlclose(h) == 0, "dlclose: %s", dlerror());

    printf("%s\n", failures ? "dyntest: FAILED" : "dyntest: ok");
    return failures ? 1 : 0;
}
