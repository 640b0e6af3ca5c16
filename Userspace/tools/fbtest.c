/* fbtest: the framebuffer device as programs use it (fbdev, /dev/fb0).
 *   fbtest info   prints the mode from FBIOGET_VSCREENINFO and FBIOGET_FSCREENINFO
 *   fbtest mode graphics|text
 *                 KDSETMODE on the console (standard input): KD_GRAPHICS hands the screen to programs (the text
 *                 console stops drawing), KD_TEXT takes it back; prints the mode KDGETMODE then reports
 *   fbtest draw   maps the framebuffer and fills it with a pattern the host can check in a screenshot:
 *                 pixel (x, y) = red (x * 3 + y) & 255, green (y * 5) & 255, blue (x ^ y) & 255; then
 *                 checks that read() sees what the mapping wrote, that FBIOPUT_VSCREENINFO gives the
 *                 mode back, and that FBIOPAN_DISPLAY accepts the origin
 * The structures are Linux's <linux/fb.h> for arm64, written out here (musl has no kernel headers). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct bitfield { uint32_t offset, length, msb_right; };
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
_Static_assert(sizeof(struct var_info) == 160, "fb_var_screeninfo");
_Static_assert(sizeof(struct fix_info) == 80, "fb_fix_screeninfo");

#define FBIOGET_VSCREENINFO 0x4600
#define FBIOPUT_VSCREENINFO 0x4601
#define FBIOGET_FSCREENINFO 0x4602
#define FBIOPAN_DISPLAY 0x4606
#define KDSETMODE 0x4B3A
#define KDGETMODE 0x4B3B

static int fail(const char *what)
{
    printf("fbtest: %s: %s\n", what, strerror(errno));
    return 1;
}

static uint32_t pattern(uint32_t x, uint32_t y)
{
    return ((x * 3 + y) & 255) << 16 | ((y * 5) & 255) << 8 | ((x ^ y) & 255);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "info";
    if (strcmp(mode, "mode") == 0 && argc > 2) {
        int graphics = strcmp(argv[2], "graphics") == 0;
        if (ioctl(0, KDSETMODE, graphics ? 1 : 0) < 0)
            return fail("KDSETMODE");
        int now = -1;
        if (ioctl(0, KDGETMODE, &now) < 0)
            return fail("KDGETMODE");
        printf("fbtest: console mode %s\n", now == 1 ? "graphics" : now == 0 ? "text" : "unknown");
        return 0;
    }
    int fd = open("/dev/fb0", O_RDWR);
    if (fd < 0)
        return fail("open /dev/fb0");
    struct var_info var;
    struct fix_info fix;
    if (ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0)
        return fail("FBIOGET_VSCREENINFO");
    if (ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0)
        return fail("FBIOGET_FSCREENINFO");
    if (strcmp(mode, "info") == 0) {
        printf("fb: %ux%u virtual %ux%u, %u bpp, rgba offsets %u/%u/%u/%u lengths %u/%u/%u/%u\n", var.xres, var.yres,
               var.xres_virtual, var.yres_virtual, var.bits_per_pixel, var.red.offset, var.green.offset,
               var.blue.offset, var.transp.offset, var.red.length, var.green.length, var.blue.length, var.transp.length);
        printf("fb: id %.16s, %u bytes, line %u bytes, type %u, visual %u\n", fix.id, fix.smem_len, fix.line_length,
               fix.type, fix.visual);
        return 0;
    }
    if (strcmp(mode, "draw") != 0) {
        printf("usage: fbtest info|draw\n");
        return 2;
    }
    if (var.bits_per_pixel != 32 || fix.line_length < var.xres * 4 || fix.smem_len < fix.line_length * var.yres) {
        printf("fbtest: unexpected mode %u bpp, line %u\n", var.bits_per_pixel, fix.line_length);
        return 1;
    }
    uint8_t *fb = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED)
        return fail("mmap");
    for (uint32_t y = 0; y < var.yres; y++) {
        uint32_t *line = (uint32_t *)(fb + (size_t)y * fix.line_length);
        for (uint32_t x = 0; x < var.xres; x++)
            line[x] = pattern(x, y);
    }
    uint32_t row[64];
    uint32_t y = var.yres / 2;
    if (pread(fd, row, sizeof row, (off_t)y * fix.line_length) != (ssize_t)sizeof row)
        return fail("pread");
    for (uint32_t x = 0; x < 64 && x < var.xres; x++)
        if (row[x] != pattern(x, y)) {
            printf("fbtest: read() saw %08x at (%u, %u), the mapping wrote %08x\n", row[x], x, y, pattern(x, y));
            return 1;
        }
    struct var_info asked = var;
    asked.xres = var.xres / 2;
    if (ioctl(fd, FBIOPUT_VSCREENINFO, &asked) < 0)
        return fail("FBIOPUT_VSCREENINFO");
    if (asked.xres != var.xres)
        printf("fbtest: FBIOPUT_VSCREENINFO changed the width to %u\n", asked.xres);
    if (ioctl(fd, FBIOPAN_DISPLAY, &var) < 0)
        return fail("FBIOPAN_DISPLAY");
    if (munmap(fb, fix.smem_len) < 0)
        return fail("munmap");
    printf("fbtest: drew %ux%u\n", var.xres, var.yres);
    return 0;
}
