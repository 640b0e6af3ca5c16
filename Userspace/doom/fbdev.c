/*
 * The screen, on Linux's fbdev (/dev/fb0): the mode from FBIOGET_VSCREENINFO/FSCREENINFO, the
 * framebuffer mapped shared, and each 320x200 paletted frame drawn at the largest integer scale
 * that fits, centred on black, square pixels. While DOOM runs the console is in KD_GRAPHICS
 * (KDSETMODE on standard input) so that the kernel's text console leaves the screen alone; the
 * exit functions, and the handlers of the fatal signals, put it back to KD_TEXT and free the
 * keyboard. Replaces chocolate-doom's i_video.c.
 * The fbdev structures are Linux's <linux/fb.h> for arm64, written out (musl has no kernel headers).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "d_event.h"
#include "deh_str.h"
#include "doomtype.h"
#include "i_system.h"
#include "i_video.h"
#include "m_argv.h"
#include "m_config.h"
#include "platform.h"
#include "tables.h"
#include "v_video.h"
#include "w_wad.h"
#include "z_zone.h"

struct bitfield {
    uint32_t offset, length, msb_right;
};
struct var_info {
    uint32_t xres, yres, xres_virtual, yres_virtual, xoffset, yoffset, bits_per_pixel, grayscale;
    struct bitfield red, green, blue, transp;
    uint32_t nonstd, activate, height, width, accel_flags, pixclock, left_margin, right_margin, upper_margin,
        lower_margin, hsync_len, vsync_len, sync, vmode, rotate, colorspace, reserved[4];
};
struct fix_info {
    char id[16];
    unsigned long smem_start;
    uint32_t smem_len, type, type_aux, visual;
    uint16_t xpanstep, ypanstep, ywrapstep;
    uint32_t line_length;
    unsigned long mmio_start;
    uint32_t mmio_len, accel;
    uint16_t capabilities, reserved[2];
};
_Static_assert(sizeof(struct var_info) == 160, "fb_var_screeninfo on arm64");
_Static_assert(sizeof(struct fix_info) == 80, "fb_fix_screeninfo on arm64");

#define FBIOGET_VSCREENINFO 0x4600
#define FBIOGET_FSCREENINFO 0x4602
#define KDSETMODE 0x4B3A
#define KD_TEXT 0
#define KD_GRAPHICS 1

/* The variables chocolate-doom's configuration and menus share with its video code. */
char *video_driver = "";
boolean screenvisible = true;
boolean screensaver_mode = false;
int usegamma = 0;
pixel_t *I_VideoBuffer = NULL;
int screen_width = SCREENWIDTH;
int screen_height = SCREENHEIGHT;
int fullscreen = true;
int aspect_ratio_correct = false;
int integer_scaling = true;
int vga_porch_flash = false;
int force_software_renderer = true;
int png_screenshots = false;
char *window_position = "";
unsigned int joywait = 0;
int usemouse = 0;

static pixel_t frame[SCREENWIDTH * SCREENHEIGHT];
static byte palette_rgb[256 * 3];
static uint32_t palette[256];
static int fb = -1;
static uint8_t *screen;
static size_t screen_size;
static struct var_info mode;
static uint32_t line_length;
static int scale;
static int left, top;                 /* where the scaled frame starts on the screen */
static int source_width, source_height; /* how much of the frame fits (all of it unless the screen is small) */
static uint32_t *row;                 /* one scaled line of the frame */
static boolean noblit;
static boolean console_in_graphics;

static uint32_t Pixel(int r, int g, int b)
{
    return (uint32_t)(r >> (8 - mode.red.length)) << mode.red.offset
         | (uint32_t)(g >> (8 - mode.green.length)) << mode.green.offset
         | (uint32_t)(b >> (8 - mode.blue.length)) << mode.blue.offset;
}

static void ClearScreen(void)
{
    for (uint32_t y = 0; y < mode.yres; y++)
    {
        memset(screen + (size_t)y * line_length, 0, (size_t)mode.xres * 4);
    }
}

/* Undoes what I_InitGraphics did to the machine; safe to call twice and from a signal handler. */
static void RestoreConsole(void)
{
    Keyboard_Close();
    if (screen != NULL)
    {
        ClearScreen();
    }
    if (console_in_graphics)
    {
        console_in_graphics = false;
        ioctl(STDIN_FILENO, KDSETMODE, KD_TEXT);
    }
}

static void FatalSignal(int sig)
{
    RestoreConsole();
    signal(sig, SIG_DFL);
    raise(sig);
}

void I_ShutdownGraphics(void)
{
    RestoreConsole();
}

void I_InitGraphics(void)
{
    static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    struct fix_info fix;

    fb = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    if (fb < 0)
    {
        I_Error("I_InitGraphics: cannot open /dev/fb0: %s", strerror(errno));
    }
    if (ioctl(fb, FBIOGET_VSCREENINFO, &mode) < 0 || ioctl(fb, FBIOGET_FSCREENINFO, &fix) < 0)
    {
        I_Error("I_InitGraphics: cannot read the mode of /dev/fb0: %s", strerror(errno));
    }
    if (mode.bits_per_pixel != 32 || mode.red.length > 8 || mode.green.length > 8 || mode.blue.length > 8
        || fix.line_length < mode.xres * 4 || fix.smem_len < (uint64_t)fix.line_length * mode.yres)
    {
        I_Error("I_InitGraphics: /dev/fb0 is %ux%u at %u bits a pixel, line %u bytes: only 32-bit pixels are drawn",
                mode.xres, mode.yres, mode.bits_per_pixel, fix.line_length);
    }
    line_length = fix.line_length;
    screen_size = (size_t)fix.line_length * mode.yres;
    screen = mmap(NULL, screen_size, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
    if (screen == MAP_FAILED)
    {
        screen = NULL;
        I_Error("I_InitGraphics: cannot map /dev/fb0: %s", strerror(errno));
    }

    scale = (int)mode.xres / SCREENWIDTH < (int)mode.yres / SCREENHEIGHT ? (int)mode.xres / SCREENWIDTH
                                                                         : (int)mode.yres / SCREENHEIGHT;
    if (scale < 1)
    {
        scale = 1;
    }
    source_width = SCREENWIDTH * scale <= (int)mode.xres ? SCREENWIDTH : (int)mode.xres;
    source_height = SCREENHEIGHT * scale <= (int)mode.yres ? SCREENHEIGHT : (int)mode.yres;
    left = ((int)mode.xres - source_width * scale) / 2;
    top = ((int)mode.yres - source_height * scale) / 2;
    row = Z_Malloc(sizeof(*row) * source_width * scale, PU_STATIC, NULL);
    printf("I_InitGraphics: /dev/fb0 %ux%u, the 320x200 frame at %dx scale\n", mode.xres, mode.yres, scale);

    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
    {
        signal(fatal[i], FatalSignal);
    }
    I_AtExit(I_ShutdownGraphics, true);
    /* Not a console (a pipe, or a terminal other than the machine's): nothing to switch, not an error. */
    console_in_graphics = ioctl(STDIN_FILENO, KDSETMODE, KD_GRAPHICS) == 0;
    Keyboard_Open();
    ClearScreen();

    I_SetPalette(W_CacheLumpName(DEH_String("PLAYPAL"), PU_CACHE));
    I_VideoBuffer = frame;
    V_RestoreBuffer();
    memset(frame, 0, sizeof(frame));
    noblit = M_CheckParm("-noblit") > 0;
}

void I_GraphicsCheckCommandLine(void)
{
}

void I_CheckIsScreensaver(void)
{
}

/* Gamma level 0 shows the WAD's colours as they are: DOOM's table for it adds 1 to the darker half
 * (invisible on the VGA's 6-bit DAC, which chocolate-doom emulates by dropping the low 2 bits; this
 * screen has 8). Levels 1 to 4 (F11) are DOOM's tables. */
void I_SetPalette(byte *doompalette)
{
    memcpy(palette_rgb, doompalette, sizeof(palette_rgb));
    for (int i = 0; i < 256; i++)
    {
        int r = doompalette[i * 3], g = doompalette[i * 3 + 1], b = doompalette[i * 3 + 2];
        if (usegamma > 0 && usegamma < 5)
        {
            r = gammatable[usegamma][r];
            g = gammatable[usegamma][g];
            b = gammatable[usegamma][b];
        }
        palette[i] = Pixel(r, g, b);
    }
}

int I_GetPaletteIndex(int r, int g, int b)
{
    int best = 0, best_diff = 1 << 30;
    for (int i = 0; i < 256; i++)
    {
        int dr = r - palette_rgb[i * 3], dg = g - palette_rgb[i * 3 + 1], db = b - palette_rgb[i * 3 + 2];
        int diff = dr * dr + dg * dg + db * db;
        if (diff < best_diff)
        {
            best = i;
            best_diff = diff;
        }
        if (diff == 0)
        {
            break;
        }
    }
    return best;
}

void I_UpdateNoBlit(void)
{
}

void I_FinishUpdate(void)
{
    if (screen == NULL || noblit)
    {
        return;
    }
    for (int y = 0; y < source_height; y++)
    {
        const pixel_t *in = frame + y * SCREENWIDTH;
        uint32_t *out = row;
        uint8_t *line = screen + (size_t)(top + y * scale) * line_length + (size_t)left * 4;
        for (int x = 0; x < source_width; x++)
        {
            uint32_t pixel = palette[in[x]];
            for (int i = 0; i < scale; i++)
            {
                *out++ = pixel;
            }
        }
        for (int i = 0; i < scale; i++)
        {
            memcpy(line + (size_t)i * line_length, row, sizeof(*row) * source_width * scale);
        }
    }
}

void I_ReadScreen(pixel_t *scr)
{
    memcpy(scr, I_VideoBuffer, SCREENWIDTH * SCREENHEIGHT * sizeof(*scr));
}

void I_BeginRead(void)
{
}

void I_SetWindowTitle(const char *title)
{
    (void)title;
}

void I_InitWindowTitle(void)
{
}

void I_RegisterWindowIcon(const unsigned int *icon, int width, int height)
{
    (void)icon;
    (void)width;
    (void)height;
}

void I_InitWindowIcon(void)
{
}

void I_SetGrabMouseCallback(grabmouse_callback_t func)
{
    (void)func;
}

void I_DisplayFPSDots(boolean dots_on)
{
    (void)dots_on;
}

void I_EnableLoadingDisk(int xoffs, int yoffs)
{
    (void)xoffs;
    (void)yoffs;
}

void I_GetWindowPosition(int *x, int *y, int w, int h)
{
    (void)w;
    (void)h;
    *x = 0;
    *y = 0;
}

void I_StartFrame(void)
{
}

void I_StartTic(void)
{
    Keyboard_Poll();
}

void I_BindVideoVariables(void)
{
    M_BindIntVariable("usegamma", &usegamma);
}
