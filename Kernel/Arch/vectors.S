// Exception vectors: every entry saves the whole context (x0-x30, SP, ELR, SPSR, ESR, FAR, and the
// full FP/SIMD state) into a TrapFrame on the exception stack (SP_EL1) and calls the managed
// ExceptionDispatch(TrapFrame*, kind). Kinds: 0-3 current EL on SP0 (kernel code, which runs on
// SP_EL0), 4-7 current EL on SPx (an exception inside a handler), 8-11 lower EL AArch64,
// 12-15 lower EL AArch32 (sync, irq, fiq, serror in each group).

#define FRAME_SIZE 816

.macro VECTOR kind
    .balign 128
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       exception_common
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global exception_vectors
exception_vectors:
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    VECTOR 4
    VECTOR 5
    VECTOR 6
    VECTOR 7
    VECTOR 8
    VECTOR 9
    VECTOR 10
    VECTOR 11
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15

    .text
exception_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, spsr_el1            // SP before the exception: SP_EL0 unless it came from EL1h
    and     x1, x1, #0xf
    cmp     x1, #5
    mrs     x1, sp_el0
    add     x2, sp, #FRAME_SIZE
    csel    x1, x2, x1, eq
    stp     x30, x1, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #272]
    mrs     x2, fpsr
    mrs     x3, fpcr
    stp     x2, x3, [sp, #288]
    add     x2, sp, #304
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]

    mov     x1, x0                  // kind
    mov     x0, sp                  // TrapFrame*
    cmp     x1, #8
    b.hs    from_user
    // A frame record linking the handler's backtrace to the interrupted code.
    ldr     x29, [sp, #232]
    bl      ExceptionDispatch

restore_frame:
    add     x2, sp, #304
    ldp     q0, q1, [x2, #0]
    ldp     q2, q3, [x2, #32]
    ldp     q4, q5, [x2, #64]
    ldp     q6, q7, [x2, #96]
    ldp     q8, q9, [x2, #128]
    ldp     q10, q11, [x2, #160]
    ldp     q12, q13, [x2, #192]
    ldp     q14, q15, [x2, #224]
    ldp     q16, q17, [x2, #256]
    ldp     q18, q19, [x2, #288]
    ldp     q20, q21, [x2, #320]
    ldp     q22, q23, [x2, #352]
    ldp     q24, q25, [x2, #384]
    ldp     q26, q27, [x2, #416]
    ldp     q28, q29, [x2, #448]
    ldp     q30, q31, [x2, #480]
    ldp     x2, x3, [sp, #288]
    msr     fpsr, x2
    msr     fpcr, x3
    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME_SIZE
    eret

// From EL0: SP_EL1 pointed at the top of the running thread's kernel stack, so the frame sits
// there. Point SP_EL1 back at the exception stack (for exceptions taken while the kernel handles
// this one) and run the handler on SP_EL0, on the thread's kernel stack just below its frame: the
// handler may block and switch threads, and it returns through ret_to_user.
from_user:
    mov     x19, x0                 // the frame (callee-saved: survives the call)
    adrp    x2, exception_stack_top
    add     x2, x2, :lo12:exception_stack_top
    mov     sp, x2
    msr     spsel, #0
    mov     sp, x19
    mov     x29, xzr
    bl      ExceptionDispatch
    // fall through

// x19 = TrapFrame* at the top of the current thread's kernel stack. Restores the user context
// and returns to EL0; afterwards SP_EL1 = the top of this thread's kernel stack.
    .global cpu_ret_to_user
    .type cpu_ret_to_user, %function
cpu_ret_to_user:
    msr     daifset, #0xf
    msr     spsel, #1
    mov     sp, x19
    ldr     x2, [sp, #248]
    msr     sp_el0, x2
    b       restore_frame

// First entry of a thread into user mode: cpu_switch_context "returns" here with x19 = frame.
    .global cpu_user_thread_start
    .type cpu_user_thread_start, %function
cpu_user_thread_start:
    b       cpu_ret_to_user

    .global cpu_user_thread_start_address
    .type cpu_user_thread_start_address, %function
cpu_user_thread_start_address:
    adrp    x0, cpu_user_thread_start
    add     x0, x0, :lo12:cpu_user_thread_start
    ret
