using Kernel.Logic;
using Kernel.Logic.Virtio;

namespace Kernel.Tests.Virtio;

public class VirtioFeaturesTests
{
    private static ulong Bits(params int[] bits) => bits.Aggregate(0UL, (a, b) => a | 1UL << b);

    [Fact]
    public void A_modern_driver_accepts_what_both_sides_support_plus_version_1()
    {
        ulong offered = Bits(VirtioBlockProtocol.FeatureFlush, VirtioBlockProtocol.FeatureSegMax, 11, 28, 29, 32, 33);
        Assert.Equal(0, VirtioFeatures.Negotiate(offered, VirtioBlockProtocol.Supported, true, out ulong accepted));
        Assert.Equal(Bits(VirtioBlockProtocol.FeatureFlush, VirtioBlockProtocol.FeatureSegMax, 29, 32), accepted);
    }

    [Fact]
    public void A_modern_transport_whose_device_lacks_version_1_is_refused()
        => Assert.Equal(-Errno.ENODEV, VirtioFeatures.Negotiate(Bits(9, 29), VirtioBlockProtocol.Supported, true, out _));

    [Fact]
    public void A_legacy_transport_never_gets_version_1_or_high_bits()
    {
        Assert.Equal(0, VirtioFeatures.Negotiate(Bits(5, 9, 29, 32, 33), VirtioBlockProtocol.Supported, false, out ulong accepted));
        Assert.Equal(Bits(5, 9, 29), accepted);
    }

    [Fact]
    public void Event_index_is_only_taken_when_the_driver_supports_it()
    {
        VirtioFeatures.Negotiate(Bits(29, 32), VirtioFeatures.Bit(VirtioFeatures.Version1), true, out ulong accepted);
        Assert.Equal(Bits(32), accepted);
    }
}
