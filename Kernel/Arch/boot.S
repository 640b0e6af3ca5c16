// Boot: entered from the boot loader like Linux (x0 = physical address of the device tree,
// MMU off, at EL2 or EL1). Drops to EL1, enables FP/SIMD, clears BSS, builds the boot page tables
// (kernel image in the upper half, identity map of the gigabytes holding the kernel and the DTB),
// turns the MMU on and calls the managed KernelEntry at its upper-half address.

#define KERNEL_VBASE    0xFFFFFF8000000000
#define PTE_TABLE       3
#define PTE_BLOCK       1
#define PTE_AF          (1 << 10)
#define PTE_SH_INNER    (3 << 8)
#define PTE_ATTR_NORMAL (1 << 2)            // MAIR index 1
#define BLOCK_NORMAL    (PTE_BLOCK | PTE_AF | PTE_SH_INNER | PTE_ATTR_NORMAL)

// MAIR: attr0 Device-nGnRE, attr1 Normal write-back, attr2 Normal non-cacheable.
#define MAIR_VALUE      0x000000000044ff04
// TCR: T0SZ=T1SZ=16 (48-bit), 4K granules, write-back inner shareable walks; IPS filled at run time.
#define TCR_VALUE       ((16) | (1 << 8) | (1 << 10) | (3 << 12) | (16 << 16) | (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30))

    .section .text.head, "ax"
    .global _head
_head:
    b       _start                  // code0
    .long   0                       // code1
    .quad   0                       // text_offset: load at a 2 MiB boundary
    .quad   __image_size            // image_size, BSS included
    .quad   0xA                     // flags: little endian, 4K pages, anywhere in RAM
    .quad   0, 0, 0                 // res2-res4
    .ascii  "ARM\x64"               // magic
    .long   0                       // res5

    .section .text.boot, "ax"
_start:
    mov     x19, x0                 // DTB physical address
    mrs     x20, cntpct_el0         // counter at entry, for the boot-time report
    mrs     x22, CurrentEL
    lsr     x22, x22, #2
    cmp     x22, #2
    b.ne    in_el1

    // At EL2: make EL1 AArch64, give it the counters and FP, and return to EL1.
    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    mrs     x1, cnthctl_el2
    orr     x1, x1, #3
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    ldr     x1, =0x30d00800
    msr     sctlr_el1, x1
    mov     x1, #0x3c5              // EL1h, DAIF masked
    msr     spsr_el2, x1
    adr     x1, in_el1
    msr     elr_el2, x1
    eret

in_el1:
    msr     daifset, #0xf
    mov     x1, #(3 << 20)          // CPACR_EL1.FPEN: no FP/SIMD traps (compiled C# uses q registers)
    msr     cpacr_el1, x1
    isb

    adrp    x21, _head              // physical load address of the image

    // Clear the boot page tables (MMU off: plain aligned stores); the rest of BSS is cleared
    // with DC ZVA once the MMU is on.
    adrp    x1, boot_id_l0
    adrp    x2, boot_tables_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:
    // Identity map (TTBR0): L0[pa >> 39] -> boot_id_l1; 1 GiB blocks for the kernel and the DTB.
    adrp    x1, boot_id_l0
    adrp    x2, boot_id_l1
    orr     x3, x2, #PTE_TABLE
    lsr     x4, x21, #39
    str     x3, [x1, x4, lsl #3]
    mov     x5, x21
    bl      map_gigabyte
    mov     x5, x19
    lsr     x4, x5, #39             // the DTB must share the kernel's 512 GiB slot
    lsr     x6, x21, #39
    cmp     x4, x6
    b.ne    3f
    bl      map_gigabyte
3:
    // Kernel image (TTBR1): L0[511] -> boot_k_l1, L1[0] -> boot_k_l2, 2 MiB blocks from x21.
    adrp    x1, boot_k_l0
    adrp    x2, boot_k_l1
    orr     x3, x2, #PTE_TABLE
    str     x3, [x1, #(511 * 8)]
    adrp    x3, boot_k_l2
    orr     x4, x3, #PTE_TABLE
    str     x4, [x2]
    ldr     x4, =__image_size
    add     x4, x4, #0x200000       // one spare block beyond the image
    mov     x5, x21
    mov     x6, #BLOCK_NORMAL
4:  orr     x7, x5, x6
    str     x7, [x3], #8
    add     x5, x5, #0x200000
    subs    x4, x4, #0x200000
    b.gt    4b

    // MMU registers.
    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    mrs     x2, id_aa64mmfr0_el1
    and     x2, x2, #7
    orr     x1, x1, x2, lsl #32     // IPS = PARange
    msr     tcr_el1, x1
    adrp    x1, boot_id_l0
    msr     ttbr0_el1, x1
    adrp    x1, boot_k_l0
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, #1              // M
    orr     x1, x1, #(1 << 2)       // C
    orr     x1, x1, #(1 << 12)      // I
    bic     x1, x1, #(1 << 1)       // A: unaligned accesses allowed on Normal memory
    ldr     x2, =((1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 26))
    orr     x1, x1, x2              // EL0 may use DC ZVA, read CTR_EL0, WFI/WFE, cache maintenance (as Linux allows)
    msr     sctlr_el1, x1
    isb
    ldr     x1, =upper_half
    br      x1

// x5 = a physical address; maps its 1 GiB block into boot_id_l1 (x2) as Normal memory.
map_gigabyte:
    lsr     x4, x5, #30
    and     x4, x4, #511
    lsr     x6, x5, #30
    lsl     x6, x6, #30
    mov     x7, #BLOCK_NORMAL
    orr     x6, x6, x7
    str     x6, [x2, x4, lsl #3]
    ret

upper_half:
    // Clear the rest of BSS (the boot tables, first in BSS, are live and already clear).
    adrp    x1, boot_tables_end
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
    mrs     x3, dczid_el0
    and     x3, x3, #0xf
    mov     x4, #4
    lsl     x4, x4, x3
3:  cmp     x1, x2
    b.hs    4f
    dc      zva, x1
    add     x1, x1, x4
    b       3b
4:
    // Exceptions run on their own stack (SP_EL1); kernel code runs on SP_EL0, so a kernel stack
    // overflow into the guard page below the boot stack still gets a working panic.
    adrp    x1, exception_stack_top
    add     x1, x1, :lo12:exception_stack_top
    mov     sp, x1
    msr     spsel, #0
    adrp    x1, boot_stack_top
    add     x1, x1, :lo12:boot_stack_top
    mov     sp, x1
    mov     x29, xzr
    mov     x30, xzr
    adrp    x1, exception_vectors
    add     x1, x1, :lo12:exception_vectors
    msr     vbar_el1, x1
    isb
    // BootInfo (Source/Boot/BootInfo.cs)
    adrp    x0, boot_info
    add     x0, x0, :lo12:boot_info
    str     x19, [x0, #0]
    str     x21, [x0, #8]
    ldr     x1, =__image_start
    str     x1, [x0, #16]
    ldr     x1, =__image_size
    str     x1, [x0, #24]
    str     x20, [x0, #32]
    str     x22, [x0, #40]
    ldr     x1, =__modules_start
    str     x1, [x0, #48]
    ldr     x1, =__modules_end
    str     x1, [x0, #56]
    ldr     x1, =__text_end
    str     x1, [x0, #64]
    ldr     x1, =__rodata_end
    str     x1, [x0, #72]
    ldr     x1, =boot_stack_guard
    str     x1, [x0, #80]
    bl      KernelEntry
5:  wfe
    b       5b

    .section .bss.boot_tables, "aw", %nobits
    .balign 4096
boot_id_l0:     .space 4096
boot_id_l1:     .space 4096
boot_k_l0:      .space 4096
boot_k_l1:      .space 4096
boot_k_l2:      .space 4096
boot_tables_end:

    .section .bss
    .balign 4096
    .global boot_stack_guard
boot_stack_guard: .space 4096      // unmapped by the kernel tables
boot_stack:     .space 65536
boot_stack_top:
    .balign 16
exception_stack: .space 16384
    .global exception_stack_top
exception_stack_top:
    .balign 16
    .global boot_info
boot_info:      .space 128
