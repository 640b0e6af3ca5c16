/* SDL.h holds the whole stand-in. */
#include "SDL.h"
