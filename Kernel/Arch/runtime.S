// Runtime helpers that compiled C# calls with register contracts of their own.

    .text

// Write barriers. There is no garbage collector, so a barrier is just the store.
// RhpAssignRefArm64 / RhpCheckedAssignRefArm64: x14 = destination, x15 = reference; x14 += 8.
    .global RhpAssignRefArm64
    .global RhpCheckedAssignRefArm64
RhpAssignRefArm64:
RhpCheckedAssignRefArm64:
    str     x15, [x14], #8
    ret

// RhpByRefAssignRefArm64: x13 = source, x14 = destination; both advance by 8; x15 trashed.
    .global RhpByRefAssignRefArm64
RhpByRefAssignRefArm64:
    ldr     x15, [x13], #8
    str     x15, [x14], #8
    ret

// C-convention variants: x0 = destination, x1 = reference.
    .global RhpAssignRef
    .global RhpCheckedAssignRef
RhpAssignRef:
RhpCheckedAssignRef:
    str     x1, [x0]
    ret

// Interface dispatch: x11 = dispatch cell, x0 = this, x1-x7 and q0-q7 = arguments.
// Resolve (through the managed cache) and tail-call the implementation.
    .global RhpInitialDynamicInterfaceDispatch
RhpInitialDynamicInterfaceDispatch:
    stp     x29, x30, [sp, #-224]!
    mov     x29, sp
    stp     x0, x1, [sp, #16]
    stp     x2, x3, [sp, #32]
    stp     x4, x5, [sp, #48]
    stp     x6, x7, [sp, #64]
    stp     x8, x11, [sp, #80]
    stp     q0, q1, [sp, #96]
    stp     q2, q3, [sp, #128]
    stp     q4, q5, [sp, #160]
    stp     q6, q7, [sp, #192]
    mov     x1, x11
    bl      ResolveInterfaceDispatch
    mov     x16, x0
    ldp     q6, q7, [sp, #192]
    ldp     q4, q5, [sp, #160]
    ldp     q2, q3, [sp, #128]
    ldp     q0, q1, [sp, #96]
    ldp     x8, x11, [sp, #80]
    ldp     x6, x7, [sp, #64]
    ldp     x4, x5, [sp, #48]
    ldp     x2, x3, [sp, #32]
    ldp     x0, x1, [sp, #16]
    ldp     x29, x30, [sp], #224
    br      x16

// Stack-cookie value checked by methods with stackalloc buffers.
    .data
    .balign 8
    .global __security_cookie
__security_cookie:
    .quad   0x2B992DDFA2329D5A
