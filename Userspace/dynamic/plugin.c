/* A shared library the test program loads with dlopen: dynamic TLS (__tls_get_addr) in a module
 * loaded after the threads' TLS blocks were laid out. Each thread's copy starts at 7. */
static __thread int plugin_tls = 7;

int plugin_value(int x)
{
    plugin_tls += x;
    return plugin_tls * 2;
}
