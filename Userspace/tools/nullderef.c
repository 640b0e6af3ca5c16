/* nullderef: reads through a NULL pointer. On Linux the kernel kills it with SIGSEGV (a shell then
 * reports "Segmentation fault" and status 139); it prints a line first so a test can tell that it ran.
 * If it survives the read, it says so and exits 1. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    static const char msg[] = "nullderef: reading address 0\n";
    write(2, msg, sizeof msg - 1);
    volatile int *p = (volatile int *)0;
    int v = *p;
    dprintf(2, "nullderef: survived reading address 0 (got %d)\n", v);
    return 1;
}
