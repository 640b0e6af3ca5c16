using System;
using Kernel.Drivers.Virtio;
using Kernel.Fs;
using Kernel.Logic;
using Kernel.Logic.Input;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Tty;

namespace Kernel.Input
{
    /// <summary>
    /// The input layer between the input devices (<see cref="VirtioInput"/>) and their users, as Linux's
    /// input core with its evdev and keyboard handlers: each event goes to the open /dev/input/eventN files
    /// of its device (<see cref="EvdevFile"/>; only to the one that grabbed it, if one did) and, from a
    /// keyboard nobody grabbed, through <see cref="KeyboardTranslator"/> into the console terminal, so keys
    /// typed into the display reach the shell as serial input does. Readers wake at each SYN_REPORT, on
    /// the device as channel. All of it runs with interrupts masked.
    /// </summary>
    public static unsafe class InputHub
    {
        public const int MaxClients = 16;

        private static EvdevFile?[]? s_clients;
        private static EvdevFile?[]? s_grab;
        private static KeyboardTranslator?[]? s_keyboards;

        /// <summary>At boot, after the devices were probed.</summary>
        public static void Initialize()
        {
            s_clients = new EvdevFile?[VirtioInput.MaxDevices * MaxClients];
            s_grab = new EvdevFile?[VirtioInput.MaxDevices];
            s_keyboards = new KeyboardTranslator?[VirtioInput.MaxDevices];
            for (int i = 0; i < VirtioInput.Count; i++)
                if (VirtioInput.At(i)!.IsKeyboard)
                    s_keyboards[i] = new KeyboardTranslator();
            VirtioInput.EventSink = &Deliver;
        }

        /// <summary>Adds an open file to those its device's events go to; false when it has too many (interrupts masked).</summary>
        public static bool AddClient(VirtioInput device, EvdevFile file)
        {
            for (int i = device.Index * MaxClients; i < (device.Index + 1) * MaxClients; i++)
                if (s_clients![i] == null)
                {
                    s_clients[i] = file;
                    return true;
                }
            return false;
        }

        /// <summary>A file closed (interrupts masked): it gets no more events, and a grab it held ends.</summary>
        public static void RemoveClient(VirtioInput device, EvdevFile file)
        {
            for (int i = device.Index * MaxClients; i < (device.Index + 1) * MaxClients; i++)
                if (s_clients![i] == file)
                    s_clients[i] = null;
            if (s_grab![device.Index] == file)
                s_grab[device.Index] = null;
        }

        /// <summary>EVIOCGRAB (interrupts masked): 0, or -EBUSY when another file holds the device; release: -EINVAL unless this file holds it.</summary>
        public static int Grab(VirtioInput device, EvdevFile file, bool grab)
        {
            ref EvdevFile? holder = ref s_grab![device.Index];
            if (grab)
            {
                if (holder != null)
                    return -Errno.EBUSY;
                holder = file;
                return 0;
            }
            if (holder != file)
                return -Errno.EINVAL;
            holder = null;
            return 0;
        }

        private static void Deliver(VirtioInput device, InputEvent e)
        {
            if (e.TimeNs == 0)
                e.TimeNs = Clock.MonotonicNanoseconds();
            EvdevFile? holder = s_grab![device.Index];
            if (holder != null)
            {
                holder.Queue(e);
            }
            else
            {
                for (int i = device.Index * MaxClients; i < (device.Index + 1) * MaxClients; i++)
                    s_clients![i]?.Queue(e);
                KeyboardTranslator? keyboard = s_keyboards![device.Index];
                if (keyboard != null)
                {
                    Span<byte> typed = stackalloc byte[8];
                    int n = keyboard.Translate(e, typed);
                    if (n > 0)
                        SerialConsole.Instance.Receive(typed.Slice(0, n));
                }
            }
            if (e.IsReport)
                Scheduler.WakeAll(device);
        }
    }
}
