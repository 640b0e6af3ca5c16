namespace Emulator.System.Tests;

/// <summary>A bare-metal guest that sets up ramfb as firmware does and draws a known picture (QMP's and the window's tests).</summary>
public static class RamfbGuest
{
    public const int Width = 64;
    public const int Height = 48;

    /// <summary>
    /// Waits for a byte on the serial console, then configures a 64x48 XR24 ramfb at 0x41000000 and fills it
    /// with a pattern; prints what it does, and idles.
    /// </summary>
    public static readonly string Source = $$"""
            .equ FW_CFG, 0x09020000
            .equ UART_FR, 0x09000018
            .equ FB, 0x41000000
            .equ WIDTH, {{Width}}
            .equ HEIGHT, {{Height}}

        main:
            ldr x1, =waiting
            bl puts
            ldr x2, =UART_FR
        0:  ldr w3, [x2]
            tbnz w3, #4, 0b              // RXFE: nothing typed yet

            // Select the file directory (key 0x19): a 16-bit big-endian selector.
            ldr x9, =FW_CFG
            mov w0, #0x19
            rev16 w0, w0
            strh w0, [x9, #8]
            .macro read_be reg, count
            mov \reg, #0
            .rept \count
            ldrb w4, [x9]
            orr \reg, w4, \reg, lsl #8
            .endr
            .endm
            read_be w10, 4               // number of files
        1:  cbz w10, not_found
            read_be w11, 4               // size
            read_be w12, 2               // selector
            read_be w11, 2               // reserved
            ldr x1, =name
            mov x3, #56
        2:  ldrb w4, [x9]
            strb w4, [x1], #1
            subs x3, x3, #1
            b.ne 2b
            ldr x1, =name
            ldr x2, =ramfb_name
        3:  ldrb w4, [x1], #1
            ldrb w5, [x2], #1
            cmp w4, w5
            b.ne 4f
            cbnz w4, 3b
            b found
        4:  sub w10, w10, #1
            b 1b

        found:
            // RAMFBCfg, big-endian: addr, fourcc, flags, width, height, stride.
            ldr x1, =cfg
            ldr x2, =FB
            rev x2, x2
            str x2, [x1]
            ldr w2, =0x34325258          // XR24
            rev w2, w2
            str w2, [x1, #8]
            str wzr, [x1, #12]
            mov w2, #WIDTH
            rev w2, w2
            str w2, [x1, #16]
            mov w2, #HEIGHT
            rev w2, w2
            str w2, [x1, #20]
            str wzr, [x1, #24]
            // FWCfgDmaAccess: control = selector << 16 | select | write, length 28, address of cfg.
            ldr x1, =dma
            lsl w2, w12, #16
            orr w2, w2, #(8 | 16)
            rev w2, w2
            str w2, [x1]
            mov w2, #28
            rev w2, w2
            str w2, [x1, #4]
            ldr x2, =cfg
            rev x2, x2
            str x2, [x1, #8]
            rev x2, x1
            str x2, [x9, #16]            // the DMA address register, big-endian: starts the transfer
            ldr w2, [x1]
            cbnz w2, dma_failed

            // Pixel (x, y) = red x*4, green y*5, blue (x^y)*3, with junk in the unused byte.
            ldr x1, =FB
            mov w6, #0                   // y
        5:  mov w5, #0                   // x
        6:  lsl w7, w5, #2
            mov w8, #5
            mul w8, w6, w8
            eor w3, w5, w6
            add w3, w3, w3, lsl #1
            and w3, w3, #0xff
            lsl w7, w7, #16
            orr w7, w7, w8, lsl #8
            orr w7, w7, w3
            orr w7, w7, #0xf0000000
            str w7, [x1], #4
            add w5, w5, #1
            cmp w5, #WIDTH
            b.ne 6b
            add w6, w6, #1
            cmp w6, #HEIGHT
            b.ne 5b
            ldr x1, =ready
            bl puts
            b idle

        not_found:
            ldr x1, =missing
            bl puts
            b idle
        dma_failed:
            ldr x1, =failed
            bl puts
        idle:
            wfi
            b idle
            .ltorg

            .data
            .balign 16
        dma: .skip 16
        cfg: .skip 32
        name: .skip 64
        ramfb_name: .asciz "etc/ramfb"
        waiting: .asciz "waiting\n"
        ready: .asciz "ramfb ready\n"
        missing: .asciz "no etc/ramfb\n"
        failed: .asciz "DMA failed\n"
        """;

    /// <summary>The colour the guest gives pixel (x, y): red x*4, green y*5, blue (x^y)*3.</summary>
    public static (byte R, byte G, byte B) Pixel(int x, int y) => ((byte)(x * 4), (byte)(y * 5), (byte)((x ^ y) * 3));
}
