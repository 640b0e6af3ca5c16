/* What chocolate-doom's configure would find for this build: no SDL_mixer, no SDL_net, no libpng or
 * libsamplerate; POSIX's dirent and mmap. */
#define PACKAGE_NAME "Chocolate Doom"
#define PACKAGE_TARNAME "chocolate-doom"
#define PACKAGE_VERSION "3.0.0"
#define PACKAGE_STRING "Chocolate Doom 3.0.0"
#define PROGRAM_PREFIX "chocolate-"
#define DISABLE_SDL2MIXER 1
#define DISABLE_SDL2NET 1
#define HAVE_DIRENT_H 1
#define HAVE_DECL_STRCASECMP 1
#define HAVE_DECL_STRNCASECMP 1
#define HAVE_MMAP 1
