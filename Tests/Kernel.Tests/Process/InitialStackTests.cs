using System.Buffers.Binary;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

public class InitialStackTests
{
    /// <summary>
    /// A freestanding program that writes its initial SP, the end of the AT_EXECFN string and every
    /// byte in between (argc, argv, envp, auxv, the platform and random bytes, all strings) to stdout.
    /// </summary>
    private const string DumpProgram = """
        static long sys(long n, long a, long b, long c)
        {
            register long x8 __asm__("x8") = n;
            register long x0 __asm__("x0") = a;
            register long x1 __asm__("x1") = b;
            register long x2 __asm__("x2") = c;
            __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
            return x0;
        }
        __asm__(".global _start\n_start:\n mov x0, sp\n bl dump\n");
        void dump(unsigned long *sp)
        {
            unsigned long argc = sp[0];
            unsigned long *p = sp + 1 + argc + 1;
            while (*p) p++;
            p++;
            unsigned long execfn = 0;
            for (; p[0]; p += 2) if (p[0] == 31) execfn = p[1];
            const char *e = (const char *)execfn;
            while (*e) e++;
            unsigned long end = (unsigned long)e + 1;
            unsigned long start = (unsigned long)sp;
            sys(64, 1, (long)&start, 8);
            sys(64, 1, (long)&end, 8);
            sys(64, 1, start, end - start);
            sys(93, 0, 0, 0);
        }
        """;

    /// <summary>An initial stack read back from memory: the same reader serves our image and a real one.</summary>
    private sealed class StackImage
    {
        private readonly byte[] _memory;
        private readonly ulong _base;

        public StackImage(byte[] memory, ulong baseAddress, ulong sp)
        {
            _memory = memory;
            _base = baseAddress;
            Sp = sp;
            ulong p = sp;
            Argc = (int)U64(p);
            p += 8;
            for (int i = 0; i < Argc; i++, p += 8)
                ArgvPointers.Add(U64(p));
            Assert.Equal(0UL, U64(p));
            p += 8;
            EnvpAddress = p;
            for (; U64(p) != 0; p += 8)
                EnvpPointers.Add(U64(p));
            p += 8;
            AuxvAddress = p;
            for (; ; p += 16)
            {
                Auxv.Add((U64(p), U64(p + 8)));
                if (U64(p) == 0)
                    break;
            }
            AuxvEnd = p + 16;
        }

        public ulong Sp { get; }
        public int Argc { get; }
        public List<ulong> ArgvPointers { get; } = new();
        public List<ulong> EnvpPointers { get; } = new();
        public List<(ulong Type, ulong Value)> Auxv { get; } = new();
        public ulong EnvpAddress { get; }
        public ulong AuxvAddress { get; }
        public ulong AuxvEnd { get; }

        public ulong U64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(_memory.AsSpan(checked((int)(address - _base))));

        public byte[] Bytes(ulong address, int length) => _memory.AsSpan(checked((int)(address - _base)), length).ToArray();

        public string String(ulong address)
        {
            int start = checked((int)(address - _base));
            int end = Array.IndexOf(_memory, (byte)0, start);
            return Encoding.UTF8.GetString(_memory, start, end - start);
        }

        public ulong Aux(ulong type) => Auxv.Single(a => a.Type == type).Value;

        public List<string> Argv => ArgvPointers.Select(String).ToList();
        public List<string> Envp => EnvpPointers.Select(String).ToList();
    }

    private static byte[] Block(params string[] strings) => Encoding.UTF8.GetBytes(string.Concat(strings.Select(s => s + "\0")));

    private static readonly byte[] RandomBytes = Enumerable.Range(0, 16).Select(i => (byte)(0xa0 + i)).ToArray();

    private const ulong Top = 0x0000_7fff_ffff_f000;

    private static (long Result, StackImage? Image, InitialStackLayout Layout, byte[] Memory) Build(string[] argv, string[] envp, string execFn,
        AuxValues aux, int size = 65536, ulong top = Top)
    {
        byte[] memory = new byte[size];
        Array.Fill(memory, (byte)0xcc);
        long r = InitialStack.Build(memory, top, Block(argv), Block(envp), Encoding.UTF8.GetBytes(execFn), aux, RandomBytes, out InitialStackLayout layout);
        return (r, r < 0 ? null : new StackImage(memory, top - (ulong)size, (ulong)r), layout, memory);
    }

    private static AuxValues SampleAux()
    {
        AuxValues aux = default;
        aux.Phdr = 0x400040;
        aux.Phent = 56;
        aux.Phnum = 6;
        aux.PageSize = 4096;
        aux.Entry = 0x400580;
        aux.ClockTicks = 100;
        aux.HwCap = AuxValues.HWCAP_FP | AuxValues.HWCAP_ASIMD;
        aux.HwCap2 = 2;
        aux.Uid = 1000; aux.Euid = 1001; aux.Gid = 100; aux.Egid = 101;
        aux.Secure = 1;
        aux.Flags = 0;
        aux.MinSigStackSize = AuxValues.MinSignalStackSize;
        return aux;
    }

    /// <summary>The initial SP Linux computes for these strings, worked out independently of the builder.</summary>
    private static ulong LinuxSp(string[] argv, string[] envp, string execFn, ulong top, int auxPairs)
    {
        ulong strings = (ulong)(Block(argv).Length + Block(envp).Length + Encoding.UTF8.GetByteCount(execFn) + 1 + (argv.Length == 0 ? 1 : 0));
        ulong argStart = top - 8 - strings;
        ulong p = (argStart & ~15UL) - 8 - 16;       // arch_align_stack, platform, random
        int argc = Math.Max(argv.Length, 1);
        int items = argc + 1 + envp.Length + 1 + 1;
        return (p - (ulong)(2 * auxPairs + items) * 8) & ~15UL;
    }

    [Fact]
    public void Image_reads_back_with_every_pointer_right()
    {
        string[] argv = { "busybox", "sh", "-c", "echo hello" };
        string[] envp = { "HOME=/", "TERM=linux", "PATH=/bin:/sbin" };
        var (r, image, layout, memory) = Build(argv, envp, "/bin/busybox", SampleAux());
        Assert.True(r > 0, $"result {r}");
        StackImage s = image!;

        Assert.Equal(0UL, s.Sp % 16);
        Assert.Equal(LinuxSp(argv, envp, "/bin/busybox", Top, 20), s.Sp);
        Assert.Equal(argv.Length, s.Argc);
        Assert.Equal(argv, s.Argv);
        Assert.Equal(envp, s.Envp);

        // Linux's auxv order (create_elf_tables with arm64's ARCH_DLINFO first).
        ulong[] order = { 51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 0 };
        Assert.Equal(order, s.Auxv.Select(a => a.Type));
        Assert.Equal(0x400040UL, s.Aux(3));
        Assert.Equal(56UL, s.Aux(4));
        Assert.Equal(6UL, s.Aux(5));
        Assert.Equal(4096UL, s.Aux(6));
        Assert.Equal(0UL, s.Aux(7));
        Assert.Equal(0x400580UL, s.Aux(9));
        Assert.Equal(1000UL, s.Aux(11));
        Assert.Equal(1001UL, s.Aux(12));
        Assert.Equal(100UL, s.Aux(13));
        Assert.Equal(101UL, s.Aux(14));
        Assert.Equal(3UL, s.Aux(16));
        Assert.Equal(100UL, s.Aux(17));
        Assert.Equal(1UL, s.Aux(23));
        Assert.Equal(2UL, s.Aux(26));
        Assert.Equal(4720UL, s.Aux(51));
        Assert.Equal(RandomBytes, s.Bytes(s.Aux(25), 16));
        Assert.Equal("aarch64", s.String(s.Aux(15)));
        Assert.Equal("/bin/busybox", s.String(s.Aux(31)));

        // Strings: argv[0] lowest, each string right after the previous, then the environment, then
        // AT_EXECFN, then an 8-byte NULL at the very top.
        ulong next = s.ArgvPointers[0];
        foreach (ulong a in s.ArgvPointers.Concat(s.EnvpPointers))
        {
            Assert.Equal(next, a);
            next = a + (ulong)Encoding.UTF8.GetByteCount(s.String(a)) + 1;
        }
        Assert.Equal(next, s.Aux(31));
        Assert.Equal(Top - 8, s.Aux(31) + (ulong)"/bin/busybox".Length + 1);
        Assert.Equal(0UL, s.U64(Top - 8));
        // Platform right below the 16-aligned argv[0], random bytes right below that, the tables below those.
        Assert.Equal((s.ArgvPointers[0] & ~15UL) - 8, s.Aux(15));
        Assert.Equal(s.Aux(15) - 16, s.Aux(25));
        Assert.True(s.AuxvEnd <= s.Aux(25));
        Assert.True(s.Aux(25) - s.AuxvEnd < 16, "only alignment padding between the tables and the random bytes");

        // The layout record agrees.
        Assert.Equal(s.Sp, layout.StackPointer);
        Assert.Equal(s.Sp + 8, layout.Argv);
        Assert.Equal(s.EnvpAddress, layout.Envp);
        Assert.Equal(s.AuxvAddress, layout.Auxv);
        Assert.Equal(40, layout.AuxvWords);
        Assert.Equal(s.ArgvPointers[0], layout.ArgStart);
        Assert.Equal(s.EnvpPointers[0], layout.ArgEnd);
        Assert.Equal(s.EnvpPointers[0], layout.EnvStart);
        Assert.Equal(s.Aux(31), layout.EnvEnd);
        Assert.Equal(s.Aux(31), layout.ExecFn);
        Assert.Equal(s.Aux(15), layout.Platform);
        Assert.Equal(s.Aux(25), layout.Random);
        Assert.Equal(argv.Length, layout.Argc);
        Assert.Equal(envp.Length, layout.Envc);

        // Nothing below SP was touched.
        int below = (int)(s.Sp - (Top - (ulong)memory.Length));
        Assert.All(memory[..below], b => Assert.Equal(0xcc, b));
    }

    [Fact]
    public void Vdso_entry_comes_first_when_there_is_one()
    {
        AuxValues aux = SampleAux();
        aux.SysInfoEhdr = 0x7fff_f7ff_e000;
        var (r, s, layout, _) = Build(new[] { "a" }, Array.Empty<string>(), "a", aux);
        Assert.True(r > 0);
        Assert.Equal((33UL, 0x7fff_f7ff_e000UL), s!.Auxv[0]);
        Assert.Equal((51UL, 4720UL), s.Auxv[1]);
        Assert.Equal(21, s.Auxv.Count);
        Assert.Equal(42, layout.AuxvWords);
        Assert.Equal(LinuxSp(new[] { "a" }, Array.Empty<string>(), "a", Top, 21), s.Sp);
    }

    [Fact]
    public void Empty_argv_gets_an_empty_argv0_like_linux()
    {
        var (r, s, layout, _) = Build(Array.Empty<string>(), new[] { "X=1" }, "/bin/prog", SampleAux());
        Assert.True(r > 0);
        Assert.Equal(1, s!.Argc);
        Assert.Equal(new[] { "" }, s.Argv);
        Assert.Equal(s.ArgvPointers[0] + 1, s.EnvpPointers[0]);
        Assert.Equal(new[] { "X=1" }, s.Envp);
        Assert.Equal(1, layout.Argc);
        Assert.Equal(LinuxSp(Array.Empty<string>(), new[] { "X=1" }, "/bin/prog", Top, 20), s.Sp);
    }

    [Fact]
    public void Exactly_the_needed_size_fits_and_one_byte_less_is_E2BIG()
    {
        string[] argv = { "prog", "an argument" };
        string[] envp = { "A=1" };
        var (r, _, _, _) = Build(argv, envp, "/prog", SampleAux());
        Assert.True(r > 0);
        int needed = (int)(Top - (ulong)r);
        Assert.Equal(r, Build(argv, envp, "/prog", SampleAux(), needed).Result);
        Assert.Equal(-Errno.E2BIG, Build(argv, envp, "/prog", SampleAux(), needed - 1).Result);
        Assert.Equal(-Errno.E2BIG, Build(argv, envp, "/prog", SampleAux(), 16).Result);
        Assert.Equal(-Errno.E2BIG, Build(argv, envp, "/prog", SampleAux(), 0).Result);
    }

    [Fact]
    public void Strings_longer_than_MAX_ARG_STRLEN_are_E2BIG()
    {
        string longest = new('x', InitialStack.MaxStringLength - 1);
        Assert.True(Build(new[] { "p", longest }, Array.Empty<string>(), "p", SampleAux(), 1 << 20).Result > 0);
        Assert.Equal(-Errno.E2BIG, Build(new[] { "p", longest + "x" }, Array.Empty<string>(), "p", SampleAux(), 1 << 20).Result);
        Assert.Equal(-Errno.E2BIG, Build(new[] { "p" }, new[] { longest + "x" }, "p", SampleAux(), 1 << 20).Result);
    }

    [Fact]
    public void Malformed_input_is_EINVAL()
    {
        byte[] memory = new byte[4096];
        AuxValues aux = SampleAux();
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, Top, "abc"u8, default, "p"u8, aux, RandomBytes, out _));      // no final NUL
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, Top, "a\0"u8, "x"u8, "p"u8, aux, RandomBytes, out _));
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, Top, "a\0"u8, default, "p\0q"u8, aux, RandomBytes, out _));   // NUL inside the path
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, Top - 8, "a\0"u8, default, "p"u8, aux, RandomBytes, out _));  // unaligned top
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, Top, "a\0"u8, default, "p"u8, aux, RandomBytes.AsSpan(1), out _));
        Assert.Equal(-Errno.EINVAL, InitialStack.Build(memory, 2048, "a\0"u8, default, "p"u8, aux, RandomBytes, out _));     // buffer below address 0
        Assert.Equal(3, InitialStack.CountStrings("a\0\0bc\0"u8));
        Assert.Equal(0, InitialStack.CountStrings(default));
    }

    [Fact]
    public void Random_inputs_either_fit_exactly_or_report_E2BIG()
    {
        var random = new Random(99);
        for (int round = 0; round < 300; round++)
        {
            string Word() => new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next('!', '~')).ToArray());
            string[] argv = Enumerable.Range(0, random.Next(0, 20)).Select(_ => Word()).ToArray();
            string[] envp = Enumerable.Range(0, random.Next(0, 20)).Select(_ => Word() + "=" + Word()).ToArray();
            string execFn = "/" + Word();
            int size = random.Next(0, 3000);
            var (r, s, _, _) = Build(argv, envp, execFn, SampleAux(), size);
            ulong sp = LinuxSp(argv, envp, execFn, Top, 20);
            if (Top - sp > (ulong)size)
            {
                Assert.Equal(-Errno.E2BIG, r);
                continue;
            }
            Assert.Equal((long)sp, r);
            Assert.Equal(argv.Length == 0 ? new List<string> { "" } : argv.ToList(), s!.Argv);
            Assert.Equal(envp, s.Envp);
            Assert.Equal(execFn, s.String(s.Aux(31)));
        }
    }

    [Fact]
    public void Layout_matches_what_a_real_program_sees_under_qemu()
    {
        string program = Arm64Tools.Compile(DumpProgram, "-static -nostdlib -O2 -fno-stack-protector");
        string[] argv = { "prog", "x", "yy" };
        string[] env = { "A=1", "BB=22" };
        var (exit, output) = Arm64Tools.RunArm64(program, argv, env);
        Assert.Equal(0, exit);
        ulong sp = BinaryPrimitives.ReadUInt64LittleEndian(output);
        ulong end = BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(8));
        Assert.Equal((int)(end - sp), output.Length - 16);
        var real = new StackImage(output[16..], sp, sp);
        Assert.Equal(argv, real.Argv);
        Assert.Equal(env.Order(), real.Envp.Order());   // qemu passes -E variables in its own order

        // Our image for the same program, strings and environment order.
        byte[] file = File.ReadAllBytes(program);
        Assert.Equal(0, ElfImage.Parse(file, (ulong)file.Length, out ElfImage elf));
        AuxValues aux = AuxValues.ForImage(elf);
        string execFn = real.String(real.Aux(31));
        var (r, ours, _, _) = Build(argv, real.Envp.ToArray(), execFn, aux);
        Assert.True(r > 0);

        // Same values where qemu and Linux agree on meaning.
        foreach (ulong type in new ulong[] { 3, 4, 5, 6, 7, 8, 9, 17 })
            Assert.True(real.Aux(type) == ours!.Aux(type), $"auxv type {type}: qemu {real.Aux(type):x}, ours {ours.Aux(type):x}");
        Assert.Equal(real.Envp, ours!.Envp);
        Assert.Equal(real.String(real.Aux(15)), ours.String(ours.Aux(15)));
        // Same entries, plus AT_MINSIGSTKSZ which Linux adds on arm64 and qemu-user does not.
        Assert.Equal(real.Auxv.Select(a => a.Type).Append(51UL).Order(), ours.Auxv.Select(a => a.Type).Order());

        // Same ordering of the regions, from SP upwards, in both.
        foreach (StackImage s in new[] { real, ours })
        {
            Assert.Equal(0UL, s.Sp % 16);
            Assert.True(s.AuxvEnd <= s.Aux(25), "tables below the random bytes");
            Assert.True(s.Aux(25) + 16 <= s.Aux(15), "random bytes below the platform string");
            Assert.True(s.Aux(15) + 8 <= s.ArgvPointers[0], "platform string below the argument strings");
            Assert.True(s.ArgvPointers.SequenceEqual(s.ArgvPointers.Order()), "argv strings ascend");
            Assert.True(s.ArgvPointers[^1] < s.EnvpPointers.Min(), "environment strings above the arguments");
            Assert.True(s.EnvpPointers.Max() < s.Aux(31), "AT_EXECFN above the environment");
        }
        // The distance from SP to the strings differs only by the two extra auxv words and alignment.
        long realDistance = (long)(real.ArgvPointers[0] - real.Sp);
        long ourDistance = (long)(ours.ArgvPointers[0] - ours.Sp);
        Assert.InRange(ourDistance - realDistance, 16 - 32, 16 + 32);
    }
}
