// Small CPU operations the managed kernel calls directly (AAPCS64; C# declares them with RuntimeImport).

    .text
    .macro FUNC name
    .global \name
    .type \name, %function
\name:
    .endm

FUNC cpu_counter                    // virtual count (CNTVCT_EL0)
    isb
    mrs     x0, cntvct_el0
    ret

FUNC cpu_counter_frequency
    mrs     x0, cntfrq_el0
    ret

FUNC cpu_vtimer_set_compare         // x0 = virtual count at which the EL1 virtual timer fires; enables it unmasked
    msr     cntv_cval_el0, x0
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    ret

FUNC cpu_vtimer_stop
    msr     cntv_ctl_el0, xzr
    isb
    ret

FUNC cpu_ptimer_set_compare         // x0 = physical count at which the EL1 physical timer fires; enables it unmasked
    msr     cntp_cval_el0, x0
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    isb
    ret

FUNC cpu_ptimer_stop
    msr     cntp_ctl_el0, xzr
    isb
    ret

FUNC cpu_irq_enable
    msr     daifclr, #2
    ret

FUNC cpu_irq_disable
    msr     daifset, #2
    ret

FUNC cpu_wait_for_interrupt
    dsb     sy
    wfi
    ret

FUNC cpu_tlb_invalidate_va          // x0 = virtual address (any EL1 translation, all ASIDs)
    dsb     ishst
    lsr     x0, x0, #12
    tlbi    vaae1is, x0
    dsb     ish
    isb
    ret

FUNC cpu_tlb_invalidate_all
    dsb     ishst
    tlbi    vmalle1is
    dsb     ish
    isb
    ret

FUNC cpu_set_translation_tables     // x0 = TTBR0 (0: none, walks disabled), x1 = TTBR1
    dsb     ishst
    mrs     x2, tcr_el1
    cbnz    x0, 1f
    orr     x2, x2, #(1 << 7)       // EPD0: no walks for the lower half: null pointers fault
    b       2f
1:  bic     x2, x2, #(1 << 7)
2:  msr     tcr_el1, x2
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1is
    dsb     ish
    isb
    ret

FUNC cpu_frame_pointer
    mov     x0, x29
    ret

FUNC cpu_halt                       // stop for good: mask everything (Cpu.Halt silences the tick first)
    msr     daifset, #0xf
    isb
1:  wfi
    b       1b

FUNC cpu_physical_counter
    isb
    mrs     x0, cntpct_el0
    ret

FUNC cpu_zero_memory                // x0 = address, x1 = bytes; both multiples of the DC ZVA block (64)
    mrs     x2, dczid_el0
    and     x2, x2, #0xf
    mov     x3, #4
    lsl     x3, x3, x2              // block size in bytes
    add     x1, x0, x1
1:  cmp     x0, x1
    b.hs    2f
    dc      zva, x0
    add     x0, x0, x3
    b       1b
2:  ret

FUNC cpu_irq_save                   // returns the DAIF bits, then masks IRQs
    mrs     x0, daif
    msr     daifset, #2
    ret

FUNC cpu_irq_restore                // x0 = DAIF bits from cpu_irq_save
    msr     daif, x0
    ret

FUNC cpu_read_tpidr_el0
    mrs     x0, tpidr_el0
    ret

FUNC cpu_write_tpidr_el0
    msr     tpidr_el0, x0
    ret

FUNC cpu_set_user_tables            // x0 = TTBR0 value (ASID in bits 63:48, 0 = no user space)
    mrs     x2, tcr_el1
    cbnz    x0, 1f
    orr     x2, x2, #(1 << 7)       // EPD0: no lower-half walks
    b       2f
1:  bic     x2, x2, #(1 << 7)
2:  msr     tcr_el1, x2
    msr     ttbr0_el1, x0
    isb
    ret

FUNC cpu_tlb_invalidate_asid        // x0 = ASID: drops every non-global translation tagged with it
    dsb     ishst
    lsl     x0, x0, #48
    tlbi    aside1is, x0
    dsb     ish
    isb
    ret

FUNC cpu_tlb_invalidate_user_page   // x0 = virtual address, x1 = ASID
    dsb     ishst
    ubfx    x0, x0, #12, #44
    orr     x0, x0, x1, lsl #48
    tlbi    vae1is, x0
    dsb     ish
    isb
    ret

FUNC cpu_read_daif
    mrs     x0, daif
    ret

FUNC cpu_hvc_call                   // x0..x3 = PSCI function and arguments; returns x0
    hvc     #0
    ret

FUNC cpu_smc_call
    smc     #0
    ret
