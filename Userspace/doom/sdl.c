/*
 * The few SDL functions chocolate-doom's portable files call (see SDL.h): time from the monotonic
 * clock, sleeps, and the per-user folder SDL_GetPrefPath would give on Linux.
 */
#include "SDL.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static struct timespec start;
static int started;

static void Start(void)
{
    if (!started)
    {
        clock_gettime(CLOCK_MONOTONIC, &start);
        started = 1;
    }
}

int SDL_Init(Uint32 flags)
{
    (void)flags;
    Start();
    return 0;
}

void SDL_Quit(void)
{
}

int SDL_SetHint(const char *name, const char *value)
{
    (void)name;
    (void)value;
    return 1;
}

Uint32 SDL_GetTicks(void)
{
    struct timespec now;
    Start();
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (Uint32)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
}

void SDL_Delay(Uint32 ms)
{
    struct timespec wait = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR)
    {
    }
}

int SDL_ShowSimpleMessageBox(Uint32 flags, const char *title, const char *message, SDL_Window *window)
{
    /* I_Error has printed the message on stderr already; there is no window to show it in. */
    (void)flags;
    (void)title;
    (void)message;
    (void)window;
    return 0;
}

/* $XDG_DATA_HOME/APP/ or $HOME/.local/share/APP/, made if missing, as SDL does on Linux. */
char *SDL_GetPrefPath(const char *org, const char *app)
{
    const char *base = getenv("XDG_DATA_HOME");
    const char *suffix = "";
    char *path;
    size_t size;
    (void)org;
    if (base == NULL || base[0] == '\0')
    {
        base = getenv("HOME");
        suffix = "/.local/share";
        if (base == NULL || base[0] == '\0')
        {
            return NULL;
        }
    }
    size = strlen(base) + strlen(suffix) + strlen(app) + 3;
    path = malloc(size);
    if (path == NULL)
    {
        return NULL;
    }
    /* Each folder of the path in turn; the last one must exist (or be made) for the path to be given. */
    snprintf(path, size, "%s%s/%s", base, suffix, app);
    for (char *slash = strchr(path + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/'))
    {
        *slash = '\0';
        mkdir(path, 0700);
        *slash = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
    {
        free(path);
        return NULL;
    }
    strcat(path, "/");
    return path;
}
