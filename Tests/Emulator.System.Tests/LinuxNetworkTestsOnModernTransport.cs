namespace Emulator.System.Tests;

/// <summary>The network checks on our machine with virtio-mmio version 2 (VERSION_1: the 12-byte virtio-net header).</summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class LinuxNetworkTestsOnModernTransport(LinuxNetworkTestsOnModernTransport.Machine machine)
    : LinuxNetworkTests(machine), IClassFixture<LinuxNetworkTestsOnModernTransport.Machine>
{
    public sealed class Machine() : LinuxNetwork(qemu: false, legacy: false);
}
