/*
 * The ENDOOM screen (80x25 text cells, each a code page 437 character and a VGA colour attribute),
 * printed on the terminal at exit with ANSI colours, after fbdev.c has given the console back its
 * text mode. Characters outside ASCII are shown as the nearest ASCII or block character (UTF-8).
 * Replaces chocolate-doom's i_endoom.c, which draws it with its textscreen library on SDL.
 */
#include <stdio.h>

#include "doomtype.h"
#include "i_endoom.h"

/* VGA colour order (blue is bit 0) to ANSI's (red is bit 0). */
static const int ansi_colour[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static const char *Glyph(byte c)
{
    static char ascii[2];
    switch (c)
    {
    case 0xb0: return "\u2591";
    case 0xb1: return "\u2592";
    case 0xb2: return "\u2593";
    case 0xdb: return "\u2588";
    case 0xdc: return "\u2584";
    case 0xdd: return "\u258c";
    case 0xde: return "\u2590";
    case 0xdf: return "\u2580";
    case 0xfe: return "\u25a0";
    case 0xc4: case 0xcd: return "-";
    case 0xb3: case 0xba: return "|";
    default:
        ascii[0] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
        ascii[1] = '\0';
        return ascii;
    }
}

void I_Endoom(byte *endoom_data)
{
    for (int y = 0; y < 25; y++)
    {
        int last = -1;
        for (int x = 0; x < 80; x++)
        {
            byte c = endoom_data[(y * 80 + x) * 2], attribute = endoom_data[(y * 80 + x) * 2 + 1];
            int foreground = attribute & 15, background = (attribute >> 4) & 7;
            if (attribute != last)
            {
                printf("\033[0;%s%d;%dm", foreground & 8 ? "1;" : "", 30 + ansi_colour[foreground & 7],
                       40 + ansi_colour[background]);
                last = attribute;
            }
            fputs(Glyph(c), stdout);
        }
        printf("\033[0m\n");
    }
    fflush(stdout);
}
