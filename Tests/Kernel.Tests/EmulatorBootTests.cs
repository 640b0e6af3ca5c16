namespace Kernel.Tests;

/// <summary>
/// The boot tests on our emulator of the virt board (Emulator/, run as dotnet Emulator.dll with QEMU's
/// options; built once in Release when it is not built), one at a time; they may run alongside the
/// QEMU set.
/// </summary>
[Collection("emulator")]
public class EmulatorBootTests : KernelBootTests
{
    protected override BootMachine Machine => BootMachine.Emulator;

    // The emulator has only the physical timer: its tree lists PPI 13 and 14, so the kernel takes
    // the non-secure physical timer (PPI 14).
    protected override string? ExpectedTimer => "physical timer irq 30";
}

[CollectionDefinition("emulator", DisableParallelization = true)]
public class EmulatorCollection
{
}
