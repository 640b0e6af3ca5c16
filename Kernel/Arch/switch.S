// Context switch between kernel threads.
// cpu_switch_context(x0 = CpuContext* save, x1 = CpuContext* load): saves the callee-saved state
// (x19-x28, fp, lr, sp, d8-d15: everything AAPCS64 lets a callee keep) of the running thread into
// *save and resumes the thread described by *load. Returns in the resumed thread.
// CpuContext layout: x19..x28 (80), x29 (88), x30 (96), sp (104), d8..d15 (168).

    .text
    .global cpu_switch_context
    .type cpu_switch_context, %function
cpu_switch_context:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x2, sp
    str     x2, [x0, #96]
    stp     d8, d9, [x0, #104]
    stp     d10, d11, [x0, #120]
    stp     d12, d13, [x0, #136]
    stp     d14, d15, [x0, #152]

    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x2, [x1, #96]
    mov     sp, x2
    ldp     d8, d9, [x1, #104]
    ldp     d10, d11, [x1, #120]
    ldp     d12, d13, [x1, #136]
    ldp     d14, d15, [x1, #152]
    ret

// First entry of a new thread: cpu_switch_context "returns" here with x19 = entry function,
// x20 = its argument. Calls entry(argument); a thread must not return from its entry.
    .global cpu_thread_start
    .type cpu_thread_start, %function
cpu_thread_start:
    mov     x0, x20
    mov     x29, xzr
    blr     x19
1:  wfe
    b       1b

    .global cpu_thread_start_address
    .type cpu_thread_start_address, %function
cpu_thread_start_address:
    adrp    x0, cpu_thread_start
    add     x0, x0, :lo12:cpu_thread_start
    ret
