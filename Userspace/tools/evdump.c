/* evdump: an input device through Linux's evdev interface (/dev/input/eventN), as evtest shows it.
 *   evdump [DEVICE [COUNT [grab]]]
 * Prints the device's name, ids, phys and the event types and some codes it reports; then, with a COUNT,
 * reads events until COUNT key events (EV_KEY) have come and prints each as "event TYPE CODE VALUE",
 * with "grab" holding the device (EVIOCGRAB) meanwhile, so that its keys reach nobody else. The
 * numbers are Linux's <linux/input.h>, written out here (musl has no kernel headers). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct input_event_ { long sec, usec; uint16_t type, code; int32_t value; };
struct input_id_ { uint16_t bustype, vendor, product, version; };
_Static_assert(sizeof(struct input_event_) == 24, "input_event");

#define IOC(dir, nr, size) (((unsigned long)(dir) << 30) | ((unsigned long)(size) << 16) | ('E' << 8) | (nr))
#define EVIOCGVERSION IOC(2, 0x01, 4)
#define EVIOCGID IOC(2, 0x02, 8)
#define EVIOCGNAME(len) IOC(2, 0x06, len)
#define EVIOCGPHYS(len) IOC(2, 0x07, len)
#define EVIOCGBIT(ev, len) IOC(2, 0x20 + (ev), len)
#define EVIOCGKEY(len) IOC(2, 0x18, len)
#define EVIOCGRAB IOC(1, 0x90, 4)

static int has(const uint8_t *bits, int code) { return (bits[code / 8] >> (code % 8)) & 1; }

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/dev/input/event0";
    int count = argc > 2 ? atoi(argv[2]) : 0;
    int grab = argc > 3 && strcmp(argv[3], "grab") == 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("evdump: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    int version = 0;
    struct input_id_ id;
    char name[256] = "", phys[64] = "";
    uint8_t types[8] = {0}, keys[96] = {0};
    if (ioctl(fd, EVIOCGVERSION, &version) < 0 || ioctl(fd, EVIOCGID, &id) < 0) {
        printf("evdump: ioctl: %s\n", strerror(errno));
        return 1;
    }
    int n = ioctl(fd, EVIOCGNAME(sizeof name), name);
    ioctl(fd, EVIOCGPHYS(sizeof phys), phys);
    int tn = ioctl(fd, EVIOCGBIT(0, sizeof types), types);
    int kn = ioctl(fd, EVIOCGBIT(1, sizeof keys), keys);
    printf("evdump: version %#x, name \"%s\" (%d bytes), phys \"%s\", bus %#x vendor %#x product %#x version %#x\n",
           version, name, n, phys, id.bustype, id.vendor, id.product, id.version);
    printf("evdump: types%s%s%s%s%s (%d bytes), keys %d bytes: KEY_A %d, KEY_ENTER %d, BTN_LEFT %d\n",
           has(types, 0) ? " SYN" : "", has(types, 1) ? " KEY" : "", has(types, 2) ? " REL" : "",
           has(types, 3) ? " ABS" : "", has(types, 0x11) ? " LED" : "", tn, kn, has(keys, 30), has(keys, 28), has(keys, 0x110));
    if (grab && ioctl(fd, EVIOCGRAB, 1) < 0) {
        printf("evdump: EVIOCGRAB: %s\n", strerror(errno));
        return 1;
    }
    if (count > 0) {
        printf("evdump: waiting for %d key events\n", count);
        fflush(stdout);
    }
    int seen = 0;
    while (seen < count) {
        struct input_event_ ev[16];
        ssize_t got = read(fd, ev, sizeof ev);
        if (got < 0 || got % (ssize_t)sizeof ev[0] != 0) {
            printf("evdump: read gave %zd: %s\n", got, strerror(errno));
            return 1;
        }
        for (int i = 0; i < got / (ssize_t)sizeof ev[0]; i++) {
            printf("event %u %u %d\n", ev[i].type, ev[i].code, ev[i].value);
            if (ev[i].type == 1)
                seen++;
        }
        fflush(stdout);
    }
    uint8_t state[96];
    if (count > 0 && ioctl(fd, EVIOCGKEY(sizeof state), state) >= 0) {
        int down = 0;
        for (int k = 0; k < 768; k++)
            down += has(state, k);
        printf("evdump: %d keys down\n", down);
    }
    return 0;
}
