/*
 * The keyboard, from Linux's evdev (/dev/input/eventN): the first device whose key bitmap has
 * letter keys, grabbed (EVIOCGRAB) while DOOM runs so that the console does not type them too.
 * Linux key codes become DOOM's (doomkeys.h): data1 is the key, data2 the unshifted character
 * (a US keyboard), data3 the character typed (shift applied), as chocolate-doom's SDL input gives.
 * Replaces chocolate-doom's i_input.c and i_joystick.c (no mouse, no joystick).
 * The evdev structures are Linux's <linux/input.h> for arm64, written out (musl has no kernel headers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "d_event.h"
#include "doomkeys.h"
#include "doomtype.h"
#include "i_input.h"
#include "i_joystick.h"
#include "i_video.h"
#include "m_config.h"
#include "platform.h"

struct input_event_ {
    long sec, usec;
    uint16_t type, code;
    int32_t value;
};
_Static_assert(sizeof(struct input_event_) == 24, "struct input_event on arm64");

#define IOC(dir, nr, size) (((unsigned long)(dir) << 30) | ((unsigned long)(size) << 16) | ('E' << 8) | (nr))
#define EVIOCGBIT(ev, len) IOC(2, 0x20 + (ev), len)
#define EVIOCGRAB IOC(1, 0x90, sizeof(int))
#define EV_KEY 1
#define LINUX_KEY_ENTER 28
#define LINUX_KEY_A 30
#define LINUX_KEY_Z 44
#define LINUX_KEY_LEFTSHIFT 42
#define LINUX_KEY_RIGHTSHIFT 54
#define KEY_MAX_ 0x2ff

/* Linux key code -> DOOM key, for the keys a 105-key PC keyboard has. */
static const int key_map[128] = {
    [1] = KEY_ESCAPE, [2] = '1', [3] = '2', [4] = '3', [5] = '4', [6] = '5', [7] = '6', [8] = '7', [9] = '8',
    [10] = '9', [11] = '0', [12] = '-', [13] = '=', [14] = KEY_BACKSPACE, [15] = KEY_TAB,
    [16] = 'q', [17] = 'w', [18] = 'e', [19] = 'r', [20] = 't', [21] = 'y', [22] = 'u', [23] = 'i', [24] = 'o',
    [25] = 'p', [26] = '[', [27] = ']', [28] = KEY_ENTER, [29] = KEY_RCTRL,
    [30] = 'a', [31] = 's', [32] = 'd', [33] = 'f', [34] = 'g', [35] = 'h', [36] = 'j', [37] = 'k', [38] = 'l',
    [39] = ';', [40] = '\'', [41] = '`', [42] = KEY_RSHIFT, [43] = '\\',
    [44] = 'z', [45] = 'x', [46] = 'c', [47] = 'v', [48] = 'b', [49] = 'n', [50] = 'm', [51] = ',', [52] = '.',
    [53] = '/', [54] = KEY_RSHIFT, [55] = KEYP_MULTIPLY, [56] = KEY_LALT, [57] = ' ', [58] = KEY_CAPSLOCK,
    [59] = KEY_F1, [60] = KEY_F2, [61] = KEY_F3, [62] = KEY_F4, [63] = KEY_F5, [64] = KEY_F6, [65] = KEY_F7,
    [66] = KEY_F8, [67] = KEY_F9, [68] = KEY_F10, [69] = KEY_NUMLOCK, [70] = KEY_SCRLCK,
    [71] = KEYP_7, [72] = KEYP_8, [73] = KEYP_9, [74] = KEYP_MINUS, [75] = KEYP_4, [76] = KEYP_5, [77] = KEYP_6,
    [78] = KEYP_PLUS, [79] = KEYP_1, [80] = KEYP_2, [81] = KEYP_3, [82] = KEYP_0, [87] = KEY_F11, [88] = KEY_F12,
    [96] = KEYP_ENTER, [97] = KEY_RCTRL, [98] = KEYP_DIVIDE, [99] = KEY_PRTSCR, [100] = KEY_RALT,
    [102] = KEY_HOME, [103] = KEY_UPARROW, [104] = KEY_PGUP, [105] = KEY_LEFTARROW, [106] = KEY_RIGHTARROW,
    [107] = KEY_END, [108] = KEY_DOWNARROW, [109] = KEY_PGDN, [110] = KEY_INS, [111] = KEY_DEL,
    [117] = KEYP_EQUALS, [119] = KEY_PAUSE,
};

/* The character a printable key types with shift held, on a US keyboard. */
static int Shifted(int c)
{
    static const char from[] = "1234567890-=[];'`\\,./";
    static const char to[] = "!@#$%^&*()_+{}:\"~|<>?";
    const char *at;
    if (c >= 'a' && c <= 'z')
    {
        return c - 'a' + 'A';
    }
    at = strchr(from, c);
    return at != NULL && c != 0 ? to[at - from] : c;
}

static int keyboard = -1;
static int shift_down[2];

int vanilla_keyboard_mapping = true;
float mouse_acceleration = 2.0f;
int mouse_threshold = 10;

int Keyboard_Open(void)
{
    for (int n = 0; n < 32; n++)
    {
        char path[32];
        uint8_t keys[(KEY_MAX_ + 8) / 8] = { 0 };
        int fd;
        snprintf(path, sizeof(path), "/dev/input/event%d", n);
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
        {
            if (errno == ENOENT)
            {
                break;
            }
            continue;
        }
        if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) >= 0
            && (keys[LINUX_KEY_A / 8] >> (LINUX_KEY_A % 8) & 1) && (keys[LINUX_KEY_Z / 8] >> (LINUX_KEY_Z % 8) & 1)
            && (keys[LINUX_KEY_ENTER / 8] >> (LINUX_KEY_ENTER % 8) & 1))
        {
            if (ioctl(fd, EVIOCGRAB, 1) < 0)
            {
                fprintf(stderr, "Keyboard_Open: could not grab %s: %s\n", path, strerror(errno));
            }
            keyboard = fd;
            printf("Keyboard_Open: keys from %s\n", path);
            return 1;
        }
        close(fd);
    }
    fprintf(stderr, "Keyboard_Open: no /dev/input/event* device has letter keys: no keyboard\n");
    return 0;
}

void Keyboard_Close(void)
{
    if (keyboard >= 0)
    {
        int fd = keyboard;
        keyboard = -1;
        ioctl(fd, EVIOCGRAB, 0);
        close(fd);
    }
}

static void PostKey(int code, int value)
{
    event_t event = { 0 };
    int key = code < (int)(sizeof(key_map) / sizeof(key_map[0])) ? key_map[code] : 0;
    if (code == LINUX_KEY_LEFTSHIFT || code == LINUX_KEY_RIGHTSHIFT)
    {
        shift_down[code == LINUX_KEY_RIGHTSHIFT] = value != 0;
    }
    if (key == 0)
    {
        return;
    }
    event.data1 = key;
    if (value == 0)
    {
        event.type = ev_keyup;
    }
    else
    {
        /* A press, or the keyboard's repeat of a held key (value 2), as SDL gives both. */
        event.type = ev_keydown;
        event.data2 = key < 128 ? key : 0;
        if (key < 128 && key >= ' ')
        {
            event.data3 = shift_down[0] || shift_down[1] ? Shifted(key) : key;
        }
        else if (key == KEY_ENTER || key == KEY_BACKSPACE)
        {
            event.data3 = key;
        }
    }
    D_PostEvent(&event);
}

void Keyboard_Poll(void)
{
    struct input_event_ events[32];
    ssize_t got;
    if (keyboard < 0)
    {
        return;
    }
    while ((got = read(keyboard, events, sizeof(events))) > 0)
    {
        for (size_t i = 0; i < (size_t)got / sizeof(events[0]); i++)
        {
            if (events[i].type == EV_KEY)
            {
                PostKey(events[i].code, events[i].value);
            }
        }
    }
}

void I_BindInputVariables(void)
{
    M_BindIntVariable("vanilla_keyboard_mapping", &vanilla_keyboard_mapping);
}

void I_ReadMouse(void)
{
}

void I_StartTextInput(int x1, int y1, int x2, int y2)
{
    (void)x1;
    (void)y1;
    (void)x2;
    (void)y2;
}

void I_StopTextInput(void)
{
}

void I_InitJoystick(void)
{
}

void I_ShutdownJoystick(void)
{
}

void I_UpdateJoystick(void)
{
}

void I_BindJoystickVariables(void)
{
}
