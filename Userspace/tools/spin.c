/* spin: loops in user mode for ever, with no system call and no memory access: the program that only an
 * interrupt delivered to running user code can stop (timeout, Ctrl-C, the scheduler's tick). */
int main(void)
{
    for (;;) {
    }
}
