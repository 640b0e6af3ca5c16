namespace Emulator.System.Tests;

/// <summary>The network checks on our machine, on QEMU's default virtio-mmio layout (legacy: the 10-byte virtio-net header).</summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class LinuxNetworkTestsOnOurMachine(LinuxNetworkTestsOnOurMachine.Machine machine)
    : LinuxNetworkTests(machine), IClassFixture<LinuxNetworkTestsOnOurMachine.Machine>
{
    public sealed class Machine() : LinuxNetwork(qemu: false, legacy: true);
}
