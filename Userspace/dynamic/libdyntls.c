/* A shared library the test program is linked with: initial-exec/static TLS of a shared object.
 * Each thread sees its own counter, starting at 100. */
__thread int dyn_counter = 100;

int dyn_bump(int by)
{
    dyn_counter += by;
    return dyn_counter;
}
