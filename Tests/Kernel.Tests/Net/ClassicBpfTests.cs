using Kernel.Logic;
using Kernel.Logic.Net;

namespace Kernel.Tests.Net;

/// <summary>Classic BPF socket filters: Linux's checks on attach, and what a program keeps.</summary>
public class ClassicBpfTests
{
    private static byte[] Program(params (ushort Code, byte Jt, byte Jf, uint K)[] instructions)
    {
        var p = new byte[instructions.Length * 8];
        for (int i = 0; i < instructions.Length; i++)
        {
            LittleEndian.Put16(p, 8 * i, instructions[i].Code);
            p[8 * i + 2] = instructions[i].Jt;
            p[8 * i + 3] = instructions[i].Jf;
            LittleEndian.Put32(p, 8 * i + 4, instructions[i].K);
        }
        return p;
    }

    /// <summary>udhcpc's filter (networking/udhcp/d6_socket... dhcpc.c): IPv4 UDP to port 68, not a fragment, else drop.</summary>
    private static readonly byte[] Udhcpc = Program(
        (0x30, 0, 0, 9),          // ldb [9]          protocol
        (0x15, 0, 6, 17),         // jeq #17          UDP
        (0x28, 0, 0, 6),          // ldh [6]          fragment field
        (0x45, 4, 0, 0x1FFF),     // jset #0x1fff     a fragment: drop
        (0xB1, 0, 0, 0),          // ldxb 4*([0]&0xf) header length
        (0x48, 0, 0, 2),          // ldh [x + 2]      destination port
        (0x15, 0, 1, 68),         // jeq #68
        (0x06, 0, 0, 0xFFFFFFFF), // ret #-1          keep all
        (0x06, 0, 0, 0));         // ret #0           drop

    private static uint Run(byte[] program, byte[] packet, int dataOffset = 0)
    {
        Assert.Equal(0, ClassicBpf.Validate(program));
        var context = new ClassicBpf.Context { Protocol = 0x0008, PacketType = 1, Ifindex = 2, HardwareType = 1 };
        return ClassicBpf.Run(program, packet, dataOffset, dataOffset, in context);
    }

    [Fact]
    public void Udhcpc_filter_keeps_udp_to_68_and_drops_the_rest()
    {
        byte[] toClient = Frames.Ip(0x0A000202, 0xFFFFFFFF, 17, Frames.Udp(0x0A000202, 67, 0xFFFFFFFF, 68, "offer"u8));
        byte[] toOther = Frames.Ip(0x0A000202, 0xFFFFFFFF, 17, Frames.Udp(0x0A000202, 67, 0xFFFFFFFF, 69, "offer"u8));
        byte[] icmp = Frames.Ip(0x0A000202, 0x0A00020F, 1, Frames.Echo(8, 1, 1, "x"u8));
        byte[] fragment = Frames.Ip(0x0A000202, 0xFFFFFFFF, 17, Frames.Udp(0x0A000202, 67, 0xFFFFFFFF, 68, "offer"u8), fragment: 0x2001); // a later fragment
        Assert.Equal(0xFFFFFFFFu, Run(Udhcpc, toClient));
        Assert.Equal(0u, Run(Udhcpc, toOther));
        Assert.Equal(0u, Run(Udhcpc, icmp));
        Assert.Equal(0u, Run(Udhcpc, fragment));
        // The same frame with its Ethernet header before the data the filter sees (a SOCK_DGRAM socket).
        byte[] frame = Frames.FromGateway(MacAddress.Broadcast, toClient);
        Assert.Equal(0xFFFFFFFFu, Run(Udhcpc, frame, 14));
    }

    [Fact]
    public void Return_value_truncates_and_arithmetic_memory_and_ancillary_data_work()
    {
        byte[] p = Program(
            (0x00, 0, 0, 7),            // ld #7
            (0x04, 0, 0, 5),            // add #5           12
            (0x02, 0, 0, 3),            // st M[3]
            (0x01, 0, 0, 2),            // ldx #2
            (0x2C, 0, 0, 0),            // mul x            24
            (0x61, 0, 0, 3),            // ldx M[3]         12
            (0x1C, 0, 0, 0),            // sub x            12
            (0x20, 0, 0, 0xFFFFF000 + 8), // ld ifindex   2
            (0x0C, 0, 0, 0),            // add x            14
            (0x16, 0, 0, 0));           // ret a
        Assert.Equal(14u, Run(p, new byte[100]));
        byte[] len = Program((0x80, 0, 0, 0), (0x16, 0, 0, 0)); // ld len; ret a
        Assert.Equal(33u, Run(len, new byte[47], 14));
    }

    [Fact]
    public void Loads_outside_the_packet_and_division_by_a_zero_X_drop()
    {
        Assert.Equal(0u, Run(Program((0x20, 0, 0, 10), (0x06, 0, 0, 1)), new byte[12]));
        Assert.Equal(0u, Run(Program((0x01, 0, 0, 0), (0x00, 0, 0, 9), (0x3C, 0, 0, 0), (0x06, 0, 0, 1)), new byte[12]));
        // The link-layer header through SKF_LL_OFF: byte 12 of the frame is its type's high byte.
        Assert.Equal(8u, Run(Program((0x30, 0, 0, 0xFFE00000 + 12), (0x16, 0, 0, 0)), Frames.FromGateway(MacAddress.Broadcast, new byte[20]), 14));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("no return at the end")]
    [InlineData("jump past the end")]
    [InlineData("conditional jump past the end")]
    [InlineData("unknown opcode")]
    [InlineData("division by constant zero")]
    [InlineData("memory read before write")]
    [InlineData("memory index out of range")]
    [InlineData("shift by 32")]
    [InlineData("unknown ancillary")]
    [InlineData("too long")]
    public void Bad_programs_are_refused(string what)
    {
        byte[] p = what switch
        {
            "empty" => Array.Empty<byte>(),
            "no return at the end" => Program((0x00, 0, 0, 1)),
            "jump past the end" => Program((0x05, 0, 0, 1), (0x06, 0, 0, 0)),
            "conditional jump past the end" => Program((0x15, 1, 0, 1), (0x06, 0, 0, 0)),
            "unknown opcode" => Program((0xFF, 0, 0, 0), (0x06, 0, 0, 0)),
            "division by constant zero" => Program((0x34, 0, 0, 0), (0x06, 0, 0, 0)),
            "memory read before write" => Program((0x15, 0, 1, 1), (0x02, 0, 0, 4), (0x60, 0, 0, 4), (0x06, 0, 0, 0)),
            "memory index out of range" => Program((0x02, 0, 0, 16), (0x06, 0, 0, 0)),
            "shift by 32" => Program((0x64, 0, 0, 32), (0x06, 0, 0, 0)),
            "unknown ancillary" => Program((0x20, 0, 0, 0xFFFFF000 + 12), (0x06, 0, 0, 0)),
            _ => new byte[8 * 4097],
        };
        Assert.Equal(-Errno.EINVAL, ClassicBpf.Validate(p));
    }

    [Fact]
    public void Random_programs_that_validate_always_end_without_harm()
    {
        var rng = new Random(26);
        var packet = new byte[64];
        rng.NextBytes(packet);
        int accepted = 0;
        ushort[] codes = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x0C, 0x14, 0x24, 0x2C, 0x34, 0x3C, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0xA4,
            0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x60, 0x61, 0x80, 0x81, 0xB1, 0x05, 0x15, 0x1D, 0x25, 0x35, 0x45, 0x07, 0x87, 0x06, 0x16 };
        for (int i = 0; i < 20000; i++)
        {
            int n = rng.Next(1, 12);
            var p = new (ushort, byte, byte, uint)[n];
            for (int j = 0; j < n; j++)
                p[j] = (codes[rng.Next(codes.Length)], (byte)rng.Next(4), (byte)rng.Next(4), (uint)rng.Next(-4, 70));
            p[n - 1] = ((ushort)(rng.Next(2) == 0 ? 0x06 : 0x16), 0, 0, (uint)rng.Next(100));
            byte[] program = Program(p);
            if (ClassicBpf.Validate(program) != 0)
                continue;
            accepted++;
            var context = new ClassicBpf.Context();
            ClassicBpf.Run(program, packet, 0, 0, in context);
        }
        Assert.True(accepted > 1000, $"only {accepted} programs validated");
    }
}
