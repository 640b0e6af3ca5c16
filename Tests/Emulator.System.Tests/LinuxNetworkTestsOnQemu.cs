namespace Emulator.System.Tests;

/// <summary>The same network checks on QEMU's own virt board with the same options: the reference the others must match.</summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class LinuxNetworkTestsOnQemu(LinuxNetworkTestsOnQemu.Machine machine)
    : LinuxNetworkTests(machine), IClassFixture<LinuxNetworkTestsOnQemu.Machine>
{
    public sealed class Machine() : LinuxNetwork(qemu: true, legacy: true);
}
