/*
 * A stand-in for SDL 2's headers, holding only what chocolate-doom's portable files use once its
 * video, input, joystick and sound files are replaced by this folder's platform layer (fbdev.c,
 * evdev.c, nosound.c). SDL_stdinc.h, SDL_endian.h and SDL_filesystem.h are this same file. The
 * functions are in sdl.c.
 */
#ifndef DOOM_SDL_STAND_IN_H
#define DOOM_SDL_STAND_IN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint8_t Uint8;
typedef int8_t Sint8;
typedef uint16_t Uint16;
typedef int16_t Sint16;
typedef uint32_t Uint32;
typedef int32_t Sint32;
typedef uint64_t Uint64;
typedef int64_t Sint64;

/* AArch64 Linux is little-endian. */
#define SDL_LIL_ENDIAN 1234
#define SDL_BIG_ENDIAN 4321
#define SDL_BYTEORDER SDL_LIL_ENDIAN
#define SDL_SwapLE16(x) ((Uint16)(x))
#define SDL_SwapLE32(x) ((Uint32)(x))
#define SDL_SwapBE16(x) __builtin_bswap16(x)
#define SDL_SwapBE32(x) __builtin_bswap32(x)

#define SDL_INIT_TIMER 0x00000001u
#define SDL_HINT_NO_SIGNAL_HANDLERS "SDL_NO_SIGNAL_HANDLERS"
#define SDL_HINT_WINDOWS_DISABLE_THREAD_NAMING "SDL_WINDOWS_DISABLE_THREAD_NAMING"
#define SDL_MESSAGEBOX_ERROR 0x10

/* Only named in i_input.h's prototypes, which the platform layer does not implement. */
typedef union SDL_Event SDL_Event;
typedef struct SDL_Window SDL_Window;

int SDL_Init(Uint32 flags);
void SDL_Quit(void);
int SDL_SetHint(const char *name, const char *value);
Uint32 SDL_GetTicks(void);
void SDL_Delay(Uint32 ms);
int SDL_ShowSimpleMessageBox(Uint32 flags, const char *title, const char *message, SDL_Window *window);
char *SDL_GetPrefPath(const char *org, const char *app);

#define SDL_free free
#define SDL_qsort qsort

#endif
