using System;
using Kernel.Drivers;
using Kernel.Logic.Fs;
using Kernel.Logic.Tty;

namespace Kernel.Tty
{
    /// <summary>
    /// The serial console as a terminal (/dev/console, /dev/ttyAMA0, and /dev/tty for its session): the
    /// UART's input goes through the line discipline (<see cref="Terminal.Receive(byte)"/> from the receive
    /// interrupt), output straight to the UART. When the input queue is full the UART is throttled
    /// (input held back in its FIFO) until a read makes room.
    /// </summary>
    public sealed unsafe class SerialConsole : Terminal
    {
        private static SerialConsole? s_instance;

        /// <summary>The console (after <see cref="Initialize"/>).</summary>
        public static SerialConsole Instance => s_instance!;

        private SerialConsole() : base(DeviceNumber.Make(204, 64), Termios.SerialConsole())
        {
            Discipline.WindowSize = new WinSize { Rows = 24, Columns = 80 };
        }

        public static void Initialize()
        {
            s_instance = new SerialConsole();
            Pl011.ReceiverHasRoom = &HasRoom;
            Pl011.Receiver = &ReceiveFromUart;
        }

        private static bool HasRoom() => s_instance!.InputHasRoom;

        /// <summary>From the UART interrupt.</summary>
        private static void ReceiveFromUart(byte b) => s_instance!.Receive(b);

        protected override void Transmit(ReadOnlySpan<byte> bytes)
        {
            for (int i = 0; i < bytes.Length; i++)
                Pl011.WriteByte(bytes[i]);
        }

        /// <summary>KDSETMODE and KDGETMODE hand the framebuffer console's screen to a program and back.</summary>
        protected override int DriverIoctl(uint command, ulong argument) => Display.FramebufferConsole.Ioctl(command, argument);

        /// <summary>After input was consumed or flushed (interrupts masked): let held-back UART input in.</summary>
        protected override void InputConsumed()
        {
            if (Pl011.Throttled && InputHasRoom)
                Pl011.Resume();
        }
    }
}
