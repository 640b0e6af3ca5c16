/*
 * The platform layer's own interface between its files: fbdev.c (the screen and the console's
 * mode), evdev.c (the keyboard) and endoom.c (the text screen shown at exit).
 */
#ifndef DOOM_PLATFORM_H
#define DOOM_PLATFORM_H

/* Finds the first /dev/input/eventN with letter keys and grabs it; 0 if there is none. */
int Keyboard_Open(void);
/* Posts DOOM key events for every input event waiting on the keyboard. */
void Keyboard_Poll(void);
/* Releases the grab and closes the device; safe to call twice and from a signal handler. */
void Keyboard_Close(void);

#endif
